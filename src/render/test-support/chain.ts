/**
 * Test certificate chains: root CA → intermediate CA → leaf, built with @peculiar/x509 and
 * WebCrypto keys, with subject/authority key identifiers as real CAs set them.
 */
import { X509Certificate, createPrivateKey, webcrypto } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { x509 } from "../../util/x509.js";

export type KeyKind = "rsa" | "ec";

export interface TestChain {
  root: X509Certificate;
  intermediate: X509Certificate;
  leaf: X509Certificate;
  leafKey: KeyObject;
}

interface Issuer {
  cert: InstanceType<typeof x509.X509Certificate>;
  keys: webcrypto.CryptoKeyPair;
}

const DAY_MS = 24 * 60 * 60 * 1000;

const ALGORITHMS = {
  rsa: {
    key: {
      name: "RSASSA-PKCS1-v1_5",
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: "SHA-256",
    },
    signing: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
  },
  ec: {
    key: { name: "ECDSA", namedCurve: "P-256" },
    signing: { name: "ECDSA", hash: "SHA-256" },
  },
} as const;

function generateKeys(kind: KeyKind): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(ALGORITHMS[kind].key, true, ["sign", "verify"]);
}

function signingAlgorithm(keys: webcrypto.CryptoKeyPair): (typeof ALGORITHMS)[KeyKind]["signing"] {
  return keys.privateKey.algorithm.name === "ECDSA"
    ? ALGORITHMS.ec.signing
    : ALGORITHMS.rsa.signing;
}

async function issue(
  subject: string,
  keys: webcrypto.CryptoKeyPair,
  issuer: Issuer | undefined,
  isCa: boolean,
): Promise<InstanceType<typeof x509.X509Certificate>> {
  const signer = issuer ?? { cert: undefined, keys };
  const issuerSki = issuer?.cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  const ski = await x509.SubjectKeyIdentifierExtension.create(keys.publicKey);
  return x509.X509CertificateGenerator.create({
    subject,
    issuer: issuer?.cert.subject ?? subject,
    notBefore: new Date(Date.now() - DAY_MS),
    notAfter: new Date(Date.now() + 30 * DAY_MS),
    publicKey: keys.publicKey,
    signingKey: signer.keys.privateKey,
    signingAlgorithm: signingAlgorithm(signer.keys),
    extensions: [
      new x509.BasicConstraintsExtension(isCa, undefined, true),
      isCa
        ? new x509.KeyUsagesExtension(
            x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
            true,
          )
        : new x509.KeyUsagesExtension(
            x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
            true,
          ),
      ski,
      new x509.AuthorityKeyIdentifierExtension(issuerSki ?? ski.keyId),
    ],
  });
}

function toNode(cert: InstanceType<typeof x509.X509Certificate>): X509Certificate {
  return new X509Certificate(Buffer.from(cert.rawData));
}

async function toNodeKey(key: webcrypto.CryptoKey): Promise<KeyObject> {
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", key));
  return createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" });
}

/** A fresh root → intermediate (`caKind`) → leaf (`leafKind`) chain and the leaf's key. */
export async function buildChain(
  leafKind: KeyKind,
  caKind: KeyKind = "ec",
  name = "test",
): Promise<TestChain> {
  const rootKeys = await generateKeys(caKind);
  const root = await issue(`CN=${name} root CA`, rootKeys, undefined, true);
  const intermediateKeys = await generateKeys(caKind);
  const intermediate = await issue(
    `CN=${name} intermediate CA`,
    intermediateKeys,
    { cert: root, keys: rootKeys },
    true,
  );
  const leafKeys = await generateKeys(leafKind);
  const leaf = await issue(
    `CN=${name}.example.com`,
    leafKeys,
    { cert: intermediate, keys: intermediateKeys },
    false,
  );
  return {
    root: toNode(root),
    intermediate: toNode(intermediate),
    leaf: toNode(leaf),
    leafKey: await toNodeKey(leafKeys.privateKey),
  };
}

/** A self-signed certificate with chosen key identifiers (undefined = extension absent). */
export async function certificateWithIds(
  name: string,
  subjectKeyId: string | undefined,
  authorityKeyId: string | undefined,
): Promise<X509Certificate> {
  const keys = await generateKeys("ec");
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${name}`,
    keys,
    signingAlgorithm: ALGORITHMS.ec.signing,
    notBefore: new Date(Date.now() - DAY_MS),
    notAfter: new Date(Date.now() + DAY_MS),
    extensions: [
      ...(subjectKeyId === undefined ? [] : [new x509.SubjectKeyIdentifierExtension(subjectKeyId)]),
      ...(authorityKeyId === undefined
        ? []
        : [new x509.AuthorityKeyIdentifierExtension(authorityKeyId)]),
    ],
  });
  return toNode(cert);
}
