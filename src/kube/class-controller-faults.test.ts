import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { CoreV1Api, CustomObjectsApi, type KubernetesObject } from "@kubernetes/client-node";
import { pino } from "pino";
import { waitUntil } from "../eventgrid/publisher/test-support/management.js";
import type { VaultFixture } from "../vault/test-support/vault-fixture.js";
import { ClassController, SPC_GROUP, SPC_PLURAL, SPC_VERSION } from "./class-controller.js";
import { readClassStatus } from "./class-status.js";
import type { FakeApiServer } from "./test-support/fake-api-server.js";
import { startKubeTestbed, type KubeTestbed } from "./test-support/kube-testbed.js";
import { localVaultSource } from "./test-support/local-vault-source.js";

/**
 * When the API server or Key Vault fails, the controller keeps what it has, says so on the class
 * (Ready False, one Warning Event per distinct failure) and tries again with backoff until it
 * gets through; nothing is lost and nothing needs a restart.
 */

let vault: VaultFixture;
let api: FakeApiServer;
let core: CoreV1Api;
let custom: CustomObjectsApi;
let controller: ClassController;
let vaultDown = false;
let bed: KubeTestbed;
const logLines: string[] = [];

before(async () => {
  bed = await startKubeTestbed();
  ({ vault, api, core, custom } = bed);
  const { kubeconfig } = bed;
  const source = localVaultSource(vault, { down: () => vaultDown });
  controller = new ClassController({
    kubeconfig,
    source,
    logger: pino({ level: "info" }, { write: (line: string) => logLines.push(line) }),
    retry: { baseMs: 20, maxMs: 200 },
  });
  await controller.start();
});
after(async () => {
  await controller.close();
  await bed.close();
});

async function createClass(name: string, objectName: string): Promise<void> {
  await custom.createNamespacedCustomObject({
    group: SPC_GROUP,
    version: SPC_VERSION,
    plural: SPC_PLURAL,
    namespace: "ops",
    body: {
      apiVersion: `${SPC_GROUP}/${SPC_VERSION}`,
      kind: "SecretProviderClass",
      metadata: { name },
      spec: {
        provider: "azure",
        secretObjects: [{ secretName: name, type: "Opaque", data: [{ objectName, key: "value" }] }],
        parameters: {
          keyvaultName: "demo",
          tenantId: "00000000-0000-0000-0000-000000000000",
          objects: `array:\n  - |\n    objectName: ${objectName}\n    objectType: secret\n`,
        },
      },
    },
  });
}

const valueOf = async (name: string) => {
  const secret = await core.readNamespacedSecret({ name, namespace: "ops" }).catch(() => undefined);
  return secret === undefined
    ? undefined
    : Buffer.from(secret.data?.value ?? "", "base64").toString();
};
const readyOf = async (name: string) => {
  const object = (await custom.getNamespacedCustomObject({
    group: SPC_GROUP,
    version: SPC_VERSION,
    plural: SPC_PLURAL,
    namespace: "ops",
    name,
  })) as KubernetesObject;
  return readClassStatus(object)?.conditions.at(0);
};
const warnings = async (name: string) =>
  (await core.listNamespacedEvent({ namespace: "ops" })).items.filter(
    (e) => e.involvedObject.name === name && e.type === "Warning",
  );

test("API server errors (500, 503, 429) are retried with backoff until the Secret is written", async () => {
  bed.advanceClock(10);
  await vault.client().setSecret("fault-api", "api-1");
  api.fail(/^POST \/api\/v1\/namespaces\/ops\/secrets$/, 500, 2);
  api.fail(/^PUT \/apis\/secrets-store\.csi\.x-k8s\.io\/v1\/namespaces\/ops\//, 503, 1);
  api.fail(/^GET \/api\/v1\/namespaces\/ops\/secrets\/fault-api$/, 429, 1);
  await createClass("fault-api", "fault-api");
  await waitUntil(async () => (await valueOf("fault-api")) === "api-1", "the Secret, at last");
  await waitUntil(async () => (await readyOf("fault-api"))?.status === "True", "Ready at last");
  await controller.idle();
  const failed = await warnings("fault-api");
  assert.ok(failed.length >= 1, "the failure is on the class as a Warning Event");
  assert.ok(failed.every((e) => e.reason === "SecretSyncFailed"));
  // Each distinct failure once: retries of the same error do not flood the class's Events.
  assert.equal(new Set(failed.map((e) => e.message)).size, failed.length);
  const attempts = api.requests.filter((r) => r === "POST /api/v1/namespaces/ops/secrets");
  assert.equal(attempts.length, 3, "two refused, the third written");
});

test("Key Vault down: the class says why, Secrets keep their last good value, recovery follows", async () => {
  bed.advanceClock(10);
  await vault.client().setSecret("fault-kv", "kv-1");
  vaultDown = true;
  await createClass("fault-kv", "fault-kv");
  await waitUntil(async () => (await readyOf("fault-kv"))?.status === "False", "Ready False");
  const condition = await readyOf("fault-kv");
  assert.ok(condition !== undefined);
  assert.equal(condition.reason, "SyncFailed");
  assert.match(condition.message, /ECONNREFUSED/);
  assert.equal(await valueOf("fault-kv"), undefined);
  assert.ok((await warnings("fault-kv")).length >= 1);

  // The vault comes back: the backoff retry, with no new trigger, syncs the class.
  vaultDown = false;
  await waitUntil(async () => (await valueOf("fault-kv")) === "kv-1", "recovered");
  await waitUntil(async () => (await readyOf("fault-kv"))?.status === "True", "Ready again");

  // An event whose version cannot be read while the vault is down is not lost: the resync after
  // the vault's return lists the vault and finds it. Meanwhile the Secret keeps its value.
  vaultDown = true;
  bed.advanceClock(10);
  const v2 = (await vault.client().setSecret("fault-kv", "kv-2")).properties.version ?? "";
  await assert.rejects(controller.objectChanged("demo", "secret", "fault-kv", v2), /ECONNREFUSED/);
  await controller.resync();
  await controller.idle();
  assert.equal(await valueOf("fault-kv"), "kv-1", "the last good value stays");
  vaultDown = false;
  await controller.resync();
  await waitUntil(async () => (await valueOf("fault-kv")) === "kv-2", "caught up");
  const logs = logLines.join("\n");
  assert.ok(!logs.includes("kv-1") && !logs.includes("kv-2"), "no value in the logs");
});
