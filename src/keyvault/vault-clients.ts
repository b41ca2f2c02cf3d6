import type { TokenCredential } from "@azure/core-auth";
import { SecretClient } from "@azure/keyvault-secrets";
import type { SecretProviderClass, SpcIdentity } from "../spc/index.js";
import { lazyCredential } from "./lazy-credential.js";
import { LocalVaultCredential } from "./local-vault-credential.js";

/**
 * Vault name → SecretClient, built once per vault. An explicit endpoint (`--vault-endpoint
 * name=url`) wins: with a CA it is a local vault (its own token endpoint, its CA trusted);
 * otherwise the class's vaultUrl is used with the credential its identity settings ask for.
 * Every client has the SDK's retries off: SdkObjectSource retries, once, with our policy.
 */

export interface VaultClientsOptions {
  /** Vault name → URL, for local vaults or private endpoints. */
  endpoints?: ReadonlyMap<string, string>;
  /** PEM of the CA that signs the endpoints' TLS certificates (local vaults). */
  ca?: string | undefined;
  classes: readonly SecretProviderClass[];
  /**
   * A vault no class names and no endpoint maps is `https://<name>.vault.azure.net/`, reached
   * with DefaultAzureCredential (the controller: classes come and go, its identity is its own).
   */
  anyVault?: boolean;
}

export class UnsupportedIdentityError extends Error {
  constructor(vault: string, reason: string) {
    super(`cannot authenticate to vault ${vault}: ${reason}`);
    this.name = "UnsupportedIdentityError";
  }
}

export function createVaultClients(options: VaultClientsOptions): (vault: string) => SecretClient {
  const endpoints = new Map<string, string>();
  for (const [name, url] of options.endpoints ?? []) endpoints.set(name.toLowerCase(), url);
  const classes = new Map(options.classes.map((spc) => [spc.keyvaultName.toLowerCase(), spc]));
  const clients = new Map<string, SecretClient>();
  return (vault) => {
    const key = vault.toLowerCase();
    let client = clients.get(key);
    if (client === undefined) {
      client = buildClient(key, endpoints.get(key), classes.get(key), options);
      clients.set(key, client);
    }
    return client;
  };
}

function buildClient(
  vault: string,
  endpoint: string | undefined,
  spc: SecretProviderClass | undefined,
  { ca, anyVault }: VaultClientsOptions,
): SecretClient {
  const noRetries = { retryOptions: { maxRetries: 0 } };
  if (endpoint !== undefined && ca !== undefined) {
    return new SecretClient(endpoint, new LocalVaultCredential(endpoint, ca), {
      ...noRetries,
      // The local vault is not under vault.azure.net; the SDK's host check is off for it only.
      disableChallengeResourceVerification: true,
      tlsOptions: { ca },
    });
  }
  const url =
    endpoint ??
    spc?.vaultUrl ??
    (anyVault === true ? `https://${vault}.vault.azure.net/` : undefined);
  if (url === undefined) {
    throw new UnsupportedIdentityError(vault, "no class names it and no --vault-endpoint is set");
  }
  const credential = credentialFor(vault, spc?.identity ?? { kind: "default" }, spc?.tenantId);
  return new SecretClient(url, credential, noRetries);
}

/** The credential the CSI Azure provider would use for the class's identity settings (§2). */
export function credentialFor(
  vault: string,
  identity: SpcIdentity,
  tenantId: string | undefined,
): TokenCredential {
  const tenant = tenantId === undefined ? {} : { tenantId };
  switch (identity.kind) {
    case "default":
      return lazyCredential((azure) => new azure.DefaultAzureCredential());
    case "workload-identity":
    case "token-proxy":
      // Both read a projected service-account token file (AZURE_FEDERATED_TOKEN_FILE).
      return lazyCredential(
        (azure) => new azure.WorkloadIdentityCredential({ clientId: identity.clientId, ...tenant }),
      );
    case "vm-managed-identity":
      return lazyCredential((azure) =>
        identity.clientId === undefined
          ? new azure.ManagedIdentityCredential()
          : new azure.ManagedIdentityCredential({ clientId: identity.clientId }),
      );
    case "pod-identity":
      throw new UnsupportedIdentityError(
        vault,
        "usePodIdentity (AAD Pod Identity) is deprecated; use workload identity (clientID)",
      );
    case "service-principal":
      throw new UnsupportedIdentityError(vault, identity.reason);
  }
}
