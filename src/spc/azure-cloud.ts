import type { AzureCloudName } from "./types.js";

/**
 * Cloud names as the provider resolves them (go-autorest `EnvironmentFromName`): trimmed,
 * compared case-insensitively, empty = public; `AzureCloud` and `AzureUSGovernment` are accepted
 * aliases there too. AzureStackCloud has no fixed suffix: it comes from `cloudEnvFileName`.
 */

const DNS_SUFFIX: Record<Exclude<AzureCloudName, "AzureStackCloud">, string> = {
  AzurePublicCloud: "vault.azure.net",
  AzureUSGovernmentCloud: "vault.usgovcloudapi.net",
  AzureChinaCloud: "vault.azure.cn",
  AzureGermanCloud: "vault.microsoftazure.de",
};

const BY_UPPER_NAME: ReadonlyMap<string, AzureCloudName> = new Map([
  ["AZUREPUBLICCLOUD", "AzurePublicCloud"],
  ["AZURECLOUD", "AzurePublicCloud"],
  ["AZUREUSGOVERNMENTCLOUD", "AzureUSGovernmentCloud"],
  ["AZUREUSGOVERNMENT", "AzureUSGovernmentCloud"],
  ["AZURECHINACLOUD", "AzureChinaCloud"],
  ["AZUREGERMANCLOUD", "AzureGermanCloud"],
  ["AZURESTACKCLOUD", "AzureStackCloud"],
]);

export const CLOUD_NAMES: readonly AzureCloudName[] = [
  "AzurePublicCloud",
  "AzureUSGovernmentCloud",
  "AzureChinaCloud",
  "AzureGermanCloud",
  "AzureStackCloud",
];

/** The canonical name, or undefined when the provider would not know it. */
export function resolveCloudName(raw: string): AzureCloudName | undefined {
  const trimmed = raw.trim();
  if (trimmed === "") return "AzurePublicCloud";
  return BY_UPPER_NAME.get(trimmed.toUpperCase());
}

/** The Key Vault DNS suffix; AzureStackCloud's must be supplied. */
export function keyVaultDnsSuffix(
  cloud: AzureCloudName,
  azureStackSuffix?: string,
): string | undefined {
  return cloud === "AzureStackCloud" ? azureStackSuffix : DNS_SUFFIX[cloud];
}

/** `https://<vault>.<suffix>/`, with the trailing slash the provider uses. */
export function vaultUrl(keyvaultName: string, dnsSuffix: string): string {
  return `https://${keyvaultName}.${dnsSuffix.replace(/^\.+|\/+$/g, "")}/`;
}
