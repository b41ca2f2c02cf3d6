import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import type { ObjectSource } from "../keyvault/index.js";
import { parseSecretProviderClass } from "../spc/index.js";
import { ObjectReader } from "../sync/index.js";
import { startVaultFixture, type VaultFixture } from "../vault/test-support/vault-fixture.js";
import { syncClassSecrets } from "./class-secrets.js";
import { startFakeApiServer, type FakeApiServer } from "./test-support/fake-api-server.js";
import { localVaultSource } from "./test-support/local-vault-source.js";

/**
 * The local vault and the fake API server together: a class's Secrets exist with no pod, follow
 * a new version, and many classes sharing an object cost one Key Vault read per version.
 */

let vault: VaultFixture;
let api: FakeApiServer;
let core: CoreV1Api;
let source: ObjectSource;
const gets: string[] = [];
let clock = 0;

before(async () => {
  vault = await startVaultFixture({ now: () => Math.floor(Date.now() / 1000) + clock });
  api = await startFakeApiServer();
  const config = new KubeConfig();
  config.loadFromString(api.kubeconfig);
  core = config.makeApiClient(CoreV1Api);
  source = localVaultSource(vault, { reads: gets });
});
after(async () => {
  await api.close();
  await vault.close();
});

function classIn(namespace: string, objectName: string) {
  const result = parseSecretProviderClass(`apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata: { name: app, namespace: ${namespace} }
spec:
  provider: azure
  secretObjects:
    - secretName: app-secret
      type: Opaque
      data: [{ objectName: ${objectName}, key: value }]
  parameters:
    keyvaultName: demo
    tenantId: "00000000-0000-0000-0000-000000000000"
    objects: |
      array:
        - |
          objectName: ${objectName}
          objectType: secret
`);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.spc;
}

const owner = (namespace: string) => ({
  apiVersion: "secrets-store.csi.x-k8s.io/v1",
  kind: "SecretProviderClass",
  name: "app",
  uid: `uid-${namespace}`,
});

async function valueIn(namespace: string): Promise<string> {
  const secret = await core.readNamespacedSecret({ name: "app-secret", namespace });
  return Buffer.from(secret.data?.value ?? "", "base64").toString("utf8");
}

test("Secrets exist with no pod, and follow a new version", async () => {
  clock += 10;
  const v1 = (await vault.client().setSecret("shared-db", "db-1")).properties.version ?? "";
  const reader = new ObjectReader(source, new AbortController().signal);
  const options = { core, reader, source, signal: new AbortController().signal };
  const first = await syncClassSecrets(classIn("one", "shared-db"), owner("one"), options);
  assert.deepEqual(first.outcomes, [{ secretName: "app-secret", result: "created" }]);
  assert.deepEqual([...first.versions], [["secret/shared-db", [v1]]]);
  assert.equal(await valueIn("one"), "db-1");
  const again = await syncClassSecrets(classIn("one", "shared-db"), owner("one"), options);
  assert.deepEqual(again.outcomes, [{ secretName: "app-secret", result: "unchanged" }]);
  clock += 10;
  await vault.client().setSecret("shared-db", "db-2");
  await syncClassSecrets(classIn("one", "shared-db"), owner("one"), options);
  assert.equal(await valueIn("one"), "db-2");
  assert.ok(v1 !== "");
});

test("many classes sharing an object, synced together: one read of the new version", async () => {
  const reader = new ObjectReader(source, new AbortController().signal);
  const options = { core, reader, source, signal: new AbortController().signal };
  clock += 10;
  await vault.client().setSecret("shared-api", "api-1");
  const namespaces = Array.from({ length: 50 }, (_, i) => `team-${i}`);
  const before = gets.length;
  await Promise.all(
    namespaces.map((ns) => syncClassSecrets(classIn(ns, "shared-api"), owner(ns), options)),
  );
  assert.deepEqual(gets.slice(before), ["shared-api@latest"]);
  for (const ns of namespaces) assert.equal(await valueIn(ns), "api-1");
});
