import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { startVaultFixture, type VaultFixture } from "../../vault/test-support/vault-fixture.js";
import {
  httpsCall,
  management,
  waitUntil,
  webhookSubscription,
} from "./test-support/management.js";
import { startWebhookRecorder, type WebhookRecorder } from "./test-support/webhook-recorder.js";

/**
 * Deliveries survive a restart of the vault: queued in its database with their attempt counts,
 * resumed on start, with the ids they were published with. Also: an endpoint that does not
 * answer in time (deliveryTimeoutMs, 30 s in Azure, 150 ms here).
 */

let fixture: VaultFixture;
let hook: WebhookRecorder;

before(async () => {
  fixture = await startVaultFixture({
    vaultName: "kv-restart",
    eventGrid: { retryScale: 0.001, deliveryTimeoutMs: 150 },
  });
  hook = await startWebhookRecorder({ notificationStatus: 503 });
});

after(async () => {
  await hook.close();
  await fixture.close();
});

test("events pending while the endpoint fails all arrive after a restart, with the same ids", async () => {
  const arm = management(fixture);
  await arm.create("restart", webhookSubscription(hook.url));
  await arm.create(
    "restart-cloud",
    webhookSubscription(hook.url, { schema: "CloudEventSchemaV1_0" }),
  );
  const client = fixture.client();
  const secrets = await Promise.all(["rs-1", "rs-2", "rs-3"].map((n) => client.setSecret(n, "v")));

  // Every event has failed at least once for both subscriptions (2 × 3 distinct deliveries).
  const failedPairs = () =>
    new Set(
      hook.notifications.flatMap((r) =>
        r.events.map((e) => `${String(r.headers["aeg-subscription-name"])} ${String(e["id"])}`),
      ),
    );
  await hook.until(() => failedPairs().size === 6, "a failed attempt of every event");
  const idsBefore = new Set(hook.notifications.flatMap((r) => r.events.map((e) => e["id"])));
  assert.equal(idsBefore.size, 3);
  assert.equal(hook.delivered().length, 0);

  await fixture.restart();
  const eventGrid = fixture.vault.eventGrid;
  assert.equal(eventGrid.stats("restart").pending, 3, "the queue survived the restart");
  assert.equal(eventGrid.stats("restart-cloud").pending, 3);
  const mark = hook.requests.length;
  hook.script({ notificationStatus: 200 });

  await hook.until((h) => h.delivered().length === 6, "every event, once per subscription");
  await waitUntil(
    () =>
      eventGrid.stats("restart").pending === 0 && eventGrid.stats("restart-cloud").pending === 0,
    "both queues to drain",
  );
  const delivered = hook.notifications.filter((r) => r.status === 200);
  assert.ok(
    delivered.every((r) => r.seq >= mark),
    "delivered only after the restart",
  );
  for (const subscription of ["RESTART", "RESTART-CLOUD"]) {
    const mine = delivered.filter((r) => r.headers["aeg-subscription-name"] === subscription);
    assert.deepEqual(new Set(mine.flatMap((r) => r.events.map((e) => e["id"]))), idsBefore);
    // The attempt count went on from before the restart.
    for (const r of mine) assert.ok(Number(r.headers["aeg-delivery-count"]) >= 1, subscription);
  }
  const versions = new Set(hook.delivered().map((e) => (e["data"] as { Version: string }).Version));
  assert.deepEqual(versions, new Set(secrets.map((s) => s.properties.version)));
  assert.equal(eventGrid.stats("restart").dropped, 0);
});

test("subscriptions and their state survive a restart", async () => {
  const arm = management(fixture);
  const manual = await startWebhookRecorder({ validation: "manual" });
  try {
    await arm.create(
      "restart-manual",
      webhookSubscription(manual.url, { subjectBeginsWith: "rm-" }),
    );
    await fixture.restart();
    assert.equal(await arm.state("restart"), "Succeeded");
    assert.equal(await arm.state("restart-manual"), "AwaitingManualAction");
    const data = (await manual.request(0, "SubscriptionValidation")).events[0]?.["data"] as {
      validationUrl: string;
    };
    // The validation link names the vault's URL, which the restart kept.
    assert.equal((await httpsCall(data.validationUrl, fixture.ca, { bearer: false })).status, 200);
    assert.equal(await arm.state("restart-manual"), "Succeeded");
    await fixture.client().setSecret("rm-1", "v");
    await manual.until((h) => h.delivered().length === 1, "a delivery after manual validation");
  } finally {
    await manual.close();
  }
});

test("no answer within deliveryTimeoutMs is a failed attempt (TimedOut), retried, then dead-lettered", async () => {
  const silent = await startWebhookRecorder();
  try {
    const release = silent.hold();
    await management(fixture).create(
      "timeout",
      webhookSubscription(silent.url, {
        subjectBeginsWith: "to-",
        maxDeliveryAttempts: 2,
        deadLetterContainer: "timeouts",
      }),
    );
    await fixture.client().setSecret("to-1", "v");
    const eventGrid = fixture.vault.eventGrid;
    await waitUntil(() => eventGrid.stats("timeout").deadLettered === 1, "the dead letter");
    release();
    assert.deepEqual(
      silent.notifications.map((r) => r.headers["aeg-delivery-count"]),
      ["0", "1"],
    );
    assert.equal(
      new Set(silent.notifications.flatMap((r) => r.events.map((e) => e["id"]))).size,
      1,
    );
    assert.equal(eventGrid.stats("timeout").failedAttempts, 2);
    const root = join(fixture.dataDir, "deadletter", "timeouts");
    const files = (await readdir(root, { recursive: true, withFileTypes: true })).filter((e) =>
      e.isFile(),
    );
    assert.equal(files.length, 1);
    const file = files[0];
    assert.ok(file);
    const [letter] = JSON.parse(await readFile(join(file.parentPath, file.name), "utf8")) as Record<
      string,
      unknown
    >[];
    assert.equal(letter?.["deadLetterReason"], "MaxDeliveryAttemptsExceeded");
    assert.equal(letter["lastDeliveryOutcome"], "TimedOut");
    assert.equal(letter["deliveryAttempts"], 2);
  } finally {
    await silent.close();
  }
});
