import { randomUUID } from "node:crypto";
import {
  eventTime,
  type CloudEvent,
  type EventGridEvent,
  type KeyVaultEventData,
  type KeyVaultEventType,
} from "../wire/index.js";
import type { DeliverySchema } from "./subscription.js";

/**
 * A Key Vault event as published once, and its rendering in each delivery schema. The id is
 * fixed at publish time, so every subscription and every retry carries the same id: receivers
 * de-duplicate on it.
 */

export interface PublishedEvent {
  id: string;
  type: KeyVaultEventType;
  /** The vault's ARM resource id. */
  topic: string;
  subject: string;
  /** Event Grid's 7-digit UTC time string. */
  time: string;
  data: KeyVaultEventData;
}

export function newEvent(
  type: KeyVaultEventType,
  topic: string,
  data: KeyVaultEventData,
  now: Date,
): PublishedEvent {
  return { id: randomUUID(), type, topic, subject: data.ObjectName, time: eventTime(now), data };
}

export function render(event: PublishedEvent, schema: DeliverySchema): EventGridEvent | CloudEvent {
  if (schema === "CloudEventSchemaV1_0") {
    return {
      id: event.id,
      source: event.topic,
      specversion: "1.0",
      type: event.type,
      subject: event.subject,
      time: event.time,
      data: event.data,
    };
  }
  return {
    id: event.id,
    topic: event.topic,
    subject: event.subject,
    eventType: event.type,
    eventTime: event.time,
    data: event.data,
    dataVersion: "1",
    metadataVersion: "1",
  };
}

/**
 * The request body for a batch. Event Grid schema: always an array. CloudEvents: one event as a
 * structured JSON object (what Azure sends by default); several as an array.
 */
export function batchBody(
  events: readonly PublishedEvent[],
  schema: DeliverySchema,
): { body: string; contentType: string } {
  const rendered = events.map((e) => render(e, schema));
  if (schema === "EventGridSchema") {
    return { body: JSON.stringify(rendered), contentType: "application/json; charset=utf-8" };
  }
  return rendered.length === 1
    ? {
        body: JSON.stringify(rendered[0]),
        contentType: "application/cloudevents+json; charset=utf-8",
      }
    : {
        body: JSON.stringify(rendered),
        contentType: "application/cloudevents-batch+json; charset=utf-8",
      };
}
