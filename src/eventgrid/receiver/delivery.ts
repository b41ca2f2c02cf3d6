import { SUBSCRIPTION_VALIDATION_EVENT } from "../wire/index.js";
import type { DeliveryMediaType } from "./media-type.js";

/**
 * Turns a delivery's body into envelopes, one per event, whatever the schema: Event Grid schema
 * (always an array) or CloudEvents 1.0 structured (an object, or an array of them). The schema is
 * detected per element: `specversion` makes a CloudEvent. Only the envelope is checked here; the
 * Key Vault `data` is read later, per event, so that one odd event cannot fail a whole batch.
 */

export type EventSchema = "EventGrid" | "CloudEvents";

/** The fields both schemas share, under one set of names. */
export interface Envelope {
  schema: EventSchema;
  id: string;
  type: string;
  /** `topic` (Event Grid schema) or `source` (CloudEvents): the vault's ARM id. */
  source: string;
  subject: string;
  /** As sent: seven fractional digits, which Date would cut to three. */
  time: string;
  data: unknown;
}

export type Delivery =
  | { kind: "events"; envelopes: Envelope[] }
  | { kind: "validation"; validationCode: string }
  | { kind: "malformed"; reason: string };

type Json = Record<string, unknown>;

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

export function parseDelivery(body: Uint8Array, mediaType: DeliveryMediaType): Delivery {
  let value: unknown;
  try {
    const text = decoder.decode(body);
    if (text.trim() === "") return malformed("the body is empty");
    value = JSON.parse(text);
  } catch {
    return malformed("the body is not valid UTF-8 JSON");
  }
  const cloudEventsOnly = mediaType !== "json";
  let elements: unknown[];
  if (Array.isArray(value)) {
    elements = value;
  } else if (isObject(value) && (cloudEventsOnly || "specversion" in value)) {
    elements = [value];
  } else if (isObject(value)) {
    return malformed("Event Grid schema events arrive in a JSON array");
  } else {
    return malformed("the body must be a JSON array or object of events");
  }

  const envelopes: Envelope[] = [];
  for (const [index, element] of elements.entries()) {
    const where = elements.length === 1 && !Array.isArray(value) ? "event" : `event[${index}]`;
    if (!isObject(element)) return malformed(`${where} is not a JSON object`);
    const result =
      cloudEventsOnly || "specversion" in element
        ? cloudEventEnvelope(element)
        : eventGridEnvelope(element);
    if (typeof result === "string") return malformed(`${where}: ${result}`);
    envelopes.push(result);
  }

  const [only] = envelopes;
  if (envelopes.length === 1 && only?.schema === "EventGrid") {
    if (only.type === SUBSCRIPTION_VALIDATION_EVENT) return validation(only.data);
  }
  return { kind: "events", envelopes };
}

/** The envelope, or a reason naming the field (never its value). */
function cloudEventEnvelope(event: Json): Envelope | string {
  if (!("specversion" in event)) return 'missing "specversion" (CloudEvents media type)';
  if (event.specversion !== "1.0") return '"specversion" must be "1.0"';
  const problem =
    requireText(event, "id") ??
    requireText(event, "source") ??
    requireText(event, "type") ??
    optionalString(event, "subject") ??
    optionalString(event, "time");
  if (problem !== undefined) return problem;
  return {
    schema: "CloudEvents",
    id: event.id as string,
    type: event.type as string,
    source: event.source as string,
    subject: textOrEmpty(event.subject),
    time: textOrEmpty(event.time),
    data: event.data,
  };
}

function eventGridEnvelope(event: Json): Envelope | string {
  const problem =
    requireText(event, "id") ??
    requireText(event, "eventType") ??
    requireString(event, "subject") ??
    requireText(event, "eventTime") ??
    requireString(event, "dataVersion") ??
    optionalString(event, "topic") ??
    (event.data === undefined ? 'missing "data"' : undefined);
  if (problem !== undefined) return problem;
  return {
    schema: "EventGrid",
    id: event.id as string,
    type: event.eventType as string,
    source: textOrEmpty(event.topic),
    subject: event.subject as string,
    time: event.eventTime as string,
    data: event.data,
  };
}

function validation(data: unknown): Delivery {
  const code = isObject(data) ? data.validationCode : undefined;
  if (typeof code !== "string" || code === "") {
    return malformed(`${SUBSCRIPTION_VALIDATION_EVENT} without data.validationCode`);
  }
  return { kind: "validation", validationCode: code };
}

const malformed = (reason: string): Delivery => ({ kind: "malformed", reason });

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function requireText(event: Json, key: string): string | undefined {
  const value = event[key];
  if (value === undefined) return `missing "${key}"`;
  return typeof value === "string" && value !== ""
    ? undefined
    : `"${key}" must be a non-empty string`;
}

function requireString(event: Json, key: string): string | undefined {
  const value = event[key];
  if (value === undefined) return `missing "${key}"`;
  return typeof value === "string" ? undefined : `"${key}" must be a string`;
}

/** Optional attributes may also be null, which JSON senders use for "absent". */
function optionalString(event: Json, key: string): string | undefined {
  const value = event[key];
  return value === undefined || value === null || typeof value === "string"
    ? undefined
    : `"${key}" must be a string`;
}

const textOrEmpty = (value: unknown): string => (typeof value === "string" ? value : "");
