import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TokenCredential } from "@azure/core-auth";
import { CertificateClient, type CertificateClientOptions } from "@azure/keyvault-certificates";
import { KeyClient, type KeyClientOptions } from "@azure/keyvault-keys";
import { SecretClient, type SecretClientOptions } from "@azure/keyvault-secrets";
import { pino } from "pino";
import { startVault, type RunningVault, type VaultServerOptions } from "../index.js";

/** A fresh local vault on a free loopback port, in a temporary folder, for one test file. */
export interface VaultFixture {
  vault: RunningVault;
  dataDir: string;
  ca: string;
  client(options?: SecretClientOptions & { credential?: TokenCredential }): SecretClient;
  /** The official `@azure/keyvault-keys` client, set up like `client()`. */
  keyClient(options?: KeyClientOptions & { credential?: TokenCredential }): KeyClient;
  /** The official `@azure/keyvault-certificates` client, set up like `client()`. */
  certificateClient(
    options?: CertificateClientOptions & { credential?: TokenCredential },
  ): CertificateClient;
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** Any bearer token: what the vault's default auth mode accepts. */
export const anyTokenCredential: TokenCredential = {
  getToken: () =>
    Promise.resolve({ token: "local-test-token", expiresOnTimestamp: Date.now() + 3_600_000 }),
};

export async function startVaultFixture(
  overrides: Partial<VaultServerOptions> = {},
): Promise<VaultFixture> {
  const dataDir = overrides.dataDir ?? (await mkdtemp(join(tmpdir(), "kvsync-vault-")));
  const options: VaultServerOptions = {
    port: 0,
    host: "127.0.0.1",
    auth: "any",
    challengeResource: "https://vault.azure.net",
    throttleRetryAfter: "auto",
    retentionDays: 90,
    purgeProtection: false,
    logger: pino({ level: "silent" }),
    ...overrides,
    dataDir,
  };
  let vault = await startVault(options);
  const ca = await readFile(vault.caPath, "utf8");
  const fixture: VaultFixture = {
    vault,
    dataDir,
    ca,
    client: ({ credential, ...clientOptions } = {}) =>
      new SecretClient(vault.url, credential ?? anyTokenCredential, {
        // The local vault is not under vault.azure.net: skip the SDK's host check (see README).
        disableChallengeResourceVerification: true,
        tlsOptions: { ca },
        retryOptions: { maxRetryDelayInMs: 2_000 },
        ...clientOptions,
      }),
    keyClient: ({ credential, ...clientOptions } = {}) =>
      new KeyClient(vault.url, credential ?? anyTokenCredential, {
        disableChallengeResourceVerification: true,
        tlsOptions: { ca },
        retryOptions: { maxRetryDelayInMs: 2_000 },
        ...clientOptions,
      }),
    certificateClient: ({ credential, ...clientOptions } = {}) =>
      new CertificateClient(vault.url, credential ?? anyTokenCredential, {
        disableChallengeResourceVerification: true,
        tlsOptions: { ca },
        retryOptions: { maxRetryDelayInMs: 2_000 },
        ...clientOptions,
      }),
    async restart() {
      const port = Number(new URL(vault.url).port);
      await vault.close();
      vault = await startVault({ ...options, port });
      fixture.vault = vault;
    },
    async close() {
      await vault.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return fixture;
}
