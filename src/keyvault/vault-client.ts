import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { SecretClient } from "@azure/keyvault-secrets";
import { lazyCredential } from "./lazy-credential.js";
import { LocalVaultCredential } from "./local-vault-credential.js";

/**
 * Builds a SecretClient for either the real Key Vault (DefaultAzureCredential) or the local
 * vault found through its data folder (its CA trusted, its own token endpoint used).
 */

export interface LocalVaultEndpoint {
  url: string;
  caPath: string;
}

export async function readLocalEndpoint(dataDir: string): Promise<LocalVaultEndpoint> {
  const file = join(resolve(dataDir), "endpoint.json");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new Error(
      `No local vault is running with data in ${dataDir}. Start one with 'npx kvsync vault serve' (or 'npm start'), or name a vault with --vault <url>.`,
    );
  }
  const parsed = JSON.parse(text) as Partial<LocalVaultEndpoint>;
  if (typeof parsed.url !== "string" || typeof parsed.caPath !== "string") {
    throw new Error(`${file} is damaged: restart the local vault to rewrite it.`);
  }
  return { url: parsed.url, caPath: parsed.caPath };
}

export async function localSecretClient(endpoint: LocalVaultEndpoint): Promise<SecretClient> {
  const ca = await readFile(endpoint.caPath, "utf8");
  return new SecretClient(endpoint.url, new LocalVaultCredential(endpoint.url, ca), {
    // The SDK only sends tokens to hosts under the challenge's resource (vault.azure.net); the
    // local vault lives on 127.0.0.1, so that check is off for it, and only for it.
    disableChallengeResourceVerification: true,
    tlsOptions: { ca },
  });
}

export function azureSecretClient(vaultUrl: string): SecretClient {
  return new SecretClient(
    vaultUrl,
    lazyCredential((azure) => new azure.DefaultAzureCredential()),
  );
}
