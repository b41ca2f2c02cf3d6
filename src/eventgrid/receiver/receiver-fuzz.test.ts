import assert from "node:assert/strict";
import { test } from "node:test";
import type { ReceivedKeyVaultEvent } from "./index.js";
import {
  CLOUD_EVENT_SECRET_NEW_VERSION,
  EVENT_GRID_SECRET_NEW_VERSION,
  SUBSCRIPTION_VALIDATION,
} from "./test-support/payloads.js";
import { receiverFixture } from "./test-support/receiver-fixture.js";
import { seededRandom as prng } from "../../test-support/seeded-random.js";

/**
 * Property: whatever arrives (random JSON, mutated Azure payloads, truncated or binary bodies,
 * odd content types and handshake headers), the receiver answers a 2xx or 4xx with a JSON body,
 * never throws, never 5xx, and hands on only events whose data is well typed. Seeded, so a
 * failure replays; the seed and case number are in the message.
 */

const SEED = 0x6b76_7379;
const CASES = 400;

const KEYS = [
  "id",
  "type",
  "eventType",
  "source",
  "topic",
  "subject",
  "time",
  "eventTime",
  "data",
  "dataVersion",
  "specversion",
  "Id",
  "VaultName",
  "ObjectType",
  "ObjectName",
  "Version",
  "NBF",
  "EXP",
  "validationCode",
  "__proto__",
  "constructor",
  "toString",
];
const TYPES = [
  "Microsoft.KeyVault.SecretNewVersionCreated",
  "Microsoft.KeyVault.KeyExpired",
  "Microsoft.KeyVault.CertificateNearExpiry",
  "Microsoft.EventGrid.SubscriptionValidationEvent",
  "Microsoft.Storage.BlobCreated",
  "",
  "1.0",
];
const GOOD_CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "application/cloudevents+json",
  "application/cloudevents-batch+json; charset=utf-8",
];
const BAD_CONTENT_TYPES = [
  "text/plain",
  "application/json; charset=latin1",
  "application/x-www-form-urlencoded",
  "application/cloudevents+json;;",
  "*/*",
  "",
];

function generator(random: () => number) {
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const text = (max: number) =>
    Array.from({ length: int(max) }, () => String.fromCharCode(0x20 + int(0x5f))).join("");

  function value(depth: number): unknown {
    switch (int(depth > 2 ? 6 : 9)) {
      case 0:
        return null;
      case 1:
        return random() < 0.5;
      case 2:
        return pick([0, -1, 1.5, 1e308, 1767225600, Number.MAX_SAFE_INTEGER]);
      case 3:
        return pick(TYPES);
      case 4:
        return text(12);
      case 5:
        return "1.0";
      case 6:
        return Array.from({ length: int(4) }, () => value(depth + 1));
      default:
        return object(depth + 1);
    }
  }
  function object(depth: number): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    for (let i = int(8); i > 0; i--) result[random() < 0.8 ? pick(KEYS) : text(6)] = value(depth);
    return result;
  }
  function mutate(input: unknown, depth = 0): unknown {
    if (Array.isArray(input)) return input.map((item) => mutate(item, depth + 1));
    if (typeof input !== "object" || input === null) return random() < 0.05 ? value(2) : input;
    const result: Record<string, unknown> = { ...(input as Record<string, unknown>) };
    for (const key of Object.keys(result)) {
      const roll = random();
      if (roll < 0.04) Reflect.deleteProperty(result, key);
      else if (roll < 0.08) result[key] = value(depth + 1);
      else result[key] = mutate(result[key], depth + 1);
    }
    if (random() < 0.05) result[pick(KEYS)] = value(depth + 1);
    if (typeof result.id === "string") result.id = `${result.id}-${int(1000)}`;
    return result;
  }
  const fresh = (event: unknown) => ({ ...(event as object), id: `fresh-${int(1e9)}` });
  const valid = [
    EVENT_GRID_SECRET_NEW_VERSION,
    CLOUD_EVENT_SECRET_NEW_VERSION,
    SUBSCRIPTION_VALIDATION,
  ];

  function body(): string | Buffer {
    switch (int(9)) {
      case 0:
        return JSON.stringify(value(0));
      case 1:
        return JSON.stringify(mutate(JSON.parse(pick(valid))));
      case 2:
        return JSON.stringify(
          Array.from({ length: int(5) }, () => mutate(JSON.parse(pick(valid)))),
        );
      case 3: {
        const source = pick(valid);
        return source.slice(0, int(source.length));
      }
      case 4:
        return Buffer.from(Array.from({ length: int(64) }, () => int(256)));
      case 5:
        return text(40);
      case 6:
        return JSON.stringify([object(0)]);
      default: {
        // valid but for a fresh id: the path that hands events on
        const events = JSON.parse(pick(valid.slice(0, 2))) as Record<string, unknown>;
        return JSON.stringify(Array.isArray(events) ? events.map(fresh) : fresh(events));
      }
    }
  }
  function headers(): Record<string, string> {
    const result: Record<string, string> = {};
    const roll = random();
    if (roll < 0.75) result["content-type"] = pick(GOOD_CONTENT_TYPES);
    else if (roll < 0.9) result["content-type"] = pick(BAD_CONTENT_TYPES);
    else if (roll < 0.95) result["content-type"] = text(30);
    if (random() < 0.3)
      result["webhook-request-origin"] = random() < 0.5 ? "eventgrid.azure.net" : text(20);
    if (random() < 0.2) result["webhook-request-rate"] = text(5);
    if (random() < 0.2)
      result["aeg-event-type"] = pick(["SubscriptionValidation", "Notification", text(8)]);
    return result;
  }
  return { int, pick, body, headers, text };
}

function assertWellTyped(event: ReceivedKeyVaultEvent): void {
  for (const key of ["id", "type", "source", "subject", "time"] as const) {
    assert.equal(typeof event[key], "string");
  }
  assert.ok(event.id !== "");
  const { data } = event;
  for (const key of ["Id", "VaultName", "ObjectName", "Version"] as const) {
    assert.ok(typeof data[key] === "string" && data[key] !== "", key);
  }
  assert.ok(["Secret", "Key", "Certificate"].includes(data.ObjectType));
  for (const key of ["NBF", "EXP"] as const) {
    assert.ok(data[key] === null || Number.isFinite(data[key]), key);
  }
}

test(`${CASES} random requests: never a 5xx, never a throw, only well-typed events`, async () => {
  const random = prng(SEED);
  const gen = generator(random);
  const failures: unknown[] = [];
  const open = await receiverFixture({ onError: (error) => failures.push(error) });
  const secret = await receiverFixture({ auth: { kind: "query-secret", secrets: ["s3cret"] } });
  const statuses = new Map<number, number>();

  for (let i = 0; i < CASES; i++) {
    const fx = i % 5 === 4 ? secret : open;
    const method = gen.int(6) === 0 ? "OPTIONS" : "POST";
    const query = gen.pick([
      "",
      "",
      "?code=s3cret",
      "?code=nope",
      `?${encodeURIComponent(gen.text(8))}`,
    ]);
    const payload = method === "POST" ? gen.body() : undefined;
    const response = await fx.app.inject({
      method,
      url: `/api/events${query}`,
      headers: gen.headers(),
      ...(payload === undefined ? {} : { payload }),
    });
    const where = `seed ${SEED}, case ${i}: ${response.statusCode} ${response.body}`;
    assert.ok([200, 400, 401, 413, 415].includes(response.statusCode), where);
    statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
    if (response.body !== "") {
      const body = response.json<Record<string, unknown>>();
      if (response.statusCode !== 200) assert.equal(typeof body.error, "string", where);
      assert.doesNotMatch(response.body, /\n/, where);
    }
  }
  // let the last deliveries run, then check what was handed on
  await new Promise((resolve) => setImmediate(resolve));
  for (const event of [...open.events, ...secret.events]) assertWellTyped(event);
  assert.deepEqual(failures, []);
  // the generator must reach every kind of answer, or the property proves little
  for (const status of [200, 400, 401, 415])
    assert.ok((statuses.get(status) ?? 0) > 0, `no ${status}`);
  assert.ok(open.events.length > 20, `only ${open.events.length} events were delivered`);
});
