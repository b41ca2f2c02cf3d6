import {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  randomBytes,
  webcrypto,
  X509Certificate,
  type KeyObject,
} from "node:crypto";
import { buildPfx as buildKeyPfx, decodePfx } from "../render/index.js";
import { pemSpans } from "../render/pem.js";
import { x509 } from "../util/x509.js";

/**
 * The cryptography behind Key Vault certificates: self-signing a certificate for a policy, the
 * managed secret's value (PFX without password, or PEM with the private key first and then the
 * chain), and reading an imported PEM bundle or PFX. A PFX with a key is the render module's
 * (the form Go's pkcs12 decoder, and so the CSI provider, reads); a certificates-only one, for a
 * non-exportable policy, is written here the same way: SHA-1 MAC under the empty password.
 */

export const PKCS12 = "application/x-pkcs12";
export const PEM_FILE = "application/x-pem-file";

export interface SelfSignedRequest {
  privateKey: KeyObject;
  subject: string;
  dnsNames?: readonly string[] | undefined;
  emails?: readonly string[] | undefined;
  upns?: readonly string[] | undefined;
  ekus: readonly string[];
  keyUsage: readonly string[];
  validityMonths: number;
  now: Date;
}

const KEY_USAGE_FLAGS: Record<string, number> = {
  digitalSignature: x509.KeyUsageFlags.digitalSignature,
  nonRepudiation: x509.KeyUsageFlags.nonRepudiation,
  keyEncipherment: x509.KeyUsageFlags.keyEncipherment,
  dataEncipherment: x509.KeyUsageFlags.dataEncipherment,
  keyAgreement: x509.KeyUsageFlags.keyAgreement,
  keyCertSign: x509.KeyUsageFlags.keyCertSign,
  cRLSign: x509.KeyUsageFlags.cRLSign,
  encipherOnly: x509.KeyUsageFlags.encipherOnly,
  decipherOnly: x509.KeyUsageFlags.decipherOnly,
};
export const KEY_USAGES = Object.keys(KEY_USAGE_FLAGS);

const EC_HASH: Record<string, string> = {
  "P-256": "SHA-256",
  "P-384": "SHA-384",
  "P-521": "SHA-512",
};

/** WebCrypto's algorithm for a node:crypto key; undefined for keys it cannot sign with. */
function webAlgorithm(
  key: KeyObject,
): { name: string; namedCurve?: string; hash: string } | undefined {
  if (key.asymmetricKeyType === "rsa") return { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
  const curve = { prime256v1: "P-256", secp384r1: "P-384", secp521r1: "P-521" }[
    key.asymmetricKeyDetails?.namedCurve ?? ""
  ];
  if (curve === undefined) return undefined;
  return { name: "ECDSA", namedCurve: curve, hash: EC_HASH[curve] ?? "SHA-256" };
}

export const canSelfSign = (key: KeyObject): boolean => webAlgorithm(key) !== undefined;

/** A self-signed certificate (DER) for the key, as Key Vault's "Self" issuer makes. */
export async function selfSign(request: SelfSignedRequest): Promise<Buffer> {
  const algorithm = webAlgorithm(request.privateKey);
  if (!algorithm) throw new Error("this key type cannot sign a certificate here");
  const { hash, ...importAlgorithm } = algorithm;
  const privateKey = await webcrypto.subtle.importKey(
    "pkcs8",
    request.privateKey.export({ type: "pkcs8", format: "der" }),
    { ...importAlgorithm, hash },
    false,
    ["sign"],
  );
  const publicKey = await webcrypto.subtle.importKey(
    "spki",
    createPublicKey(request.privateKey).export({ type: "spki", format: "der" }),
    { ...importAlgorithm, hash },
    true,
    ["verify"],
  );
  const notAfter = new Date(request.now);
  notAfter.setUTCMonth(notAfter.getUTCMonth() + request.validityMonths);
  const usageBits = request.keyUsage.reduce(
    (flags, name) => flags | (KEY_USAGE_FLAGS[name] ?? 0),
    0,
  );
  const sans = [
    ...(request.dnsNames ?? []).map((value) => ({ type: "dns" as const, value })),
    ...(request.emails ?? []).map((value) => ({ type: "email" as const, value })),
    ...(request.upns ?? []).map((value) => ({ type: "upn" as const, value })),
  ];
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(16)
      .toString("hex")
      .replace(/^[89a-f]/, "1"),
    name: request.subject,
    keys: { privateKey, publicKey },
    notBefore: request.now,
    notAfter,
    signingAlgorithm: algorithm.name === "ECDSA" ? { name: "ECDSA", hash } : algorithm,
    extensions: [
      ...(usageBits === 0
        ? []
        : // A union of KeyUsageFlags bits: no single member of the enum.
          // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment
          [new x509.KeyUsagesExtension(usageBits, true)]),
      ...(request.ekus.length === 0 ? [] : [new x509.ExtendedKeyUsageExtension([...request.ekus])]),
      ...(sans.length === 0 ? [] : [new x509.SubjectAlternativeNameExtension(sans)]),
      new x509.BasicConstraintsExtension(false, undefined, true),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
    ],
  });
  return Buffer.from(cert.rawData);
}

/** Key Vault's x5t: base64url SHA-1 of the DER. */
export const thumbprint = (der: Buffer): string =>
  createHash("sha1").update(der).digest("base64url");

export interface CertificateFacts {
  subject: string;
  dnsNames: string[];
  ekus: string[];
  keyUsage: string[];
  nbf: number;
  exp: number;
  validityMonths: number;
}

/** What a policy derives from a certificate (for imports). */
export function factsOf(der: Buffer): CertificateFacts {
  const cert = new x509.X509Certificate(der);
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
  const ku = cert.getExtension(x509.KeyUsagesExtension);
  const nbf = Math.floor(cert.notBefore.getTime() / 1000);
  const exp = Math.floor(cert.notAfter.getTime() / 1000);
  return {
    subject: cert.subject,
    dnsNames: san ? san.names.items.filter((n) => n.type === "dns").map((n) => n.value) : [],
    ekus: eku ? Array.from(eku.usages, String) : [],
    keyUsage: ku
      ? KEY_USAGES.filter((name) => (ku.usages & (KEY_USAGE_FLAGS[name] ?? 0)) !== 0)
      : [],
    nbf,
    exp,
    validityMonths: Math.max(1, Math.round((exp - nbf) / (30.4375 * 86_400))),
  };
}

const pemBlock = (label: string, der: Buffer): string =>
  `-----BEGIN ${label}-----\n${der
    .toString("base64")
    .replace(/.{1,64}/g, "$&\n")}-----END ${label}-----\n`;

/** The managed secret's PEM: the private key (PKCS#8) first, then the certificates. */
export function pemBundle(privateKey: KeyObject | undefined, chain: readonly Buffer[]): string {
  const key = privateKey
    ? pemBlock("PRIVATE KEY", privateKey.export({ type: "pkcs8", format: "der" }))
    : "";
  return key + chain.map((der) => pemBlock("CERTIFICATE", der)).join("");
}

export interface ParsedBundle {
  privateKey: KeyObject;
  /** Leaf first, then the rest in the order given. */
  chain: Buffer[];
}

/** Reads a PEM bundle: one private key and its certificate, plus any chain. */
export function parsePemBundle(text: string): ParsedBundle | { refused: string } {
  const blocks = pemSpans(text);
  const keyBlocks = blocks.filter((b) => b.type.endsWith("PRIVATE KEY"));
  const certs = blocks
    .filter((b) => b.type === "CERTIFICATE")
    .map((b) => Buffer.from(b.body.replace(/\s+/g, ""), "base64"));
  if (keyBlocks.length !== 1) {
    return { refused: "the PEM must hold exactly one private key (PRIVATE KEY, RSA or EC)" };
  }
  if (certs.length === 0) return { refused: "the PEM holds no CERTIFICATE block" };
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: keyBlocks[0]?.text ?? "", format: "pem" });
  } catch {
    return { refused: "the private key cannot be read (an encrypted key is not supported)" };
  }
  return withLeafFirst(privateKey, certs);
}

function withLeafFirst(privateKey: KeyObject, certs: Buffer[]): ParsedBundle | { refused: string } {
  let leafIndex = -1;
  try {
    leafIndex = certs.findIndex((der) => new X509Certificate(der).checkPrivateKey(privateKey));
  } catch {
    return { refused: "a certificate is not a valid X.509 certificate" };
  }
  if (leafIndex < 0) return { refused: "no certificate matches the private key" };
  const leaf = certs[leafIndex] as Buffer;
  return { privateKey, chain: [leaf, ...certs.filter((_, i) => i !== leafIndex)] };
}

/** Reads a PFX with the empty password (Key Vault's): one private key and its certificates. */
export function parsePfxBundle(pfx: Buffer): ParsedBundle | { refused: string } {
  let contents: ReturnType<typeof decodePfx>;
  try {
    contents = decodePfx(pfx);
  } catch (error) {
    return { refused: error instanceof Error ? error.message : "the PFX cannot be read" };
  }
  const [keyDer, ...moreKeys] = contents.privateKeys;
  if (keyDer === undefined || moreKeys.length > 0) {
    return { refused: "the PFX must hold exactly one private key" };
  }
  if (contents.certificates.length === 0) return { refused: "the PFX holds no certificate" };
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: keyDer, format: "der", type: "pkcs8" });
  } catch {
    return { refused: "the PFX's private key cannot be read" };
  }
  return withLeafFirst(privateKey, contents.certificates);
}

// ---- PKCS#12 --------------------------------------------------------------------------------

function der(tag: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const n = body.length;
  let length: Buffer;
  if (n < 0x80) length = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
    length = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), length, body]);
}

const seq = (...parts: Buffer[]) => der(0x30, ...parts);
const octets = (b: Buffer) => der(0x04, b);
const explicit0 = (...parts: Buffer[]) => der(0xa0, ...parts);
const int = (n: number) => {
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  if (bytes.length === 0 || (bytes[0] ?? 0) >= 0x80) bytes.unshift(0);
  return der(0x02, Buffer.from(bytes));
};
function oid(dotted: string): Buffer {
  const [a = 0, b = 0, ...rest] = dotted.split(".").map(Number);
  const bytes = [a * 40 + b];
  for (const arc of rest) {
    const groups: number[] = [];
    for (let v = arc; ; v = Math.floor(v / 128)) {
      groups.unshift((v % 128) | (groups.length > 0 ? 0x80 : 0));
      if (v < 128) break;
    }
    bytes.push(...groups);
  }
  return der(0x06, Buffer.from(bytes));
}

const DATA = "1.2.840.113549.1.7.1";
const CERT_BAG = "1.2.840.113549.1.12.10.1.3";
const X509_CERT = "1.2.840.113549.1.9.22.1";
const SHA1 = "1.3.14.3.2.26";
const MAC_ITERATIONS = 2048;

const dataContent = (content: Buffer) => seq(oid(DATA), explicit0(octets(content)));

/** RFC 7292 appendix B key derivation, for one SHA-1 block (the 20-byte MAC key). */
function pkcs12MacKey(password: Buffer, salt: Buffer, iterations: number): Buffer {
  const v = 64;
  const fill = (b: Buffer) =>
    b.length === 0 ? Buffer.alloc(0) : Buffer.alloc(v * Math.ceil(b.length / v), b);
  let a = Buffer.concat([Buffer.alloc(v, 3), fill(salt), fill(password)]);
  for (let i = 0; i < iterations; i++) a = createHash("sha1").update(a).digest();
  return a;
}

/**
 * The managed secret's PFX, with the empty password: the key and the chain through the render
 * module's encoder, or (a non-exportable policy) the certificates alone, in plain certBags.
 */
export function buildPfx(privateKey: KeyObject | undefined, chain: readonly Buffer[]): Buffer {
  if (privateKey)
    return buildKeyPfx(
      privateKey,
      chain.map((der) => new X509Certificate(der)),
    );
  const certBags = chain.map((cert) =>
    seq(oid(CERT_BAG), explicit0(seq(oid(X509_CERT), explicit0(octets(cert))))),
  );
  const authSafe = seq(dataContent(seq(...certBags)));
  const salt = randomBytes(8);
  // The empty password is the BMPString terminator alone: two zero bytes.
  const macKey = pkcs12MacKey(Buffer.alloc(2), salt, MAC_ITERATIONS);
  const mac = createHmac("sha1", macKey).update(authSafe).digest();
  const macData = seq(
    seq(seq(oid(SHA1), Buffer.from([0x05, 0x00])), octets(mac)),
    octets(salt),
    int(MAC_ITERATIONS),
  );
  return seq(int(3), dataContent(authSafe), macData);
}
