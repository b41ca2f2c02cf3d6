/**
 * TLS material for the local vault. The Azure SDK refuses plain-HTTP vault URLs, so the
 * local vault must speak HTTPS: either with a certificate the user brings (`--tls-cert`,
 * `--tls-key`, optional `--tls-ca`) or with a private CA kept in `<dataDir>/tls/` that
 * clients are pointed at (e.g. NODE_EXTRA_CA_CERTS=<caPath>).
 */
import { X509Certificate, createPrivateKey, randomBytes, webcrypto } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { chmod, mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { isIP } from "node:net";
import path from "node:path";
import { x509 } from "../../util/x509.js";
import type * as X509 from "@peculiar/x509";

export interface TlsMaterial {
  /** PEM private key of the server certificate. */
  key: string;
  /** PEM server certificate (possibly followed by its chain when brought by the user). */
  cert: string;
  /** PEM of the CA clients should trust. */
  ca: string;
  /** Absolute path of the CA PEM clients should trust. */
  caPath: string;
}

export interface LocalTlsOptions {
  dataDir: string;
  /** Extra names the server certificate must cover; IP literals become IP SANs. */
  hostnames?: readonly string[];
  certFile?: string;
  keyFile?: string;
  caFile?: string;
  now?: () => Date;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const CA_VALIDITY_MS = 3650 * DAY_MS;
// 825 days is the longest validity Apple platforms accept for TLS server certificates.
const SERVER_VALIDITY_MS = 825 * DAY_MS;
const RENEW_BEFORE_MS = 30 * DAY_MS;
// Backdate notBefore so a client whose clock is slightly behind ours still accepts it.
const CLOCK_SKEW_MS = 5 * 60 * 1000;
const DEFAULT_NAMES = ["localhost", "127.0.0.1", "::1"] as const;
const EC_KEY = { name: "ECDSA", namedCurve: "P-256" } as const;
const SIGNING_ALGORITHM = { name: "ECDSA", hash: "SHA-256" } as const;
const PRIVATE_MODE = 0o600;
const PUBLIC_MODE = 0o644;

/**
 * Returns the key, certificate and CA the local vault should serve with: the user's own
 * files when `certFile`/`keyFile` are given, else the locally generated CA and server
 * certificate (created on first use, renewed when expiring or missing a hostname).
 */
export async function loadOrCreateTls(options: LocalTlsOptions): Promise<TlsMaterial> {
  if (
    options.certFile !== undefined ||
    options.keyFile !== undefined ||
    options.caFile !== undefined
  ) {
    return loadProvidedTls(options.certFile, options.keyFile, options.caFile);
  }
  return loadOrCreateLocalTls(options);
}

// ---------------------------------------------------------------------------------------
// Bring your own certificate

async function loadProvidedTls(
  certFile: string | undefined,
  keyFile: string | undefined,
  caFile: string | undefined,
): Promise<TlsMaterial> {
  if (certFile === undefined || keyFile === undefined) {
    throw new Error(missingFlagMessage(certFile, keyFile));
  }
  const cert = await readFlagFile("--tls-cert", certFile);
  const key = await readFlagFile("--tls-key", keyFile);
  const certificate = parseFlagCertificate("--tls-cert", certFile, cert);
  const privateKey = parseFlagKey(keyFile, key);
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new Error(
      `--tls-key file ${keyFile} does not match the certificate in --tls-cert file ${certFile}`,
    );
  }
  if (caFile === undefined) {
    // Without a CA the certificate itself is what clients must trust (self-signed setups).
    return { key, cert, ca: cert, caPath: path.resolve(certFile) };
  }
  const ca = await readFlagFile("--tls-ca", caFile);
  parseFlagCertificate("--tls-ca", caFile, ca);
  return { key, cert, ca, caPath: path.resolve(caFile) };
}

function missingFlagMessage(certFile: string | undefined, keyFile: string | undefined): string {
  if (certFile === undefined && keyFile === undefined) {
    return "--tls-ca needs --tls-cert and --tls-key as well";
  }
  return certFile === undefined
    ? "--tls-key was given without --tls-cert; pass both or neither"
    : "--tls-cert was given without --tls-key; pass both or neither";
}

async function readFlagFile(flag: string, file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (cause) {
    throw new Error(`Cannot read ${flag} file ${file}: ${errorMessage(cause)}`, { cause });
  }
}

function parseFlagCertificate(flag: string, file: string, pem: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (cause) {
    throw new Error(`${flag} file ${file} does not contain a PEM certificate`, { cause });
  }
}

function parseFlagKey(file: string, pem: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (cause) {
    throw new Error(`--tls-key file ${file} does not contain an unencrypted PEM private key`, {
      cause,
    });
  }
}

// ---------------------------------------------------------------------------------------
// Local CA and server certificate

interface TlsPaths {
  dir: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
}

interface PemPair {
  certPem: string;
  keyPem: string;
}

interface LoadedCa extends PemPair {
  cert: X509Certificate;
}

type SanName = { kind: "dns" | "ip"; value: string };

async function loadOrCreateLocalTls(options: LocalTlsOptions): Promise<TlsMaterial> {
  const now = (options.now ?? (() => new Date()))();
  const names = sanNames(options.hostnames ?? []);
  const paths = tlsPaths(options.dataDir);
  await ensurePrivateDir(paths.dir);
  const ca = (await loadCa(paths, now)) ?? (await createCa(paths, now));
  const server =
    (await loadUsableServer(paths, ca, names, now)) ?? (await createServer(paths, ca, names, now));
  return { key: server.keyPem, cert: server.certPem, ca: ca.certPem, caPath: paths.caCert };
}

function tlsPaths(dataDir: string): TlsPaths {
  const dir = path.resolve(dataDir, "tls");
  return {
    dir,
    caCert: path.join(dir, "ca.pem"),
    caKey: path.join(dir, "ca-key.pem"),
    serverCert: path.join(dir, "server.pem"),
    serverKey: path.join(dir, "server-key.pem"),
  };
}

async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode is ignored for an existing folder and narrowed by the umask.
  await chmod(dir, 0o700);
}

/** The default names plus the requested ones, normalised and deduplicated. */
function sanNames(hostnames: readonly string[]): SanName[] {
  const byKey = new Map<string, SanName>();
  for (const raw of [...DEFAULT_NAMES, ...hostnames]) {
    const name = sanName(raw);
    if (name !== undefined) byKey.set(`${name.kind}:${name.value}`, name);
  }
  return [...byKey.values()];
}

function sanName(raw: string): SanName | undefined {
  const text = raw.trim().replace(/^\[(.*)\]$/, "$1");
  if (text === "") return undefined;
  const family = isIP(text);
  if (family === 4) return { kind: "ip", value: text };
  if (family === 6) return { kind: "ip", value: canonicalIPv6(raw, text) };
  const dns = text.toLowerCase().replace(/\.$/, "");
  if (!/^[a-z0-9_*-]+(\.[a-z0-9_*-]+)*$/.test(dns)) {
    throw new Error(`Invalid hostname for the TLS certificate: ${raw}`);
  }
  return { kind: "dns", value: dns };
}

// @peculiar/x509 encodes IPv6 by splitting on ":", so embedded IPv4 ("::ffff:1.2.3.4")
// would be mis-encoded; the URL parser rewrites it to pure hex and rejects zone ids.
function canonicalIPv6(raw: string, text: string): string {
  try {
    return new URL(`http://[${text}]/`).hostname.slice(1, -1);
  } catch (cause) {
    throw new Error(`Invalid IP address for the TLS certificate: ${raw}`, { cause });
  }
}

/**
 * The stored CA, or undefined when there is none yet or it is about to expire. A CA
 * certificate without its key is an error rather than silently replaced, because clients
 * may already trust that CA and would start failing.
 */
async function loadCa(paths: TlsPaths, now: Date): Promise<LoadedCa | undefined> {
  const certPem = await readIfExists(paths.caCert);
  if (certPem === undefined) return undefined;
  const keyPem = await readIfExists(paths.caKey);
  const fix = `delete ${paths.dir} to create a new local CA (clients must then trust the new ca.pem)`;
  if (keyPem === undefined) throw new Error(`${paths.caKey} is missing; ${fix}`);
  const cert = parseOrUndefined(() => new X509Certificate(certPem));
  const key = parseOrUndefined(() => createPrivateKey(keyPem));
  if (cert === undefined || key === undefined || !cert.checkPrivateKey(key)) {
    throw new Error(`${paths.caCert} and ${paths.caKey} are unreadable or do not match; ${fix}`);
  }
  // An expiring CA has to be replaced (and re-trusted) anyway; do it before it breaks.
  if (expiresWithin(cert, now, RENEW_BEFORE_MS)) return undefined;
  return { certPem, keyPem, cert };
}

async function createCa(paths: TlsPaths, now: Date): Promise<LoadedCa> {
  const keys = await generateKeyPair();
  // A random suffix keeps CAs from different machines apart in a trust store.
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=kvsync local CA ${randomBytes(4).toString("hex")}`,
    keys,
    notBefore: new Date(now.getTime() - CLOCK_SKEW_MS),
    notAfter: new Date(now.getTime() + CA_VALIDITY_MS),
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      // pathLength 0: this CA only ever signs the local server certificate.
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pair = { certPem: cert.toString("pem"), keyPem: await exportPrivateKey(keys.privateKey) };
  await writePair(paths.caCert, paths.caKey, pair);
  return { ...pair, cert: new X509Certificate(pair.certPem) };
}

/** The stored server certificate if it can still be served as is, else undefined. */
async function loadUsableServer(
  paths: TlsPaths,
  ca: LoadedCa,
  names: readonly SanName[],
  now: Date,
): Promise<PemPair | undefined> {
  const certPem = await readIfExists(paths.serverCert);
  const keyPem = await readIfExists(paths.serverKey);
  if (certPem === undefined || keyPem === undefined) return undefined;
  // Unlike the CA, the server certificate is disposable: anything odd means re-issue.
  const cert = parseOrUndefined(() => new X509Certificate(certPem));
  const key = parseOrUndefined(() => createPrivateKey(keyPem));
  if (cert === undefined || key === undefined || !cert.checkPrivateKey(key)) return undefined;
  if (!cert.verify(ca.cert.publicKey)) return undefined;
  if (expiresWithin(cert, now, RENEW_BEFORE_MS)) return undefined;
  if (!coversNames(certPem, cert, names)) return undefined;
  return { certPem, keyPem };
}

function coversNames(certPem: string, cert: X509Certificate, names: readonly SanName[]): boolean {
  const dnsNames = certificateDnsNames(certPem);
  return names.every((name) =>
    name.kind === "ip" ? cert.checkIP(name.value) !== undefined : dnsNames.has(name.value),
  );
}

// Exact DNS SAN entries: X509Certificate.checkHost would also accept wildcard matches,
// which would hide that a requested name (say "*.local.test") is literally absent.
function certificateDnsNames(certPem: string): Set<string> {
  const san = new x509.X509Certificate(certPem).getExtension(x509.SubjectAlternativeNameExtension);
  const items = san?.names.items ?? [];
  return new Set(items.filter((item) => item.type === "dns").map((i) => i.value.toLowerCase()));
}

async function createServer(
  paths: TlsPaths,
  ca: LoadedCa,
  names: readonly SanName[],
  now: Date,
): Promise<PemPair> {
  const caCert = new x509.X509Certificate(ca.certPem);
  const keys = await generateKeyPair();
  const cert = await x509.X509CertificateGenerator.create({
    subject: "CN=localhost",
    issuer: caCert.subjectName,
    publicKey: keys.publicKey,
    signingKey: await importSigningKey(ca.keyPem),
    notBefore: new Date(now.getTime() - CLOCK_SKEW_MS),
    // Never outlive the CA: a chain with an expired issuer fails anyway.
    notAfter: new Date(Math.min(now.getTime() + SERVER_VALIDITY_MS, caCert.notAfter.getTime())),
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        names.map((name) => ({ type: name.kind, value: name.value })),
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await authorityKeyIdentifier(caCert),
    ],
  });
  const pair = { certPem: cert.toString("pem"), keyPem: await exportPrivateKey(keys.privateKey) };
  await writePair(paths.serverCert, paths.serverKey, pair);
  return pair;
}

// Copy the CA's own subject key identifier so chain builders match the two exactly.
async function authorityKeyIdentifier(
  caCert: X509.X509Certificate,
): Promise<X509.AuthorityKeyIdentifierExtension> {
  const ski = caCert.getExtension(x509.SubjectKeyIdentifierExtension);
  return ski === null
    ? x509.AuthorityKeyIdentifierExtension.create(caCert)
    : new x509.AuthorityKeyIdentifierExtension(ski.keyId);
}

function expiresWithin(cert: X509Certificate, now: Date, marginMs: number): boolean {
  return Date.parse(cert.validTo) - now.getTime() < marginMs;
}

// ---------------------------------------------------------------------------------------
// Keys and files

function generateKeyPair(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(EC_KEY, true, ["sign", "verify"]);
}

async function exportPrivateKey(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", key));
  return toPem(der, "PRIVATE KEY");
}

function importSigningKey(keyPem: string): Promise<webcrypto.CryptoKey> {
  const der = createPrivateKey(keyPem).export({ type: "pkcs8", format: "der" });
  return webcrypto.subtle.importKey("pkcs8", der, EC_KEY, false, ["sign"]);
}

function toPem(der: Buffer, label: string): string {
  const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

// The key goes first: a crash in between leaves a key without a certificate, which the
// next start treats as "nothing there yet" instead of a certificate without its key.
async function writePair(certFile: string, keyFile: string, pair: PemPair): Promise<void> {
  await writeFileAtomic(keyFile, pair.keyPem, PRIVATE_MODE);
  await writeFileAtomic(certFile, pair.certPem, PUBLIC_MODE);
}

// Write-then-rename so a reader never sees a half-written PEM; the fsync makes the rename
// point at complete data even after a power loss.
async function writeFileAtomic(file: string, data: string, mode: number): Promise<void> {
  const temp = `${file}.${String(process.pid)}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    const handle = await open(temp, "wx", mode);
    try {
      await handle.writeFile(data, "utf8");
      await handle.chmod(mode); // the umask may have narrowed (or, for 0o644, widened) it
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if (isErrnoException(error) && error.code === "ENOENT") return undefined;
    throw error;
  }
}

function parseOrUndefined<T>(parse: () => T): T | undefined {
  try {
    return parse();
  } catch {
    return undefined;
  }
}

function isErrnoException(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && "code" in error;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
