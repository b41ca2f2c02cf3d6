import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { REQUESTS_TOTAL, type ReceivedKeyVaultEvent } from "./index.js";
import {
  CLOUD_EVENT_HEADERS,
  CLOUD_EVENT_SECRET_NEW_VERSION,
  EVENT_GRID_HEADERS,
  EVENT_GRID_SECRET_NEW_VERSION,
  SUBSCRIPTION_VALIDATION,
  VALIDATION_CODE,
  VALIDATION_HEADERS,
  cloudEvent,
  eventGridEvent,
} from "./test-support/payloads.js";
import {
  assertErrorReply,
  counterValue,
  receiverFixture,
} from "./test-support/receiver-fixture.js";

const JSON_TYPE = { "content-type": "application/json" };
const KV1 = "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/kv1";

describe("handshakes", () => {
  test("answers Event Grid's SubscriptionValidationEvent with its code, and delivers nothing", async () => {
    const fx = await receiverFixture();
    const response = await fx.post(SUBSCRIPTION_VALIDATION, VALIDATION_HEADERS);
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { validationResponse: VALIDATION_CODE });
    await fx.post(EVENT_GRID_SECRET_NEW_VERSION, EVENT_GRID_HEADERS);
    assert.equal((await fx.waitForEvents(1)).length, 1);
  });

  test("refuses a validation event without a code (400, so the subscription fails visibly)", async () => {
    const fx = await receiverFixture();
    const body = JSON.stringify([
      {
        ...eventGridEvent(),
        eventType: "Microsoft.EventGrid.SubscriptionValidationEvent",
        data: {},
      },
    ]);
    const reason = assertErrorReply(await fx.post(body, VALIDATION_HEADERS), 400);
    assert.match(reason, /validationCode/);
  });

  test("grants CloudEvents webhook consent to the requesting origin, at any rate", async () => {
    const fx = await receiverFixture();
    const response = await fx.app.inject({
      method: "OPTIONS",
      url: "/api/events",
      headers: {
        "webhook-request-origin": "eventgrid.azure.net",
        "webhook-request-callback": "https://eventgrid.azure.net/callback?token=x",
      },
    });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers["webhook-allowed-origin"], "eventgrid.azure.net");
    assert.equal(response.headers["webhook-allowed-rate"], "*");
    assert.equal(response.headers.allow, "POST, OPTIONS");
  });

  test("grants the requested rate when one is asked", async () => {
    const fx = await receiverFixture();
    const response = await fx.app.inject({
      method: "OPTIONS",
      url: "/api/events",
      headers: { "webhook-request-origin": "eventgrid.azure.net", "webhook-request-rate": "120" },
    });
    assert.equal(response.headers["webhook-allowed-rate"], "120");
  });

  test("answers a plain OPTIONS with Allow and no consent", async () => {
    const fx = await receiverFixture();
    const response = await fx.app.inject({ method: "OPTIONS", url: "/api/events" });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers.allow, "POST, OPTIONS");
    assert.equal(response.headers["webhook-allowed-origin"], undefined);
  });

  test("refuses to echo an origin that is not a plain token", async () => {
    const fx = await receiverFixture();
    const response = await fx.app.inject({
      method: "OPTIONS",
      url: "/api/events",
      headers: { "webhook-request-origin": "evil.example <script>" },
    });
    assertErrorReply(response, 400);
    assert.equal(response.headers["webhook-allowed-origin"], undefined);
  });
});

describe("deliveries", () => {
  test("reads Azure's Event Grid schema array into a typed event", async () => {
    const fx = await receiverFixture();
    const response = await fx.post(EVENT_GRID_SECRET_NEW_VERSION, EVENT_GRID_HEADERS);
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { accepted: 1, duplicate: 0, ignored: 0, rejected: 0 });
    const [event] = await fx.waitForEvents(1);
    assert.deepEqual(event, {
      id: "2f7d3c9e-6a51-4c1b-9f0e-3b8a7d2e1c44",
      type: "Microsoft.KeyVault.SecretNewVersionCreated",
      schema: "EventGrid",
      source: KV1,
      subject: "db-pass",
      time: "2025-03-01T10:15:30.1234567Z",
      data: {
        Id: "https://kv1.vault.azure.net/secrets/db-pass/4e0c9a1b2c3d4e5f60718293a4b5c6d7",
        VaultName: "kv1",
        ObjectType: "Secret",
        ObjectName: "db-pass",
        Version: "4e0c9a1b2c3d4e5f60718293a4b5c6d7",
        NBF: null,
        EXP: 1767225600,
      },
    } satisfies ReceivedKeyVaultEvent);
  });

  test("reads Azure's structured CloudEvent into a typed event", async () => {
    const fx = await receiverFixture();
    const response = await fx.post(CLOUD_EVENT_SECRET_NEW_VERSION, CLOUD_EVENT_HEADERS);
    assert.equal(response.statusCode, 200);
    const [event] = await fx.waitForEvents(1);
    assert.equal(event?.schema, "CloudEvents");
    assert.equal(event.id, "0a09caf8-8056-4a4b-9de4-4452cf7ad05b");
    assert.equal(
      event.source,
      "/subscriptions/0afdd038-221b-4938-8564-5c62d1399393/resourceGroups/rg-aks/providers/Microsoft.KeyVault/vaults/kvjanne1234567890",
    );
    assert.equal(event.subject, "secret1");
    assert.equal(event.time, "2024-04-01T16:21:21.2932321Z");
    assert.deepEqual(event.data, {
      Id: "https://kvjanne1234567890.vault.azure.net/secrets/secret1/0c7751761b5a4ca09f3deec5fba4af83",
      VaultName: "kvjanne1234567890",
      ObjectType: "Secret",
      ObjectName: "secret1",
      Version: "0c7751761b5a4ca09f3deec5fba4af83",
      NBF: null,
      EXP: null,
    });
  });

  const shapes = [
    ["application/cloudevents+json", "object"],
    ["application/cloudevents+json; charset=utf-8", "array"],
    ["application/cloudevents-batch+json", "array"],
    ["application/cloudevents-batch+json; charset=UTF-8", "object"],
    ["application/json", "object"],
    ["application/json; charset=utf-8", "array"],
    ["Application/CloudEvents+JSON", "object"],
  ] as const;
  for (const [contentType, shape] of shapes) {
    test(`accepts CloudEvents as a JSON ${shape} under ${contentType}`, async () => {
      const fx = await receiverFixture();
      const events = [cloudEvent({ id: "a" }), cloudEvent({ id: "b" })];
      const body = JSON.stringify(shape === "object" ? events[0] : events);
      const response = await fx.post(body, { "content-type": contentType });
      assert.equal(response.statusCode, 200, response.body);
      const expected = shape === "object" ? ["a"] : ["a", "b"];
      const received = await fx.waitForEvents(expected.length);
      assert.deepEqual(
        received.map((event) => event.id),
        expected,
      );
    });
  }

  test("delivers every event of a batch, in order, with their own types", async () => {
    const fx = await receiverFixture();
    const types = [
      "Microsoft.KeyVault.SecretNearExpiry",
      "Microsoft.KeyVault.KeyNewVersionCreated",
      "Microsoft.KeyVault.CertificateExpired",
    ];
    const batch = types.map((eventType, i) =>
      eventGridEvent({
        id: `id-${i}`,
        eventType,
        data: {
          ...(eventGridEvent().data as object),
          ObjectType: eventType
            .split(".")[2]
            ?.replace(/(NearExpiry|NewVersionCreated|Expired)$/, ""),
        },
      }),
    );
    const response = await fx.post(JSON.stringify(batch), EVENT_GRID_HEADERS);
    assert.deepEqual(response.json(), { accepted: 3, duplicate: 0, ignored: 0, rejected: 0 });
    const events = await fx.waitForEvents(3);
    assert.deepEqual(
      events.map((event) => [event.id, event.type, event.data.ObjectType]),
      [
        ["id-0", types[0], "Secret"],
        ["id-1", types[1], "Key"],
        ["id-2", types[2], "Certificate"],
      ],
    );
  });

  test("detects the schema per element in an application/json array", async () => {
    const fx = await receiverFixture();
    const body = JSON.stringify([eventGridEvent({ id: "eg" }), cloudEvent({ id: "ce" })]);
    assert.equal((await fx.post(body, JSON_TYPE)).statusCode, 200);
    const events = await fx.waitForEvents(2);
    assert.deepEqual(
      events.map((event) => [event.id, event.schema]),
      [
        ["eg", "EventGrid"],
        ["ce", "CloudEvents"],
      ],
    );
  });

  test("reads camelCase data when the PascalCase keys are absent", async () => {
    const fx = await receiverFixture();
    const data = {
      id: "https://kv1.vault.azure.net/secrets/db-pass/v2",
      vaultName: "kv1",
      objectType: "Secret",
      objectName: "db-pass",
      version: "v2",
      nbf: 1700000000,
      exp: null,
    };
    await fx.post(JSON.stringify([eventGridEvent({ data })]), EVENT_GRID_HEADERS);
    const [event] = await fx.waitForEvents(1);
    assert.deepEqual(event?.data, {
      Id: data.id,
      VaultName: "kv1",
      ObjectType: "Secret",
      ObjectName: "db-pass",
      Version: "v2",
      NBF: 1700000000,
      EXP: null,
    });
  });

  test("accepts an empty batch (a valid CloudEvents batch) and delivers nothing", async () => {
    const fx = await receiverFixture();
    const response = await fx.post("[]", { "content-type": "application/cloudevents-batch+json" });
    assert.deepEqual(response.json(), { accepted: 0, duplicate: 0, ignored: 0, rejected: 0 });
  });
});

describe("skipped events", () => {
  test("acknowledges a redelivered event and hands it on once", async () => {
    const fx = await receiverFixture();
    const first = await fx.post(EVENT_GRID_SECRET_NEW_VERSION, EVENT_GRID_HEADERS);
    const second = await fx.post(EVENT_GRID_SECRET_NEW_VERSION, {
      ...EVENT_GRID_HEADERS,
      "aeg-delivery-count": "1",
    });
    assert.equal(first.statusCode, 200);
    assert.equal(second.statusCode, 200);
    assert.equal(second.json<{ duplicate: number }>().duplicate, 1);
    // a later, different event arrives; the duplicate never did
    await fx.post(JSON.stringify([eventGridEvent({ id: "later" })]), EVENT_GRID_HEADERS);
    const events = await fx.waitForEvents(2);
    assert.deepEqual(
      events.map((event) => event.id),
      ["2f7d3c9e-6a51-4c1b-9f0e-3b8a7d2e1c44", "later"],
    );
    assert.equal(await fx.received("Microsoft.KeyVault.SecretNewVersionCreated", "duplicate"), 1);
  });

  test("drops a repeated id within one batch, but not the same id from another vault", async () => {
    const fx = await receiverFixture();
    const other = "/subscriptions/s/resourceGroups/r/providers/Microsoft.KeyVault/vaults/kv2";
    const batch = [eventGridEvent(), eventGridEvent(), eventGridEvent({ topic: other })];
    const response = await fx.post(JSON.stringify(batch), EVENT_GRID_HEADERS);
    assert.deepEqual(response.json(), { accepted: 2, duplicate: 1, ignored: 0, rejected: 0 });
    const events = await fx.waitForEvents(2);
    assert.deepEqual(
      events.map((event) => event.source),
      [KV1, other],
    );
  });

  test("remembers only the configured number of recent ids", async () => {
    const fx = await receiverFixture({ dedupeSize: 2 });
    for (const id of ["a", "b", "c", "a", "c"]) {
      await fx.post(JSON.stringify([eventGridEvent({ id })]), EVENT_GRID_HEADERS);
    }
    await fx.post(JSON.stringify([eventGridEvent({ id: "end" })]), EVENT_GRID_HEADERS);
    const events = await fx.waitForEvents(5);
    // "a" had left the window of two when it came back; "c" had not
    assert.deepEqual(
      events.map((event) => event.id),
      ["a", "b", "c", "a", "end"],
    );
  });

  test("acknowledges unknown event types, counts them as other, and does not deliver them", async () => {
    const fx = await receiverFixture();
    const batch = [
      eventGridEvent({ id: "u1", eventType: "Microsoft.Storage.BlobCreated", data: { url: "x" } }),
      eventGridEvent({ id: "u2", eventType: "Microsoft.KeyVault.VaultAccessPolicyChanged" }),
      cloudEvent({ id: "u3", type: "Microsoft.EventGrid.SubscriptionDeletedEvent", data: null }),
    ];
    const response = await fx.post(JSON.stringify(batch), JSON_TYPE);
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { accepted: 0, duplicate: 0, ignored: 3, rejected: 0 });
    await fx.post(JSON.stringify([eventGridEvent({ id: "known" })]), EVENT_GRID_HEADERS);
    assert.deepEqual(
      (await fx.waitForEvents(1)).map((event) => event.id),
      ["known"],
    );
    assert.equal(await fx.received("other", "ignored"), 3);
  });

  test("skips a Key Vault event with unreadable data but keeps the rest of the batch", async () => {
    const fx = await receiverFixture();
    const good = eventGridEvent({ id: "good" });
    const bad = eventGridEvent({ id: "bad", data: { VaultName: "kv1" } });
    const response = await fx.post(JSON.stringify([bad, good]), EVENT_GRID_HEADERS);
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { accepted: 1, duplicate: 0, ignored: 0, rejected: 1 });
    assert.deepEqual(
      (await fx.waitForEvents(1)).map((event) => event.id),
      ["good"],
    );
    assert.equal(await fx.received("Microsoft.KeyVault.SecretNewVersionCreated", "rejected"), 1);
  });
});

describe("after the reply", () => {
  test("hands events on only once the response has been sent", async () => {
    const order: string[] = [];
    const fx = await receiverFixture(
      {
        onEvent: () => {
          order.push("onEvent");
        },
      },
      (app) =>
        app.addHook("onResponse", (_request, _reply, done) => {
          order.push("reply");
          done();
        }),
    );
    await fx.post(EVENT_GRID_SECRET_NEW_VERSION, EVENT_GRID_HEADERS);
    await fx.waitForEvents(1);
    assert.deepEqual(order, ["reply", "onEvent"]);
  });

  test("replies at once even when onEvent never settles", async () => {
    const fx = await receiverFixture({ onEvent: () => new Promise<void>(() => undefined) });
    const response = await fx.post(EVENT_GRID_SECRET_NEW_VERSION, EVENT_GRID_HEADERS);
    assert.equal(response.statusCode, 200);
    await fx.waitForEvents(1);
  });

  test("reports a failing onEvent to onError, with the event, and still answers 200", async () => {
    const failures: [unknown, string][] = [];
    let reported!: () => void;
    const done = new Promise<void>((resolve) => (reported = resolve));
    const fx = await receiverFixture({
      onEvent: () => {
        throw new Error("boom");
      },
      onError: (error, event) => {
        failures.push([error, event.id]);
        reported();
      },
    });
    const response = await fx.post(EVENT_GRID_SECRET_NEW_VERSION, EVENT_GRID_HEADERS);
    assert.equal(response.statusCode, 200);
    await done;
    assert.equal((failures[0]?.[0] as Error).message, "boom");
    assert.equal(failures[0]?.[1], "2f7d3c9e-6a51-4c1b-9f0e-3b8a7d2e1c44");
  });
});

describe("metrics", () => {
  test("counts events by type and outcome and requests by status, with no names in labels", async () => {
    const fx = await receiverFixture();
    await fx.post(EVENT_GRID_SECRET_NEW_VERSION, EVENT_GRID_HEADERS);
    await fx.post(EVENT_GRID_SECRET_NEW_VERSION, EVENT_GRID_HEADERS);
    await fx.post("{", JSON_TYPE);
    assert.equal(await fx.received("Microsoft.KeyVault.SecretNewVersionCreated", "accepted"), 1);
    assert.equal(await fx.received("Microsoft.KeyVault.SecretNewVersionCreated", "duplicate"), 1);
    assert.equal(await counterValue(fx.registry, REQUESTS_TOTAL, { status: "200" }), 2);
    assert.equal(await counterValue(fx.registry, REQUESTS_TOTAL, { status: "400" }), 1);
    const text = await fx.registry.metrics();
    for (const name of ["db-pass", "kv1", "4e0c9a1b", "2f7d3c9e"])
      assert.ok(!text.includes(name), name);
  });

  test("lets two receivers share one registry", async () => {
    const first = await receiverFixture();
    const second = await receiverFixture({ metrics: first.registry, path: "/other" });
    await second.post(EVENT_GRID_SECRET_NEW_VERSION, EVENT_GRID_HEADERS, "/other");
    assert.equal(await first.received("Microsoft.KeyVault.SecretNewVersionCreated", "accepted"), 1);
  });
});

describe("over loopback", () => {
  test("serves deliveries and handshakes on a real socket, and refuses an oversized body", async (t) => {
    const fx = await receiverFixture({ auth: { kind: "query-secret", secrets: ["s3cret"] } });
    const url = await fx.app.listen({ port: 0, host: "127.0.0.1" });
    t.after(() => fx.app.close());
    const endpoint = `${url}/api/events?code=s3cret`;

    const consent = await fetch(endpoint, {
      method: "OPTIONS",
      headers: { "webhook-request-origin": "eventgrid.azure.net" },
    });
    assert.equal(consent.headers.get("webhook-allowed-origin"), "eventgrid.azure.net");

    const delivered = await fetch(endpoint, {
      method: "POST",
      headers: CLOUD_EVENT_HEADERS,
      body: CLOUD_EVENT_SECRET_NEW_VERSION,
    });
    assert.equal(delivered.status, 200);
    assert.equal((await fx.waitForEvents(1))[0]?.subject, "secret1");

    const tooLarge = await fetch(endpoint, {
      method: "POST",
      headers: JSON_TYPE,
      body: `[${" ".repeat(1024 * 1024)}]`,
    });
    assert.equal(tooLarge.status, 413);
    assert.deepEqual(Object.keys((await tooLarge.json()) as object), ["error"]);

    const refused = await fetch(`${url}/api/events`, {
      method: "POST",
      headers: JSON_TYPE,
      body: "[]",
    });
    assert.equal(refused.status, 401);
  });
});

describe("delivery info", () => {
  test("attempt and subscription come from Event Grid's headers; bad or missing ones are safe", async () => {
    const fx = await receiverFixture();
    const before = Date.now();
    await fx.post(EVENT_GRID_SECRET_NEW_VERSION, EVENT_GRID_HEADERS);
    const retry = eventGridEvent({ id: "retry-1" });
    await fx.post(JSON.stringify([retry]), { ...EVENT_GRID_HEADERS, "aeg-delivery-count": "2" });
    const bare = eventGridEvent({ id: "bare-1" });
    await fx.post(JSON.stringify([bare]), {
      ...JSON_TYPE,
      "aeg-event-type": "Notification",
      "aeg-delivery-count": "-3",
    });
    await fx.waitForEvents(3);
    assert.deepEqual(
      fx.deliveries.map((d) => [d.attempt, d.subscription]),
      [
        [1, "KVSYNC"],
        [3, "KVSYNC"],
        [1, undefined],
      ],
    );
    for (const d of fx.deliveries) {
      assert.ok(d.receivedAt >= before - 1 && d.receivedAt <= Date.now() + 1, "arrival time");
    }
  });
});
