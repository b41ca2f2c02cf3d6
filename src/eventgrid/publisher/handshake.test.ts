import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { SecretClient } from "@azure/keyvault-secrets";
import { startVaultFixture, type VaultFixture } from "../../vault/test-support/vault-fixture.js";
import {
  httpsCall,
  management,
  webhookSubscription,
  type ArmError,
  type ArmSubscription,
  waitUntil,
} from "./test-support/management.js";
import { startWebhookRecorder, type WebhookRecorder } from "./test-support/webhook-recorder.js";

/**
 * Endpoint validation through the vault's ARM routes: nothing is delivered before the endpoint
 * proved it wants the events, synchronously (validationResponse), manually (GET on the
 * validationUrl) or, for CloudEvents, by consenting to the OPTIONS request. Every test filters
 * on its own subject prefix, so the shared vault's other events never reach its subscriptions.
 */

const VALIDATION_EVENT = "Microsoft.EventGrid.SubscriptionValidationEvent";

let fixture: VaultFixture;
let client: SecretClient;
let arm: ReturnType<typeof management>;
const hooks: WebhookRecorder[] = [];

before(async () => {
  fixture = await startVaultFixture({
    vaultName: "kv-handshake",
    eventGrid: { retryScale: 0.001 },
  });
  client = fixture.client();
  arm = management(fixture);
});

after(async () => {
  // Webhooks first: closing them ends any held request, which the vault's close waits for.
  await Promise.all(hooks.map((h) => h.close()));
  await fixture.close();
});

async function hook(...args: Parameters<typeof startWebhookRecorder>): Promise<WebhookRecorder> {
  const started = await startWebhookRecorder(...args);
  hooks.push(started);
  return started;
}

const errorCode = (text: string): string => (JSON.parse(text) as ArmError).error.code;

test("an endpoint that echoes the validation code is Succeeded, and only then gets events", async () => {
  const webhook = await hook();
  const put = await arm.put(
    "hs-sync",
    webhookSubscription(webhook.url, { subjectBeginsWith: "hs-sync-" }),
  );
  assert.equal(put.status, 201, put.text);
  const body = JSON.parse(put.text) as ArmSubscription;
  assert.equal(body.properties.provisioningState, "Succeeded");
  assert.equal(await arm.state("hs-sync"), "Succeeded");

  // The handshake came first and alone: a one-element array, its own headers.
  assert.equal(webhook.requests.length, 1);
  const validation = webhook.requests[0];
  assert.ok(validation);
  assert.equal(validation.method, "POST");
  assert.equal(validation.kind, "SubscriptionValidation");
  assert.equal(validation.headers["aeg-event-type"], "SubscriptionValidation");
  assert.equal(validation.headers["aeg-subscription-name"], "HS-SYNC");
  assert.match(validation.headers["content-type"] ?? "", /^application\/json/);
  assert.equal(validation.events.length, 1);
  const event = validation.events[0] ?? {};
  assert.equal(event["eventType"], VALIDATION_EVENT);
  assert.equal(event["topic"], fixture.vault.eventGrid.topic);
  const data = event["data"] as { validationCode: string; validationUrl: string };
  assert.ok(data.validationCode.length >= 16);
  assert.ok(
    data.validationUrl.startsWith(`${fixture.vault.url}/eventSubscriptions/hs-sync/validate?code=`),
  );

  const set = await client.setSecret("hs-sync-1", "v");
  const notification = await webhook.request(0, "Notification");
  assert.ok(notification.seq > validation.seq);
  const [delivered] = notification.events;
  assert.ok(delivered);
  assert.equal(delivered["subject"], "hs-sync-1");
  assert.equal((delivered["data"] as { Version: string }).Version, set.properties.version);

  // The same endpoint again is an update: no second handshake, deliveries go on.
  const again = await arm.put(
    "hs-sync",
    webhookSubscription(webhook.url, { subjectBeginsWith: "hs-sync-" }),
  );
  assert.equal(again.status, 200, again.text);
  assert.equal(webhook.requests.filter((r) => r.kind === "SubscriptionValidation").length, 1);
  await client.setSecret("hs-sync-2", "v");
  await webhook.request(1, "Notification");
});

test("a plain 200 leaves AwaitingManualAction, with no deliveries, until the validationUrl is visited", async () => {
  const webhook = await hook({ validation: "manual" });
  const put = await arm.put(
    "hs-manual",
    webhookSubscription(webhook.url, { subjectBeginsWith: "hs-manual-" }),
  );
  assert.equal(put.status, 201, put.text);
  assert.equal(
    (JSON.parse(put.text) as ArmSubscription).properties.provisioningState,
    "AwaitingManualAction",
  );
  const data = (await webhook.request(0, "SubscriptionValidation")).events[0]?.["data"] as {
    validationCode: string;
    validationUrl: string;
  };

  // While awaiting: the new version raises nothing for this subscription.
  await client.setSecret("hs-manual-before", "v");
  assert.equal(fixture.vault.eventGrid.stats("hs-manual").pending, 0);

  // The link is public (the code is the credential); a wrong code changes nothing.
  const wrongUrl = new URL(data.validationUrl);
  wrongUrl.searchParams.set("code", "0000-wrong");
  const wrong = await httpsCall(wrongUrl.toString(), fixture.ca, { bearer: false });
  assert.equal(wrong.status, 400, wrong.text);
  assert.equal(await arm.state("hs-manual"), "AwaitingManualAction");

  const visit = await httpsCall(data.validationUrl, fixture.ca, { bearer: false });
  assert.equal(visit.status, 200, visit.text);
  assert.equal(await arm.state("hs-manual"), "Succeeded");
  // A validation link works once.
  assert.equal((await httpsCall(data.validationUrl, fixture.ca, { bearer: false })).status, 400);

  const set = await client.setSecret("hs-manual-after", "v");
  const notification = await webhook.request(0, "Notification");
  assert.deepEqual(
    notification.events.map((e) => e["subject"]),
    ["hs-manual-after"],
  );
  assert.equal(
    (notification.events[0]?.["data"] as { Version: string }).Version,
    set.properties.version,
  );
  await waitUntil(
    () => fixture.vault.eventGrid.stats("hs-manual").pending === 0,
    "the queue to drain",
  );
  assert.equal(webhook.notifications.length, 1);
});

test("an endpoint that fails the validation POST (500, 404, 202) is refused with 'Url validation'", async () => {
  for (const status of [500, 404, 202]) {
    const webhook = await hook({ validation: status });
    const name = `hs-fail-${status}`;
    const put = await arm.put(
      name,
      webhookSubscription(`${webhook.url}?code=query-secret`, { subjectBeginsWith: "hs-fail-" }),
    );
    assert.equal(put.status, 400, `${status}: ${put.text}`);
    assert.equal(errorCode(put.text), "Url validation");
    assert.ok(put.text.includes(`HTTP ${status}`), put.text);
    assert.ok(!put.text.includes("query-secret"), `the query secret is not echoed: ${put.text}`);
    assert.equal(webhook.requests.length, 1);
    assert.equal(await arm.state(name), "Failed");
  }
  await client.setSecret("hs-fail-x", "v");
  for (const status of [500, 404, 202]) {
    assert.equal(fixture.vault.eventGrid.stats(`hs-fail-${status}`).pending, 0);
  }
  assert.deepEqual(
    hooks
      .flatMap((h) => h.notifications)
      .filter((r) => JSON.stringify(r.events).includes("hs-fail-")),
    [],
  );
});

test("CloudEvents: an OPTIONS request with WebHook-Request-Origin; WebHook-Allowed-Origin consents", async () => {
  for (const origin of ["eventgrid.azure.net", "*"]) {
    const webhook = await hook({ allowedOrigin: origin });
    const name = origin === "*" ? "hs-ce-star" : "hs-ce";
    const put = await arm.put(
      name,
      webhookSubscription(webhook.url, {
        schema: "CloudEventSchemaV1_0",
        subjectBeginsWith: `${name}-`,
      }),
    );
    assert.equal(put.status, 201, put.text);
    assert.equal(
      (JSON.parse(put.text) as ArmSubscription).properties.provisioningState,
      "Succeeded",
    );
    assert.equal(webhook.requests.length, 1);
    const options = webhook.requests[0];
    assert.equal(options?.method, "OPTIONS");
    assert.equal(options.url, "/hook");
    assert.equal(options.headers["webhook-request-origin"], "eventgrid.azure.net");
    assert.equal(options.body, "");

    await client.setSecret(`${name}-1`, "v");
    const delivery = await webhook.request(0, "Notification");
    assert.equal(delivery.headers["origin"], "eventgrid.azure.net");
  }
});

test("CloudEvents: no consent (no header, another origin, 405) fails the PUT and delivers nothing", async () => {
  const cases: [string, Parameters<typeof startWebhookRecorder>[0]][] = [
    ["hs-ce-none", { allowedOrigin: false }],
    ["hs-ce-other", { allowedOrigin: "example.com" }],
    ["hs-ce-405", { allowedOrigin: false, optionsStatus: 405 }],
  ];
  for (const [name, script] of cases) {
    const webhook = await hook(script);
    const put = await arm.put(
      name,
      webhookSubscription(webhook.url, {
        schema: "CloudEventSchemaV1_0",
        subjectBeginsWith: "hs-ce-no-",
      }),
    );
    assert.equal(put.status, 400, put.text);
    assert.equal(errorCode(put.text), "Url validation");
    assert.match(put.text, /WebHook-Allowed-Origin/);
    assert.equal(await arm.state(name), "Failed");
    await client.setSecret("hs-ce-no-1", "v");
    assert.equal(fixture.vault.eventGrid.stats(name).pending, 0);
    assert.equal(webhook.notifications.length, 0);
  }
});

test("GET, list and DELETE in ARM's shape; secrets stay hidden; a deleted subscription gets nothing", async () => {
  const webhook = await hook();
  await arm.create(
    "hs-crud",
    webhookSubscription(`${webhook.url}?code=query-secret`, {
      subjectBeginsWith: "hs-crud-",
      headers: [
        { name: "Authorization", value: "Bearer header-secret", isSecret: true },
        { name: "X-Team", value: "payments" },
      ],
    }),
  );
  // The query secret went with the handshake, as Event Grid sends it on every request.
  assert.equal(webhook.requests[0]?.url, "/hook?code=query-secret");
  assert.equal(webhook.requests[0].headers["authorization"], "Bearer header-secret");

  const got = await arm.get("hs-crud");
  assert.equal(got.status, 200);
  assert.ok(!got.text.includes("secret"), got.text);
  const sub = JSON.parse(got.text) as ArmSubscription;
  assert.equal(sub.name, "hs-crud");
  assert.equal(sub.type, "Microsoft.EventGrid/eventSubscriptions");
  assert.equal(
    sub.id,
    `${fixture.vault.eventGrid.topic}/providers/Microsoft.EventGrid/eventSubscriptions/hs-crud`,
  );
  assert.equal(sub.properties.destination.properties.endpointBaseUrl, webhook.url);
  assert.deepEqual(
    sub.properties.destination.properties.deliveryAttributeMappings.map((m) => m.properties.value),
    [null, "payments"],
  );

  const list = await arm.list();
  assert.equal(list.status, 200);
  const names = (JSON.parse(list.text) as { value: ArmSubscription[] }).value.map((s) => s.name);
  assert.ok(names.includes("hs-crud"), names.join());
  assert.ok(!list.text.includes("secret"));

  assert.equal((await arm.delete("hs-crud")).status, 200);
  assert.equal((await arm.delete("hs-crud")).status, 204);
  const gone = await arm.get("hs-crud");
  assert.equal(gone.status, 404);
  assert.equal(errorCode(gone.text), "ResourceNotFound");
  await client.setSecret("hs-crud-1", "v");
  assert.equal(fixture.vault.eventGrid.stats("hs-crud").pending, 0);
  assert.equal(webhook.notifications.length, 0);
});

test("bad PUTs: invalid name, body, reserved header, foreign event type", async () => {
  const url = "http://127.0.0.1:9/hook";
  const cases: [string, unknown][] = [
    ["x", webhookSubscription(url)],
    ["hs-bad", { properties: {} }],
    ["hs-bad", webhookSubscription(url, { headers: [{ name: "aeg-x", value: "1" }] })],
    ["hs-bad", webhookSubscription(url, { includedEventTypes: ["Microsoft.Storage.BlobCreated"] })],
  ];
  for (const [name, body] of cases) {
    const put = await arm.put(name, body);
    assert.equal(put.status, 400, put.text);
    assert.equal(errorCode(put.text), "BadParameter");
  }
  assert.equal((await arm.get("hs-bad")).status, 404);
});
