import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { parseSecretProviderClass, type SecretProviderClass } from "./index.js";
import { expectOk, expectOnly } from "./test-support/class-builder.js";

/**
 * The seed post's class ("Using Key Vault with Azure Kubernetes Service"), verbatim, must be
 * accepted once its ${…} placeholders are filled; examples/secretproviderclass.yaml is that
 * class filled in for the local vault.
 */

const SEED = `apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata:
  name: azure-keyvault-wi
  namespace: secrets-app
spec:
  provider: azure
  parameters:
    usePodIdentity: "false"
    clientID: "\${aks_keyvault_client_id}"
    keyvaultName: \${keyvault_name}
    objects: |
      array:
        - |
          objectName: secret1
          objectType: secret
          objectVersion: ""
    tenantId: "\${tenant_id}"
  # These are optional. If not provided, then no K8s secret will be created.
  # OPTIONAL->
  secretObjects:
  - data:
    - key: mysecret1
      objectName: secret1
    secretName: app-secret
    type: Opaque
  # <-OPTIONAL
`;

const FILLED = {
  keyvault_name: "kvjanne1234567890",
  aks_keyvault_client_id: "3c0a6b59-8f7e-4a4e-9a43-21e1a3f1c0de",
  tenant_id: "72f988bf-86f1-41af-91ab-2d7cd011db47",
};

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\$\{(\w+)\}/g, (_, name: string) => values[name] ?? assert.fail(name));
}

const EXAMPLE = new URL("../../examples/secretproviderclass.yaml", import.meta.url);

test("the seed's class, placeholders filled, is accepted with its secretObjects", () => {
  const { spc, warnings } = expectOk(parseSecretProviderClass(fill(SEED, FILLED)));
  assert.deepEqual(spc, {
    name: "azure-keyvault-wi",
    namespace: "secrets-app",
    keyvaultName: "kvjanne1234567890",
    vaultUrl: "https://kvjanne1234567890.vault.azure.net/",
    tenantId: FILLED.tenant_id,
    cloudName: "AzurePublicCloud",
    identity: {
      kind: "workload-identity",
      clientId: FILLED.aks_keyvault_client_id,
      audience: "api://AzureADTokenExchange",
    },
    objects: [
      {
        objectName: "secret1",
        objectType: "secret",
        fileName: "secret1",
        versionHistory: 0,
        encoding: "utf-8",
        format: "pem",
        fileMode: 0o644,
      },
    ],
    secretObjects: [
      {
        secretName: "app-secret",
        type: "Opaque",
        labels: {},
        annotations: {},
        data: [{ objectName: "secret1", key: "mysecret1" }],
      },
    ],
    warnings,
  } satisfies SecretProviderClass);
  // tenantId is the provider's deprecated spelling: accepted, with a warning naming it
  assert.deepEqual(warnings, [
    "spec.parameters.tenantId: deprecated spelling; the Azure provider prefers tenantID",
  ]);
});

test("the seed's class with its placeholders left in is refused, naming each", () => {
  expectOnly(parseSecretProviderClass(SEED), {
    "spec.parameters.clientID": /unfilled placeholder \$\{aks_keyvault_client_id\}/,
    "spec.parameters.keyvaultName": /unfilled placeholder \$\{keyvault_name\}/,
    "spec.parameters.tenantId": /unfilled placeholder \$\{tenant_id\}/,
  });
});

test("examples/secretproviderclass.yaml is the seed's class filled in for the local vault", async () => {
  const text = await readFile(EXAMPLE, "utf8");
  const { spc } = expectOk(parseSecretProviderClass(text, { requireTenant: true }));
  assert.equal(spc.name, "azure-keyvault-wi");
  assert.equal(spc.namespace, "secrets-app");
  assert.equal(spc.keyvaultName, "demo");
  assert.equal(spc.tenantId, "00000000-0000-0000-0000-000000000000");
  assert.deepEqual(spc.identity, {
    kind: "workload-identity",
    clientId: "00000000-0000-0000-0000-000000000001",
    audience: "api://AzureADTokenExchange",
  });
  const fromSeed = fill(SEED, {
    keyvault_name: "demo",
    aks_keyvault_client_id: "00000000-0000-0000-0000-000000000001",
    tenant_id: "00000000-0000-0000-0000-000000000000",
  });
  assert.deepEqual(spc, expectOk(parseSecretProviderClass(fromSeed)).spc);
});

test("the result is frozen", () => {
  const { spc } = expectOk(parseSecretProviderClass(fill(SEED, FILLED)));
  assert.ok(Object.isFrozen(spc));
  assert.ok(Object.isFrozen(spc.objects[0]));
  assert.ok(Object.isFrozen(spc.secretObjects[0]?.data));
});
