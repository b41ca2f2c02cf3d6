import assert from "node:assert/strict";
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  webcrypto,
  X509Certificate,
  type JsonWebKey,
} from "node:crypto";
import { createSecureContext } from "node:tls";
import { after, before, test } from "node:test";
import type { CertificateClient, CertificatePolicy } from "@azure/keyvault-certificates";
import type { KeyClient } from "@azure/keyvault-keys";
import type { SecretClient } from "@azure/keyvault-secrets";
import { management, webhookSubscription } from "../eventgrid/publisher/test-support/management.js";
import {
  startWebhookRecorder,
  type WebhookRecorder,
} from "../eventgrid/publisher/test-support/webhook-recorder.js";
import { buildPfx, decodePfx } from "../render/index.js";
import { x509 } from "../util/x509.js";
import { keyVaultErrorCode, rawRequest } from "./test-support/raw-request.js";
import { assertRestError } from "./test-support/secret-assertions.js";
import { startVaultFixture, type VaultFixture } from "./test-support/vault-fixture.js";

/**
 * The local vault's certificates driven by the official `@azure/keyvault-certificates` client,
 * unmodified: self-signed creation through the SDK's poller (RSA with a PFX secret, EC with a PEM
 * one), import of a PEM chain, reads, paging, the policy, and soft delete with recover and purge.
 * Each version's managed secret and key are read back with the secrets and keys clients and
 * checked against the certificate; Key Vault's refusals and error shapes are checked raw.
 */

const FAST = { intervalInMs: 20 };
const HEX32 = /^[0-9a-f]{32}$/;
const PEM_FILE = "application/x-pem-file";
const PKCS12 = "application/x-pkcs12";

let fixture: VaultFixture;
let certificates: CertificateClient;
let secrets: SecretClient;
let keys: KeyClient;
let hook: WebhookRecorder;

before(async () => {
  fixture = await startVaultFixture({ vaultName: "kv-certs", eventGrid: { retryScale: 0.001 } });
  certificates = fixture.certificateClient();
  secrets = fixture.client();
  keys = fixture.keyClient();
  hook = await startWebhookRecorder();
  await management(fixture).create(
    "certs",
    webhookSubscription(hook.url, { subjectBeginsWith: "ev-" }),
  );
});

after(async () => {
  await hook.close();
  await fixture.close();
});

async function create(name: string, policy: CertificatePolicy) {
  const poller = await certificates.beginCreateCertificate(name, policy, FAST);
  return poller.pollUntilDone();
}

const spkiOf = (key: Parameters<typeof createPublicKey>[0]): Buffer =>
  createPublicKey(key).export({ type: "spki", format: "der" });

/** The managed key's public half is the certificate's. */
async function assertManagedKey(name: string, cer: Uint8Array, version: string): Promise<void> {
  const key = await keys.getKey(name);
  assert.equal(key.properties.managed, true, `${name}: the key is managed`);
  assert.equal(key.properties.version, version, `${name}: the key has the certificate's version`);
  const jwk = Object.fromEntries(
    Object.entries(key.key ?? {})
      .filter(([field]) => ["kty", "n", "e", "crv", "x", "y"].includes(field))
      .map(([field, value]) => [
        field,
        value instanceof Uint8Array ? Buffer.from(value).toString("base64url") : value,
      ]),
  ) as JsonWebKey;
  assert.deepEqual(
    spkiOf({ key: jwk, format: "jwk" }),
    new X509Certificate(cer).publicKey.export({ type: "spki", format: "der" }),
    `${name}: the key's public half is the certificate's`,
  );
}

/** The PEM blocks of a text, in order, by label. */
const pemLabels = (text: string): string[] =>
  [...text.matchAll(/-----BEGIN ([A-Z ]+)-----/g)].map((m) => m[1] ?? "");

test("beginCreateCertificate: self-signed RSA with a PFX secret, completed by the SDK's poller", async () => {
  const cert = await create("rsa-pfx", {
    issuerName: "Self",
    subject: "CN=rsa.example",
    subjectAlternativeNames: { dnsNames: ["rsa.example", "www.rsa.example"] },
    keyType: "RSA",
    keySize: 2048,
    contentType: PKCS12,
    validityInMonths: 6,
  });
  const version = cert.properties.version ?? "";
  assert.match(version, HEX32);
  assert.equal(cert.keyId, `${fixture.vault.url}/keys/rsa-pfx/${version}`);
  assert.equal(cert.secretId, `${fixture.vault.url}/secrets/rsa-pfx/${version}`);
  assert.ok(cert.cer && cert.cer.length > 0, "cer is present");
  const x509Cert = new X509Certificate(cert.cer);
  assert.equal(x509Cert.subject, "CN=rsa.example");
  assert.match(x509Cert.subjectAltName ?? "", /DNS:www\.rsa\.example/);
  assert.deepEqual(
    Buffer.from(cert.properties.x509Thumbprint ?? []),
    createHash("sha1").update(cert.cer).digest(),
    "x5t is the SHA-1 of the DER",
  );
  assert.equal(cert.properties.expiresOn?.getTime(), new Date(x509Cert.validTo).getTime());
  assert.equal(cert.properties.notBefore?.getTime(), new Date(x509Cert.validFrom).getTime());
  assert.ok(cert.policy, "the created certificate comes with its policy");
  assert.equal(cert.policy.issuerName, "Self");
  assert.equal(cert.policy.keyType, "RSA");
  assert.equal(cert.policy.contentType, PKCS12);
  assert.equal(cert.policy.validityInMonths, 6);

  const latest = await certificates.getCertificate("rsa-pfx");
  assert.equal(latest.properties.version, version);
  assert.equal(latest.policy?.subject, "CN=rsa.example");
  const byVersion = await certificates.getCertificateVersion("rsa-pfx", version);
  assert.deepEqual(Buffer.from(byVersion.cer ?? []), Buffer.from(cert.cer));

  const secret = await secrets.getSecret("rsa-pfx");
  assert.equal(secret.properties.contentType, PKCS12);
  assert.equal(secret.properties.managed, true);
  assert.equal(secret.properties.version, version);
  assert.equal(secret.properties.certificateKeyId, cert.keyId);
  const pfx = Buffer.from(secret.value ?? "", "base64");
  // OpenSSL opens it with the empty password and checks that the key matches the certificate.
  assert.doesNotThrow(() => createSecureContext({ pfx, passphrase: "" }));
  const contents = decodePfx(pfx);
  assert.deepEqual(contents.certificates, [Buffer.from(cert.cer)], "the PFX holds the certificate");
  assert.equal(contents.privateKeys.length, 1);
  const pfxKey = createPrivateKey({
    key: contents.privateKeys[0] ?? Buffer.alloc(0),
    format: "der",
    type: "pkcs8",
  });
  assert.ok(x509Cert.checkPrivateKey(pfxKey), "the PFX's key matches the certificate");
  await assertManagedKey("rsa-pfx", cert.cer, version);
});

test("beginCreateCertificate: self-signed EC P-384 with a PEM secret, key first", async () => {
  const cert = await create("ec-pem", {
    issuerName: "Self",
    subject: "CN=ec.example",
    keyType: "EC",
    keyCurveName: "P-384",
    contentType: PEM_FILE,
  });
  const secret = await secrets.getSecret("ec-pem");
  assert.equal(secret.properties.contentType, PEM_FILE);
  assert.equal(secret.properties.managed, true);
  const value = secret.value ?? "";
  assert.deepEqual(pemLabels(value), ["PRIVATE KEY", "CERTIFICATE"]);
  const key = createPrivateKey(value);
  const leaf = new X509Certificate(value);
  assert.equal(key.asymmetricKeyDetails?.namedCurve, "secp384r1");
  assert.ok(leaf.checkPrivateKey(key), "the secret's key matches its certificate");
  assert.deepEqual(leaf.raw, Buffer.from(cert.cer ?? []));
  await assertManagedKey("ec-pem", cert.cer ?? new Uint8Array(), cert.properties.version ?? "");

  const policy = await certificates.getCertificatePolicy("ec-pem");
  assert.equal(policy.keyType, "EC");
  assert.equal(policy.keyCurveName, "P-384");
  assert.equal(policy.contentType, PEM_FILE);
  assert.equal(policy.validityInMonths, 12);
  // 4.10.3 resolves updateCertificatePolicy with an empty policy (it never reads the answer):
  // read it back instead.
  await certificates.updateCertificatePolicy("ec-pem", { ...policy, validityInMonths: 3 });
  assert.equal((await certificates.getCertificatePolicy("ec-pem")).validityInMonths, 3);
  // The next version follows the updated policy.
  const next = await create("ec-pem", { issuerName: "Self", subject: "CN=ec.example" });
  const nextCert = new X509Certificate(next.cer ?? new Uint8Array());
  const months =
    (new Date(nextCert.validTo).getTime() - new Date(nextCert.validFrom).getTime()) /
    (30 * 86_400_000);
  assert.ok(months > 2.5 && months < 3.2, `about 3 months of validity (${months})`);
  assert.notEqual(next.properties.version, cert.properties.version);
});

/** root → intermediate → leaf, ECDSA P-256, made with @peculiar/x509. */
async function makeChain(validDays = 90): Promise<{ pem: string; ders: Buffer[] }> {
  const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const gen = () => webcrypto.subtle.generateKey(alg, true, ["sign", "verify"]);
  const [rootKeys, midKeys, leafKeys] = await Promise.all([gen(), gen(), gen()]);
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + validDays * 86_400_000);
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    name: "CN=Test Root",
    keys: rootKeys,
    notBefore,
    notAfter,
    signingAlgorithm: alg,
    extensions: [new x509.BasicConstraintsExtension(true, 1, true)],
  });
  const mid = await x509.X509CertificateGenerator.create({
    subject: "CN=Test Intermediate",
    issuer: root.subject,
    publicKey: midKeys.publicKey,
    signingKey: rootKeys.privateKey,
    notBefore,
    notAfter,
    signingAlgorithm: alg,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true)],
  });
  const leaf = await x509.X509CertificateGenerator.create({
    subject: "CN=imported.example",
    issuer: mid.subject,
    publicKey: leafKeys.publicKey,
    signingKey: midKeys.privateKey,
    notBefore,
    notAfter,
    signingAlgorithm: alg,
    extensions: [
      new x509.SubjectAlternativeNameExtension([{ type: "dns", value: "imported.example" }]),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", leafKeys.privateKey));
  const keyPem = createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" })
    .export({ type: "pkcs8", format: "pem" })
    .toString();
  const ders = [leaf, mid, root].map((c) => Buffer.from(c.rawData));
  return { pem: keyPem + [leaf, mid, root].map((c) => c.toString("pem")).join("\n"), ders };
}

test("importCertificate: a PEM chain keeps its chain in the managed secret", async () => {
  const { pem, ders } = await makeChain();
  const imported = await certificates.importCertificate("imported", Buffer.from(pem), {
    policy: { contentType: PEM_FILE, issuerName: "Unknown" },
  });
  assert.deepEqual(Buffer.from(imported.cer ?? []), ders[0]);
  assert.ok(imported.policy, "the imported certificate comes with its policy");
  assert.equal(imported.policy.issuerName, "Unknown");
  assert.equal(imported.policy.subject, "CN=imported.example");
  assert.equal(imported.policy.keyType, "EC");
  assert.equal(imported.policy.contentType, PEM_FILE);
  const secret = await secrets.getSecret("imported");
  const value = secret.value ?? "";
  assert.deepEqual(pemLabels(value), ["PRIVATE KEY", "CERTIFICATE", "CERTIFICATE", "CERTIFICATE"]);
  const chain = [
    ...value.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g),
  ].map((m) => new X509Certificate(m[0]).raw);
  assert.deepEqual(chain, ders, "leaf, intermediate, root, as given");
  assert.ok(new X509Certificate(value).checkPrivateKey(createPrivateKey(value)));
  await assertManagedKey(
    "imported",
    imported.cer ?? new Uint8Array(),
    imported.properties.version ?? "",
  );
});

test("importCertificate: a PFX (the SDK's default content type) with its chain", async () => {
  const { pem, ders } = await makeChain();
  const key = createPrivateKey(pem);
  const pfx = buildPfx(
    key,
    ders.map((der) => new X509Certificate(der)),
  );
  const imported = await certificates.importCertificate("imported-pfx", pfx);
  assert.deepEqual(Buffer.from(imported.cer ?? []), ders[0]);
  assert.ok(imported.policy, "the imported certificate comes with its policy");
  assert.equal(imported.policy.contentType, PKCS12);
  assert.equal(imported.policy.issuerName, "Unknown");
  const secret = await secrets.getSecret("imported-pfx");
  assert.equal(secret.properties.contentType, PKCS12);
  const contents = decodePfx(Buffer.from(secret.value ?? "", "base64"));
  assert.deepEqual(contents.certificates, ders, "leaf, intermediate, root");
  assert.deepEqual(
    contents.privateKeys[0],
    key.export({ type: "pkcs8", format: "der" }),
    "the same private key",
  );
  await assertManagedKey(
    "imported-pfx",
    imported.cer ?? new Uint8Array(),
    imported.properties.version ?? "",
  );
});

test("list certificates and versions, page by page", async () => {
  for (const name of ["page-a", "page-b", "page-c"]) {
    await create(name, { issuerName: "Self", subject: `CN=${name}`, keyType: "EC" });
  }
  await create("page-b", { issuerName: "Self", subject: "CN=page-b" });
  // This SDK ignores byPage's maxPageSize: walk the nextLinks of maxresults=2 pages by hand.
  const walk = async (path: string): Promise<{ id: string }[][]> => {
    const pages: { id: string }[][] = [];
    let next: string | null = `${path}?api-version=7.5&maxresults=2`;
    while (next !== null) {
      const url = new URL(next, fixture.vault.url);
      const response = await rawRequest(fixture, { path: `${url.pathname}${url.search}` });
      assert.equal(response.status, 200);
      const body = JSON.parse(response.text) as {
        value: { id: string }[];
        nextLink: string | null;
      };
      pages.push(body.value);
      next = body.nextLink;
    }
    return pages;
  };
  const pages = await walk("/certificates");
  assert.ok(pages.length >= 3, "at least 6 certificates in pages of 2");
  assert.ok(pages.every((p) => p.length <= 2));
  const names = pages.flat().map((item) => item.id.split("/").pop() ?? "");
  for (const name of ["page-a", "page-b", "page-c", "rsa-pfx", "ec-pem", "imported"]) {
    assert.ok(names.includes(name), `${name} is listed`);
  }
  assert.equal(new Set(names).size, names.length, "no name twice");
  const sdkNames: string[] = [];
  for await (const p of certificates.listPropertiesOfCertificates()) sdkNames.push(p.name ?? "");
  assert.deepEqual(sdkNames.sort(), [...names].sort());
  const versionPages = await walk("/certificates/page-b/versions");
  assert.equal(versionPages.length, 1);
  const versions: string[] = [];
  for await (const p of certificates.listPropertiesOfCertificateVersions("page-b")) {
    versions.push(p.version ?? "");
  }
  assert.equal(versions.length, 2);
  assert.deepEqual(
    versionPages.flat().map((item) => item.id.split("/").pop()),
    versions,
  );
  assert.ok(versions.every((v) => HEX32.test(v)));
});

test("updateCertificateProperties: tags and enabled, on the managed secret and key too", async () => {
  const cert = await create("to-update", { issuerName: "Self", subject: "CN=u", keyType: "EC" });
  const version = cert.properties.version ?? "";
  const updated = await certificates.updateCertificateProperties("to-update", version, {
    tags: { team: "a" },
  });
  assert.deepEqual(updated.properties.tags, { team: "a" });
  await certificates.updateCertificateProperties("to-update", version, { enabled: false });
  await assertRestError(certificates.getCertificate("to-update"), 403, "Forbidden", "disabled");
  await assertRestError(secrets.getSecret("to-update"), 403, "Forbidden", "its secret is disabled");
});

test("beginDeleteCertificate, recover and purge take the managed key and secret along", async () => {
  await create("to-delete", { issuerName: "Self", subject: "CN=d", keyType: "EC" });
  const deleted = await (
    await certificates.beginDeleteCertificate("to-delete", FAST)
  ).pollUntilDone();
  assert.equal(deleted.recoveryId, `${fixture.vault.url}/deletedcertificates/to-delete`);
  assert.ok(deleted.deletedOn instanceof Date);
  await assertRestError(
    certificates.getCertificate("to-delete"),
    404,
    "CertificateNotFound",
    "gone",
  );
  await assertRestError(secrets.getSecret("to-delete"), 404, "SecretNotFound", "secret gone");
  await assertRestError(keys.getKey("to-delete"), 404, "KeyNotFound", "key gone");
  assert.equal((await certificates.getDeletedCertificate("to-delete")).name, "to-delete");
  const listed: string[] = [];
  for await (const d of certificates.listDeletedCertificates()) listed.push(d.name);
  assert.deepEqual(listed, ["to-delete"]);

  await (await certificates.beginRecoverDeletedCertificate("to-delete", FAST)).pollUntilDone();
  assert.equal((await certificates.getCertificate("to-delete")).name, "to-delete");
  assert.equal((await secrets.getSecret("to-delete")).properties.managed, true);
  assert.equal((await keys.getKey("to-delete")).properties.managed, true);

  await (await certificates.beginDeleteCertificate("to-delete", FAST)).pollUntilDone();
  await certificates.purgeDeletedCertificate("to-delete");
  await assertRestError(
    certificates.getDeletedCertificate("to-delete"),
    404,
    "CertificateNotFound",
    "purged",
  );
  await assertRestError(secrets.getDeletedSecret("to-delete"), 404, "SecretNotFound", "purged");
  await assertRestError(keys.getDeletedKey("to-delete"), 404, "KeyNotFound", "purged");
  // The name is free again.
  await create("to-delete", { issuerName: "Self", subject: "CN=d", keyType: "EC" });
});

test("the managed secret and key refuse set, create and delete, as Key Vault does", async () => {
  const refused = await assertRestError(
    secrets.setSecret("ec-pem", "overwrite"),
    403,
    "Forbidden",
    "set on a managed secret",
  );
  assert.match(refused.message, /managed by Key Vault/);
  await assertRestError(
    secrets.beginDeleteSecret("ec-pem", FAST),
    403,
    "Forbidden",
    "delete of a managed secret",
  );
  await assertRestError(keys.createEcKey("ec-pem"), 403, "Forbidden", "create on a managed key");
  await assertRestError(keys.beginDeleteKey("ec-pem", FAST), 403, "Forbidden", "key delete");
  // Nor can the secret or key of a deleted certificate be recovered or purged on their own.
  await create("deleted-cert", { issuerName: "Self", subject: "CN=dc", keyType: "EC" });
  await (await certificates.beginDeleteCertificate("deleted-cert", FAST)).pollUntilDone();
  await assertRestError(
    secrets.purgeDeletedSecret("deleted-cert"),
    403,
    "Forbidden",
    "purge of a managed secret",
  );
  await assertRestError(
    keys.beginRecoverDeletedKey("deleted-cert", FAST),
    403,
    "Forbidden",
    "recover of a managed key",
  );
  await certificates.purgeDeletedCertificate("deleted-cert");
  // And a certificate cannot take the name of a plain secret.
  await secrets.setSecret("plain-secret", "v");
  await assertRestError(
    create("plain-secret", { issuerName: "Self", subject: "CN=p" }),
    409,
    "Conflict",
    "name of a plain secret",
  );
});

test("CertificateNewVersionCreated, with the managed secret's and key's own events", async () => {
  const cert = await create("ev-cert", { issuerName: "Self", subject: "CN=ev", keyType: "EC" });
  const kinds = () =>
    hook
      .delivered()
      .filter((e) => e["subject"] === "ev-cert")
      .map((e) => String(e["eventType"]).replace("Microsoft.KeyVault.", ""))
      .sort();
  await hook.until(() => kinds().length >= 3, "three events");
  assert.deepEqual(kinds(), [
    "CertificateNewVersionCreated",
    "KeyNewVersionCreated",
    "SecretNewVersionCreated",
  ]);
  const data = hook
    .delivered()
    .find((e) => e["eventType"] === "Microsoft.KeyVault.CertificateNewVersionCreated")?.["data"];
  assert.deepEqual(data, {
    Id: cert.properties.id,
    VaultName: "kv-certs",
    ObjectType: "Certificate",
    ObjectName: "ev-cert",
    Version: cert.properties.version,
    NBF: Math.floor((cert.properties.notBefore?.getTime() ?? 0) / 1000),
    EXP: Math.floor((cert.properties.expiresOn?.getTime() ?? 0) / 1000),
  });
});

test("CertificateNearExpiry for a certificate within 30 days of its expiry", async () => {
  const { pem } = await makeChain(10);
  const imported = await certificates.importCertificate("ev-near", Buffer.from(pem), {
    policy: { contentType: PEM_FILE },
  });
  await hook.until(
    (h) =>
      h
        .delivered()
        .some(
          (e) =>
            e["subject"] === "ev-near" &&
            e["eventType"] === "Microsoft.KeyVault.CertificateNearExpiry",
        ),
    "CertificateNearExpiry",
  );
  const near = hook
    .delivered()
    .find(
      (e) =>
        e["subject"] === "ev-near" && e["eventType"] === "Microsoft.KeyVault.CertificateNearExpiry",
    );
  assert.deepEqual(near?.["data"], {
    Id: imported.properties.id,
    VaultName: "kv-certs",
    ObjectType: "Certificate",
    ObjectName: "ev-near",
    Version: imported.properties.version,
    NBF: Math.floor((imported.properties.notBefore?.getTime() ?? 0) / 1000),
    EXP: Math.floor((imported.properties.expiresOn?.getTime() ?? 0) / 1000),
  });
});

test("malformed requests get 4xx in Key Vault's error shape", async () => {
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await rawRequest(fixture, {
      method,
      path: `${path}?api-version=7.5`,
      ...(body === undefined
        ? {}
        : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });
    return { status: response.status, code: keyVaultErrorCode(response) };
  };
  const bad = { status: 400, code: "BadParameter" };
  assert.deepEqual(await call("POST", "/certificates/x1/create", {}), bad, "no policy");
  assert.deepEqual(
    await call("POST", "/certificates/x1/create", { policy: { key_props: { kty: "oct" } } }),
    bad,
  );
  assert.deepEqual(
    await call("POST", "/certificates/x1/create", {
      policy: { x509_props: { subject: "CN=x" }, key_props: { kty: "RSA", key_size: 1024 } },
    }),
    bad,
  );
  assert.deepEqual(
    await call("POST", "/certificates/x1/create", {
      policy: { x509_props: { subject: "CN=x" }, secret_props: { contentType: "text/plain" } },
    }),
    bad,
  );
  assert.deepEqual(
    await call("POST", "/certificates/x1/create", {
      policy: { x509_props: { subject: "CN=x", validity_months: "twelve" } },
    }),
    bad,
  );
  assert.deepEqual(
    await call("POST", "/certificates/x1/create", {
      policy: { x509_props: { subject: "CN=x" }, issuer: { name: "DigiCert" } },
    }),
    bad,
  );
  assert.deepEqual(
    await call("POST", "/certificates/x1/create", {
      policy: { x509_props: { subject: "CN=x" }, key_props: { kty: "RSA-HSM" } },
    }),
    { status: 403, code: "Forbidden" },
  );
  assert.deepEqual(await call("POST", "/certificates/x1/create", "{not json"), bad);
  assert.deepEqual(await call("POST", "/certificates/x1/import", {}), bad, "no value");
  assert.deepEqual(
    await call("POST", "/certificates/x1/import", {
      value: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
    }),
    bad,
    "no key",
  );
  assert.deepEqual(
    await call("POST", "/certificates/x1/import", {
      value: Buffer.from("pfx?").toString("base64"),
    }),
    bad,
    "not a PFX",
  );
  assert.deepEqual(
    await call("POST", "/certificates/x1/import", { value: "AAAA", pwd: "secret" }),
    bad,
    "a password-protected PFX",
  );
  assert.deepEqual(await call("GET", "/certificates/nope"), {
    status: 404,
    code: "CertificateNotFound",
  });
  assert.deepEqual(await call("GET", "/certificates/nope/pending"), {
    status: 404,
    code: "PendingCertificateNotFound",
  });
  assert.deepEqual(await call("GET", "/deletedcertificates/nope"), {
    status: 404,
    code: "CertificateNotFound",
  });
  assert.deepEqual(await call("PATCH", "/certificates/rsa-pfx/policy", { x509_props: 5 }), bad);
  assert.deepEqual(await call("GET", "/certificates/bad_name"), bad);
  assert.deepEqual(await call("GET", "/certificates?maxresults=99"), bad);
});
