import type { Problem } from "./problem.js";

/** The parsed, checked form of a SecretProviderClass for the Azure provider. */

export type AzureCloudName =
  | "AzurePublicCloud"
  | "AzureUSGovernmentCloud"
  | "AzureChinaCloud"
  | "AzureGermanCloud"
  | "AzureStackCloud";

export type ObjectType = "secret" | "key" | "cert";
export type ObjectEncoding = "utf-8" | "hex" | "base64";
export type ObjectFormat = "pem" | "pfx";

/**
 * The credential the Azure provider would pick for this class (reference §2). `default` is
 * kvsync's own case: no tenant and no identity settings, which only a local vault accepts; the
 * agent then uses its ambient credential.
 */
export type SpcIdentity =
  | { readonly kind: "pod-identity"; readonly deprecated: true }
  /** `clientId` = userAssignedIdentityID; absent = the node's system-assigned identity. */
  | { readonly kind: "vm-managed-identity"; readonly clientId?: string }
  | {
      readonly kind: "token-proxy";
      readonly clientId: string;
      readonly audience: "api://AKSIdentityBinding";
    }
  | {
      readonly kind: "workload-identity";
      readonly clientId: string;
      readonly audience: "api://AzureADTokenExchange";
    }
  | { readonly kind: "service-principal"; readonly available: false; readonly reason: string }
  | { readonly kind: "default" };

export interface SpcObject {
  /** The Key Vault object's name. */
  readonly objectName: string;
  /** `key` and `cert` parse, but the agent refuses them until certificate support lands. */
  readonly objectType: ObjectType;
  /** A pinned version; absent = latest. */
  readonly objectVersion?: string;
  /** objectAlias, else objectName; a folder of `<fileName>/<i>` when versionHistory > 1. */
  readonly fileName: string;
  /** objectVersionHistory; 0 and 1 both write a single file. */
  readonly versionHistory: number;
  readonly encoding: ObjectEncoding;
  readonly format: ObjectFormat;
  /** filePermission; 0o644 by default. */
  readonly fileMode: number;
}

export interface SecretObjectData {
  /** A file the class writes: a fileName, or `<fileName>/<i>` for version history. */
  readonly objectName: string;
  /** The key in the Kubernetes Secret. */
  readonly key: string;
}

export interface SecretObjectSpec {
  readonly secretName: string;
  readonly type: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly data: readonly SecretObjectData[];
}

export interface SecretProviderClass {
  readonly name: string;
  readonly namespace: string;
  readonly keyvaultName: string;
  /** `https://<keyvaultName>.<cloud DNS suffix>/`, as the provider builds it. */
  readonly vaultUrl: string;
  readonly tenantId?: string;
  readonly cloudName: AzureCloudName;
  readonly identity: SpcIdentity;
  readonly objects: readonly SpcObject[];
  readonly secretObjects: readonly SecretObjectSpec[];
  /** Same as the parse result's warnings; absent when there are none. */
  readonly warnings?: readonly string[];
}

export interface ParseSecretProviderClassOptions {
  /** Names the input in warnings and messages (usually the file path). */
  source?: string;
  /** Make a missing tenantID a problem, as the Azure provider does; by default only a warning. */
  requireTenant?: boolean;
  /**
   * AzureStackCloud's Key Vault DNS suffix. The provider reads it from `cloudEnvFileName` on the
   * node, which kvsync cannot see, so without it an AzureStackCloud class is refused.
   */
  azureStackKeyVaultDnsSuffix?: string;
}

export type ParseResult =
  | { readonly ok: true; readonly spc: SecretProviderClass; readonly warnings: string[] }
  | { readonly ok: false; readonly problems: Problem[] };
