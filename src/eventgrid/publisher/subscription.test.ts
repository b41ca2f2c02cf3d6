import assert from "node:assert/strict";
import { test } from "node:test";
import {
  fromBody,
  isValidSubscriptionName,
  matches,
  semanticProblems,
  subscriptionBody,
  toArm,
  type Subscription,
} from "./subscription.js";
import { webhookSubscription, type WebhookOptions } from "./test-support/management.js";

/** Event subscriptions: ARM body parsing, the filter, and what ARM shows back. */

const TOPIC =
  "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv1";
const NEW_VERSION = "Microsoft.KeyVault.SecretNewVersionCreated";
const NEAR_EXPIRY = "Microsoft.KeyVault.SecretNearExpiry";
const EXPIRED = "Microsoft.KeyVault.SecretExpired";

function subscription(options: WebhookOptions, url = "https://hooks.example/kv"): Subscription {
  return {
    ...fromBody("Sub-1", subscriptionBody.parse(webhookSubscription(url, options))),
    createdAt: 0,
    provisioningState: "Succeeded",
    validationCode: undefined,
    validationExpiresAt: undefined,
  };
}

test("defaults: Event Grid schema, one event per batch, 64 KB, 30 attempts, 1440 minutes", () => {
  const sub = subscription({});
  assert.equal(sub.schema, "EventGridSchema");
  assert.equal(sub.maxEventsPerBatch, 1);
  assert.equal(sub.preferredBatchSizeInKilobytes, 64);
  assert.equal(sub.maxDeliveryAttempts, 30);
  assert.equal(sub.eventTimeToLiveInMinutes, 1440);
  assert.equal(sub.includedEventTypes, undefined);
  assert.equal(sub.deadLetterContainer, undefined);
  assert.deepEqual(sub.headers, []);
});

test("matches: no filter takes every event", () => {
  const sub = subscription({});
  for (const type of [NEW_VERSION, NEAR_EXPIRY, EXPIRED]) assert.ok(matches(sub, type, "db-pass"));
});

test("matches: includedEventTypes lists the types taken (case-insensitive)", () => {
  const sub = subscription({ includedEventTypes: [NEAR_EXPIRY, EXPIRED] });
  assert.equal(matches(sub, NEW_VERSION, "db-pass"), false);
  assert.equal(matches(sub, NEAR_EXPIRY, "db-pass"), true);
  assert.equal(matches(sub, EXPIRED, "db-pass"), true);
  assert.equal(matches(sub, EXPIRED.toLowerCase(), "db-pass"), true);
  assert.equal(matches(subscription({ includedEventTypes: [] }), NEW_VERSION, "db-pass"), false);
});

test("matches: subjectBeginsWith and subjectEndsWith, both must hold, case-insensitive", () => {
  const table: [WebhookOptions, string, boolean][] = [
    [{ subjectBeginsWith: "db-" }, "db-pass", true],
    [{ subjectBeginsWith: "db-" }, "DB-PASS", true],
    [{ subjectBeginsWith: "db-" }, "api-key", false],
    [{ subjectBeginsWith: "db-" }, "my-db-pass", false],
    [{ subjectEndsWith: "-pass" }, "db-pass", true],
    [{ subjectEndsWith: "-pass" }, "db-pass-old", false],
    [{ subjectBeginsWith: "db-", subjectEndsWith: "-pass" }, "db-main-pass", true],
    [{ subjectBeginsWith: "db-", subjectEndsWith: "-pass" }, "db-main-key", false],
    [{ subjectBeginsWith: "db-", subjectEndsWith: "-pass" }, "api-pass", false],
    [{ subjectBeginsWith: "", subjectEndsWith: "" }, "anything", true],
  ];
  for (const [filter, subject, expected] of table) {
    assert.equal(
      matches(subscription(filter), NEW_VERSION, subject),
      expected,
      `${JSON.stringify(filter)} on ${subject}`,
    );
  }
  const both = subscription({ includedEventTypes: [EXPIRED], subjectBeginsWith: "db-" });
  assert.equal(matches(both, NEW_VERSION, "db-pass"), false);
  assert.equal(matches(both, EXPIRED, "api-key"), false);
  assert.equal(matches(both, EXPIRED, "db-pass"), true);
});

test("toArm hides secret header values and the endpoint's query string", () => {
  const sub = subscription(
    {
      headers: [
        { name: "Authorization", value: "Bearer s3cr3t-token", isSecret: true },
        { name: "X-Team", value: "payments" },
      ],
    },
    "https://hooks.example/kv?code=query-s3cr3t&x=1",
  );
  const arm = toArm(sub, TOPIC);
  const text = JSON.stringify(arm);
  assert.ok(!text.includes("s3cr3t"), `no secret in ${text}`);
  assert.equal(arm.id, `${TOPIC}/providers/Microsoft.EventGrid/eventSubscriptions/Sub-1`);
  assert.equal(arm.name, "Sub-1");
  assert.equal(arm.type, "Microsoft.EventGrid/eventSubscriptions");
  assert.equal(arm.properties.topic, TOPIC);
  assert.equal(arm.properties.provisioningState, "Succeeded");
  const destination = arm.properties.destination.properties;
  assert.equal(destination.endpointBaseUrl, "https://hooks.example/kv");
  assert.equal("endpointUrl" in destination, false);
  assert.deepEqual(destination.deliveryAttributeMappings, [
    { name: "Authorization", type: "Static", properties: { value: null, isSecret: true } },
    { name: "X-Team", type: "Static", properties: { value: "payments", isSecret: false } },
  ]);
});

test("toArm shows an endpoint without a query as is, and the rest of the configuration", () => {
  const sub = subscription({
    schema: "CloudEventSchemaV1_0",
    maxEventsPerBatch: 5,
    preferredBatchSizeInKilobytes: 2,
    includedEventTypes: [EXPIRED],
    subjectBeginsWith: "db-",
    subjectEndsWith: "-pass",
    maxDeliveryAttempts: 3,
    eventTimeToLiveInMinutes: 5,
    deadLetterContainer: "dead-letters",
  });
  const p = toArm(sub, TOPIC).properties;
  assert.deepEqual(p.destination.properties, {
    endpointBaseUrl: "https://hooks.example/kv",
    endpointUrl: "https://hooks.example/kv",
    maxEventsPerBatch: 5,
    preferredBatchSizeInKilobytes: 2,
    deliveryAttributeMappings: [],
  });
  assert.deepEqual(p.filter, {
    includedEventTypes: [EXPIRED],
    subjectBeginsWith: "db-",
    subjectEndsWith: "-pass",
  });
  assert.equal(p.eventDeliverySchema, "CloudEventSchemaV1_0");
  assert.deepEqual(p.retryPolicy, { maxDeliveryAttempts: 3, eventTimeToLiveInMinutes: 5 });
  assert.deepEqual(p.deadLetterDestination, {
    endpointType: "StorageBlob",
    properties: { blobContainerName: "dead-letters" },
  });
  assert.equal("deadLetterDestination" in toArm(subscription({}), TOPIC).properties, false);
});

test("semanticProblems: Dynamic mappings, aeg- header names and foreign event types", () => {
  const body = (mutate: (b: ReturnType<typeof webhookSubscription>) => unknown) => {
    const b = webhookSubscription("https://hooks.example/kv");
    mutate(b);
    return subscriptionBody.parse(b);
  };
  assert.deepEqual(
    semanticProblems(subscriptionBody.parse(webhookSubscription("https://h/x"))),
    [],
  );
  assert.deepEqual(
    semanticProblems(
      subscriptionBody.parse(
        webhookSubscription("https://h/x", {
          includedEventTypes: [NEW_VERSION, "Microsoft.KeyVault.VaultAccessPolicyChanged"],
          headers: [{ name: "Authorization", value: "Bearer t", isSecret: true }],
        }),
      ),
    ),
    [],
  );

  const dynamic = semanticProblems(
    body((b) => {
      Object.assign(b.properties.destination.properties, {
        deliveryAttributeMappings: [
          { name: "X-Subject", type: "Dynamic", properties: { sourceField: "subject" } },
        ],
      });
    }),
  );
  assert.equal(dynamic.length, 1);
  assert.match(dynamic[0] ?? "", /X-Subject: only Static mappings are supported/);

  const reserved = semanticProblems(
    subscriptionBody.parse(
      webhookSubscription("https://h/x", { headers: [{ name: "AEG-Custom", value: "1" }] }),
    ),
  );
  assert.equal(reserved.length, 1);
  assert.match(reserved[0] ?? "", /AEG-Custom: names starting with aeg- are reserved/);

  const foreign = semanticProblems(
    subscriptionBody.parse(
      webhookSubscription("https://h/x", {
        includedEventTypes: [NEW_VERSION, "Microsoft.Storage.BlobCreated"],
      }),
    ),
  );
  assert.deepEqual(foreign, [
    "includedEventTypes: Microsoft.Storage.BlobCreated is not an event type of a Key Vault topic",
  ]);
});

test("the body schema: WebHook only, limits of batching, retry policy and headers", () => {
  const parse = (b: unknown) => subscriptionBody.safeParse(b).success;
  assert.ok(parse(webhookSubscription("https://h/x", { maxEventsPerBatch: 5000 })));
  assert.ok(!parse(webhookSubscription("https://h/x", { maxEventsPerBatch: 5001 })));
  assert.ok(!parse(webhookSubscription("https://h/x", { maxEventsPerBatch: 0 })));
  assert.ok(parse(webhookSubscription("https://h/x", { preferredBatchSizeInKilobytes: 1024 })));
  assert.ok(!parse(webhookSubscription("https://h/x", { preferredBatchSizeInKilobytes: 1025 })));
  assert.ok(!parse(webhookSubscription("https://h/x", { maxDeliveryAttempts: 31 })));
  assert.ok(!parse(webhookSubscription("https://h/x", { eventTimeToLiveInMinutes: 1441 })));
  assert.ok(!parse(webhookSubscription("ftp://h/x")));
  const eleven = Array.from({ length: 11 }, (_, i) => ({ name: `X-H${i}`, value: "v" }));
  assert.ok(!parse(webhookSubscription("https://h/x", { headers: eleven })));
  assert.ok(parse(webhookSubscription("https://h/x", { headers: eleven.slice(0, 10) })));
  const queue = webhookSubscription("https://h/x");
  Object.assign(queue.properties.destination, { endpointType: "StorageQueue" });
  assert.ok(!parse(queue));
  assert.ok(isValidSubscriptionName("kv-sync-01"));
  assert.ok(!isValidSubscriptionName("ab"));
  assert.ok(!isValidSubscriptionName("has_underscore"));
  assert.ok(!isValidSubscriptionName("x".repeat(65)));
});
