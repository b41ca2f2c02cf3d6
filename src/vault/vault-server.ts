import { randomBytes, randomUUID } from "node:crypto";
import { rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { FastifyInstance } from "fastify";
import type { JWK } from "jose";
import { pino, type Logger } from "pino";
import { TokenIssuer, newSigningKey, type AuthMode } from "./auth/index.js";
import { VaultMetrics } from "./metrics.js";
import { CertificateStore, KeyStore, metaValue, openDatabase, SecretStore } from "./store/index.js";
import { SlidingWindowLimiter } from "./throttle.js";
import { loadOrCreateTls } from "./tls/index.js";
import { createVaultApp } from "./vault-app.js";
import { EventGridPublisher } from "../eventgrid/publisher/index.js";
import { vaultResourceId, type KeyVaultEventData } from "../eventgrid/wire/index.js";
import { ExpiryScheduler, type ExpiringVersion, type ExpiryObjectType } from "./expiry-events.js";
import { definedOnly } from "../util/defined-only.js";

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
  /** The vault's name in events (VaultName) and in its ARM resource id. */
  vaultName?: string | undefined;
  eventGrid?: EventGridSettings | undefined;
  /** Epoch seconds; tests move time for purge dates, token expiry and the throttle window. */
  now?: () => number;
}

export interface EventGridSettings {
  /** Multiplies Azure's retry schedule (1 = Azure's; 0.001 turns 10 s into 10 ms). */
  retryScale?: number | undefined;
  /** Holds each event before its first delivery attempt, for realistic demos. */
  publishDelayMs?: number | undefined;
  deliveryTimeoutMs?: number | undefined;
  handshakeTimeoutMs?: number | undefined;
  /** How often near-expiry and expired events are looked for. */
  expiryScanMs?: number | undefined;
}

/** ARM coordinates of the local vault: a fixed subscription and resource group. */
export const LOCAL_SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000000";
export const LOCAL_RESOURCE_GROUP = "kvsync-local";
export const DEFAULT_VAULT_NAME = "demo";

export interface RunningVault {
  url: string;
  caPath: string;
  tenantId: string;
  vaultName: string;
  store: SecretStore;
  keys: KeyStore;
  certificates: CertificateStore;
  eventGrid: EventGridPublisher;
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
  const keys = new KeyStore(db, { now, retentionDays: options.retentionDays });
  const certificates = new CertificateStore(db, {
    now,
    retentionDays: options.retentionDays,
    keys,
    secrets: store,
  });
  const vaultName = options.vaultName ?? DEFAULT_VAULT_NAME;
  let baseUrl = "";
  const eventSettings = options.eventGrid ?? {};
  const eventGrid = new EventGridPublisher({
    db,
    topic: vaultResourceId(LOCAL_SUBSCRIPTION_ID, LOCAL_RESOURCE_GROUP, vaultName),
    baseUrl: () => baseUrl,
    deadLetterRoot: join(dataDir, "deadletter"),
    logger: logger.child({ component: "eventgrid" }),
    ca: tls.ca,
    // Subscriptions are dated on the vault's clock, the one its versions' `created` comes from.
    objectClockMs: () => now() * 1000,
    ...definedOnly({
      retryScale: eventSettings.retryScale,
      publishDelayMs: eventSettings.publishDelayMs,
      deliveryTimeoutMs: eventSettings.deliveryTimeoutMs,
      handshakeTimeoutMs: eventSettings.handshakeTimeoutMs,
    }),
  });
  const collection: Record<ExpiryObjectType, string> = {
    Secret: "secrets",
    Key: "keys",
    Certificate: "certificates",
  };
  const eventData = (objectType: ExpiryObjectType, v: ExpiringVersion): KeyVaultEventData => ({
    Id: `${baseUrl}/${collection[objectType]}/${v.name}/${v.version}`,
    VaultName: vaultName,
    ObjectType: objectType,
    ObjectName: v.name,
    Version: v.version,
    NBF: v.nbf ?? null,
    EXP: v.exp ?? null,
  });
  const expiry = new ExpiryScheduler({
    db,
    sources: [
      { objectType: "Secret", listExpiring: (until) => store.listExpiringSecrets(until) },
      { objectType: "Key", listExpiring: (until) => keys.listExpiringKeys(until) },
      {
        objectType: "Certificate",
        listExpiring: (until) => certificates.listExpiringCertificates(until),
      },
    ],
    now,
    logger,
    emit: (notice) =>
      eventGrid.publish(
        notice.type,
        eventData(notice.objectType, notice.version),
        notice.version.created * 1000,
      ),
  });
  store.onNewVersion((version) => {
    eventGrid.publish("Microsoft.KeyVault.SecretNewVersionCreated", eventData("Secret", version));
    // A version created within 30 days of its expiry also raises SecretNearExpiry.
    if (version.exp !== undefined) setImmediate(() => expiry.scan());
  });
  keys.onNewVersion((version) => {
    eventGrid.publish("Microsoft.KeyVault.KeyNewVersionCreated", eventData("Key", version));
    if (version.exp !== undefined) setImmediate(() => expiry.scan());
  });
  // After the managed key's and secret's own events, as Key Vault raises all three.
  certificates.onNewVersion((version) => {
    eventGrid.publish(
      "Microsoft.KeyVault.CertificateNewVersionCreated",
      eventData("Certificate", version),
    );
    if (version.exp !== undefined) setImmediate(() => expiry.scan());
  });
  const issuer = new TokenIssuer({ tenantId, signingKey: key, now });
  const app = createVaultApp({
    store,
    keys,
    certificates,
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
    eventGrid,
    // A test's clock moves the throttle window too; the real clock keeps millisecond precision.
    ...(options.now ? { nowMs: () => now() * 1000 } : {}),
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
  baseUrl = url;
  eventGrid.start();
  expiry.start(eventSettings.expiryScanMs ?? 60_000);
  const endpointFile = join(dataDir, ENDPOINT_FILE);
  await writeFile(
    endpointFile,
    JSON.stringify({ url, caPath: tls.caPath, pid: process.pid }) + "\n",
  );

  return {
    url,
    caPath: tls.caPath,
    tenantId,
    vaultName,
    store,
    keys,
    certificates,
    eventGrid,
    app,
    async close() {
      expiry.stop();
      await app.close();
      await eventGrid.close();
      db.close();
      await rm(endpointFile, { force: true });
    },
  };
}
