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
 * 1,000 classes in 10 namespaces share four Key Vault objects (each class uses two). The whole
 * cluster costs one Key Vault read per version: one per object to start, and one for a rotated
 * object's new version, although the event is delivered three times and a resync runs at the
 * same moment.
 */

const CLASSES = 1_000;
const NAMESPACES = 10;
const OBJECTS = ["scale-a", "scale-b", "scale-c", "scale-d"];
const COLLECTION = `apis/${SPC_GROUP}/${SPC_VERSION}/${SPC_PLURAL}`;

let vault: VaultFixture;
let api: FakeApiServer;
let controller: ClassController;
let core: CoreV1Api;
let custom: CustomObjectsApi;
const reads: string[] = [];
const warnings: string[] = [];
let bed: KubeTestbed;

before(async () => {
  bed = await startKubeTestbed();
  ({ vault, api, core, custom } = bed);
  const { kubeconfig } = bed;
  const counted = localVaultSource(vault, { reads });
  controller = new ClassController({
    kubeconfig,
    source: counted,
    logger: pino({ level: "warn" }, { write: (line: string) => warnings.push(line) }),
    // A loaded test machine can refuse a connection now and then: retry soon, not in minutes.
    retry: { baseMs: 50, maxMs: 1_000 },
  });
  await controller.start();
});
after(async () => {
  await controller.close();
  await bed.close();
});

const objectsOf = (i: number) => [OBJECTS[i % 4] ?? "", OBJECTS[(i + 1) % 4] ?? ""];

function classBody(i: number) {
  const [first, second] = objectsOf(i);
  const objects = [first, second]
    .map((name) => `  - |\n    objectName: ${name ?? ""}\n    objectType: secret\n`)
    .join("");
  return {
    apiVersion: `${SPC_GROUP}/${SPC_VERSION}`,
    kind: "SecretProviderClass",
    metadata: { name: `app-${String(i)}` },
    spec: {
      provider: "azure",
      secretObjects: [
        {
          secretName: `app-${String(i)}`,
          type: "Opaque",
          data: [
            { objectName: first, key: "first" },
            { objectName: second, key: "second" },
          ],
        },
      ],
      parameters: {
        keyvaultName: "demo",
        tenantId: "00000000-0000-0000-0000-000000000000",
        objects: `array:\n${objects}`,
      },
    },
  };
}

/** How many classes record `version` for `objectName`, read straight from the fake's store. */
function classesAt(objectName: string, version: string): number {
  return api
    .list(COLLECTION)
    .filter((object) =>
      readClassStatus(object as unknown as KubernetesObject)?.objects.some(
        (o) => o.objectName === objectName && o.version === version,
      ),
    ).length;
}

test("1,000 classes sharing objects: one Key Vault read per version, however events land", async () => {
  const versions = new Map<string, string>();
  for (const name of OBJECTS) {
    bed.advanceClock(10);
    const secret = await vault.client().setSecret(name, `${name}-1`);
    versions.set(name, secret.properties.version ?? "");
  }
  for (let start = 0; start < CLASSES; start += 100) {
    await Promise.all(
      Array.from({ length: 100 }, (_, k) =>
        custom.createNamespacedCustomObject({
          group: SPC_GROUP,
          version: SPC_VERSION,
          plural: SPC_PLURAL,
          namespace: `team-${String((start + k) % NAMESPACES)}`,
          body: classBody(start + k),
        }),
      ),
    );
  }
  const everyObjectAt = () =>
    OBJECTS.reduce((sum, name) => sum + classesAt(name, versions.get(name) ?? ""), 0);
  // Cheap to poll (no parsing): each class's Secret exists; its status follows in the same sync.
  const secrets = () => api.list("api/v1/secrets").length;
  await waitUntil(() => secrets() === CLASSES, "every class's Secret", 180_000).catch(
    (error: unknown) => {
      throw new Error(`${String(error)}; controller warnings: ${warnings.slice(0, 5).join("")}`);
    },
  );
  await controller.idle();
  assert.equal(everyObjectAt(), 2 * CLASSES, "every class records its objects' versions");

  assert.deepEqual(reads.sort(), OBJECTS.map((name) => `${name}@latest`).sort());
  const sample = await core.readNamespacedSecret({ name: "app-7", namespace: "team-7" });
  assert.equal(Buffer.from(sample.data?.first ?? "", "base64").toString(), "scale-d-1");
  assert.equal(Buffer.from(sample.data?.second ?? "", "base64").toString(), "scale-a-1");

  reads.length = 0;
  bed.advanceClock(10);
  const rotated = await vault.client().setSecret("scale-a", "scale-a-2");
  const v2 = rotated.properties.version ?? "";
  const time = new Date().toISOString();
  // Event Grid delivers at least once: three copies, and the periodic resync at the same time.
  const asked = await Promise.all([
    controller.objectChanged("demo", "secret", "scale-a", v2, time),
    controller.objectChanged("demo", "secret", "SCALE-A", v2, time),
    controller.resync().then(() => 0),
    controller.objectChanged("demo", "secret", "scale-a", v2, time),
  ]);
  assert.equal(Math.max(...asked), CLASSES / 2, "the classes that use scale-a, once");
  await controller.idle();
  assert.equal(classesAt("scale-a", v2), CLASSES / 2, "every class that uses scale-a rotated");
  assert.deepEqual(
    reads.filter((r) => r.startsWith("scale-a")),
    [`scale-a@${v2}`],
    "one read of the new version for the cluster",
  );
  // The resync may also settle the other objects' versions: one read of "latest" each, at most,
  // once their second is over (latest-versions.test.ts), never a read per class.
  const others = reads.filter((r) => !r.startsWith("scale-a"));
  assert.ok(
    others.every((r) => r.endsWith("@latest")),
    others.join(),
  );
  assert.equal(new Set(others).size, others.length, "each settled once");
  const after = await core.readNamespacedSecret({ name: "app-7", namespace: "team-7" });
  assert.equal(Buffer.from(after.data?.second ?? "", "base64").toString(), "scale-a-2");
});
