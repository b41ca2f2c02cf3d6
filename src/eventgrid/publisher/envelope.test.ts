import assert from "node:assert/strict";
import { test } from "node:test";
import { batchBody, newEvent, render } from "./envelope.js";

/** The two delivery schemas, field for field, as Key Vault events arrive from Azure. */

const TOPIC =
  "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv1";
const DATA = {
  Id: "https://kv1.vault.azure.net/secrets/db-pass/4e0c9a1b2c3d4e5f60718293a4b5c6d7",
  VaultName: "kv1",
  ObjectType: "Secret" as const,
  ObjectName: "db-pass",
  Version: "4e0c9a1b2c3d4e5f60718293a4b5c6d7",
  NBF: null,
  EXP: 1767225600,
};
const AT = new Date("2025-03-01T10:15:30.123Z");
const event = newEvent("Microsoft.KeyVault.SecretNewVersionCreated", TOPIC, DATA, AT);

test("newEvent: a UUID id, the object name as subject, eventTime with 7 fractional digits", () => {
  assert.match(event.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(event.subject, "db-pass");
  assert.equal(event.time, "2025-03-01T10:15:30.1230000Z");
  assert.match(event.time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$/);
  assert.notEqual(newEvent(event.type, TOPIC, DATA, AT).id, event.id);
});

test("Event Grid schema: exactly id, topic, subject, eventType, eventTime, data, dataVersion, metadataVersion", () => {
  const rendered = render(event, "EventGridSchema");
  assert.deepEqual(rendered, {
    id: event.id,
    topic: TOPIC,
    subject: "db-pass",
    eventType: "Microsoft.KeyVault.SecretNewVersionCreated",
    eventTime: "2025-03-01T10:15:30.1230000Z",
    data: DATA,
    dataVersion: "1",
    metadataVersion: "1",
  });
  assert.deepEqual(Object.keys(rendered.data as object), [
    "Id",
    "VaultName",
    "ObjectType",
    "ObjectName",
    "Version",
    "NBF",
    "EXP",
  ]);
});

test("CloudEvents 1.0: exactly id, source, specversion, type, subject, time, data", () => {
  const rendered = render(event, "CloudEventSchemaV1_0");
  assert.deepEqual(rendered, {
    id: event.id,
    source: TOPIC,
    specversion: "1.0",
    type: "Microsoft.KeyVault.SecretNewVersionCreated",
    subject: "db-pass",
    time: "2025-03-01T10:15:30.1230000Z",
    data: DATA,
  });
});

test("batchBody: Event Grid is always an array; CloudEvents one structured object, or a batch", () => {
  const other = newEvent("Microsoft.KeyVault.SecretExpired", TOPIC, DATA, AT);
  const one = batchBody([event], "EventGridSchema");
  assert.equal(one.contentType, "application/json; charset=utf-8");
  assert.deepEqual(JSON.parse(one.body), [render(event, "EventGridSchema")]);
  const two = batchBody([event, other], "EventGridSchema");
  assert.deepEqual(JSON.parse(two.body), [
    render(event, "EventGridSchema"),
    render(other, "EventGridSchema"),
  ]);

  const cloud = batchBody([event], "CloudEventSchemaV1_0");
  assert.equal(cloud.contentType, "application/cloudevents+json; charset=utf-8");
  assert.deepEqual(JSON.parse(cloud.body), render(event, "CloudEventSchemaV1_0"));
  const cloudBatch = batchBody([event, other], "CloudEventSchemaV1_0");
  assert.equal(cloudBatch.contentType, "application/cloudevents-batch+json; charset=utf-8");
  assert.deepEqual(JSON.parse(cloudBatch.body), [
    render(event, "CloudEventSchemaV1_0"),
    render(other, "CloudEventSchemaV1_0"),
  ]);
});
