import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { CoreV1Api, CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { waitUntil } from "../eventgrid/publisher/test-support/management.js";
import { EVENT_GRID_HEADERS, eventGridEvent } from "../eventgrid/receiver/test-support/payloads.js";
import type { VaultFixture } from "../vault/test-support/vault-fixture.js";
import { ClassController, SPC_GROUP, SPC_PLURAL, SPC_VERSION } from "./class-controller.js";
import { ControllerMetrics } from "./controller-metrics.js";
import { startControllerServer } from "./controller-server.js";
import { LeaderElector } from "./leader-election.js";
import type { FakeApiServer } from "./test-support/fake-api-server.js";
import { startKubeTestbed, type KubeTestbed } from "./test-support/kube-testbed.js";
import { localVaultSource } from "./test-support/local-vault-source.js";

/**
 * Two controller replicas behind one (imagined) Service, as `kvsync controller` runs them: each
 * serves the webhook, one leads. A delivery to the follower is acted on by the leader, with the
 * delivery's own auth; when the leader dies without a word the follower takes over within the
 * lease, and no Secret is written twice for one version.
 */

const LEASE_MS = 600;
const RENEW_MS = 100;
const WEBHOOK_SECRET = "replica-test-webhook-secret";

let vault: VaultFixture;
let api: FakeApiServer;
let core: CoreV1Api;
let custom: CustomObjectsApi;
let bed: KubeTestbed;

interface Replica {
  readonly name: string;
  readonly url: string;
  readonly elector: LeaderElector;
  readonly classes: ClassController;
  readonly app: FastifyInstance;
  readonly reads: string[];
}
const replicas: Replica[] = [];

before(async () => {
  bed = await startKubeTestbed();
  ({ vault, api, core, custom } = bed);
});
after(async () => {
  for (const replica of replicas) await stopReplica(replica, true);
  await bed.close();
});

async function startReplica(name: string): Promise<Replica> {
  const kubeconfig = new KubeConfig();
  kubeconfig.loadFromString(api.kubeconfig);
  const reads: string[] = [];
  const source = localVaultSource(vault, { reads });
  const logger = pino({ level: "silent" });
  // The elector needs the webhook's address, the webhook needs the elector: a late binding.
  const holder: { elector?: LeaderElector } = {};
  const classes = new ClassController({
    kubeconfig,
    source,
    logger,
    isLeader: () => holder.elector?.leading ?? false,
    instance: name,
  });
  const metrics = new ControllerMetrics();
  const leadership = {
    get leading() {
      return holder.elector?.leading ?? false;
    },
    get leaderAddress() {
      return holder.elector?.leaderAddress;
    },
  };
  const app = await startControllerServer({
    classes,
    auth: { kind: "query-secret", secrets: [WEBHOOK_SECRET] },
    logger,
    metrics,
    leadership,
  });
  const url = await app.listen({ port: 0, host: "127.0.0.1" });
  const elector = new LeaderElector({
    kubeconfig,
    namespace: "kvsync",
    name: "kvsync-controller",
    identity: name,
    address: url,
    leaseDurationMs: LEASE_MS,
    renewMs: RENEW_MS,
    logger,
    onStartedLeading: () => {
      void classes.resync();
    },
    onStoppedLeading: () => undefined,
  });
  holder.elector = elector;
  await classes.start();
  elector.start();
  const replica = { name, url, elector, classes, app, reads };
  replicas.push(replica);
  return replica;
}

/** `silently`: as kill -9 would, the lease is left to expire. */
async function stopReplica(replica: Replica, silently: boolean): Promise<void> {
  await replica.elector.stop({ release: !silently });
  await replica.app.close();
  await replica.classes.close();
}

async function setSecret(name: string, value: string): Promise<string> {
  bed.advanceClock(10);
  return (await vault.client().setSecret(name, value)).properties.version ?? "";
}

/** POSTs a SecretNewVersionCreated to a replica's webhook, as Event Grid would. */
async function deliver(replica: Replica, name: string, version: string, code = WEBHOOK_SECRET) {
  const body = JSON.stringify([
    eventGridEvent({
      id: randomUUID(),
      subject: name,
      eventTime: new Date().toISOString(),
      data: {
        Id: `https://demo.vault.azure.net/secrets/${name}/${version}`,
        VaultName: "demo",
        ObjectType: "Secret",
        ObjectName: name,
        Version: version,
        NBF: null,
        EXP: null,
      },
    }),
  ]);
  return fetch(`${replica.url}/api/events?code=${encodeURIComponent(code)}`, {
    method: "POST",
    headers: EVENT_GRID_HEADERS,
    body,
  });
}

const valueOf = async (name: string) => {
  const secret = await core
    .readNamespacedSecret({ name, namespace: "shop" })
    .catch(() => undefined);
  return secret === undefined
    ? undefined
    : Buffer.from(secret.data?.value ?? "", "base64").toString();
};
const secretWrites = () =>
  api.requests.filter((r) => /^(POST|PUT) \/api\/v1\/namespaces\/shop\/secrets/.test(r)).length;

test("a follower hands deliveries to the leader; a silent leader death is taken over", async () => {
  const v1 = await setSecret("rep-db", "rep-1");
  const a = await startReplica("a");
  await waitUntil(() => a.elector.leading, "a leads");
  const b = await startReplica("b");
  await waitUntil(() => b.elector.leaderAddress === a.url, "b knows where a is");

  await custom.createNamespacedCustomObject({
    group: SPC_GROUP,
    version: SPC_VERSION,
    plural: SPC_PLURAL,
    namespace: "shop",
    body: {
      apiVersion: `${SPC_GROUP}/${SPC_VERSION}`,
      kind: "SecretProviderClass",
      metadata: { name: "rep" },
      spec: {
        provider: "azure",
        secretObjects: [
          { secretName: "rep", type: "Opaque", data: [{ objectName: "rep-db", key: "value" }] },
        ],
        parameters: {
          keyvaultName: "demo",
          tenantId: "00000000-0000-0000-0000-000000000000",
          objects: "array:\n  - |\n    objectName: rep-db\n    objectType: secret\n",
        },
      },
    },
  });
  await waitUntil(async () => (await valueOf("rep")) === "rep-1", "a syncs the class");
  assert.deepEqual(a.reads, ["rep-db@latest"]);

  // Event Grid reaches the follower: the leader acts, with the delivery's own query secret.
  const v2 = await setSecret("rep-db", "rep-2");
  assert.equal((await deliver(b, "rep-db", v2, "wrong-secret")).status, 401, "auth still holds");
  const answer = await deliver(b, "rep-db", v2);
  assert.equal(answer.status, 200);
  await waitUntil(async () => (await valueOf("rep")) === "rep-2", "the leader rotated it");
  assert.deepEqual(b.reads, [], "the follower read nothing");
  assert.deepEqual(a.reads, ["rep-db@latest", `rep-db@${v2}`]);

  // The leader dies without a word: the follower takes over once the lease has expired.
  await stopReplica(a, true);
  const diedAt = Date.now();
  // Meanwhile deliveries to the follower are refused with 503, so that Event Grid retries them.
  const v3 = await setSecret("rep-db", "rep-3");
  const during = await deliver(b, "rep-db", v3);
  if (!b.elector.leading) assert.equal(during.status, 503);
  await waitUntil(() => b.elector.leading, "b takes over", 5_000);
  // Once the lease has expired, at the next round: well before a second lease duration.
  assert.ok(Date.now() - diedAt < 3 * LEASE_MS, "soon after the lease expired");
  // The new leader's first resync finds the version the refused delivery announced.
  await waitUntil(async () => (await valueOf("rep")) === "rep-3", "b catches up");
  await b.classes.idle();

  // A create and one update per version: nothing written twice across the hand-over.
  assert.equal(secretWrites(), 3);
  assert.ok(!a.reads.concat(b.reads).includes(`rep-db@${v1}`), "versions read by id once");
});

test("with no leader known, a follower answers 503 and acts on nothing (Event Grid retries)", async () => {
  const kubeconfig = new KubeConfig();
  kubeconfig.loadFromString(api.kubeconfig);
  const classes = new ClassController({
    kubeconfig,
    source: {
      get: () => Promise.reject(new Error("a follower must not read")),
      list: () => Promise.reject(new Error("a follower must not list")),
      listVersions: () => Promise.reject(new Error("a follower must not list")),
    },
    logger: pino({ level: "silent" }),
    isLeader: () => false,
  });
  const app = await startControllerServer({
    classes,
    auth: { kind: "query-secret", secrets: [WEBHOOK_SECRET] },
    logger: pino({ level: "silent" }),
    metrics: new ControllerMetrics(),
    leadership: { leading: false, leaderAddress: undefined },
  });
  try {
    const url = await app.listen({ port: 0, host: "127.0.0.1" });
    const follower = { url } as Replica;
    const answer = await deliver(follower, "rep-db", "0".repeat(32));
    assert.equal(answer.status, 503);
    assert.equal(answer.headers.get("retry-after"), "10");
    // A delivery some replica already handed on is never bounced again.
    const forwarded = await fetch(`${url}/api/events?code=${WEBHOOK_SECRET}`, {
      method: "POST",
      headers: { ...EVENT_GRID_HEADERS, "x-kvsync-forwarded": "1" },
      body: "[]",
    });
    assert.equal(forwarded.status, 503);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, /kvsync_controller_forwarded_deliveries_total\{status="503"\} 2/);
    assert.match(metrics, /kvsync_controller_leader 0/);
  } finally {
    await app.close();
    await classes.close();
  }
});
