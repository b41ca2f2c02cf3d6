import { Command } from "commander";
import {
  subscriptionCreateOptions,
  subscriptionTargetOptions,
  type OptionValues,
} from "../config/index.js";
import { printJson } from "./output.js";
import { addVerb } from "./verb.js";
import { localVaultRequest, readLocalEndpoint } from "../keyvault/index.js";

/**
 * `kvsync eventgrid subscription create|list|show|delete`: the local vault's event
 * subscriptions, through its ARM-shaped routes. `create` returns once the endpoint has passed
 * (or failed) its validation handshake, and says which.
 */
export function eventgridCommand(): Command {
  const subscription = new Command("subscription").description(
    "event subscriptions of the local vault",
  );
  addVerb(
    subscription,
    "create <name>",
    "create or update a subscription; its endpoint must pass the handshake",
    subscriptionCreateOptions,
    async (name, o) => {
      const result = await call(o.data, "PUT", `/eventSubscriptions/${name}`, createBody(o));
      const state = (result as { properties?: { provisioningState?: string } }).properties
        ?.provisioningState;
      if (state === "AwaitingManualAction") {
        process.stderr.write(
          "The endpoint answered without a validationResponse: GET the validationUrl it received within 10 minutes to finish.\n",
        );
      }
      printJson(result);
    },
  );
  addVerb(
    subscription,
    "list",
    "list subscriptions",
    subscriptionTargetOptions,
    async (_name, o) => {
      printJson(await call(o.data, "GET", "/eventSubscriptions"));
    },
  );
  addVerb(
    subscription,
    "show <name>",
    "show a subscription and its provisioningState",
    subscriptionTargetOptions,
    async (name, o) => {
      printJson(await call(o.data, "GET", `/eventSubscriptions/${name}`));
    },
  );
  addVerb(
    subscription,
    "delete <name>",
    "delete a subscription and its pending deliveries",
    subscriptionTargetOptions,
    async (name, o) => {
      await call(o.data, "DELETE", `/eventSubscriptions/${name}`);
      printJson({ name, deleted: true });
    },
  );
  return new Command("eventgrid")
    .description("Event Grid: the local vault's event subscriptions")
    .addCommand(subscription);
}

function createBody(o: OptionValues<typeof subscriptionCreateOptions>) {
  return {
    properties: {
      destination: {
        endpointType: "WebHook",
        properties: {
          endpointUrl: o.endpoint,
          ...(o.maxEventsPerBatch === undefined ? {} : { maxEventsPerBatch: o.maxEventsPerBatch }),
          ...(o.preferredBatchSizeInKilobytes === undefined
            ? {}
            : { preferredBatchSizeInKilobytes: o.preferredBatchSizeInKilobytes }),
          deliveryAttributeMappings: (o.deliveryHeader ?? []).map((pair) => ({
            name: pair.slice(0, pair.indexOf("=")),
            type: "Static",
            properties: { value: pair.slice(pair.indexOf("=") + 1), isSecret: true },
          })),
        },
      },
      filter: {
        includedEventTypes: o.includedEventTypes ?? null,
        ...(o.subjectBeginsWith === undefined ? {} : { subjectBeginsWith: o.subjectBeginsWith }),
        ...(o.subjectEndsWith === undefined ? {} : { subjectEndsWith: o.subjectEndsWith }),
      },
      eventDeliverySchema: o.schema,
      retryPolicy: {
        ...(o.maxDeliveryAttempts === undefined
          ? {}
          : { maxDeliveryAttempts: o.maxDeliveryAttempts }),
        ...(o.eventTtl === undefined ? {} : { eventTimeToLiveInMinutes: o.eventTtl }),
      },
      ...(o.deadletterContainer === undefined
        ? {}
        : {
            deadLetterDestination: {
              endpointType: "StorageBlob",
              properties: { blobContainerName: o.deadletterContainer },
            },
          }),
    },
  };
}

async function call(
  dataDir: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  const response = await localVaultRequest(await readLocalEndpoint(dataDir), method, path, body);
  if (response.status >= 400) {
    const error = (response.body as { error?: { code?: string; message?: string } } | undefined)
      ?.error;
    throw new Error(
      error ? `${error.code ?? "Error"}: ${error.message ?? ""}` : `HTTP ${response.status}`,
    );
  }
  return response.body;
}
