import https from "node:https";
import type { IncomingHttpHeaders } from "node:http";
import type { VaultFixture } from "../../../vault/test-support/vault-fixture.js";

/**
 * The vault's ARM-shaped eventSubscriptions routes, called as a script or the CLI would: HTTPS
 * with the vault's CA and any bearer token. Plus the body builder every publisher test uses and
 * a poll for conditions the webhook cannot see (queue counts, files).
 */

export const API_VERSION = "2025-02-15";

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** One request on a fresh connection; `path` is sent as is. */
export function httpsCall(
  url: string,
  ca: string,
  request: { method?: string; body?: unknown; bearer?: boolean } = {},
): Promise<HttpAnswer> {
  const body = request.body === undefined ? undefined : JSON.stringify(request.body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: request.method ?? "GET",
        ca,
        agent: false,
        headers: {
          ...(request.bearer === false ? {} : { authorization: "Bearer x" }),
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString("utf8"),
          });
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

export interface ArmSubscription {
  id: string;
  name: string;
  type: string;
  properties: {
    topic: string;
    provisioningState: string;
    destination: {
      endpointType: string;
      properties: {
        endpointUrl?: string;
        endpointBaseUrl: string;
        deliveryAttributeMappings: {
          name: string;
          type: string;
          properties: { value: string | null; isSecret: boolean };
        }[];
      };
    };
  };
}

export interface ArmError {
  error: { code: string; message: string };
}

export function management(fixture: VaultFixture) {
  const url = (path: string) => `${fixture.vault.url}${path}`;
  const call = (method: string, path: string, body?: unknown) =>
    httpsCall(url(path), fixture.ca, { method, body });
  return {
    put: (name: string, body: unknown) =>
      call("PUT", `/eventSubscriptions/${name}?api-version=${API_VERSION}`, body),
    get: (name: string) => call("GET", `/eventSubscriptions/${name}?api-version=${API_VERSION}`),
    list: () => call("GET", `/eventSubscriptions?api-version=${API_VERSION}`),
    delete: (name: string) =>
      call("DELETE", `/eventSubscriptions/${name}?api-version=${API_VERSION}`),
    /** The state ARM reports for a subscription. */
    async state(name: string): Promise<string> {
      const answer = await call("GET", `/eventSubscriptions/${name}?api-version=${API_VERSION}`);
      if (answer.status !== 200) throw new Error(`GET ${name}: ${answer.status} ${answer.text}`);
      return (JSON.parse(answer.text) as ArmSubscription).properties.provisioningState;
    },
    /**
     * PUTs a subscription and insists it was accepted (200 or 201), returning the ARM body.
     */
    async create(name: string, body: unknown): Promise<ArmSubscription> {
      const answer = await call(
        "PUT",
        `/eventSubscriptions/${name}?api-version=${API_VERSION}`,
        body,
      );
      if (answer.status !== 200 && answer.status !== 201)
        throw new Error(`PUT ${name}: ${answer.status} ${answer.text}`);
      return JSON.parse(answer.text) as ArmSubscription;
    },
  };
}

export interface WebhookOptions {
  schema?: "EventGridSchema" | "CloudEventSchemaV1_0";
  maxEventsPerBatch?: number;
  preferredBatchSizeInKilobytes?: number;
  headers?: { name: string; value: string; isSecret?: boolean }[];
  includedEventTypes?: string[];
  subjectBeginsWith?: string;
  subjectEndsWith?: string;
  maxDeliveryAttempts?: number;
  eventTimeToLiveInMinutes?: number;
  deadLetterContainer?: string;
}

/** An ARM eventSubscription body for a WebHook destination. */
export function webhookSubscription(endpointUrl: string, options: WebhookOptions = {}) {
  const filter = {
    ...(options.includedEventTypes ? { includedEventTypes: options.includedEventTypes } : {}),
    ...(options.subjectBeginsWith === undefined
      ? {}
      : { subjectBeginsWith: options.subjectBeginsWith }),
    ...(options.subjectEndsWith === undefined ? {} : { subjectEndsWith: options.subjectEndsWith }),
  };
  const retryPolicy = {
    ...(options.maxDeliveryAttempts === undefined
      ? {}
      : { maxDeliveryAttempts: options.maxDeliveryAttempts }),
    ...(options.eventTimeToLiveInMinutes === undefined
      ? {}
      : { eventTimeToLiveInMinutes: options.eventTimeToLiveInMinutes }),
  };
  return {
    properties: {
      destination: {
        endpointType: "WebHook",
        properties: {
          endpointUrl,
          ...(options.maxEventsPerBatch === undefined
            ? {}
            : { maxEventsPerBatch: options.maxEventsPerBatch }),
          ...(options.preferredBatchSizeInKilobytes === undefined
            ? {}
            : { preferredBatchSizeInKilobytes: options.preferredBatchSizeInKilobytes }),
          ...(options.headers
            ? {
                deliveryAttributeMappings: options.headers.map((h) => ({
                  name: h.name,
                  type: "Static",
                  properties: { value: h.value, isSecret: h.isSecret ?? false },
                })),
              }
            : {}),
        },
      },
      filter,
      ...(options.schema ? { eventDeliverySchema: options.schema } : {}),
      ...(Object.keys(retryPolicy).length > 0 ? { retryPolicy } : {}),
      ...(options.deadLetterContainer
        ? {
            deadLetterDestination: {
              endpointType: "StorageBlob",
              properties: { blobContainerName: options.deadLetterContainer },
            },
          }
        : {}),
    },
  };
}

/**
 * Resolves once `condition` holds, re-checking every few milliseconds; for state the webhook
 * does not see (queue counts, dead-letter files). Fails with `what` after `timeoutMs`.
 */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
