import { z } from "zod";
import { httpsUrl, flag, port, positiveInt, type OptionTable } from "./option-table.js";

/** Flags of `kvsync vault serve`, and the ones the secret commands share to find a vault. */

export const DEFAULT_VAULT_DATA = ".kvsync/vault";
export const DEFAULT_VAULT_PORT = 8443;

export const dataOption = {
  flag: "--data <dir>",
  description: "folder of the local vault's database and TLS material",
  schema: z.string().min(1),
  defaultValue: DEFAULT_VAULT_DATA,
  env: "KVSYNC_VAULT_DATA",
} as const;

export const logLevelOption = {
  flag: "--log-level <level>",
  description: "log level: fatal, error, warn, info, debug, silent",
  schema: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]),
  defaultValue: "info",
  env: "KVSYNC_LOG_LEVEL",
} as const;

export const vaultServeOptions = {
  port: {
    flag: "--port <port>",
    description: "HTTPS port on the host (0 picks a free one)",
    schema: port,
    defaultValue: DEFAULT_VAULT_PORT,
    env: "KVSYNC_VAULT_PORT",
  },
  host: {
    flag: "--host <address>",
    description: "address to listen on; keep it on loopback unless you mean otherwise",
    schema: z.string().min(1),
    defaultValue: "127.0.0.1",
  },
  data: dataOption,
  auth: {
    flag: "--auth <mode>",
    description:
      "any: accept every well-formed bearer token; strict: only tokens from this vault's /metadata/identity/oauth2/token",
    schema: z.enum(["any", "strict"]),
    defaultValue: "any",
  },
  tenantId: {
    flag: "--tenant-id <guid>",
    description: "tenant named in the 401 challenge (default: one generated and kept in --data)",
    schema: z.uuid().optional(),
  },
  challengeResource: {
    flag: "--challenge-resource <url>",
    description: "resource advertised in the 401 challenge; clients ask for <url>/.default",
    schema: httpsUrl,
    defaultValue: "https://vault.azure.net",
  },
  throttle: {
    flag: "--throttle <n>",
    description: "answer 429 once more than n requests arrive within 10 s (Key Vault: 4000)",
    schema: positiveInt.optional(),
  },
  throttleRetryAfter: {
    flag: "--throttle-retry-after <seconds>",
    description:
      "Retry-After on 429s: auto (until a slot frees), none (omit it, so SDKs do not retry) or seconds",
    schema: z.union([
      z.enum(["auto", "none"]),
      z.coerce.number().int().min(0, "must be auto, none or a number of seconds"),
    ]),
    defaultValue: "auto",
  },
  retentionDays: {
    flag: "--retention-days <days>",
    description: "soft-delete retention, 7–90 days",
    schema: z.coerce.number().int().min(7, "must be 7–90").max(90, "must be 7–90"),
    defaultValue: 90,
  },
  purgeProtection: {
    flag: "--purge-protection",
    description: "refuse purges, as a vault with purge protection does",
    schema: flag,
  },
  tlsCert: {
    flag: "--tls-cert <file>",
    description: "serve this PEM certificate instead of the generated one (with --tls-key)",
    schema: z.string().optional(),
  },
  tlsKey: {
    flag: "--tls-key <file>",
    description: "private key (PEM) of --tls-cert",
    schema: z.string().optional(),
  },
  tlsCa: {
    flag: "--tls-ca <file>",
    description: "CA (PEM) clients should trust for --tls-cert",
    schema: z.string().optional(),
  },
  tlsHostname: {
    flag: "--tls-hostname <name...>",
    description: "extra names or IPs for the generated server certificate",
    schema: z.array(z.string().min(1)).default([]),
  },
  vaultName: {
    flag: "--vault-name <name>",
    description: "the vault's name in Event Grid events (VaultName) and its resource id",
    schema: z.string().regex(/^[A-Za-z0-9-]{3,24}$/, "3–24 characters of A-Z, a-z, 0-9 and -"),
    defaultValue: "demo",
  },
  eventgridRetryScale: {
    flag: "--eventgrid-retry-scale <factor>",
    description:
      "multiply Event Grid's retry schedule (10 s, 30 s, 1 m, …); 0.01 makes 10 s into 100 ms",
    schema: z.coerce.number().positive("must be greater than 0").max(1, "must be at most 1"),
    defaultValue: 1,
  },
  eventgridPublishDelay: {
    flag: "--eventgrid-publish-delay <ms>",
    description: "hold each event this long before delivering it, like Azure's publishing latency",
    schema: z.coerce.number().int().min(0, "must be 0 or more"),
    defaultValue: 0,
  },
  logLevel: logLevelOption,
} satisfies OptionTable;
