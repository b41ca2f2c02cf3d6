import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { CoreV1Api, CustomObjectsApi, KubeConfig, type V1Secret } from "@kubernetes/client-node";
import { parseSecretProviderClass, type SecretProviderClass } from "../spc/index.js";
import {
  DATA_HASH_ANNOTATION,
  desiredSecret,
  MANAGED_LABEL,
  MissingFileError,
} from "./desired-secret.js";
import { applySecret } from "./secret-applier.js";
import { startFakeApiServer, type FakeApiServer } from "./test-support/fake-api-server.js";

/**
 * secretObjects → Kubernetes Secrets, through @kubernetes/client-node against the in-process API
 * server: created without any pod, left alone when equal, repaired after a hand edit, replaced on
 * a new value without losing others' labels, and deleted with their class.
 */

const GROUP = "secrets-store.csi.x-k8s.io";
let server: FakeApiServer;
let core: CoreV1Api;
let custom: CustomObjectsApi;

const CLASS_YAML = `apiVersion: ${GROUP}/v1
kind: SecretProviderClass
metadata:
  name: app-tls
  namespace: shop
spec:
  provider: azure
  secretObjects:
    - secretName: app-secret
      type: Opaque
      labels: { team: payments }
      annotations: { note: synced }
      data:
        - { objectName: db-pass, key: password }
        - { objectName: api, key: api-key }
  parameters:
    keyvaultName: demo
    tenantId: "00000000-0000-0000-0000-000000000000"
    objects: |
      array:
        - |
          objectName: db-pass
          objectType: secret
        - |
          objectName: api-key
          objectType: secret
          objectAlias: api
`;

function spcOf(): SecretProviderClass {
  const result = parseSecretProviderClass(CLASS_YAML);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.spc;
}

function secretObjectOf(spc: SecretProviderClass) {
  const [spec] = spc.secretObjects;
  if (spec === undefined) throw new Error("the test class has secretObjects");
  return spec;
}

let owner: { apiVersion: string; kind: string; name: string; uid: string };

before(async () => {
  server = await startFakeApiServer();
  const config = new KubeConfig();
  config.loadFromString(server.kubeconfig);
  core = config.makeApiClient(CoreV1Api);
  custom = config.makeApiClient(CustomObjectsApi);
  const created = (await custom.createNamespacedCustomObject({
    group: GROUP,
    version: "v1",
    namespace: "shop",
    plural: "secretproviderclasses",
    body: {
      apiVersion: `${GROUP}/v1`,
      kind: "SecretProviderClass",
      metadata: { name: "app-tls" },
      spec: {},
    },
  })) as { metadata: { uid: string } };
  owner = {
    apiVersion: `${GROUP}/v1`,
    kind: "SecretProviderClass",
    name: "app-tls",
    uid: created.metadata.uid,
  };
});
after(() => server.close());

const files = (password: string) =>
  new Map([
    ["db-pass", Buffer.from(password)],
    ["api", Buffer.from("key-1")],
  ]);
const read = () => core.readNamespacedSecret({ name: "app-secret", namespace: "shop" });
const decoded = (secret: V1Secret, key: string) =>
  Buffer.from(secret.data?.[key] ?? "", "base64").toString("utf8");

describe("desiredSecret", () => {
  test("maps each data key from the file the class writes (alias or name)", () => {
    const secret = desiredSecret(spcOf(), secretObjectOf(spcOf()), files("pw-1"), owner);
    assert.equal(secret.type, "Opaque");
    assert.equal(decoded(secret, "password"), "pw-1");
    assert.equal(decoded(secret, "api-key"), "key-1");
    const meta = secret.metadata;
    assert.ok(meta);
    assert.deepEqual(meta.labels, { team: "payments", [MANAGED_LABEL]: "true" });
    const annotations = meta.annotations ?? {};
    assert.equal(annotations.note, "synced");
    assert.match(annotations[DATA_HASH_ANNOTATION] ?? "", /^[0-9a-f]{64}$/);
    assert.equal(meta.ownerReferences?.[0]?.uid, owner.uid);
  });

  test("a data key naming a file the class does not write is a clear error", () => {
    assert.throws(
      () =>
        desiredSecret(
          spcOf(),
          secretObjectOf(spcOf()),
          new Map([["db-pass", Buffer.from("x")]]),
          owner,
        ),
      (error: unknown) =>
        error instanceof MissingFileError && /data key api-key names api/.test(error.message),
    );
  });
});

describe("applySecret against the API server", () => {
  test("creates the Secret with no pod anywhere, then leaves it alone", async () => {
    const desired = desiredSecret(spcOf(), secretObjectOf(spcOf()), files("pw-1"), owner);
    assert.equal(await applySecret(core, desired), "created");
    assert.equal(decoded(await read(), "password"), "pw-1");
    const writes = server.requests.filter((r) => !r.startsWith("GET")).length;
    assert.equal(await applySecret(core, desired), "unchanged");
    assert.equal(server.requests.filter((r) => !r.startsWith("GET")).length, writes);
  });

  test("a hand edit of the data is repaired; labels others added stay", async () => {
    const stored = await read();
    stored.data = { ...stored.data, password: Buffer.from("edited by hand").toString("base64") };
    stored.metadata = { ...stored.metadata, labels: { ...stored.metadata?.labels, extra: "kept" } };
    await core.replaceNamespacedSecret({ name: "app-secret", namespace: "shop", body: stored });
    const desired = desiredSecret(spcOf(), secretObjectOf(spcOf()), files("pw-1"), owner);
    assert.equal(await applySecret(core, desired), "updated");
    const repaired = await read();
    assert.equal(decoded(repaired, "password"), "pw-1");
    assert.equal(repaired.metadata?.labels?.extra, "kept");
  });

  test("a new value replaces the data; a stale write loses with 409 and is retried", async () => {
    const desired = desiredSecret(spcOf(), secretObjectOf(spcOf()), files("pw-2"), owner);
    const stale = await read();
    assert.equal(await applySecret(core, desired), "updated");
    await assert.rejects(
      core.replaceNamespacedSecret({ name: "app-secret", namespace: "shop", body: stale }),
      (error: unknown) => (error as { code?: number }).code === 409,
    );
    assert.equal(decoded(await read(), "password"), "pw-2");
  });

  test("deleting the class deletes its Secrets (owner reference)", async () => {
    await custom.deleteNamespacedCustomObject({
      group: GROUP,
      version: "v1",
      namespace: "shop",
      plural: "secretproviderclasses",
      name: "app-tls",
    });
    await assert.rejects(read(), (error: unknown) => (error as { code?: number }).code === 404);
  });
});
