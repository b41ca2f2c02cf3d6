import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type CoreV1Event,
  type KubernetesObject,
  type V1Secret,
} from "@kubernetes/client-node";
import { pino } from "pino";
import { waitUntil } from "../eventgrid/publisher/test-support/management.js";
import type { VaultFixture } from "../vault/test-support/vault-fixture.js";
import { readClassStatus, type ClassStatus } from "./class-status.js";
import { ClassController, SPC_GROUP, SPC_PLURAL, SPC_VERSION } from "./class-controller.js";
import { RESTART_ON_CHANGE, RESTARTED_AT } from "./rollout-restart.js";
import type { FakeApiServer } from "./test-support/fake-api-server.js";
import { startKubeTestbed, type KubeTestbed } from "./test-support/kube-testbed.js";
import { localVaultSource } from "./test-support/local-vault-source.js";

/**
 * The controller against the fake API server (through a kubeconfig, as in a cluster) and the
 * local vault: a class created in the API gets its Secret with no pod anywhere; a new version in
 * Key Vault reaches it; a hand edit is repaired by the resync; deleting the class deletes it.
 */

let vault: VaultFixture;
let api: FakeApiServer;
let core: CoreV1Api;
let custom: CustomObjectsApi;
let apps: AppsV1Api;
let controller: ClassController;
let bed: KubeTestbed;
const logLines: string[] = [];

before(async () => {
  bed = await startKubeTestbed();
  ({ vault, api, core, custom, apps } = bed);
  const { kubeconfig } = bed;
  controller = new ClassController({
    kubeconfig,
    source: localVaultSource(vault),
    logger: pino({ level: "debug" }, { write: (line: string) => logLines.push(line) }),
  });
  await controller.start();
});
after(async () => {
  await controller.close();
  await bed.close();
});

/** Sets a value, a simulated 10 s later than the last: returns the new version. */
async function setSecret(name: string, value: string): Promise<string> {
  bed.advanceClock(10);
  const secret = await vault.client().setSecret(name, value);
  return secret.properties.version ?? "";
}

async function statusOf(name: string, namespace: string): Promise<ClassStatus | undefined> {
  const object = (await custom.getNamespacedCustomObject({
    group: SPC_GROUP,
    version: SPC_VERSION,
    plural: SPC_PLURAL,
    namespace,
    name,
  })) as KubernetesObject;
  return readClassStatus(object);
}

async function eventsOn(name: string, namespace: string): Promise<CoreV1Event[]> {
  const { items } = await core.listNamespacedEvent({ namespace });
  return items.filter((e) => e.involvedObject.name === name);
}

const classBody = (name: string, objectName: string) => ({
  apiVersion: `${SPC_GROUP}/${SPC_VERSION}`,
  kind: "SecretProviderClass",
  metadata: { name },
  spec: {
    provider: "azure",
    secretObjects: [
      { secretName: `${name}-secret`, type: "Opaque", data: [{ objectName, key: "value" }] },
    ],
    parameters: {
      keyvaultName: "demo",
      tenantId: "00000000-0000-0000-0000-000000000000",
      objects: `array:\n  - |\n    objectName: ${objectName}\n    objectType: secret\n`,
    },
  },
});

const read = (name: string, namespace: string) =>
  core.readNamespacedSecret({ name, namespace }).catch(() => undefined);
const valueOf = (secret: V1Secret | undefined) =>
  secret === undefined ? undefined : Buffer.from(secret.data?.value ?? "", "base64").toString();

async function secretValue(name: string, namespace: string, expected: string): Promise<void> {
  await waitUntil(
    async () => valueOf(await read(name, namespace)) === expected,
    `${namespace}/${name} = ${expected}`,
  );
}

test("a class's Secret exists with no pod, follows Key Vault, and goes with its class", async () => {
  const v1 = await setSecret("ctl-db", "ctl-1");
  await custom.createNamespacedCustomObject({
    group: SPC_GROUP,
    version: SPC_VERSION,
    namespace: "shop",
    plural: SPC_PLURAL,
    body: classBody("orders", "ctl-db"),
  });
  await secretValue("orders-secret", "shop", "ctl-1");
  // The class says what it holds: Ready, the Secret, the object's version.
  await waitUntil(async () => (await statusOf("orders", "shop")) !== undefined, "a status");
  const first = await statusOf("orders", "shop");
  assert.ok(first !== undefined);
  assert.equal(first.conditions.at(0)?.status, "True");
  assert.equal(first.conditions.at(0)?.reason, "Synced");
  assert.deepEqual(first.secrets, ["orders-secret"]);
  assert.deepEqual(first.objects, [{ objectName: "ctl-db", objectType: "secret", version: v1 }]);
  assert.equal(first.observedGeneration, 1);
  const created = await eventsOn("orders", "shop");
  assert.equal(created.length, 1);
  assert.equal(created.at(0)?.reason, "SecretSyncComplete");
  assert.equal(created.at(0)?.type, "Normal");
  assert.equal(created.at(0)?.involvedObject.kind, "SecretProviderClass");
  assert.match(
    created.at(0)?.message ?? "",
    new RegExp(`orders-secret \\(created\\).*ctl-db@${v1}`),
  );

  const deployment = (name: string, annotations: Record<string, string>) => ({
    metadata: { name, annotations },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name, image: "app" }] },
      },
    },
  });
  await apps.createNamespacedDeployment({
    namespace: "shop",
    body: deployment("checkout", { [RESTART_ON_CHANGE]: "orders" }),
  });
  await apps.createNamespacedDeployment({ namespace: "shop", body: deployment("unrelated", {}) });

  const v2 = await setSecret("ctl-db", "ctl-2");
  assert.equal(await controller.objectChanged("demo", "secret", "CTL-DB", v2), 1);
  assert.equal(await controller.objectChanged("demo", "secret", "unrelated", v2), 0);
  await secretValue("orders-secret", "shop", "ctl-2");
  await controller.idle();
  assert.deepEqual((await statusOf("orders", "shop"))?.objects, [
    { objectName: "ctl-db", objectType: "secret", version: v2 },
  ]);
  // A late copy of the first version's event moves nothing back.
  assert.equal(await controller.objectChanged("demo", "secret", "ctl-db", v1), 0);
  await controller.idle();
  assert.equal(valueOf(await read("orders-secret", "shop")), "ctl-2");
  const restartedAt = async (name: string) =>
    (await apps.readNamespacedDeployment({ name, namespace: "shop" })).spec?.template.metadata
      ?.annotations?.[RESTARTED_AT];
  await waitUntil(async () => (await restartedAt("checkout")) !== undefined, "a rollout restart");
  assert.equal(await restartedAt("unrelated"), undefined);

  // A hand edit: the resync puts the synced value back.
  const edited = await core.readNamespacedSecret({ name: "orders-secret", namespace: "shop" });
  edited.data = { value: Buffer.from("hand edit").toString("base64") };
  await core.replaceNamespacedSecret({ name: "orders-secret", namespace: "shop", body: edited });
  const restartedBefore = await restartedAt("checkout");
  await controller.resync();
  await secretValue("orders-secret", "shop", "ctl-2");
  await controller.idle();
  assert.equal(await restartedAt("checkout"), restartedBefore, "a repair is not a rotation");
  const events = await eventsOn("orders", "shop");
  assert.deepEqual(
    events.map((e) => e.reason),
    ["SecretSyncComplete", "SecretSyncComplete", "SecretSyncComplete"],
    "created, rotated, repaired",
  );
  for (const e of events) assert.doesNotMatch(e.message ?? "", /ctl-[12]/, "never a value");

  // A missed event: the resync's listing finds the new version, with no event at all.
  await setSecret("ctl-db", "ctl-3");
  await controller.resync();
  await secretValue("orders-secret", "shop", "ctl-3");

  await custom.deleteNamespacedCustomObject({
    group: SPC_GROUP,
    version: SPC_VERSION,
    namespace: "shop",
    plural: SPC_PLURAL,
    name: "orders",
  });
  await waitUntil(async () => (await read("orders-secret", "shop")) === undefined, "deleted");
});

test("an invalid class is reported with its problems, and nothing is written", async () => {
  const body = classBody("broken", "ctl-db");
  body.spec.parameters.keyvaultName = "";
  await custom.createNamespacedCustomObject({
    group: SPC_GROUP,
    version: SPC_VERSION,
    namespace: "shop",
    plural: SPC_PLURAL,
    body,
  });
  await waitUntil(
    () => logLines.some((l) => l.includes("shop/broken") && l.includes("keyvaultName")),
    "the invalid class reported",
  );
  assert.equal(await read("broken-secret", "shop"), undefined);
  await waitUntil(async () => (await statusOf("broken", "shop")) !== undefined, "a status");
  const condition = (await statusOf("broken", "shop"))?.conditions.at(0);
  assert.ok(condition !== undefined);
  assert.equal(condition.status, "False");
  assert.equal(condition.reason, "InvalidClass");
  assert.match(condition.message, /keyvaultName/);
  await waitUntil(async () => (await eventsOn("broken", "shop")).length > 0, "an Event");
  const warning = (await eventsOn("broken", "shop")).at(0);
  assert.ok(warning !== undefined);
  assert.equal(warning.type, "Warning");
  assert.equal(warning.reason, "SecretSyncFailed");
  assert.ok(!logLines.join("\n").includes("ctl-2"), "no value in the logs");
});

test("classes of other providers are left alone", async () => {
  const body = classBody("gcp", "ctl-db");
  body.spec.provider = "gcp";
  await custom.createNamespacedCustomObject({
    group: SPC_GROUP,
    version: SPC_VERSION,
    namespace: "shop",
    plural: SPC_PLURAL,
    body,
  });
  // The watch delivers in order: once a later Azure class is synced, the other one was seen.
  await custom.createNamespacedCustomObject({
    group: SPC_GROUP,
    version: SPC_VERSION,
    namespace: "shop",
    plural: SPC_PLURAL,
    body: classBody("after-gcp", "ctl-db"),
  });
  await waitUntil(async () => (await statusOf("after-gcp", "shop")) !== undefined, "synced");
  await controller.idle();
  assert.equal(await statusOf("gcp", "shop"), undefined);
  assert.equal(await read("gcp-secret", "shop"), undefined);
  assert.deepEqual(await eventsOn("gcp", "shop"), []);
});

test("a watch back after the history was compacted relists (410 Gone) and misses nothing", async () => {
  await setSecret("ctl-late", "late-1");
  const lists = () =>
    api.requests.filter((r) => r === `GET /apis/${SPC_GROUP}/${SPC_VERSION}/${SPC_PLURAL}`).length;
  const listedBefore = lists();
  const gap = api.dropWatches();
  // While the watch is down, a class appears and the API server forgets the history.
  await custom.createNamespacedCustomObject({
    group: SPC_GROUP,
    version: SPC_VERSION,
    namespace: "shop",
    plural: SPC_PLURAL,
    body: classBody("late", "ctl-late"),
  });
  api.compact();
  gap.reconnect();
  await secretValue("late-secret", "shop", "late-1");
  assert.ok(lists() > listedBefore, "listed again after the 410");
});
