/**
 * Certificates as the CSI Azure provider writes them (pkg/provider/provider.go), and the
 * inverse the local vault needs: the managed secret Key Vault keeps behind a certificate.
 *
 * - `objectType: cert` → {@link renderCertificate}: Key Vault's `cer` (leaf only, no chain,
 *   no key) as one `CERTIFICATE` PEM block.
 * - `objectType: secret` on a certificate's name (the secret has a `kid`) →
 *   {@link renderCertificateSecret}, by the secret's contentType:
 *   - `application/x-pem-file`: the value as stored, whatever objectFormat says;
 *   - `application/x-pkcs12` + objectFormat `pfx`: the value as stored (base64 text);
 *   - `application/x-pkcs12` + objectFormat `pem` (default): the PFX converted to PEM,
 *     every private key first (re-encoded as PKCS#8 `PRIVATE KEY`), then the certificates,
 *     ordered leaf → intermediate(s) → root by {@link orderCertificateChain} (unless the
 *     provider runs with `--construct-pem-chain=false`: PFX order).
 *   objectEncoding then applies to that content (`getContentBytes`): `base64` turns the
 *   pfx text into the binary PFX; on PEM content base64/hex fail, as in the provider.
 */
import { X509Certificate, createPrivateKey } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { orderCertificateChain } from "./cert-chain.js";
import {
  InvalidCertificateError,
  InvalidKeyError,
  MissingPrivateKeyError,
  NotPemOrPfxError,
  ObjectEncodingError,
  PfxParseError,
  UnknownContentTypeError,
  UnsupportedKeyError,
  quoteName,
} from "./errors.js";
import { decodePfx, encodePfx } from "./pkcs12.js";
import { decodeGoHex, decodePemBlocks, decodeStdBase64, encodePem } from "./pem.js";
import type { ObjectEncoding } from "./render-secret.js";

export const PEM_CONTENT_TYPE = "application/x-pem-file";
export const PKCS12_CONTENT_TYPE = "application/x-pkcs12";

/** objectFormat of a certificate-backed secret. */
export type ObjectFormat = "pem" | "pfx";

export interface CertificateSecretOptions {
  /** The object's objectEncoding; default utf-8 (content written as is). */
  encoding?: ObjectEncoding | undefined;
  /** The provider's `--construct-pem-chain` flag; default true, as in the provider. */
  constructPemChain?: boolean | undefined;
}

/** A private key with its certificates, in the order they were stored. */
export interface CertificateBundle {
  privateKey: KeyObject;
  certificates: X509Certificate[];
}

/**
 * `objectType: cert`: Key Vault's `cer` (standard base64 DER of the leaf certificate) as the
 * provider writes it, one `CERTIFICATE` PEM block with a trailing newline. The DER is
 * wrapped as is, without being parsed, as the provider does.
 */
export function renderCertificate(cerBase64: string): Buffer {
  const der = decodeStdBase64(cerBase64);
  if (der === undefined || der.length === 0) {
    throw new InvalidCertificateError("the certificate's cer is not standard base64 DER");
  }
  return Buffer.from(encodePem("CERTIFICATE", der), "utf8");
}

/**
 * `objectType: secret` for the managed secret behind a certificate (Key Vault returned a
 * `kid`): the bytes of the file the provider writes for it. See the module comment.
 */
export function renderCertificateSecret(
  value: string,
  contentType: string | undefined,
  format: ObjectFormat,
  options: CertificateSecretOptions = {},
): Buffer {
  const content = certificateSecretContent(value, contentType, format, options);
  return applyObjectEncoding(content, options.encoding ?? "utf-8");
}

function certificateSecretContent(
  value: string,
  contentType: string | undefined,
  format: ObjectFormat,
  options: CertificateSecretOptions,
): string {
  switch (contentType) {
    case PEM_CONTENT_TYPE:
      return value;
    case PKCS12_CONTENT_TYPE: {
      if (format === "pfx") return value;
      const { privateKeys, certificates } = decodePfx(pfxBytes(value));
      const keys = privateKeys.map((der) => encodePem("PRIVATE KEY", goPkcs8(der)));
      const ordered =
        (options.constructPemChain ?? true) ? orderCertificateChain(certificates) : certificates;
      return keys.join("") + ordered.map((der) => encodePem("CERTIFICATE", der)).join("");
    }
    case undefined:
      throw new UnknownContentTypeError(
        `certificate secret has no contentType; expected ${PEM_CONTENT_TYPE} or ${PKCS12_CONTENT_TYPE}`,
      );
    default:
      throw new UnknownContentTypeError(
        `certificate secret has unknown contentType ${quoteName(contentType)}; ` +
          `expected ${PEM_CONTENT_TYPE} or ${PKCS12_CONTENT_TYPE}`,
      );
  }
}

/** The provider's `getContentBytes` for a secret, with Go's strict decoders. */
function applyObjectEncoding(content: string, encoding: ObjectEncoding): Buffer {
  switch (encoding) {
    case "utf-8":
      return Buffer.from(content, "utf8");
    case "base64": {
      const bytes = decodeStdBase64(content);
      if (bytes === undefined) {
        throw new ObjectEncodingError("objectEncoding is base64 but the content is not base64");
      }
      return bytes;
    }
    case "hex": {
      const bytes = decodeGoHex(content);
      if (bytes === undefined) {
        throw new ObjectEncodingError("objectEncoding is hex but the content is not hex");
      }
      return bytes;
    }
  }
}

/**
 * Go's `parsePrivateKey` + `x509.MarshalPKCS8PrivateKey` on a key from the PFX: RSA, or
 * ECDSA on P-224/P-256/P-384/P-521; anything else fails in the provider too.
 */
function goPkcs8(pkcs8: Buffer): Buffer {
  const key = importPkcs8(pkcs8);
  assertGoSupportedKey(key);
  return key.export({ type: "pkcs8", format: "der" });
}

function importPkcs8(pkcs8: Buffer): KeyObject {
  try {
    return createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" });
  } catch {
    throw new PfxParseError("a private key in the PFX is not a valid PKCS#8 key");
  }
}

/** Curves Go's crypto/x509 parses (so the provider can convert the key). */
const GO_CURVES = new Set(["prime256v1", "secp384r1", "secp521r1", "secp224r1"]);
/** Curves Key Vault certificates can have (P-256K included). */
const KEY_VAULT_CURVES = new Set(["prime256v1", "secp384r1", "secp521r1", "secp256k1"]);

function assertGoSupportedKey(key: KeyObject): void {
  assertKeyType(key, GO_CURVES, "the CSI provider cannot convert");
}

function assertKeyVaultKey(key: KeyObject): void {
  assertKeyType(key, KEY_VAULT_CURVES, "Key Vault certificates cannot have");
}

function assertKeyType(key: KeyObject, curves: ReadonlySet<string>, what: string): void {
  if (key.asymmetricKeyType === "rsa") return;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType === "ec" && curve !== undefined && curves.has(curve)) return;
  const type = curve ?? key.asymmetricKeyType ?? "unknown";
  throw new UnsupportedKeyError(`private key type ${quoteName(type)} is one ${what}`);
}

function pfxBytes(value: string): Buffer {
  const bytes = decodeStdBase64(value);
  if (bytes === undefined || bytes.length === 0) {
    throw new PfxParseError("the PKCS#12 value is not standard base64");
  }
  return bytes;
}

// ---------------------------------------------------------------------------------------
// Local vault: reading and building the managed secret of a certificate

/**
 * Reads the private key and certificates of a certificate secret or import: PEM text or a
 * base64 PFX (empty password). With contentType undefined the format is recognised from
 * the value. Requires exactly one private key (RSA, or EC on a curve Key Vault supports:
 * P-256, P-384, P-521, P-256K) that matches one of the certificates, and keeps the
 * certificates in their stored order.
 */
export function parseCertificateSecret(value: string, contentType?: string): CertificateBundle {
  switch (contentType ?? sniffContentType(value)) {
    case PEM_CONTENT_TYPE:
      return parsePemBundle(value);
    case PKCS12_CONTENT_TYPE: {
      const { privateKeys, certificates } = decodePfx(pfxBytes(value));
      return bundle(privateKeys.map(importPkcs8), certificates.map(parseCertificate));
    }
    default:
      throw new UnknownContentTypeError(
        `unknown certificate contentType ${quoteName(contentType ?? "")}; ` +
          `expected ${PEM_CONTENT_TYPE} or ${PKCS12_CONTENT_TYPE}`,
      );
  }
}

function sniffContentType(value: string): string {
  if (/^\s*-----BEGIN /.test(value)) return PEM_CONTENT_TYPE;
  const bytes = decodeStdBase64(value);
  // A PFX is a DER SEQUENCE (0x30).
  if (bytes !== undefined && bytes[0] === 0x30) return PKCS12_CONTENT_TYPE;
  throw new NotPemOrPfxError("the value is neither PEM text nor a base64 PKCS#12 (PFX) archive");
}

const PEM_KEY_TYPES: ReadonlyMap<string, "pkcs8" | "pkcs1" | "sec1"> = new Map([
  ["PRIVATE KEY", "pkcs8"],
  ["RSA PRIVATE KEY", "pkcs1"],
  ["EC PRIVATE KEY", "sec1"],
]);

function parsePemBundle(value: string): CertificateBundle {
  const blocks = decodePemBlocks(value);
  if (blocks === undefined || blocks.length === 0) {
    throw new NotPemOrPfxError("the value is not PEM text (no valid PEM blocks)");
  }
  const keys: KeyObject[] = [];
  const certificates: X509Certificate[] = [];
  for (const block of blocks) {
    if (block.type === "CERTIFICATE") {
      certificates.push(parseCertificate(block.der));
      continue;
    }
    if (
      block.type === "ENCRYPTED PRIVATE KEY" ||
      (block.hasHeaders && PEM_KEY_TYPES.has(block.type))
    ) {
      throw new UnsupportedKeyError(
        "encrypted private keys are not supported; remove the password",
      );
    }
    const type = PEM_KEY_TYPES.get(block.type);
    if (type === undefined) continue; // e.g. "EC PARAMETERS" from openssl ecparam
    try {
      keys.push(createPrivateKey({ key: block.der, format: "der", type }));
    } catch {
      throw new InvalidKeyError(`a ${block.type} block is not a valid private key`);
    }
  }
  return bundle(keys, certificates);
}

function parseCertificate(der: Buffer): X509Certificate {
  try {
    return new X509Certificate(der);
  } catch {
    throw new InvalidCertificateError("a certificate is not a valid X.509 DER certificate");
  }
}

function bundle(keys: readonly KeyObject[], certificates: X509Certificate[]): CertificateBundle {
  const [privateKey] = keys;
  if (privateKey === undefined) throw new MissingPrivateKeyError("the value holds no private key");
  if (keys.length > 1) throw new UnsupportedKeyError("the value holds more than one private key");
  assertKeyVaultKey(privateKey);
  if (certificates.length === 0)
    throw new InvalidCertificateError("the value holds no certificate");
  keyCertificateIndex(privateKey, certificates);
  return { privateKey, certificates };
}

function keyCertificateIndex(
  privateKey: KeyObject,
  certificates: readonly X509Certificate[],
): number {
  const index = certificates.findIndex((certificate) => certificate.checkPrivateKey(privateKey));
  if (index < 0) {
    throw new InvalidCertificateError("no certificate matches the private key");
  }
  return index;
}

function checkBuildInput(privateKey: KeyObject, chain: readonly X509Certificate[]): number {
  if (privateKey.type !== "private") throw new MissingPrivateKeyError("a private key is required");
  assertKeyVaultKey(privateKey);
  if (chain.length === 0) throw new InvalidCertificateError("at least one certificate is required");
  return keyCertificateIndex(privateKey, chain);
}

/**
 * The value of a certificate's managed secret with contentType `application/x-pkcs12`:
 * a PFX with the empty password holding the key and `chain` in the given order (leaf
 * first, as Key Vault keeps it). Returns the binary PFX; Key Vault's secret value is its
 * standard base64. The key must match one of the certificates.
 */
export function buildPfx(privateKey: KeyObject, chain: readonly X509Certificate[]): Buffer {
  const index = checkBuildInput(privateKey, chain);
  const pkcs8 = privateKey.export({ type: "pkcs8", format: "der" });
  return encodePfx(
    pkcs8,
    chain.map((certificate) => certificate.raw),
    index,
  );
}

/**
 * The value of a certificate's managed secret with contentType `application/x-pem-file`:
 * the private key (PKCS#8 `PRIVATE KEY`) first, then `chain` in the given order, each a
 * PEM block with 64-character lines and LF endings.
 */
export function buildPemBundle(privateKey: KeyObject, chain: readonly X509Certificate[]): string {
  checkBuildInput(privateKey, chain);
  const key = encodePem("PRIVATE KEY", privateKey.export({ type: "pkcs8", format: "der" }));
  return key + chain.map((certificate) => encodePem("CERTIFICATE", certificate.raw)).join("");
}
