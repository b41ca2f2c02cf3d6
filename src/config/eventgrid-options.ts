import { z } from "zod";
import { positiveInt, type OptionTable } from "./option-table.js";
import { dataOption } from "./vault-options.js";

/** Flags of `kvsync eventgrid subscription <verb>`, named after `az eventgrid event-subscription`. */

export const subscriptionTargetOptions = { data: dataOption } satisfies OptionTable;

export const subscriptionCreateOptions = {
  ...subscriptionTargetOptions,
  endpoint: {
    flag: "--endpoint <url>",
    description: "webhook URL that receives the events (a ?code=… secret in it is kept hidden)",
    schema: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }),
  },
  schema: {
    flag: "--event-delivery-schema <schema>",
    description: "eventgridschema or cloudeventschemav1_0",
    schema: z
      .enum(["eventgridschema", "cloudeventschemav1_0", "EventGridSchema", "CloudEventSchemaV1_0"])
      .transform((s) =>
        s.toLowerCase() === "eventgridschema" ? "EventGridSchema" : "CloudEventSchemaV1_0",
      ),
    defaultValue: "eventgridschema",
  },
  includedEventTypes: {
    flag: "--included-event-types <type...>",
    description: "only these types, e.g. Microsoft.KeyVault.SecretNewVersionCreated (default: all)",
    schema: z.array(z.string()).optional(),
  },
  subjectBeginsWith: {
    flag: "--subject-begins-with <prefix>",
    description: "only objects whose name starts with this",
    schema: z.string().optional(),
  },
  subjectEndsWith: {
    flag: "--subject-ends-with <suffix>",
    description: "only objects whose name ends with this",
    schema: z.string().optional(),
  },
  maxEventsPerBatch: {
    flag: "--max-events-per-batch <n>",
    description: "events per request, 1–5000",
    schema: positiveInt.max(5000).optional(),
  },
  preferredBatchSizeInKilobytes: {
    flag: "--preferred-batch-size-in-kilobytes <kb>",
    description: "batch size target, 1–1024",
    schema: positiveInt.max(1024).optional(),
  },
  maxDeliveryAttempts: {
    flag: "--max-delivery-attempts <n>",
    description: "1–30 (default 30)",
    schema: positiveInt.max(30).optional(),
  },
  eventTtl: {
    flag: "--event-ttl <minutes>",
    description: "1–1440 (default 1440)",
    schema: positiveInt.max(1440).optional(),
  },
  deliveryHeader: {
    flag: "--delivery-attribute-mapping <name=value...>",
    description: 'static headers sent with every delivery, e.g. Authorization="Bearer …"',
    schema: z.array(z.string().regex(/^[^=]+=.*$/, "use name=value")).optional(),
  },
  deadletterContainer: {
    flag: "--deadletter-container <name>",
    description: "dead-letter undeliverable events into <data>/deadletter/<name>/",
    schema: z.string().optional(),
  },
} satisfies OptionTable;
