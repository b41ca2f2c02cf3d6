import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  type V1Secret,
} from "@kubernetes/client-node";
import { pino } from "pino";
import { waitUntil } from "../eventgrid/publisher/test-support/management.js";
import { createVaultClients, SdkObjectSource } from "../keyvault/index.js";
import { startVaultFixture, type VaultFixture } from "../vault/test-support/vault-fixture.js";
import { ClassController, SPC_GROUP, SPC_PLURAL, SPC_VERSION } from "./class-controller.js";
import { RESTART_ON_CHANGE, RESTARTED_AT } from "./rollout-restart.js";
import { startFakeApiServer, type FakeApiServer } from "./test-support/fake-api-server.js";

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
let clock = 0;
const logLines: string[] = [];

before(async () => {
  vault = await startVaultFixture({ now: () => Math.floor(Date.now() / 1000) + clock });
  api = await startFakeApiServer();
  const kubeconfig = new KubeConfig();
  kubeconfig.loadFromString(api.kubeconfig);
  core = kubeconfig.makeApiClient(CoreV1Api);
  custom = kubeconfig.makeApiClient(CustomObjectsApi);
  apps = kubeconfig.makeApiClient(AppsV1Api);
  controller = new ClassController({
    kubeconfig,
    source: new SdkObjectSource({
      clientFor: createVaultClients({
        endpoints: new Map([["demo", vault.vault.url]]),
        ca: vault.ca,
        classes: [],
      }),
    }),
    logger: pino({ level: "debug" }, { write: (line: string) => logLines.push(line) }),
  });
  await controller.start();
});
after(async () => {
  await controller.close();
  await api.close();
  await vault.close();
});

async function setSecret(name: string, value: string): Promise<void> {
  clock += 10;
  await vault.client().setSecret(name, value);
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
  await setSecret("ctl-db", "ctl-1");
  await custom.createNamespacedCustomObject({
    group: SPC_GROUP,
    version: SPC_VERSION,
    namespace: "shop",
    plural: SPC_PLURAL,
    body: classBody("orders", "ctl-db"),
  });
  await secretValue("orders-secret", "shop", "ctl-1");

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

  await setSecret("ctl-db", "ctl-2");
  assert.equal(controller.objectChanged("demo", "CTL-DB"), 1);
  assert.equal(controller.objectChanged("demo", "unrelated"), 0);
  await secretValue("orders-secret", "shop", "ctl-2");
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
  controller.resync();
  await secretValue("orders-secret", "shop", "ctl-2");
  await controller.idle();
  assert.equal(await restartedAt("checkout"), restartedBefore, "a repair is not a rotation");

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
  assert.ok(!logLines.join("\n").includes("ctl-2"), "no value in the logs");
});
