import type { TokenCredential } from "@azure/core-auth";
import type { CertificateClient } from "@azure/keyvault-certificates";
import type { KeyClient } from "@azure/keyvault-keys";
import { SecretClient, type SecretClientOptions } from "@azure/keyvault-secrets";
import type { SecretProviderClass, SpcIdentity } from "../spc/index.js";
import { lazyCredential } from "./lazy-credential.js";
import { LocalVaultCredential } from "./local-vault-credential.js";

/**
 * Vault name → its clients, built once per vault. An explicit endpoint (`--vault-endpoint
 * name=url`) wins: with a CA it is a local vault (its own token endpoint, its CA trusted);
 * otherwise the class's vaultUrl is used with the credential its identity settings ask for.
 * Every client has the SDK's retries off: SdkObjectSource retries, once, with our policy.
 * The key and certificate SDKs load on first use: most classes mount only secrets, and the agent's
 * memory is counted per pod.
 */

export interface VaultClients {
  readonly secrets: SecretClient;
  keys(): Promise<KeyClient>;
  certificates(): Promise<CertificateClient>;
}

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

export function createVaultClients(options: VaultClientsOptions): (vault: string) => VaultClients {
  const endpoints = new Map<string, string>();
  for (const [name, url] of options.endpoints ?? []) endpoints.set(name.toLowerCase(), url);
  const classes = new Map(options.classes.map((spc) => [spc.keyvaultName.toLowerCase(), spc]));
  const clients = new Map<string, VaultClients>();
  return (vault) => {
    const key = vault.toLowerCase();
    let client = clients.get(key);
    if (client === undefined) {
      client = buildClients(connectionFor(key, endpoints.get(key), classes.get(key), options));
      clients.set(key, client);
    }
    return client;
  };
}

/** What every client of one vault shares: its URL, credential and pipeline options. */
interface Connection {
  readonly url: string;
  readonly credential: TokenCredential;
  readonly options: SecretClientOptions;
}

function connectionFor(
  vault: string,
  endpoint: string | undefined,
  spc: SecretProviderClass | undefined,
  { ca, anyVault }: VaultClientsOptions,
): Connection {
  const noRetries = { retryOptions: { maxRetries: 0 } };
  if (endpoint !== undefined && ca !== undefined) {
    return {
      url: endpoint,
      credential: new LocalVaultCredential(endpoint, ca),
      options: {
        ...noRetries,
        // The local vault is not under vault.azure.net; the SDK's host check is off for it only.
        disableChallengeResourceVerification: true,
        tlsOptions: { ca },
      },
    };
  }
  const url =
    endpoint ??
    spc?.vaultUrl ??
    (anyVault === true ? `https://${vault}.vault.azure.net/` : undefined);
  if (url === undefined) {
    throw new UnsupportedIdentityError(vault, "no class names it and no --vault-endpoint is set");
  }
  const credential = credentialFor(vault, spc?.identity ?? { kind: "default" }, spc?.tenantId);
  return { url, credential, options: noRetries };
}

function buildClients({ url, credential, options }: Connection): VaultClients {
  let keys: Promise<KeyClient> | undefined;
  let certificates: Promise<CertificateClient> | undefined;
  return {
    secrets: new SecretClient(url, credential, options),
    keys: () =>
      (keys ??= import("@azure/keyvault-keys").then(
        ({ KeyClient }) => new KeyClient(url, credential, options),
      )),
    certificates: () =>
      (certificates ??= import("@azure/keyvault-certificates").then(
        ({ CertificateClient }) => new CertificateClient(url, credential, options),
      )),
  };
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
