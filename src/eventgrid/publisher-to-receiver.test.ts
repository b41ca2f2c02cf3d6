import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import Fastify, { type FastifyInstance } from "fastify";
import { startVaultFixture, type VaultFixture } from "../vault/test-support/vault-fixture.js";
import { management, webhookSubscription } from "./publisher/test-support/management.js";
import { registerEventReceiver, type ReceivedKeyVaultEvent } from "./receiver/index.js";

/**
 * Both ends of the wire together: the local vault's publisher delivering to kvsync's own
 * receiver, secured with a query-string secret, in each schema.
 */

const SECRET = "a-webhook-secret-of-some-length";
let fixture: VaultFixture;
let receiver: FastifyInstance;
let receiverUrl: string;
const received: ReceivedKeyVaultEvent[] = [];
const waiting: (() => void)[] = [];

before(async () => {
  fixture = await startVaultFixture({ eventGrid: { retryScale: 0.001 } });
  receiver = Fastify();
  await registerEventReceiver(receiver, {
    auth: { kind: "query-secret", secrets: [SECRET] },
    onEvent: (event) => {
      received.push(event);
      for (const wake of waiting.splice(0)) wake();
    },
  });
  receiverUrl = await receiver.listen({ port: 0, host: "127.0.0.1" });
});

after(async () => {
  await fixture.close();
  await receiver.close();
});

async function eventFor(version: string): Promise<ReceivedKeyVaultEvent> {
  for (;;) {
    const found = received.find((e) => e.data.Version === version);
    if (found) return found;
    await new Promise<void>((resolve) => waiting.push(resolve));
  }
}

for (const schema of ["EventGridSchema", "CloudEventSchemaV1_0"] as const) {
  test(`the vault's ${schema} deliveries pass the receiver's handshake, auth and parsing`, async () => {
    const name = schema === "EventGridSchema" ? "egs" : "ces";
    const sub = await management(fixture).create(
      name,
      webhookSubscription(`${receiverUrl}/api/events?code=${SECRET}`, {
        schema,
        subjectBeginsWith: `${name}-`,
      }),
    );
    assert.equal(sub.properties.provisioningState, "Succeeded");
    assert.doesNotMatch(
      JSON.stringify(sub),
      new RegExp(SECRET),
      "ARM never shows the endpoint's secret",
    );

    const set = await fixture.client().setSecret(`${name}-db-pass`, "s3cret-value");
    const event = await eventFor(set.properties.version ?? "");
    assert.equal(event.type, "Microsoft.KeyVault.SecretNewVersionCreated");
    assert.equal(event.schema, schema === "EventGridSchema" ? "EventGrid" : "CloudEvents");
    assert.equal(event.subject, `${name}-db-pass`);
    assert.equal(event.source, fixture.vault.eventGrid.topic);
    assert.deepEqual(event.data, {
      Id: set.properties.id,
      VaultName: "demo",
      ObjectType: "Secret",
      ObjectName: `${name}-db-pass`,
      Version: set.properties.version,
      NBF: null,
      EXP: null,
    });
    assert.match(event.time, /\.\d{7}Z$/);
  });
}

test("a subscription whose URL lacks the secret fails its handshake and receives nothing", async () => {
  const answer = await management(fixture).put(
    "nocode",
    webhookSubscription(`${receiverUrl}/api/events`),
  );
  assert.equal(answer.status, 400);
  assert.match(answer.text, /Url validation/);
  assert.equal(await management(fixture).state("nocode"), "Failed");
});
