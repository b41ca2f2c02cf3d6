import assert from "node:assert/strict";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { CertificatePolicy } from "@azure/keyvault-certificates";
import { pino } from "pino";
import { decodePfx } from "../render/index.js";
import { localClass } from "../spc/test-support/local-class.js";
import { startVaultFixture, type VaultFixture } from "../vault/test-support/vault-fixture.js";
import { startAgent, type RunningAgent } from "./agent.js";

/**
 * `objectType: secret` on a certificate's name, as the CSI provider writes it: the PEM with the
 * private key first and then the certificate (objectFormat pem, the default, even when Key
 * Vault holds a PFX), or the PFX itself (objectFormat pfx). Certificates made by the local vault
 * from a policy; every file is opened with node:crypto.
 */

let fixture: VaultFixture;
let dir: string;
const running: RunningAgent[] = [];

before(async () => {
  fixture = await startVaultFixture();
  dir = await mkdtemp(join(tmpdir(), "kvsync-agent-cert-"));
});
after(async () => {
  for (const agent of running) await agent.close();
  await fixture.close();
  await rm(dir, { recursive: true, force: true });
});

async function createCertificate(name: string, contentType: string): Promise<void> {
  const policy: CertificatePolicy = {
    issuerName: "Self",
    subject: `CN=${name}.example`,
    keyType: "RSA",
    keySize: 2048,
    contentType: contentType as CertificatePolicy["contentType"],
    validityInMonths: 12,
  };
  const poller = await fixture
    .certificateClient()
    .beginCreateCertificate(name, policy, { intervalInMs: 1 });
  await poller.pollUntilDone();
}

async function syncOnce(objectTexts: string[]): Promise<string> {
  const mountDir = await mkdtemp(join(dir, "mount-"));
  const agent = await startAgent({
    targets: [{ spc: localClass("certs", objectTexts), mountDir }],
    vaultEndpoints: new Map([["demo", fixture.vault.url]]),
    ca: fixture.ca,
    webhook: { port: 0, host: "127.0.0.1", auth: { kind: "none" } },
    poll: false,
    logger: pino({ level: "silent" }),
  });
  running.push(agent);
  await agent.engine.idle();
  return mountDir;
}

function assertKeyThenCertificate(pem: string, subject: string): void {
  const blocks = [...pem.matchAll(/-----BEGIN ([A-Z ]+)-----/g)].map((m) => m[1]);
  assert.deepEqual(blocks, ["PRIVATE KEY", "CERTIFICATE"], "the key first, then the leaf");
  const certificate = new X509Certificate(pem.slice(pem.indexOf("-----BEGIN CERTIFICATE")));
  assert.equal(certificate.subject, subject);
  assert.ok(certificate.checkPrivateKey(createPrivateKey(pem)), "the key is the certificate's");
}

test("a certificate's secret is written as PEM, key first, whether Key Vault holds PFX or PEM", async () => {
  await createCertificate("web-pfx", "application/x-pkcs12");
  await createCertificate("web-pem", "application/x-pem-file");
  const mount = await syncOnce([
    "objectName: web-pfx\nobjectType: secret",
    "objectName: web-pem\nobjectType: secret",
  ]);
  assertKeyThenCertificate(await readFile(join(mount, "web-pfx"), "utf8"), "CN=web-pfx.example");
  assertKeyThenCertificate(await readFile(join(mount, "web-pem"), "utf8"), "CN=web-pem.example");
});

test("objectFormat pfx writes the PFX (base64, or binary with objectEncoding base64)", async () => {
  await createCertificate("api-pfx", "application/x-pkcs12");
  const mount = await syncOnce([
    "objectName: api-pfx\nobjectType: secret\nobjectFormat: pfx\nobjectAlias: text",
    "objectName: api-pfx\nobjectType: secret\nobjectFormat: pfx\nobjectEncoding: base64\nobjectAlias: binary",
  ]);
  const text = await readFile(join(mount, "text"), "utf8");
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

test("a plain secret is still written as its value", async () => {
  await fixture.client().setSecret("plain", "not a certificate");
  const mount = await syncOnce(["objectName: plain\nobjectType: secret"]);
  assert.equal(await readFile(join(mount, "plain"), "utf8"), "not a certificate");
});
