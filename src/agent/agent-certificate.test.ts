import assert from "node:assert/strict";
import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { CertificatePolicy } from "@azure/keyvault-certificates";
import { pino } from "pino";
import {
  management,
  waitUntil,
  webhookSubscription,
} from "../eventgrid/publisher/test-support/management.js";
import { buildPfx, decodePfx } from "../render/index.js";
import { buildChain, type TestChain } from "../render/test-support/chain.js";
import { localClass } from "../spc/test-support/local-class.js";
import { startVaultFixture, type VaultFixture } from "../vault/test-support/vault-fixture.js";
import { startAgent, type AgentOptions, type RunningAgent } from "./agent.js";

/**
 * Keys and certificates end to end, as the CSI provider writes them: `key` → the public key PEM,
 * `cert` → the leaf PEM, `secret` on a certificate's name → the private key first then leaf →
 * intermediate → root (or the PFX with objectFormat pfx), with version history and refreshes
 * pushed by Key and Certificate events. Certificates are made by the local vault from a policy or
 * imported with a chain made here; every file is opened with node:crypto.
 */

let fixture: VaultFixture;
let dir: string;
const running: RunningAgent[] = [];
/**
 * Simulated seconds added to the vault's clock. Key Vault's `updated` has whole seconds, so the
 * poll (which compares listed times) needs versions a second apart, as real rotations are.
 */
let clock = 0;

before(async () => {
  fixture = await startVaultFixture({ now: () => Math.floor(Date.now() / 1000) + clock });
  dir = await mkdtemp(join(tmpdir(), "kvsync-agent-cert-"));
});
after(async () => {
  for (const agent of running) await agent.close();
  await fixture.close();
  await rm(dir, { recursive: true, force: true });
});

async function createCertificate(
  name: string,
  contentType: string,
  keyType: "RSA" | "EC" = "RSA",
): Promise<string> {
  const policy: CertificatePolicy = {
    issuerName: "Self",
    subject: `CN=${name}.example`,
    ...(keyType === "RSA" ? { keyType, keySize: 2048 } : { keyType, keyCurveName: "P-256" }),
    contentType: contentType as CertificatePolicy["contentType"],
    validityInMonths: 12,
  };
  const poller = await fixture
    .certificateClient()
    .beginCreateCertificate(name, policy, { intervalInMs: 1 });
  const made = await poller.pollUntilDone();
  return made.properties.version ?? "";
}

/** Imports the chain's leaf with its key and the CAs, in a scrambled order, as a PFX. */
async function importChain(name: string, chain: TestChain): Promise<string> {
  const pfx = buildPfx(chain.leafKey, [chain.root, chain.leaf, chain.intermediate]);
  const imported = await fixture.certificateClient().importCertificate(name, pfx);
  return imported.properties.version ?? "";
}

async function startOn(
  objectTexts: string[],
  overrides: Partial<AgentOptions> = {},
): Promise<{ agent: RunningAgent; mount: string }> {
  const mount = await mkdtemp(join(dir, "mount-"));
  const agent = await startAgent({
    targets: [{ spc: localClass("certs", objectTexts), mountDir: mount }],
    vaultEndpoints: new Map([["demo", fixture.vault.url]]),
    ca: fixture.ca,
    webhook: { port: 0, host: "127.0.0.1", auth: { kind: "none" } },
    poll: false,
    logger: pino({ level: "silent" }),
    ...overrides,
  });
  running.push(agent);
  await agent.engine.idle();
  return { agent, mount };
}

const read = (mount: string, path: string) => readFile(join(mount, path), "utf8");

const pemTypes = (pem: string): string[] =>
  [...pem.matchAll(/-----BEGIN ([A-Z ]+)-----/g)].map((m) => m[1] ?? "");

const certificatesOf = (pem: string): X509Certificate[] =>
  [...pem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n/g)].map(
    (m) => new X509Certificate(m[0]),
  );

const samePublicKey = (a: KeyObject, b: KeyObject): boolean =>
  a.export({ type: "spki", format: "der" }).equals(b.export({ type: "spki", format: "der" }));

function assertKeyThenCertificate(pem: string, subject: string): void {
  assert.deepEqual(pemTypes(pem), ["PRIVATE KEY", "CERTIFICATE"], "the key first, then the leaf");
  const [leaf] = certificatesOf(pem);
  assert.ok(leaf !== undefined);
  assert.equal(leaf.subject, subject);
  assert.ok(leaf.checkPrivateKey(createPrivateKey(pem)), "the key is the certificate's");
}

test("a certificate's secret is written as PEM, key first, whether Key Vault holds PFX or PEM", async () => {
  await createCertificate("web-pfx", "application/x-pkcs12");
  await createCertificate("web-pem", "application/x-pem-file", "EC");
  const { mount } = await startOn([
    "objectName: web-pfx\nobjectType: secret",
    "objectName: web-pem\nobjectType: secret",
  ]);
  assertKeyThenCertificate(await read(mount, "web-pfx"), "CN=web-pfx.example");
  assertKeyThenCertificate(await read(mount, "web-pem"), "CN=web-pem.example");
});

test("objectFormat pfx writes the PFX (base64, or binary with objectEncoding base64)", async () => {
  await createCertificate("api-pfx", "application/x-pkcs12");
  const { mount } = await startOn([
    "objectName: api-pfx\nobjectType: secret\nobjectFormat: pfx\nobjectAlias: text",
    "objectName: api-pfx\nobjectType: secret\nobjectFormat: pfx\nobjectEncoding: base64\nobjectAlias: binary",
  ]);
  const text = await read(mount, "text");
  const binary = await readFile(join(mount, "binary"));
  assert.deepEqual(Buffer.from(text, "base64"), binary, "the same PFX, encoded or not");
  const opened = decodePfx(binary);
  assert.equal(opened.certificates.length, 1);
  const leaf = new X509Certificate(opened.certificates[0] ?? Buffer.alloc(0));
  assert.equal(leaf.subject, "CN=api-pfx.example");
  assert.ok(
    leaf.checkPrivateKey(
      createPrivateKey({ key: opened.privateKeys[0] ?? "", format: "der", type: "pkcs8" }),
    ),
  );
});

test("objectType cert writes the leaf alone and key its public key, matching the secret's key", async () => {
  await createCertificate("site", "application/x-pkcs12", "EC");
  const { mount } = await startOn([
    "objectName: site\nobjectType: cert\nobjectAlias: site.crt",
    "objectName: site\nobjectType: key\nobjectAlias: site.pub",
    "objectName: site\nobjectType: secret\nobjectAlias: site.pem",
  ]);
  const certificatePem = await read(mount, "site.crt");
  assert.deepEqual(pemTypes(certificatePem), ["CERTIFICATE"], "one block: the leaf, no key");
  const leaf = new X509Certificate(certificatePem);
  assert.equal(leaf.subject, "CN=site.example");
  const vaultCer = (await fixture.certificateClient().getCertificate("site")).cer;
  assert.deepEqual(leaf.raw, Buffer.from(vaultCer ?? []), "byte for byte Key Vault's cer");

  const publicPem = await read(mount, "site.pub");
  assert.deepEqual(pemTypes(publicPem), ["PUBLIC KEY"]);
  assert.ok(samePublicKey(createPublicKey(publicPem), leaf.publicKey), "the certificate's key");
  const privateKey = createPrivateKey(await read(mount, "site.pem"));
  assert.ok(samePublicKey(createPublicKey(publicPem), createPublicKey(privateKey)));
});

test("keys: RSA and EC public keys as PKIX PEM, and never a private part", async () => {
  const keys = fixture.keyClient();
  const rsa = await keys.createRsaKey("signing-rsa", { keySize: 3072 });
  const ec = await keys.createEcKey("signing-ec", { curve: "P-384" });
  const { mount } = await startOn([
    "objectName: signing-rsa\nobjectType: key",
    "objectName: signing-ec\nobjectType: key",
  ]);
  const rsaPem = await read(mount, "signing-rsa");
  const ecPem = await read(mount, "signing-ec");
  for (const pem of [rsaPem, ecPem]) assert.deepEqual(pemTypes(pem), ["PUBLIC KEY"]);
  const rsaKey = createPublicKey(rsaPem);
  assert.equal(rsaKey.asymmetricKeyDetails?.modulusLength, 3072);
  assert.equal(
    rsaKey.export({ format: "jwk" }).n,
    Buffer.from(rsa.key?.n ?? []).toString("base64url"),
  );
  const ecKey = createPublicKey(ecPem);
  assert.equal(ecKey.asymmetricKeyDetails?.namedCurve, "secp384r1");
  assert.equal(
    ecKey.export({ format: "jwk" }).x,
    Buffer.from(ec.key?.x ?? []).toString("base64url"),
  );
});

test("an imported chain: the secret holds the key, then leaf → intermediate → root", async () => {
  const chain = await buildChain("rsa", "ec", "shop");
  await importChain("shop", chain);
  const { mount } = await startOn([
    "objectName: shop\nobjectType: secret",
    "objectName: shop\nobjectType: cert\nobjectAlias: shop.crt",
  ]);
  const pem = await read(mount, "shop");
  assert.deepEqual(pemTypes(pem), ["PRIVATE KEY", "CERTIFICATE", "CERTIFICATE", "CERTIFICATE"]);
  const [leaf, intermediate, root] = certificatesOf(pem);
  assert.ok(leaf !== undefined && intermediate !== undefined && root !== undefined);
  assert.deepEqual(
    [leaf.raw, intermediate.raw, root.raw],
    [chain.leaf.raw, chain.intermediate.raw, chain.root.raw],
    "ordered by key identifiers, whatever the order imported",
  );
  assert.ok(leaf.checkIssued(intermediate) && leaf.verify(intermediate.publicKey));
  assert.ok(intermediate.checkIssued(root) && intermediate.verify(root.publicKey));
  assert.ok(root.verify(root.publicKey), "the root is self-signed");
  assert.ok(leaf.checkPrivateKey(createPrivateKey(pem)));
  assert.deepEqual(new X509Certificate(await read(mount, "shop.crt")).raw, chain.leaf.raw);
});

test("objectVersionHistory for keys and certificates: newest first", async () => {
  const keys = fixture.keyClient();
  const k1 = await keys.createEcKey("hist-key", { curve: "P-256" });
  const k2 = await keys.createEcKey("hist-key", { curve: "P-256" });
  await createCertificate("hist-cert", "application/x-pkcs12");
  await createCertificate("hist-cert", "application/x-pkcs12");
  const versions = [];
  for await (const p of fixture
    .certificateClient()
    .listPropertiesOfCertificateVersions("hist-cert"))
    versions.push(p);
  const { mount } = await startOn([
    "objectName: hist-key\nobjectType: key\nobjectVersionHistory: 2",
    "objectName: hist-cert\nobjectType: cert\nobjectVersionHistory: 2",
    "objectName: hist-cert\nobjectType: secret\nobjectVersionHistory: 2\nobjectAlias: hist-pem",
  ]);
  const x = async (path: string) =>
    createPublicKey(await read(mount, path)).export({ format: "jwk" }).x;
  assert.equal(await x("hist-key/0"), Buffer.from(k2.key?.x ?? []).toString("base64url"));
  assert.equal(await x("hist-key/1"), Buffer.from(k1.key?.x ?? []).toString("base64url"));
  const newest = new X509Certificate(await read(mount, "hist-cert/0"));
  const older = new X509Certificate(await read(mount, "hist-cert/1"));
  assert.notDeepEqual(newest.raw, older.raw);
  const latest = await fixture.certificateClient().getCertificate("hist-cert");
  assert.deepEqual(newest.raw, Buffer.from(latest.cer ?? []), "/0 is the latest version");
  assert.equal(versions.length, 2);
  assert.ok(newest.checkPrivateKey(createPrivateKey(await read(mount, "hist-pem/0"))));
  assert.ok(older.checkPrivateKey(createPrivateKey(await read(mount, "hist-pem/1"))));
});

test("Key and Certificate events refresh the files they reach, with no poll", async () => {
  await createCertificate("pushed", "application/x-pkcs12");
  await fixture.keyClient().createRsaKey("pushed-key", { keySize: 2048 });
  const { agent, mount } = await startOn([
    "objectName: pushed\nobjectType: cert\nobjectAlias: pushed.crt",
    "objectName: pushed\nobjectType: secret\nobjectAlias: pushed.pem",
    "objectName: pushed-key\nobjectType: key",
  ]);
  await management(fixture).create("certs-push", webhookSubscription(`${agent.url}/api/events`));
  const before = new X509Certificate(await read(mount, "pushed.crt"));

  const version = await createCertificate("pushed", "application/x-pkcs12");
  const latest = await fixture.certificateClient().getCertificateVersion("pushed", version);
  await waitUntil(
    async () =>
      new X509Certificate(await read(mount, "pushed.crt")).raw.equals(
        Buffer.from(latest.cer ?? []),
      ),
    "the new certificate in pushed.crt",
  );
  const leaf = new X509Certificate(await read(mount, "pushed.crt"));
  assert.notDeepEqual(leaf.raw, before.raw);
  await waitUntil(async () => {
    const key = createPrivateKey(await read(mount, "pushed.pem"));
    return leaf.checkPrivateKey(key);
  }, "the new key and certificate in pushed.pem");

  const rotated = await fixture.keyClient().createRsaKey("pushed-key", { keySize: 2048 });
  const n = Buffer.from(rotated.key?.n ?? []).toString("base64url");
  await waitUntil(
    async () => createPublicKey(await read(mount, "pushed-key")).export({ format: "jwk" }).n === n,
    "the new public key",
  );
  await management(fixture).delete("certs-push");
});

test("with no event, the poll catches new key and certificate versions", async () => {
  await createCertificate("polled", "application/x-pkcs12");
  await fixture.keyClient().createEcKey("polled-key", { curve: "P-256" });
  const { mount } = await startOn(
    ["objectName: polled\nobjectType: cert", "objectName: polled-key\nobjectType: key"],
    { poll: true, pollIntervalMs: 50 },
  );
  clock += 10;
  const version = await createCertificate("polled", "application/x-pkcs12");
  const latest = await fixture.certificateClient().getCertificateVersion("polled", version);
  await waitUntil(
    async () =>
      new X509Certificate(await read(mount, "polled")).raw.equals(Buffer.from(latest.cer ?? [])),
    "the polled certificate",
  );
  clock += 10;
  const rotated = await fixture.keyClient().createEcKey("polled-key", { curve: "P-256" });
  const x = Buffer.from(rotated.key?.x ?? []).toString("base64url");
  await waitUntil(
    async () => createPublicKey(await read(mount, "polled-key")).export({ format: "jwk" }).x === x,
    "the polled key",
  );
});

test("a plain secret is still written as its value", async () => {
  await fixture.client().setSecret("plain", "not a certificate");
  const { mount } = await startOn(["objectName: plain\nobjectType: secret"]);
  assert.equal(await read(mount, "plain"), "not a certificate");
});
