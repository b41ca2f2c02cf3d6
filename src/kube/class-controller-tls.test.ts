import assert from "node:assert/strict";
import { X509Certificate, createPrivateKey, createPublicKey } from "node:crypto";
import { after, before, test } from "node:test";
import type { CertificatePolicy } from "@azure/keyvault-certificates";
import { CoreV1Api, CustomObjectsApi, type KubernetesObject } from "@kubernetes/client-node";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import {
  management,
  waitUntil,
  webhookSubscription,
} from "../eventgrid/publisher/test-support/management.js";
import { buildPfx } from "../render/index.js";
import { buildChain } from "../render/test-support/chain.js";
import type { VaultFixture } from "../vault/test-support/vault-fixture.js";
import { ClassController, SPC_GROUP, SPC_PLURAL, SPC_VERSION } from "./class-controller.js";
import { readClassStatus } from "./class-status.js";
import { ControllerMetrics } from "./controller-metrics.js";
import { startControllerServer } from "./controller-server.js";
import { startKubeTestbed, type KubeTestbed } from "./test-support/kube-testbed.js";
import { localVaultSource } from "./test-support/local-vault-source.js";

/**
 * Certificates through the controller: a kubernetes.io/tls Secret split from a certificate's
 * secret (tls.crt: the chain, tls.key: the key as PKCS#1 or SEC 1), the certificate and its
 * public key in an Opaque Secret, and a CertificateNewVersionCreated from the local vault's Event
 * Grid reaching all of them through the controller's webhook, each version read once.
 */

let vault: VaultFixture;
let core: CoreV1Api;
let custom: CustomObjectsApi;
let controller: ClassController;
let server: FastifyInstance;
const reads: string[] = [];
let bed: KubeTestbed;

before(async () => {
  bed = await startKubeTestbed();
  ({ vault, core, custom } = bed);
  const { kubeconfig } = bed;
  const logger = pino({ level: "silent" });
  controller = new ClassController({
    kubeconfig,
    source: localVaultSource(vault, { reads }),
    logger,
  });
  server = await startControllerServer({
    classes: controller,
    auth: { kind: "none" },
    logger,
    metrics: new ControllerMetrics(),
  });
  await server.listen({ port: 0, host: "127.0.0.1" });
  await controller.start();
});
after(async () => {
  await server.close();
  await controller.close();
  await bed.close();
});

/** A new version, a simulated 10 s after the last. */
async function createCertificate(name: string): Promise<string> {
  bed.advanceClock(10);
  const policy: CertificatePolicy = {
    issuerName: "Self",
    subject: `CN=${name}.example`,
    keyType: "EC",
    keyCurveName: "P-256",
    contentType: "application/x-pkcs12",
    validityInMonths: 12,
  };
  const poller = await vault
    .certificateClient()
    .beginCreateCertificate(name, policy, { intervalInMs: 1 });
  return (await poller.pollUntilDone()).properties.version ?? "";
}

const objects = (name: string) =>
  [
    `objectName: ${name}\nobjectType: secret`,
    `objectName: ${name}\nobjectType: cert\nobjectAlias: ${name}.crt`,
    `objectName: ${name}\nobjectType: key\nobjectAlias: ${name}.pub`,
  ]
    .map((text) => `  - |\n${text.replace(/^/gm, "    ")}\n`)
    .join("");

async function createClass(name: string, namespace: string): Promise<void> {
  await custom.createNamespacedCustomObject({
    group: SPC_GROUP,
    version: SPC_VERSION,
    namespace,
    plural: SPC_PLURAL,
    body: {
      apiVersion: `${SPC_GROUP}/${SPC_VERSION}`,
      kind: "SecretProviderClass",
      metadata: { name },
      spec: {
        provider: "azure",
        secretObjects: [
          {
            secretName: `${name}-tls`,
            type: "kubernetes.io/tls",
            data: [
              { objectName: name, key: "tls.key" },
              { objectName: name, key: "tls.crt" },
            ],
          },
          {
            secretName: `${name}-public`,
            type: "Opaque",
            data: [
              { objectName: `${name}.crt`, key: "cert.pem" },
              { objectName: `${name}.pub`, key: "key.pub" },
            ],
          },
        ],
        parameters: {
          keyvaultName: "demo",
          tenantId: "00000000-0000-0000-0000-000000000000",
          objects: `array:\n${objects(name)}`,
        },
      },
    },
  });
}

async function secretData(name: string, namespace: string): Promise<Record<string, Buffer>> {
  const secret = await core.readNamespacedSecret({ name, namespace }).catch(() => undefined);
  return Object.fromEntries(
    Object.entries(secret?.data ?? {}).map(([key, value]) => [key, Buffer.from(value, "base64")]),
  );
}

const certificatesIn = (pem: Buffer): X509Certificate[] =>
  [
    ...pem.toString().matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n/g),
  ].map((m) => new X509Certificate(m[0]));

test("a tls Secret from a vault-made certificate, refreshed by its CertificateNewVersionCreated", async () => {
  const v1 = await createCertificate("gateway");
  await createClass("gateway", "edge");
  await waitUntil(
    async () => (await secretData("gateway-tls", "edge"))["tls.key"] !== undefined,
    "the tls Secret",
  );
  const tls = await secretData("gateway-tls", "edge");
  const secret = await core.readNamespacedSecret({ name: "gateway-tls", namespace: "edge" });
  assert.equal(secret.type, "kubernetes.io/tls");
  assert.deepEqual(Object.keys(tls).sort(), ["tls.crt", "tls.key"]);
  assert.match(tls["tls.key"]?.toString() ?? "", /^-----BEGIN EC PRIVATE KEY-----\n/);
  const [leaf] = certificatesIn(tls["tls.crt"] ?? Buffer.alloc(0));
  assert.ok(leaf !== undefined);
  assert.ok(
    leaf.checkPrivateKey(createPrivateKey(tls["tls.key"] ?? "")),
    "key and certificate match",
  );

  const open = await secretData("gateway-public", "edge");
  assert.deepEqual(new X509Certificate(open["cert.pem"] ?? "").raw, leaf.raw);
  const publicKey = createPublicKey(open["key.pub"] ?? "");
  assert.ok(
    publicKey
      .export({ type: "spki", format: "der" })
      .equals(leaf.publicKey.export({ type: "spki", format: "der" })),
  );

  await waitUntil(async () => {
    const object = (await custom.getNamespacedCustomObject({
      group: SPC_GROUP,
      version: SPC_VERSION,
      plural: SPC_PLURAL,
      namespace: "edge",
      name: "gateway",
    })) as KubernetesObject;
    const recorded = readClassStatus(object)?.objects ?? [];
    return recorded.length === 3 && recorded.every((o) => o.version === v1);
  }, "the class records the cert, key and secret at the first version");

  const url = `${serverUrl()}/api/events`;
  await management(vault).create("controller-certs", webhookSubscription(url));
  reads.length = 0;
  const v2 = await createCertificate("gateway");
  await waitUntil(async () => {
    const crt = (await secretData("gateway-tls", "edge"))["tls.crt"];
    const [now] = certificatesIn(crt ?? Buffer.alloc(0));
    return now !== undefined && !now.raw.equals(leaf.raw);
  }, "the new certificate in the tls Secret");
  const rotated = await secretData("gateway-tls", "edge");
  const [newLeaf] = certificatesIn(rotated["tls.crt"] ?? Buffer.alloc(0));
  assert.ok(newLeaf !== undefined);
  assert.ok(newLeaf.checkPrivateKey(createPrivateKey(rotated["tls.key"] ?? "")));
  await waitUntil(
    async () =>
      new X509Certificate(
        (await secretData("gateway-public", "edge"))["cert.pem"] ?? "",
      ).raw.equals(newLeaf.raw),
    "the new certificate in the Opaque Secret",
  );
  await controller.idle();
  assert.deepEqual(
    [...reads].sort(),
    [`cert gateway@${v2}`, `gateway@${v2}`, `key gateway@${v2}`],
    "one read of each of the new version's objects, however many events announce it",
  );
  await management(vault).delete("controller-certs");
});

test("a certificate version whose event was missed is found by the resync's listing", async () => {
  await createCertificate("missed");
  await createClass("missed", "edge");
  await waitUntil(
    async () => (await secretData("missed-tls", "edge"))["tls.crt"] !== undefined,
    "the tls Secret",
  );
  const [before] = certificatesIn(
    (await secretData("missed-tls", "edge"))["tls.crt"] ?? Buffer.alloc(0),
  );
  const v2 = await createCertificate("missed");
  await controller.idle();
  reads.length = 0;
  await controller.resync();
  await controller.idle();
  const [after] = certificatesIn(
    (await secretData("missed-tls", "edge"))["tls.crt"] ?? Buffer.alloc(0),
  );
  assert.ok(before !== undefined && after !== undefined && !after.raw.equals(before.raw));
  const latest = await vault.certificateClient().getCertificateVersion("missed", v2);
  assert.deepEqual(after.raw, Buffer.from(latest.cer ?? []));
  assert.deepEqual(
    reads.filter((r) => r.includes("missed")).sort(),
    ["cert missed@latest", "key missed@latest", "missed@latest"],
    "each of the certificate's objects read once",
  );
});

test("an imported chain: tls.crt holds leaf → intermediate → root, tls.key the leaf's RSA key", async () => {
  const chain = await buildChain("rsa", "ec", "billing");
  const pfx = buildPfx(chain.leafKey, [chain.intermediate, chain.root, chain.leaf]);
  await vault.certificateClient().importCertificate("billing", pfx);
  await createClass("billing", "pay");
  await waitUntil(
    async () => (await secretData("billing-tls", "pay"))["tls.key"] !== undefined,
    "the tls Secret",
  );
  const tls = await secretData("billing-tls", "pay");
  assert.match(tls["tls.key"]?.toString() ?? "", /^-----BEGIN RSA PRIVATE KEY-----\n/);
  const certificates = certificatesIn(tls["tls.crt"] ?? Buffer.alloc(0));
  assert.deepEqual(
    certificates.map((c) => c.raw),
    [chain.leaf.raw, chain.intermediate.raw, chain.root.raw],
  );
  assert.ok(certificates[0]?.checkPrivateKey(createPrivateKey(tls["tls.key"] ?? "")));
  assert.ok(
    certificates[0] !== undefined && certificates[1] !== undefined && certificates[2] !== undefined,
  );
  assert.ok(certificates[0].verify(certificates[1].publicKey));
  assert.ok(certificates[1].verify(certificates[2].publicKey));
});

test("a file that cannot make a tls Secret fails the class with a clear reason, value-free", async () => {
  await vault.client().setSecret("not-a-cert", "hunter2-plain-password");
  await custom.createNamespacedCustomObject({
    group: SPC_GROUP,
    version: SPC_VERSION,
    namespace: "pay",
    plural: SPC_PLURAL,
    body: {
      apiVersion: `${SPC_GROUP}/${SPC_VERSION}`,
      kind: "SecretProviderClass",
      metadata: { name: "broken-tls" },
      spec: {
        provider: "azure",
        secretObjects: [
          {
            secretName: "broken-tls",
            type: "kubernetes.io/tls",
            data: [{ objectName: "not-a-cert", key: "tls.key" }],
          },
        ],
        parameters: {
          keyvaultName: "demo",
          tenantId: "00000000-0000-0000-0000-000000000000",
          objects: "array:\n  - |\n    objectName: not-a-cert\n    objectType: secret\n",
        },
      },
    },
  });
  let message = "";
  await waitUntil(async () => {
    const object = (await custom.getNamespacedCustomObject({
      group: SPC_GROUP,
      version: SPC_VERSION,
      plural: SPC_PLURAL,
      namespace: "pay",
      name: "broken-tls",
    })) as KubernetesObject;
    const [ready] = readClassStatus(object)?.conditions ?? [];
    message = ready?.status === "False" ? ready.message : "";
    return message !== "";
  }, "Ready False on the class");
  assert.match(message, /broken-tls \(kubernetes\.io\/tls\): tls\.key from not-a-cert/);
  assert.ok(!message.includes("hunter2"), "the value never reaches the status");
  assert.equal(
    await core
      .readNamespacedSecret({ name: "broken-tls", namespace: "pay" })
      .catch(() => undefined),
    undefined,
  );
});

function serverUrl(): string {
  const address = server.server.address();
  assert.ok(address !== null && typeof address === "object");
  return `http://127.0.0.1:${address.port}`;
}
