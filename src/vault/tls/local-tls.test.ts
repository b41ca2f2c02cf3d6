import assert from "node:assert/strict";
import { X509Certificate, createPrivateKey } from "node:crypto";
import { mkdtemp, rm, stat, unlink } from "node:fs/promises";
import https from "node:https";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import type { TestContext } from "node:test";
import { loadOrCreateTls } from "./index.js";
import type { TlsMaterial } from "./index.js";

const DAY_MS = 24 * 60 * 60 * 1000;
const SERVER_AUTH = "1.3.6.1.5.5.7.3.1";

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "kvsync-tls-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function assertIssuedBy(material: TlsMaterial): X509Certificate {
  const ca = new X509Certificate(material.ca);
  const server = new X509Certificate(material.cert);
  assert.ok(server.verify(ca.publicKey), "server certificate is signed by the CA");
  assert.equal(server.issuer, ca.subject);
  assert.ok(server.checkPrivateKey(createPrivateKey(material.key)), "key matches certificate");
  return server;
}

test("creates a local CA and a server certificate that verifies against it", async (t) => {
  const dataDir = await tempDir(t);
  const material = await loadOrCreateTls({ dataDir });

  assert.equal(material.caPath, path.join(dataDir, "tls", "ca.pem"));
  assert.ok(path.isAbsolute(material.caPath));
  const ca = new X509Certificate(material.ca);
  assert.ok(ca.ca);
  assert.match(ca.subject, /^CN=kvsync local CA [0-9a-f]+$/);
  const server = assertIssuedBy(material);
  assert.equal(server.ca, false);
  assert.equal(server.checkHost("localhost"), "localhost");
  assert.equal(server.checkIP("127.0.0.1"), "127.0.0.1");
  assert.equal(server.checkIP("::1"), "::1");
  assert.deepEqual(server.keyUsage, [SERVER_AUTH]);
  assert.match(material.key, /^-----BEGIN PRIVATE KEY-----\n/);
  assert.equal(server.publicKey.asymmetricKeyDetails?.namedCurve, "prime256v1");

  const lifetimeDays = (Date.parse(server.validTo) - Date.now()) / DAY_MS;
  assert.ok(lifetimeDays > 820 && lifetimeDays <= 825, `server lifetime ${lifetimeDays} days`);
  const caLifetimeDays = (Date.parse(ca.validTo) - Date.now()) / DAY_MS;
  assert.ok(caLifetimeDays > 3640 && caLifetimeDays <= 3650, `CA lifetime ${caLifetimeDays} days`);
});

test("sets CA constraints and key identifiers", async (t) => {
  const material = await loadOrCreateTls({ dataDir: await tempDir(t) });
  // Imported only now: loadOrCreateTls has installed the Reflect shim the library needs.
  const x509 = await import("@peculiar/x509");
  const ca = new x509.X509Certificate(material.ca);
  const server = new x509.X509Certificate(material.cert);

  const constraints = ca.getExtension(x509.BasicConstraintsExtension);
  assert.equal(constraints?.ca, true);
  assert.equal(constraints.critical, true);
  const caUsages = ca.getExtension(x509.KeyUsagesExtension);
  assert.equal(caUsages?.usages, x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
  const serverUsages = server.getExtension(x509.KeyUsagesExtension);
  assert.equal(serverUsages?.usages, x509.KeyUsageFlags.digitalSignature);

  const caKeyId = ca.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  assert.ok(caKeyId !== undefined && caKeyId.length > 0);
  assert.equal(server.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId, caKeyId);
  assert.ok(server.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId);
});

test(
  "writes private keys 0600 inside a 0700 folder",
  { skip: process.platform === "win32" },
  async (t) => {
    const dataDir = await tempDir(t);
    await loadOrCreateTls({ dataDir });
    const mode = async (name: string): Promise<number> =>
      (await stat(path.join(dataDir, "tls", name))).mode & 0o777;

    assert.equal(await mode(""), 0o700);
    assert.equal(await mode("ca-key.pem"), 0o600);
    assert.equal(await mode("server-key.pem"), 0o600);
    assert.equal(await mode("ca.pem"), 0o644);
    assert.equal(await mode("server.pem"), 0o644);
  },
);

test("reuses the stored CA and server certificate", async (t) => {
  const dataDir = await tempDir(t);
  const first = await loadOrCreateTls({ dataDir });
  const second = await loadOrCreateTls({ dataDir });
  assert.deepEqual(second, first);
});

test("re-issues only the server certificate for a new hostname", async (t) => {
  const dataDir = await tempDir(t);
  const first = await loadOrCreateTls({ dataDir });
  const widened = await loadOrCreateTls({ dataDir, hostnames: ["KVSync.Test", "10.1.2.3"] });

  assert.equal(widened.ca, first.ca);
  assert.notEqual(widened.cert, first.cert);
  const server = assertIssuedBy(widened);
  assert.equal(server.checkHost("kvsync.test"), "kvsync.test");
  assert.equal(server.checkIP("10.1.2.3"), "10.1.2.3");
  assert.equal(server.checkHost("localhost"), "localhost");

  // A certificate covering more than asked for is still good enough.
  assert.deepEqual(await loadOrCreateTls({ dataDir, hostnames: ["kvsync.test"] }), widened);
  assert.deepEqual(await loadOrCreateTls({ dataDir }), widened);
});

test("renews a server certificate that expires within 30 days", async (t) => {
  const dataDir = await tempDir(t);
  const first = await loadOrCreateTls({ dataDir });
  const later = new Date(Date.now() + 800 * DAY_MS);
  const renewed = await loadOrCreateTls({ dataDir, now: () => later });

  assert.equal(renewed.ca, first.ca);
  assert.notEqual(renewed.cert, first.cert);
  const server = assertIssuedBy(renewed);
  assert.ok(Date.parse(server.validFrom) <= later.getTime());
  assert.ok(Date.parse(server.validTo) > later.getTime() + 800 * DAY_MS);
});

test("re-issues a missing server certificate with the same CA", async (t) => {
  const dataDir = await tempDir(t);
  const first = await loadOrCreateTls({ dataDir });
  await unlink(path.join(dataDir, "tls", "server.pem"));
  const second = await loadOrCreateTls({ dataDir });

  assert.equal(second.ca, first.ca);
  assert.notEqual(second.cert, first.cert);
  assertIssuedBy(second);
});

test("refuses to replace a CA whose key is missing", async (t) => {
  const dataDir = await tempDir(t);
  await loadOrCreateTls({ dataDir });
  await unlink(path.join(dataDir, "tls", "ca-key.pem"));
  await assert.rejects(loadOrCreateTls({ dataDir }), /ca-key\.pem is missing/);
});

test("rejects a hostname that cannot go in a certificate", async (t) => {
  const dataDir = await tempDir(t);
  await assert.rejects(
    loadOrCreateTls({ dataDir, hostnames: ["not a host"] }),
    /Invalid hostname.*not a host/,
  );
});

function listen(material: TlsMaterial): Promise<https.Server> {
  const server = https.createServer({ key: material.key, cert: material.cert }, (_req, res) => {
    res.end("ok");
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      resolve(server);
    });
  });
}

function get(port: number, ca?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const options = { host: "127.0.0.1", port, path: "/", agent: false, ...(ca ? { ca } : {}) };
    https
      .get(options, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => {
          resolve({ status: res.statusCode ?? 0, body });
        });
      })
      .on("error", reject);
  });
}

test("an HTTPS server with the material is trusted exactly by clients that trust the CA", async (t) => {
  const material = await loadOrCreateTls({ dataDir: await tempDir(t) });
  const server = await listen(material);
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const { port } = server.address() as AddressInfo;

  assert.deepEqual(await get(port, material.ca), { status: 200, body: "ok" });
  await assert.rejects(get(port), (error: NodeJS.ErrnoException) => {
    assert.match(error.code ?? "", /UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT/);
    return true;
  });
});

test("uses certificate files brought by the user", async (t) => {
  const source = await loadOrCreateTls({ dataDir: await tempDir(t) });
  const tls = path.dirname(source.caPath);
  const certFile = path.join(tls, "server.pem");
  const keyFile = path.join(tls, "server-key.pem");
  const dataDir = await tempDir(t);

  const withCa = await loadOrCreateTls({ dataDir, certFile, keyFile, caFile: source.caPath });
  assert.deepEqual(withCa, source);

  const withoutCa = await loadOrCreateTls({ dataDir, certFile, keyFile });
  assert.deepEqual(withoutCa, { ...source, ca: source.cert, caPath: certFile });
  await assert.rejects(stat(path.join(dataDir, "tls")), { code: "ENOENT" });
});

test("explains what is wrong with brought certificate flags", async (t) => {
  const dataDir = await tempDir(t);
  const a = path.dirname((await loadOrCreateTls({ dataDir: await tempDir(t) })).caPath);
  const b = path.dirname((await loadOrCreateTls({ dataDir: await tempDir(t) })).caPath);
  const certFile = path.join(a, "server.pem");

  await assert.rejects(loadOrCreateTls({ dataDir, certFile }), /--tls-cert .*without --tls-key/);
  await assert.rejects(
    loadOrCreateTls({ dataDir, keyFile: path.join(a, "server-key.pem") }),
    /--tls-key .*without --tls-cert/,
  );
  const missing = path.join(a, "nope.pem");
  await assert.rejects(
    loadOrCreateTls({ dataDir, certFile: missing, keyFile: path.join(a, "server-key.pem") }),
    (error: Error) => error.message.includes("--tls-cert") && error.message.includes(missing),
  );
  await assert.rejects(
    loadOrCreateTls({ dataDir, certFile, keyFile: path.join(a, "ca.pem") }),
    /--tls-key file .* does not contain an unencrypted PEM private key/,
  );
  await assert.rejects(
    loadOrCreateTls({ dataDir, certFile, keyFile: path.join(b, "server-key.pem") }),
    /--tls-key file .* does not match the certificate in --tls-cert file/,
  );
});
