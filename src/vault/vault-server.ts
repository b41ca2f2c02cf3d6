import { randomBytes, randomUUID } from "node:crypto";
import { rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { FastifyInstance } from "fastify";
import type { JWK } from "jose";
import { pino, type Logger } from "pino";
import { TokenIssuer, newSigningKey, type AuthMode } from "./auth/index.js";
import { VaultMetrics } from "./metrics.js";
import { metaValue, openDatabase, SecretStore } from "./store/index.js";
import { SlidingWindowLimiter } from "./throttle.js";
import { loadOrCreateTls } from "./tls/index.js";
import { createVaultApp } from "./vault-app.js";

/**
 * Starts the local vault: SQLite store, TLS material and the HTTPS listener on loopback. The
 * tenant id and the token and backup keys are created on first start and kept in the database,
 * so tokens and backups stay valid across restarts.
 */

export interface VaultServerOptions {
  port: number;
  host: string;
  dataDir: string;
  auth: AuthMode;
  tenantId?: string | undefined;
  challengeResource: string;
  throttle?: number | undefined;
  throttleRetryAfter: "auto" | "none" | number;
  retentionDays: number;
  purgeProtection: boolean;
  tls?: { certFile: string; keyFile: string; caFile?: string | undefined } | undefined;
  tlsHostnames?: readonly string[] | undefined;
  logger?: Logger | undefined;
  /** Epoch seconds; tests move time for purge dates and token expiry. */
  now?: () => number;
}

export interface RunningVault {
  url: string;
  caPath: string;
  tenantId: string;
  store: SecretStore;
  app: FastifyInstance;
  close(): Promise<void>;
}

/** Written next to the data while the vault runs, so the CLI finds it without flags. */
export const ENDPOINT_FILE = "endpoint.json";

export async function startVault(options: VaultServerOptions): Promise<RunningVault> {
  const dataDir = resolve(options.dataDir);
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const logger = options.logger ?? pino({ name: "vault" });
  const db = openDatabase(dataDir);
  const tenantId = options.tenantId ?? metaValue(db, "tenantId", () => randomUUID());
  // Creating a key costs about a millisecond; it is kept only on the first start.
  const freshKey = JSON.stringify(await newSigningKey());
  const key = JSON.parse(metaValue(db, "tokenSigningKey", () => freshKey)) as JWK;
  const backupKey = Buffer.from(
    metaValue(db, "backupKey", () => randomBytes(32).toString("base64")),
    "base64",
  );

  const tls = await loadOrCreateTls({
    dataDir,
    hostnames: options.tlsHostnames ?? [],
    ...(options.tls
      ? {
          certFile: options.tls.certFile,
          keyFile: options.tls.keyFile,
          ...(options.tls.caFile ? { caFile: options.tls.caFile } : {}),
        }
      : {}),
  });
  const store = new SecretStore(db, { now, retentionDays: options.retentionDays });
  const issuer = new TokenIssuer({ tenantId, signingKey: key, now });
  const app = createVaultApp({
    store,
    backupKey,
    auth: { mode: options.auth, tenantId, resource: options.challengeResource, issuer },
    recovery: { retentionDays: options.retentionDays, purgeProtection: options.purgeProtection },
    metrics: new VaultMetrics({ processMetrics: true }),
    logger,
    throttle:
      options.throttle === undefined
        ? undefined
        : {
            limiter: new SlidingWindowLimiter(options.throttle),
            retryAfter: options.throttleRetryAfter,
          },
    https: { key: tls.key, cert: tls.cert },
  });

  try {
    await app.listen({ port: options.port, host: options.host });
  } catch (error) {
    db.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  const url = `https://${host}:${port}`;
  const endpointFile = join(dataDir, ENDPOINT_FILE);
  await writeFile(
    endpointFile,
    JSON.stringify({ url, caPath: tls.caPath, pid: process.pid }) + "\n",
  );

  return {
    url,
    caPath: tls.caPath,
    tenantId,
    store,
    app,
    async close() {
      await app.close();
      db.close();
      await rm(endpointFile, { force: true });
    },
  };
}
