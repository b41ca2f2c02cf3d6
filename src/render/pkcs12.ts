/**
 * PKCS#12 (PFX) decoding and encoding for certificate-backed Key Vault secrets
 * (`application/x-pkcs12`: a PFX with an **empty password**, held base64-encoded).
 *
 * Decoding reproduces what the CSI Azure provider gets from Go's
 * `golang.org/x/crypto/pkcs12.ToPEM(pfx, "")`: every private key and every certificate,
 * in the order of their bags. Like Go, the empty password is tried as the two-byte BMP
 * string first and as no bytes at all second (some tools use either). Node's OpenSSL 3
 * lacks RC2 (legacy provider), which PFXs from Windows, .NET and OpenSSL 1.x use for their
 * certificate bags, so the legacy PBE ciphers come from node-forge; the ASN.1 walk is ours
 * so certificate DER comes out byte for byte as stored.
 *
 * Encoding produces what Go's decoder (and so the provider) accepts, with Key Vault's
 * empty password: exactly two authenticated-safe items (the certificate bags, unencrypted;
 * the key as a pkcs8ShroudedKeyBag with pbeWithSHAAnd3-KeyTripleDES-CBC), a SHA-1 MAC, and
 * only the localKeyId bag attribute.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import forge from "node-forge";
import { PfxParseError } from "./errors.js";

/** What a PFX holds, in bag order: PKCS#8 DER private keys and DER certificates. */
export interface PfxContents {
  privateKeys: Buffer[];
  certificates: Buffer[];
}

const OID = {
  data: "1.2.840.113549.1.7.1",
  encryptedData: "1.2.840.113549.1.7.6",
  keyBag: "1.2.840.113549.1.12.10.1.1",
  pkcs8ShroudedKeyBag: "1.2.840.113549.1.12.10.1.2",
  certBag: "1.2.840.113549.1.12.10.1.3",
  x509Certificate: "1.2.840.113549.1.9.22.1",
  localKeyId: "1.2.840.113549.1.9.21",
  sha1: "1.3.14.3.2.26",
} as const;

/** MAC digest OID → [node hash name, forge digest factory]. */
const MAC_DIGESTS: Readonly<Record<string, readonly [string, () => forge.md.MessageDigest]>> = {
  [OID.sha1]: ["sha1", () => forge.md.sha1.create()],
  "2.16.840.1.101.3.4.2.1": ["sha256", () => forge.md.sha256.create()],
  "2.16.840.1.101.3.4.2.2": ["sha384", () => forge.md.sha384.create()],
  "2.16.840.1.101.3.4.2.3": ["sha512", () => forge.md.sha512.create()],
};

/** Go tries the empty password as BMP "\0\0" first, then as no bytes (`nil`). */
type Password = "" | null;
const PASSWORDS: readonly Password[] = ["", null];

// ---------------------------------------------------------------------------------------
// Decoding

/** Decodes a PFX protected by the empty password. Throws PfxParseError. */
export function decodePfx(pfx: Buffer): PfxContents {
  const errors: unknown[] = [];
  for (const password of PASSWORDS) {
    try {
      return decodeWithPassword(pfx, password);
    } catch (error) {
      errors.push(error);
    }
  }
  // A structural problem shows up the same way whatever the password.
  const [first] = errors;
  if (first instanceof PfxParseError && errors.every((e) => e instanceof PfxParseError)) {
    throw first;
  }
  if (errors.some((e) => e instanceof WrongPassword)) {
    throw new PfxParseError(
      "the PFX does not open with the empty password Key Vault uses " +
        "(integrity check or decryption failed)",
    );
  }
  throw new PfxParseError("the value is not a readable PKCS#12 (PFX) archive");
}

class WrongPassword extends Error {}

function decodeWithPassword(pfx: Buffer, password: Password): PfxContents {
  const root = parseDer(pfx.toString("binary"), "the value is not a DER-encoded PFX");
  const [version, authSafe, macData] = children(root);
  if (version === undefined || authSafe === undefined) fail("the PFX structure is incomplete");
  if (integer(version) !== 3) fail("only version 3 PFX archives are supported");
  const [authSafeType, authSafeContent] = children(authSafe);
  if (authSafeType === undefined || oid(authSafeType) !== OID.data) {
    fail("only password-integrity PFX archives are supported");
  }
  const authSafeBytes = octets(explicitContent(authSafeContent));
  // Go's decoder requires the MAC ("pkcs12: no MAC in data"); Key Vault always writes one.
  if (macData === undefined) fail("the PFX has no integrity MAC");
  verifyMac(macData, authSafeBytes, password);

  const contents: PfxContents = { privateKeys: [], certificates: [] };
  const contentInfos = children(parseDer(authSafeBytes, "the PFX authenticated safe is corrupt"));
  for (const contentInfo of contentInfos) {
    const [type, content] = children(contentInfo);
    if (type === undefined) fail("a PFX content info is corrupt");
    const safeContents = (() => {
      switch (oid(type)) {
        case OID.data:
          return octets(explicitContent(content));
        case OID.encryptedData:
          return decryptContent(explicitContent(content), password);
        default:
          return fail("the PFX uses an unsupported content type (public-key privacy)");
      }
    })();
    for (const bag of children(parseDer(safeContents, "a PFX safe contents is corrupt"))) {
      readBag(bag, password, contents);
    }
  }
  return contents;
}

function verifyMac(macData: forge.asn1.Asn1, authSafe: string, password: Password): void {
  const [digestInfo, saltNode, iterationsNode] = children(macData);
  const [algorithm, digestNode] = children(digestInfo);
  const [digestOid] = children(algorithm);
  if (digestOid === undefined || digestNode === undefined || saltNode === undefined) {
    fail("the PFX integrity data is corrupt");
  }
  const digest = MAC_DIGESTS[oid(digestOid)];
  if (digest === undefined) fail("the PFX integrity check uses an unsupported digest");
  const [hashName, forgeDigest] = digest;
  const iterations = iterationsNode === undefined ? 1 : integer(iterationsNode);
  if (!(iterations >= 1)) fail("the PFX integrity data is corrupt");
  const md = forgeDigest();
  const salt = forge.util.createBuffer(octets(saltNode));
  const key = forge.pkcs12.generateKey(password, salt, 3, iterations, md.digestLength, md);
  const expected = Buffer.from(octets(digestNode), "binary");
  const actual = createHmac(hashName, Buffer.from(key.getBytes(), "binary"))
    .update(Buffer.from(authSafe, "binary"))
    .digest();
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    throw new WrongPassword();
  }
}

interface PbeCipher {
  update(input: forge.util.ByteBuffer): void;
  finish(): boolean;
  output: forge.util.ByteBuffer;
}

// Present in node-forge (lib/pbe.js) but missing from @types/node-forge.
const pbe = (
  forge.pki as unknown as {
    pbe: { getCipher(oid: string, params: forge.asn1.Asn1, password: Password): PbeCipher };
  }
).pbe;
const decryptPrivateKeyInfo = forge.pki.decryptPrivateKeyInfo as (
  obj: forge.asn1.Asn1,
  password: Password,
) => forge.asn1.Asn1 | null;

function decryptContent(encryptedData: forge.asn1.Asn1, password: Password): string {
  const [, encryptedContentInfo] = children(encryptedData);
  const [contentType, algorithm, encrypted] = children(encryptedContentInfo);
  const [algorithmOid, params] = children(algorithm);
  if (contentType === undefined || algorithmOid === undefined || params === undefined) {
    fail("a PFX encrypted content is corrupt");
  }
  if (encrypted === undefined) return "";
  let cipher: PbeCipher;
  try {
    cipher = pbe.getCipher(oid(algorithmOid), params, password);
  } catch {
    return fail("the PFX is encrypted with an unsupported algorithm");
  }
  cipher.update(forge.util.createBuffer(octets(encrypted)));
  if (!cipher.finish()) throw new WrongPassword();
  return cipher.output.getBytes();
}

function readBag(bag: forge.asn1.Asn1, password: Password, contents: PfxContents): void {
  const [bagId, bagValue] = children(bag);
  if (bagId === undefined) fail("a PFX bag is corrupt");
  switch (oid(bagId)) {
    case OID.keyBag:
      contents.privateKeys.push(derBuffer(explicitContent(bagValue)));
      return;
    case OID.pkcs8ShroudedKeyBag: {
      let keyInfo: forge.asn1.Asn1 | null;
      try {
        keyInfo = decryptPrivateKeyInfo(explicitContent(bagValue), password);
      } catch {
        throw new WrongPassword();
      }
      if (keyInfo === null) throw new WrongPassword();
      contents.privateKeys.push(derBuffer(keyInfo));
      return;
    }
    case OID.certBag: {
      const [certType, certValue] = children(explicitContent(bagValue));
      if (certType === undefined) fail("a PFX certificate bag is corrupt");
      // Go's ToPEM fails on other certificate types (SDSI); there are none in practice.
      if (oid(certType) !== OID.x509Certificate) fail("the PFX holds a non-X.509 certificate");
      contents.certificates.push(Buffer.from(octets(explicitContent(certValue)), "binary"));
      return;
    }
    default:
      // CRL, secret and nested bags carry nothing the provider writes.
      return;
  }
}

// forge ASN.1 navigation --------------------------------------------------------------

function parseDer(bytes: string, message: string): forge.asn1.Asn1 {
  try {
    // forge reads BER too (indefinite lengths, chunked octet strings), as Go's decoder
    // does; strict length checks reject truncated input.
    return forge.asn1.fromDer(bytes, true);
  } catch {
    return fail(message);
  }
}

function children(node: forge.asn1.Asn1 | undefined): forge.asn1.Asn1[] {
  if (node === undefined || !Array.isArray(node.value)) return fail("the PFX structure is corrupt");
  return node.value;
}

/** The single element of an `[0] EXPLICIT` wrapper. */
function explicitContent(node: forge.asn1.Asn1 | undefined): forge.asn1.Asn1 {
  const [inner] = children(node);
  return inner ?? fail("the PFX structure is corrupt");
}

/** The bytes of an OCTET STRING (or implicitly tagged one), joining BER chunks. */
function octets(node: forge.asn1.Asn1 | undefined): string {
  if (node === undefined) return fail("the PFX structure is corrupt");
  if (typeof node.value === "string") return node.value;
  return node.value.map((chunk) => octets(chunk)).join("");
}

function oid(node: forge.asn1.Asn1): string {
  if (node.type !== forge.asn1.Type.OID) fail("the PFX structure is corrupt");
  return forge.asn1.derToOid(octets(node));
}

function integer(node: forge.asn1.Asn1): number {
  const bytes = octets(node);
  if (node.type !== forge.asn1.Type.INTEGER || bytes.length === 0 || bytes.length > 4) {
    fail("the PFX structure is corrupt");
  }
  return forge.asn1.derToInteger(bytes);
}

function derBuffer(node: forge.asn1.Asn1): Buffer {
  return Buffer.from(forge.asn1.toDer(node).getBytes(), "binary");
}

function fail(message: string): never {
  throw new PfxParseError(message);
}

// ---------------------------------------------------------------------------------------
// Encoding

/** Key derivation and MAC iteration counts (OpenSSL's defaults). */
const ITERATIONS = 2048;

/**
 * A PFX with the empty password holding `privateKeyPkcs8` (DER) and `certificates` (DER,
 * in the given order). `keyCertificateIndex` is the certificate matching the key: it and
 * the key share a localKeyId (the certificate's SHA-1), as OpenSSL and Windows expect.
 */
export function encodePfx(
  privateKeyPkcs8: Buffer,
  certificates: readonly Buffer[],
  keyCertificateIndex: number,
): Buffer {
  const localKeyId = createHash("sha1")
    .update(certificates[keyCertificateIndex] ?? Buffer.alloc(0))
    .digest();
  const attributes = set(seq(oidDer(OID.localKeyId), set(octetString(localKeyId))));

  const certBags = certificates.map((der, index) =>
    seq(
      oidDer(OID.certBag),
      explicit0(seq(oidDer(OID.x509Certificate), explicit0(octetString(der)))),
      ...(index === keyCertificateIndex ? [attributes] : []),
    ),
  );
  const shrouded = forge.pki.encryptPrivateKeyInfo(
    forge.asn1.fromDer(privateKeyPkcs8.toString("binary")),
    "",
    { algorithm: "3des", count: ITERATIONS, saltSize: 8 },
  );
  const keyBag = seq(oidDer(OID.pkcs8ShroudedKeyBag), explicit0(derBuffer(shrouded)), attributes);

  const authSafe = seq(dataContentInfo(seq(...certBags)), dataContentInfo(seq(keyBag)));
  const macSalt = randomBytes(8);
  const macKey = forge.pkcs12.generateKey(
    "",
    forge.util.createBuffer(macSalt.toString("binary")),
    3,
    ITERATIONS,
    20,
  );
  const mac = createHmac("sha1", Buffer.from(macKey.getBytes(), "binary"))
    .update(authSafe)
    .digest();

  return seq(
    integerDer(3),
    dataContentInfo(authSafe),
    seq(
      seq(seq(oidDer(OID.sha1), NULL), octetString(mac)),
      octetString(macSalt),
      integerDer(ITERATIONS),
    ),
  );
}

function dataContentInfo(content: Buffer): Buffer {
  return seq(oidDer(OID.data), explicit0(octetString(content)));
}

const NULL = Buffer.from([0x05, 0x00]);

function tlv(tag: number, content: Buffer): Buffer {
  const length = content.length;
  let header: Buffer;
  if (length < 0x80) {
    header = Buffer.from([tag, length]);
  } else {
    const lengthBytes: number[] = [];
    for (let rest = length; rest > 0; rest = Math.floor(rest / 256))
      lengthBytes.unshift(rest % 256);
    header = Buffer.from([tag, 0x80 | lengthBytes.length, ...lengthBytes]);
  }
  return Buffer.concat([header, content]);
}

function seq(...items: Buffer[]): Buffer {
  return tlv(0x30, Buffer.concat(items));
}

/** A SET with one element (no DER sorting needed). */
function set(item: Buffer): Buffer {
  return tlv(0x31, item);
}

function explicit0(item: Buffer): Buffer {
  return tlv(0xa0, item);
}

function octetString(bytes: Buffer): Buffer {
  return tlv(0x04, bytes);
}

function oidDer(dotted: string): Buffer {
  return tlv(0x06, Buffer.from(forge.asn1.oidToDer(dotted).getBytes(), "binary"));
}

function integerDer(value: number): Buffer {
  return tlv(0x02, Buffer.from(forge.asn1.integerToDer(value).getBytes(), "binary"));
}
