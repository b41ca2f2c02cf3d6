import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { after, before, test } from "node:test";
import type { SecretClient } from "@azure/keyvault-secrets";
import { startVaultFixture, type VaultFixture } from "../../vault/test-support/vault-fixture.js";
import { DeliveryStore } from "./delivery-store.js";
import {
  management,
  waitUntil,
  webhookSubscription,
  type WebhookOptions,
} from "./test-support/management.js";
import {
  startWebhookRecorder,
  type HookRequest,
  type HookScript,
  type WebhookRecorder,
} from "./test-support/webhook-recorder.js";

/**
 * Deliveries from the local vault's Event Grid topic, driven through the Key Vault SDK and the
 * ARM routes: both schemas field for field, headers, retries, dead letters, filters, batching
 * and isolation between subscriptions. The schedule runs at 1/1000 of Azure's (10 s → 10 ms).
 * Each test filters on its own subject prefix, so the shared vault's other events stay out.
 */

const NEW_VERSION = "Microsoft.KeyVault.SecretNewVersionCreated";
const NEAR_EXPIRY = "Microsoft.KeyVault.SecretNearExpiry";
const TIME_7 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$/;
const HEX32 = /^[0-9a-f]{32}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DAY = 86_400;
/** Batches a worker keeps in flight per subscription (the publisher's default concurrency). */
const IN_FLIGHT = 8;

let fixture: VaultFixture;
let client: SecretClient;
let arm: ReturnType<typeof management>;
const hooks: WebhookRecorder[] = [];

before(async () => {
  fixture = await startVaultFixture({ vaultName: "kv-delivery", eventGrid: { retryScale: 0.001 } });
  client = fixture.client();
  arm = management(fixture);
});

after(async () => {
  // Webhooks first: closing them ends any held request, which the vault's close waits for.
  await Promise.all(hooks.map((h) => h.close()));
  await fixture.close();
});

/** A webhook and a live subscription to it taking subjects that start with `<name>-`. */
async function subscribe(
  name: string,
  options: WebhookOptions = {},
  script: HookScript = {},
): Promise<WebhookRecorder> {
  const hook = await startWebhookRecorder(script);
  hooks.push(hook);
  await arm.create(
    name,
    webhookSubscription(hook.url, { subjectBeginsWith: `${name}-`, ...options }),
  );
  return hook;
}

const stats = (name: string) => fixture.vault.eventGrid.stats(name);
const drained = (name: string) =>
  waitUntil(() => stats(name).pending === 0, `${name}'s queue to drain`);
const ids = (requests: readonly HookRequest[]) =>
  requests.flatMap((r) => r.events.map((e) => e["id"]));
const epoch = (days: number) => Math.floor(Date.now() / 1000) + days * DAY;

/** Every file under `dir`, as paths relative to it ("/"-separated). */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join("/"))
    .sort();
}

test("Event Grid schema: an array of exactly the documented fields, and Event Grid's headers", async () => {
  const hook = await subscribe("dl-eg", {
    headers: [
      { name: "X-Team", value: "payments" },
      { name: "Authorization", value: "Bearer static-token", isSecret: true },
    ],
  });
  const exp = epoch(90);
  const nbf = epoch(-1);
  const dated = await client.setSecret("dl-eg-dated", "v", {
    expiresOn: new Date(exp * 1000),
    notBefore: new Date(nbf * 1000),
  });
  const [first] = [await hook.request(0, "Notification")];
  const plain = await client.setSecret("dl-eg-plain", "v");
  const second = await hook.request(1, "Notification");

  for (const [request, secret, expected] of [
    [first, dated, { NBF: nbf, EXP: exp }],
    [second, plain, { NBF: null, EXP: null }],
  ] as const) {
    assert.equal(request.method, "POST");
    assert.equal(request.url, "/hook");
    assert.equal(request.headers["content-type"], "application/json; charset=utf-8");
    assert.equal(request.headers["aeg-event-type"], "Notification");
    assert.equal(request.headers["aeg-subscription-name"], "DL-EG");
    assert.equal(request.headers["aeg-delivery-count"], "0");
    assert.equal(request.headers["aeg-metadata-version"], "1");
    assert.equal(request.headers["aeg-data-version"], "1");
    assert.equal(request.headers["x-team"], "payments");
    assert.equal(request.headers["authorization"], "Bearer static-token");

    const body = JSON.parse(request.body) as unknown;
    assert.ok(Array.isArray(body), "always an array");
    assert.equal(body.length, 1);
    const event = request.events[0] ?? {};
    assert.deepEqual(Object.keys(event).sort(), [
      "data",
      "dataVersion",
      "eventTime",
      "eventType",
      "id",
      "metadataVersion",
      "subject",
      "topic",
    ]);
    assert.match(String(event["id"]), UUID);
    assert.equal(
      event["topic"],
      "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/kvsync-local/providers/Microsoft.KeyVault/vaults/kv-delivery",
    );
    assert.equal(event["subject"], secret.name);
    assert.equal(event["eventType"], NEW_VERSION);
    assert.match(String(event["eventTime"]), TIME_7);
    assert.ok(Math.abs(Date.parse(String(event["eventTime"])) - Date.now()) < 60_000);
    assert.equal(event["dataVersion"], "1");
    assert.equal(event["metadataVersion"], "1");
    const version = secret.properties.version ?? "";
    assert.match(version, HEX32);
    assert.deepEqual(event["data"], {
      Id: `${fixture.vault.url}/secrets/${secret.name}/${version}`,
      VaultName: "kv-delivery",
      ObjectType: "Secret",
      ObjectName: secret.name,
      Version: version,
      ...expected,
    });
  }
});

test("CloudEvents 1.0: one structured object of exactly the documented fields", async () => {
  const hook = await subscribe("dl-ce", {
    schema: "CloudEventSchemaV1_0",
    headers: [{ name: "X-Team", value: "payments" }],
  });
  const exp = epoch(90);
  const secret = await client.setSecret("dl-ce-1", "v", { expiresOn: new Date(exp * 1000) });
  const request = await hook.request(0, "Notification");
  assert.equal(request.headers["content-type"], "application/cloudevents+json; charset=utf-8");
  assert.equal(request.headers["aeg-event-type"], "Notification");
  assert.equal(request.headers["aeg-subscription-name"], "DL-CE");
  assert.equal(request.headers["aeg-delivery-count"], "0");
  assert.equal(request.headers["aeg-metadata-version"], "1.0");
  assert.equal(request.headers["aeg-data-version"], undefined);
  assert.equal(request.headers["origin"], "eventgrid.azure.net");
  assert.equal(request.headers["x-team"], "payments");

  const body = JSON.parse(request.body) as Record<string, unknown>;
  assert.ok(!Array.isArray(body), "a single object, not an array");
  assert.deepEqual(Object.keys(body).sort(), [
    "data",
    "id",
    "source",
    "specversion",
    "subject",
    "time",
    "type",
  ]);
  assert.match(String(body["id"]), UUID);
  assert.equal(body["source"], fixture.vault.eventGrid.topic);
  assert.equal(body["specversion"], "1.0");
  assert.equal(body["type"], NEW_VERSION);
  assert.equal(body["subject"], "dl-ce-1");
  assert.match(String(body["time"]), TIME_7);
  const version = secret.properties.version ?? "";
  assert.deepEqual(body["data"], {
    Id: `${fixture.vault.url}/secrets/dl-ce-1/${version}`,
    VaultName: "kv-delivery",
    ObjectType: "Secret",
    ObjectName: "dl-ce-1",
    Version: version,
    NBF: null,
    EXP: exp,
  });
});

test("one event raises the same id in every subscription", async () => {
  const a = await subscribe("dl-same-a", { subjectBeginsWith: "dl-same-" });
  const b = await subscribe("dl-same-b", {
    subjectBeginsWith: "dl-same-",
    schema: "CloudEventSchemaV1_0",
  });
  await client.setSecret("dl-same-1", "v");
  const [ra, rb] = await Promise.all([a.request(0, "Notification"), b.request(0, "Notification")]);
  assert.equal(ra.events[0]?.["id"], rb.events[0]?.["id"]);
  assert.equal(ra.events[0]?.["eventTime"], rb.events[0]?.["time"]);
});

test("a 503 is retried with a rising aeg-delivery-count and the same event id, until 200", async () => {
  const hook = await subscribe("dl-retry", {}, { statuses: [503, 503] });
  await client.setSecret("dl-retry-1", "v");
  const third = await hook.request(2, "Notification");
  await drained("dl-retry");
  assert.deepEqual(
    hook.notifications.map((r) => [r.headers["aeg-delivery-count"], r.status]),
    [
      ["0", 503],
      ["1", 503],
      ["2", 200],
    ],
  );
  assert.equal(new Set(ids(hook.notifications)).size, 1);
  assert.equal(third.body, hook.notifications[0]?.body, "the very same body each time");
  assert.deepEqual(stats("dl-retry"), {
    delivered: 1,
    failedAttempts: 2,
    deadLettered: 0,
    dropped: 0,
    pending: 0,
  });
});

test("400, 401, 403 and 413 are never retried: the event is dropped without a dead-letter destination", async () => {
  for (const status of [400, 401, 403, 413]) {
    const name = `dl-final-${status}`;
    const hook = await subscribe(name, {}, { notificationStatus: status });
    await client.setSecret(`${name}-1`, "v");
    await waitUntil(() => stats(name).dropped === 1, `${name}: the event to be dropped`);
    assert.equal(stats(name).pending, 0, "nothing left to retry");
    assert.deepEqual(
      hook.notifications.map((r) => [r.headers["aeg-delivery-count"], r.status]),
      [["0", status]],
    );
    assert.equal(stats(name).failedAttempts, 1);
    assert.equal(stats(name).deadLettered, 0);
  }
  assert.deepEqual(await filesUnder(join(fixture.dataDir, "deadletter")), []);
});

test("a 400 with a dead-letter destination writes the event and why to <container>/<SUBSCRIPTION>/yyyy/M/d/H/<guid>.json", async () => {
  const hook = await subscribe(
    "dl-dead-400",
    { deadLetterContainer: "dead-400" },
    { notificationStatus: 400 },
  );
  const before = Date.now();
  await client.setSecret("dl-dead-400-1", "v");
  await waitUntil(() => stats("dl-dead-400").deadLettered === 1, "the dead letter");
  assert.equal(stats("dl-dead-400").pending, 0);
  assert.equal(stats("dl-dead-400").dropped, 0);
  assert.equal(hook.notifications.length, 1);

  const root = join(fixture.dataDir, "deadletter");
  const files = await filesUnder(join(root, "dead-400"));
  assert.equal(files.length, 1);
  const match =
    /^DL-DEAD-400\/(\d{4})\/(\d{1,2})\/(\d{1,2})\/(\d{1,2})\/([0-9a-f-]{36})\.json$/.exec(
      files[0] ?? "",
    );
  assert.ok(match, `path ${files[0]}`);
  const [, yyyy, m, d, h] = match.map(Number);
  const written = JSON.parse(
    await readFile(join(root, "dead-400", files[0] ?? ""), "utf8"),
  ) as Record<string, unknown>[];
  assert.equal(written.length, 1);
  const letter = written[0] ?? {};
  const attemptAt = new Date(String(letter["lastDeliveryAttemptTime"]));
  assert.deepEqual(
    [yyyy, m, d, h],
    [
      attemptAt.getUTCFullYear(),
      attemptAt.getUTCMonth() + 1,
      attemptAt.getUTCDate(),
      attemptAt.getUTCHours(),
    ],
    "the folder is the UTC hour of the last attempt, without leading zeros",
  );
  assert.equal(letter["id"], hook.notifications[0]?.events[0]?.["id"]);
  assert.equal(letter["eventType"], NEW_VERSION);
  assert.equal(letter["subject"], "dl-dead-400-1");
  assert.equal(letter["deadLetterReason"], "DeliveryFailedWithNonRetriableError");
  assert.equal(letter["deliveryAttempts"], 1);
  assert.equal(letter["lastDeliveryOutcome"], "BadRequest");
  assert.equal(letter["lastHttpStatusCode"], 400);
  const publishTime = Date.parse(String(letter["publishTime"]));
  assert.ok(publishTime >= before - 1_000 && publishTime <= attemptAt.getTime());
  assert.ok(attemptAt.getTime() <= Date.now());
});

test("maxDeliveryAttempts reached: MaxDeliveryAttemptsExceeded after exactly that many attempts", async () => {
  const hook = await subscribe(
    "dl-dead-max",
    { deadLetterContainer: "dead-max", maxDeliveryAttempts: 3 },
    { notificationStatus: 503 },
  );
  await client.setSecret("dl-dead-max-1", "v");
  await waitUntil(() => stats("dl-dead-max").deadLettered === 1, "the dead letter");
  assert.deepEqual(
    hook.notifications.map((r) => r.headers["aeg-delivery-count"]),
    ["0", "1", "2"],
  );
  const root = join(fixture.dataDir, "deadletter", "dead-max");
  const [file] = await filesUnder(root);
  assert.match(file ?? "", /^DL-DEAD-MAX\/\d{4}(\/\d{1,2}){3}\/[0-9a-f-]{36}\.json$/);
  const [letter] = JSON.parse(await readFile(join(root, file ?? ""), "utf8")) as Record<
    string,
    unknown
  >[];
  assert.equal(letter?.["deadLetterReason"], "MaxDeliveryAttemptsExceeded");
  assert.equal(letter["deliveryAttempts"], 3);
  assert.equal(letter["lastDeliveryOutcome"], "Busy");
  assert.equal(letter["lastHttpStatusCode"], 503);
  assert.equal(letter["id"], hook.notifications[0]?.events[0]?.["id"]);
});

test("CloudEvents dead letters carry the properties in lower case", async () => {
  await subscribe(
    "dl-dead-ce",
    { deadLetterContainer: "dead-ce", schema: "CloudEventSchemaV1_0" },
    { notificationStatus: 403 },
  );
  await client.setSecret("dl-dead-ce-1", "v");
  await waitUntil(() => stats("dl-dead-ce").deadLettered === 1, "the dead letter");
  const root = join(fixture.dataDir, "deadletter", "dead-ce");
  const [file] = await filesUnder(root);
  assert.match(file ?? "", /^DL-DEAD-CE\//);
  const [letter] = JSON.parse(await readFile(join(root, file ?? ""), "utf8")) as Record<
    string,
    unknown
  >[];
  assert.ok(letter);
  assert.equal(letter["specversion"], "1.0");
  assert.equal(letter["type"], NEW_VERSION);
  assert.equal(letter["deadletterreason"], "DeliveryFailedWithNonRetriableError");
  assert.equal(letter["deliveryattempts"], 1);
  assert.equal(letter["lastdeliveryoutcome"], "Forbidden");
  assert.equal(letter["lasthttpstatuscode"], 403);
  assert.equal(typeof letter["publishtime"], "string");
  assert.equal(typeof letter["lastdeliveryattempttime"], "string");
  assert.ok(
    Object.keys(letter).every((k) => k === k.toLowerCase()),
    Object.keys(letter).join(),
  );
});

test("filters: includedEventTypes, subjectBeginsWith, subjectEndsWith", async () => {
  const types = await subscribe("dl-flt-types", {
    subjectBeginsWith: "dl-flt-",
    includedEventTypes: [NEAR_EXPIRY],
  });
  const begins = await subscribe("dl-flt-begins", { subjectBeginsWith: "dl-flt-a" });
  const ends = await subscribe("dl-flt-ends", {
    subjectBeginsWith: "dl-flt-",
    subjectEndsWith: "-z",
  });
  const soon = new Date(epoch(10) * 1000);
  for (const name of ["dl-flt-a1", "dl-flt-b1-z", "dl-flt-a2-z"]) {
    await client.setSecret(name, "v", { expiresOn: soon });
  }
  await client.setSecret("dl-flt-c1", "v");
  const seen = (hook: WebhookRecorder) =>
    hook
      .delivered()
      .map(
        (e) =>
          `${String(e["subject"])} ${String(e["eventType"]).replace("Microsoft.KeyVault.Secret", "")}`,
      )
      .sort();
  await types.until((h) => h.delivered().length === 3, "3 near-expiry events");
  await begins.until((h) => h.delivered().length === 4, "4 events for dl-flt-a*");
  await ends.until((h) => h.delivered().length === 4, "4 events for *-z");
  await Promise.all(["dl-flt-types", "dl-flt-begins", "dl-flt-ends"].map(drained));
  assert.deepEqual(seen(types), [
    "dl-flt-a1 NearExpiry",
    "dl-flt-a2-z NearExpiry",
    "dl-flt-b1-z NearExpiry",
  ]);
  assert.deepEqual(seen(begins), [
    "dl-flt-a1 NearExpiry",
    "dl-flt-a1 NewVersionCreated",
    "dl-flt-a2-z NearExpiry",
    "dl-flt-a2-z NewVersionCreated",
  ]);
  assert.deepEqual(seen(ends), [
    "dl-flt-a2-z NearExpiry",
    "dl-flt-a2-z NewVersionCreated",
    "dl-flt-b1-z NearExpiry",
    "dl-flt-b1-z NewVersionCreated",
  ]);
});

test("only versions created after the subscription exists raise events", async () => {
  const old = await client.setSecret("dl-after-1", "old");
  const hook = await subscribe("dl-after");
  assert.equal(stats("dl-after").pending, 0, "nothing queued for what existed before");
  const fresh = await client.setSecret("dl-after-1", "new");
  await hook.request(0, "Notification");
  await drained("dl-after");
  const versions = hook.delivered().map((e) => (e["data"] as { Version: string }).Version);
  assert.deepEqual(versions, [fresh.properties.version]);
  assert.notEqual(old.properties.version, fresh.properties.version);
});

/**
 * Fills the subscription's in-flight slots with held deliveries (the publisher keeps up to 8
 * batches in flight per subscription), so whatever is published next stays queued until the
 * returned release. Each filler is sent alone: it is the only event due when it is claimed.
 */
async function saturate(name: string, hook: WebhookRecorder): Promise<() => void> {
  const release = hook.hold();
  for (let i = 0; i < IN_FLIGHT; i++) {
    await client.setSecret(`${name}-fill-${i}`, "v");
    await hook.until((h) => h.held === i + 1, `filler ${i} to be held`);
  }
  return release;
}

/** Sizes of the batches that carried events other than the fillers, smallest first. */
const batchSizes = (hook: WebhookRecorder) =>
  hook.notifications
    .filter((r) => !r.events.some((e) => String(e["subject"]).includes("-fill-")))
    .map((r) => r.events.length)
    .sort((a, b) => a - b);

test("batching by count: 20 queued events go in arrays of maxEventsPerBatch 5", async () => {
  const name = "dl-count";
  const hook = await subscribe(name, { maxEventsPerBatch: 5 });
  const release = await saturate(name, hook);
  const names = Array.from({ length: 20 }, (_, i) => `${name}-${i}`);
  await Promise.all(names.map((n) => client.setSecret(n, "v")));
  assert.equal(stats(name).pending, IN_FLIGHT + 20);
  release();
  await hook.until((h) => h.delivered().length === IN_FLIGHT + 20, "every event");
  await drained(name);
  assert.deepEqual(batchSizes(hook), [5, 5, 5, 5]);
  assert.ok(hook.notifications.every((r) => r.events.length <= 5));
  assert.deepEqual(
    hook
      .delivered()
      .map((e) => String(e["subject"]))
      .filter((s) => !s.includes("-fill-"))
      .sort(),
    [...names].sort(),
  );
  assert.equal(new Set(ids(hook.notifications)).size, IN_FLIGHT + 20);
  for (const r of hook.notifications) {
    assert.equal(r.headers["content-type"], "application/json; charset=utf-8");
    assert.ok(Array.isArray(JSON.parse(r.body)));
  }
});

const eventBytes = (e: Record<string, unknown>) => Buffer.byteLength(JSON.stringify(e));

/** Key Vault event data for `publish` directly; `pad` lengthens the object name. */
function directData(objectName: string) {
  return {
    Id: `${fixture.vault.url}/secrets/${objectName}/${"0".repeat(32)}`,
    VaultName: "kv-delivery",
    ObjectType: "Secret" as const,
    ObjectName: objectName,
    Version: "0".repeat(32),
    NBF: null,
    EXP: null,
  };
}

test("batching by size: preferredBatchSizeInKilobytes 2 takes three ~580-byte vault events; an oversize one goes alone", async () => {
  const name = "dl-size";
  const hook = await subscribe(name, { maxEventsPerBatch: 50, preferredBatchSizeInKilobytes: 2 });
  const release = await saturate(name, hook);
  await Promise.all([0, 1, 2, 3, 4].map((i) => client.setSecret(`${name}-a${i}`, "v")));
  // Larger than 2 KB on its own: published straight to the topic (no secret name is that long).
  const big = `${name}-big-${"x".repeat(2_100)}`;
  fixture.vault.eventGrid.publish(NEW_VERSION, directData(big));
  await Promise.all([0, 1, 2, 3].map((i) => client.setSecret(`${name}-b${i}`, "v")));
  release();
  await hook.until((h) => h.delivered().length === IN_FLIGHT + 10, "every event");
  await drained(name);

  for (const e of hook.delivered().filter((e) => e["subject"] !== big)) {
    const bytes = eventBytes(e);
    assert.ok(bytes > 2048 / 4 && bytes <= 2048 / 3, `a vault event is ${bytes} bytes`);
  }
  // Queue order: a0..a4, big, b0..b3 → [a0 a1 a2] [a3 a4] [big] [b0 b1 b2] [b3].
  assert.deepEqual(batchSizes(hook), [1, 1, 2, 3, 3]);
  const withBig = hook.notifications.filter((r) => r.events.some((e) => e["subject"] === big));
  assert.equal(withBig.length, 1);
  const [bigBatch] = withBig;
  assert.ok(bigBatch);
  assert.equal(bigBatch.events.length, 1, "the oversize event goes alone");
  assert.ok(eventBytes(bigBatch.events[0] ?? {}) > 2048);
  for (const r of hook.notifications) {
    const total = r.events.reduce((sum, e) => sum + eventBytes(e), 0);
    assert.ok(r.events.length === 1 || total <= 2048, `${r.events.length} events, ${total} bytes`);
  }
});

test("batching by size: with preferredBatchSizeInKilobytes 1, two Key Vault events never share a batch", async () => {
  // A Key Vault event is over 512 bytes (the ARM topic alone is ~125): two exceed 1 KB.
  const name = "dl-kb1";
  const hook = await subscribe(name, { maxEventsPerBatch: 50, preferredBatchSizeInKilobytes: 1 });
  const release = await saturate(name, hook);
  await Promise.all([0, 1, 2, 3, 4, 5].map((i) => client.setSecret(`${name}-${i}`, "v")));
  assert.equal(stats(name).pending, IN_FLIGHT + 6);
  release();
  await hook.until((h) => h.delivered().length === IN_FLIGHT + 6, "every event");
  await drained(name);
  for (const e of hook.delivered()) {
    const bytes = eventBytes(e);
    assert.ok(bytes > 512 && bytes <= 1024, `an event is ${bytes} bytes`);
  }
  assert.deepEqual(batchSizes(hook), [1, 1, 1, 1, 1, 1]);
});

/** Counts the worker's queue polls (`nextDueAt`) for one subscription until stopped. */
function countPolls(name: string): { readonly count: number; stop(): void } {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called with its `this` below
  const original = DeliveryStore.prototype.nextDueAt;
  let count = 0;
  DeliveryStore.prototype.nextDueAt = function (
    this: DeliveryStore,
    sub: string,
    inFlight: ReadonlySet<number>,
  ) {
    if (sub.toLowerCase() === name) count++;
    return original.call(this, sub, inFlight);
  };
  return {
    get count() {
      return count;
    },
    stop() {
      DeliveryStore.prototype.nextDueAt = original;
    },
  };
}

test("a slow endpoint (never answering) neither delays another subscription nor keeps its worker busy", async () => {
  const slow = await subscribe("dl-iso-slow", { subjectBeginsWith: "dl-iso-" });
  const fast = await subscribe("dl-iso-fast", { subjectBeginsWith: "dl-iso-" });
  const release = await saturate("dl-iso", slow);
  await fast.until((h) => h.delivered().length === IN_FLIGHT, "the fillers at the fast endpoint");

  const polls = countPolls("dl-iso-slow");
  try {
    for (let i = 0; i < 10; i++) {
      await client.setSecret(`dl-iso-${i}`, "v");
      await fast.until(
        (h) => h.delivered().length === IN_FLIGHT + i + 1,
        `event ${i} at the fast endpoint`,
      );
    }
  } finally {
    polls.stop();
  }
  assert.equal(slow.held, IN_FLIGHT, "the slow endpoint still has not answered");
  assert.equal(slow.delivered().length, 0);
  assert.equal(stats("dl-iso-slow").pending, IN_FLIGHT + 10);
  // Its events are due but every slot is taken: the worker waits for a batch to finish.
  assert.ok(polls.count <= 2, `the saturated worker polled its queue ${polls.count} times`);

  release();
  await slow.until(
    (h) => h.delivered().length === IN_FLIGHT + 10,
    "every event at the slow endpoint",
  );
  await drained("dl-iso-slow");
  assert.deepEqual(
    new Set(slow.delivered().map((e) => e["id"])),
    new Set(fast.delivered().map((e) => e["id"])),
  );
});
