import { z } from "zod";
import { KEY_VAULT_EVENT_TYPES } from "../wire/index.js";

/**
 * Event subscriptions in Azure's ARM shape (`{"properties": {...}}`, api-version 2025-02-15),
 * with the subset a local Key Vault topic needs. Parsed once into `Subscription`, which is what
 * the publisher works with; `toArm` renders it back the way ARM answers.
 */

export type DeliverySchema = "EventGridSchema" | "CloudEventSchemaV1_0";

export type ProvisioningState = "Creating" | "AwaitingManualAction" | "Succeeded" | "Failed";

export interface DeliveryHeader {
  name: string;
  value: string;
  isSecret: boolean;
}

export interface Subscription {
  name: string;
  endpointUrl: string;
  schema: DeliverySchema;
  maxEventsPerBatch: number;
  preferredBatchSizeInKilobytes: number;
  headers: DeliveryHeader[];
  includedEventTypes: string[] | undefined;
  subjectBeginsWith: string;
  subjectEndsWith: string;
  maxDeliveryAttempts: number;
  eventTimeToLiveInMinutes: number;
  /** Blob container name; dead letters go to `<deadLetterRoot>/<container>/`. */
  deadLetterContainer: string | undefined;
  provisioningState: ProvisioningState;
  /** Set while a manual validation (GET on validationUrl) is possible. */
  validationCode: string | undefined;
  validationExpiresAt: number | undefined;
  /** Epoch ms of the first PUT: objects older than this raise no events for it. */
  createdAt: number;
}

const NAME = /^[A-Za-z0-9-]{3,64}$/;

const headerSchema = z.discriminatedUnion("type", [
  z.object({
    name: z.string().min(1),
    type: z.literal("Static"),
    properties: z.object({ value: z.string().max(4096), isSecret: z.boolean().optional() }),
  }),
  z.object({
    name: z.string().min(1),
    type: z.literal("Dynamic"),
    properties: z.object({ sourceField: z.string() }),
  }),
]);

export const subscriptionBody = z.object({
  properties: z.object({
    destination: z.object({
      endpointType: z.literal("WebHook", { error: "only WebHook destinations are supported" }),
      properties: z.object({
        endpointUrl: z.url({ protocol: /^https?$/, error: "endpointUrl must be an http(s) URL" }),
        maxEventsPerBatch: z.number().int().min(1).max(5000).optional(),
        preferredBatchSizeInKilobytes: z.number().int().min(1).max(1024).optional(),
        deliveryAttributeMappings: z
          .array(headerSchema)
          .max(10, "at most 10 delivery attribute mappings")
          .optional(),
      }),
    }),
    filter: z
      .object({
        includedEventTypes: z.array(z.string()).nullable().optional(),
        subjectBeginsWith: z.string().optional(),
        subjectEndsWith: z.string().optional(),
        isSubjectCaseSensitive: z.boolean().optional(),
      })
      .optional(),
    eventDeliverySchema: z.enum(["EventGridSchema", "CloudEventSchemaV1_0"]).optional(),
    retryPolicy: z
      .object({
        maxDeliveryAttempts: z.number().int().min(1).max(30).optional(),
        eventTimeToLiveInMinutes: z.number().int().min(1).max(1440).optional(),
      })
      .optional(),
    deadLetterDestination: z
      .object({
        endpointType: z.literal("StorageBlob"),
        properties: z.object({
          resourceId: z.string().optional(),
          blobContainerName: z
            .string()
            .regex(/^[a-z0-9-]{3,63}$/, "blobContainerName: 3–63 of a-z, 0-9, -"),
        }),
      })
      .optional(),
  }),
});

export type SubscriptionBody = z.infer<typeof subscriptionBody>;

export function isValidSubscriptionName(name: string): boolean {
  return NAME.test(name);
}

/** Problems a parsed body still has (those zod cannot express), as one-line messages. */
export function semanticProblems(body: SubscriptionBody): string[] {
  const problems: string[] = [];
  const mappings = body.properties.destination.properties.deliveryAttributeMappings ?? [];
  for (const mapping of mappings) {
    if (mapping.type === "Dynamic")
      problems.push(
        `deliveryAttributeMappings ${mapping.name}: only Static mappings are supported`,
      );
    if (/^aeg-/i.test(mapping.name))
      problems.push(
        `deliveryAttributeMappings ${mapping.name}: names starting with aeg- are reserved`,
      );
  }
  const types = body.properties.filter?.includedEventTypes ?? [];
  for (const type of types) {
    if (
      !(KEY_VAULT_EVENT_TYPES as readonly string[]).includes(type) &&
      type !== "Microsoft.KeyVault.VaultAccessPolicyChanged"
    ) {
      problems.push(`includedEventTypes: ${type} is not an event type of a Key Vault topic`);
    }
  }
  return problems;
}

export function fromBody(
  name: string,
  body: SubscriptionBody,
): Omit<
  Subscription,
  "provisioningState" | "validationCode" | "validationExpiresAt" | "createdAt"
> {
  const p = body.properties;
  const destination = p.destination.properties;
  return {
    name,
    endpointUrl: destination.endpointUrl,
    schema: p.eventDeliverySchema ?? "EventGridSchema",
    maxEventsPerBatch: destination.maxEventsPerBatch ?? 1,
    preferredBatchSizeInKilobytes: destination.preferredBatchSizeInKilobytes ?? 64,
    headers: (destination.deliveryAttributeMappings ?? []).flatMap((m) =>
      m.type === "Static"
        ? [{ name: m.name, value: m.properties.value, isSecret: m.properties.isSecret === true }]
        : [],
    ),
    includedEventTypes: p.filter?.includedEventTypes ?? undefined,
    subjectBeginsWith: p.filter?.subjectBeginsWith ?? "",
    subjectEndsWith: p.filter?.subjectEndsWith ?? "",
    maxDeliveryAttempts: p.retryPolicy?.maxDeliveryAttempts ?? 30,
    eventTimeToLiveInMinutes: p.retryPolicy?.eventTimeToLiveInMinutes ?? 1440,
    deadLetterContainer: p.deadLetterDestination?.properties.blobContainerName,
  };
}

/** The subscription as ARM shows it: secret header values and any endpoint query hidden. */
export function toArm(sub: Subscription, topicId: string) {
  const endpoint = new URL(sub.endpointUrl);
  const hasQuery = endpoint.search !== "";
  endpoint.search = "";
  return {
    id: `${topicId}/providers/Microsoft.EventGrid/eventSubscriptions/${sub.name}`,
    name: sub.name,
    type: "Microsoft.EventGrid/eventSubscriptions",
    properties: {
      topic: topicId,
      provisioningState: sub.provisioningState,
      destination: {
        endpointType: "WebHook",
        properties: {
          // ARM never echoes a query string (it may hold a secret): only the base URL.
          endpointBaseUrl: endpoint.toString(),
          ...(hasQuery ? {} : { endpointUrl: sub.endpointUrl }),
          maxEventsPerBatch: sub.maxEventsPerBatch,
          preferredBatchSizeInKilobytes: sub.preferredBatchSizeInKilobytes,
          deliveryAttributeMappings: sub.headers.map((h) => ({
            name: h.name,
            type: "Static",
            properties: { value: h.isSecret ? null : h.value, isSecret: h.isSecret },
          })),
        },
      },
      filter: {
        includedEventTypes: sub.includedEventTypes ?? null,
        subjectBeginsWith: sub.subjectBeginsWith,
        subjectEndsWith: sub.subjectEndsWith,
      },
      eventDeliverySchema: sub.schema,
      retryPolicy: {
        maxDeliveryAttempts: sub.maxDeliveryAttempts,
        eventTimeToLiveInMinutes: sub.eventTimeToLiveInMinutes,
      },
      ...(sub.deadLetterContainer === undefined
        ? {}
        : {
            deadLetterDestination: {
              endpointType: "StorageBlob",
              properties: { blobContainerName: sub.deadLetterContainer },
            },
          }),
    },
  };
}

/** Event Grid's filter: type list (null = all), then subject prefix and suffix (case-insensitive). */
export function matches(sub: Subscription, eventType: string, subject: string): boolean {
  if (
    sub.includedEventTypes &&
    !sub.includedEventTypes.some((t) => t.toLowerCase() === eventType.toLowerCase())
  )
    return false;
  const s = subject.toLowerCase();
  return (
    s.startsWith(sub.subjectBeginsWith.toLowerCase()) &&
    s.endsWith(sub.subjectEndsWith.toLowerCase())
  );
}
