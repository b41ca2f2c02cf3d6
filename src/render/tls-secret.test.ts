import assert from "node:assert/strict";
import { X509Certificate, createPrivateKey, generateKeyPairSync } from "node:crypto";
import { before, test } from "node:test";
import {
  InvalidKeyError,
  KeyMaterialError,
  MissingPrivateKeyError,
  PfxParseError,
  UnsupportedKeyError,
  buildPemBundle,
  buildPfx,
  renderCertificateSecret,
  tlsSecretPart,
} from "./index.js";
import { buildChain, type TestChain } from "./test-support/chain.js";

/**
 * tls.crt and tls.key split from a class's file as the CSI driver splits them, each checked by
 * parsing it with node:crypto.
 */

let rsa: TestChain;
let ec: TestChain;

before(async () => {
  rsa = await buildChain("rsa", "ec", "tls-rsa");
  ec = await buildChain("ec", "rsa", "tls-ec");
});

const blockTypes = (pem: Buffer): string[] =>
  [...pem.toString().matchAll(/-----BEGIN ([A-Z ]+)-----/g)].map((m) => m[1] ?? "");

const certificatesIn = (pem: Buffer): Buffer[] =>
  [
    ...pem.toString().matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n/g),
  ].map((m) => new X509Certificate(m[0]).raw);

/** The file the agent writes for a certificate's secret: the key first, then the chain. */
const rendered = (chain: TestChain): Buffer =>
  renderCertificateSecret(
    buildPemBundle(chain.leafKey, [chain.leaf, chain.intermediate, chain.root]),
    "application/x-pem-file",
    "pem",
  );

test("tls.crt holds every certificate of the file, in order, and nothing else", () => {
  const crt = tlsSecretPart(rendered(rsa), "tls.crt");
  assert.deepEqual(blockTypes(crt), ["CERTIFICATE", "CERTIFICATE", "CERTIFICATE"]);
  assert.deepEqual(certificatesIn(crt), [rsa.leaf.raw, rsa.intermediate.raw, rsa.root.raw]);
});

test("tls.key is the RSA key as PKCS#1 and the EC key as SEC 1, each the leaf's", () => {
  const rsaKey = tlsSecretPart(rendered(rsa), "tls.key");
  assert.deepEqual(blockTypes(rsaKey), ["RSA PRIVATE KEY"]);
  assert.ok(rsa.leaf.checkPrivateKey(createPrivateKey(rsaKey)));
  const ecKey = tlsSecretPart(rendered(ec), "tls.key");
  assert.deepEqual(blockTypes(ecKey), ["EC PRIVATE KEY"]);
  assert.ok(ec.leaf.checkPrivateKey(createPrivateKey(ecKey)));
});

test("a binary PFX file (objectFormat pfx, objectEncoding base64) is split too", () => {
  const pfx = buildPfx(ec.leafKey, [ec.leaf, ec.intermediate]);
  assert.deepEqual(certificatesIn(tlsSecretPart(pfx, "tls.crt")), [
    ec.leaf.raw,
    ec.intermediate.raw,
  ]);
  const key = tlsSecretPart(pfx, "tls.key");
  assert.deepEqual(blockTypes(key), ["EC PRIVATE KEY"]);
  assert.ok(ec.leaf.checkPrivateKey(createPrivateKey(key)));
});

test("files that cannot make a tls Secret are refused with a clear error, never an empty key", () => {
  const certificateOnly = Buffer.from(rsa.leaf.toString());
  assert.throws(() => tlsSecretPart(certificateOnly, "tls.key"), MissingPrivateKeyError);
  const keyOnly = Buffer.from(rsa.leafKey.export({ type: "pkcs8", format: "pem" }).toString());
  assert.throws(() => tlsSecretPart(keyOnly, "tls.crt"), InvalidKeyError);
  const ed25519 = generateKeyPairSync("ed25519").privateKey.export({
    type: "pkcs8",
    format: "pem",
  });
  assert.throws(
    () => tlsSecretPart(Buffer.from(`${ed25519.toString()}${rsa.leaf.toString()}`), "tls.key"),
    UnsupportedKeyError,
  );
  const garbage = Buffer.from("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
  assert.throws(() => tlsSecretPart(garbage, "tls.key"), InvalidKeyError);
  // Base64 text of a PFX (objectFormat pfx without objectEncoding) is neither PEM nor a PFX.
  const pfxText = Buffer.from(buildPfx(rsa.leafKey, [rsa.leaf]).toString("base64"));
  assert.throws(() => tlsSecretPart(pfxText, "tls.crt"), PfxParseError);
  assert.throws(
    () => tlsSecretPart(Buffer.from("a plain password"), "tls.key"),
    (error: unknown) =>
      error instanceof KeyMaterialError && !error.message.includes("a plain password"),
  );
});

test("PEM blocks are found past thousands of unterminated BEGIN lines, as the lazy regex would", () => {
  const leaf = rsa.leaf.toString();
  const text = `${"-----BEGIN A-----\n".repeat(20_000)}${leaf}-----BEGIN CERTIFICATE-----\nAAAA\n`;
  assert.deepEqual(certificatesIn(tlsSecretPart(Buffer.from(text), "tls.crt")), [rsa.leaf.raw]);
});
