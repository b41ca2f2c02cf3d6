/**
 * Key Vault's Event Grid events as they travel on the wire. `data` keys are PascalCase on the
 * wire, whatever the docs' tables and @azure/eventgrid's camelCase interfaces say; NBF and EXP are
 * epoch seconds or null.
 */

export const KEY_VAULT_EVENT_TYPES = [
  "Microsoft.KeyVault.SecretNewVersionCreated",
  "Microsoft.KeyVault.SecretNearExpiry",
  "Microsoft.KeyVault.SecretExpired",
  "Microsoft.KeyVault.KeyNewVersionCreated",
  "Microsoft.KeyVault.KeyNearExpiry",
  "Microsoft.KeyVault.KeyExpired",
  "Microsoft.KeyVault.CertificateNewVersionCreated",
  "Microsoft.KeyVault.CertificateNearExpiry",
  "Microsoft.KeyVault.CertificateExpired",
] as const;

export type KeyVaultEventType = (typeof KEY_VAULT_EVENT_TYPES)[number];

export type KeyVaultObjectType = "Secret" | "Key" | "Certificate";

export interface KeyVaultEventData {
  /** Object URL with version: https://{vault}.vault.azure.net/secrets/{name}/{version} */
  Id: string;
  VaultName: string;
  ObjectType: KeyVaultObjectType;
  ObjectName: string;
  Version: string;
  NBF: number | null;
  EXP: number | null;
}

export const SUBSCRIPTION_VALIDATION_EVENT = "Microsoft.EventGrid.SubscriptionValidationEvent";

/** The Event Grid schema envelope (always delivered inside a JSON array). */
export interface EventGridEvent<T = unknown> {
  id: string;
  topic: string;
  subject: string;
  eventType: string;
  eventTime: string;
  data: T;
  dataVersion: string;
  metadataVersion: string;
}

/** CloudEvents 1.0, structured mode. */
export interface CloudEvent<T = unknown> {
  id: string;
  source: string;
  specversion: "1.0";
  type: string;
  subject?: string;
  time?: string;
  datacontenttype?: string;
  data?: T;
}

export const isKeyVaultEventType = (type: string): type is KeyVaultEventType =>
  (KEY_VAULT_EVENT_TYPES as readonly string[]).includes(type);

/** ARM resource id of a vault: the `topic` (Event Grid schema) or `source` (CloudEvents). */
export const vaultResourceId = (subscriptionId: string, resourceGroup: string, vaultName: string) =>
  `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.KeyVault/vaults/${vaultName}`;

/** Event Grid's eventTime: UTC with seven fractional digits, e.g. 2025-03-01T10:15:30.1234567Z. */
export function eventTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, ".$10000Z");
}

/** `data` of Microsoft.EventGrid.SubscriptionValidationEvent (Event Grid schema only). */
export interface SubscriptionValidationEventData {
  validationCode: string;
  /** For manual validation: GET it within 10 minutes (port 553). */
  validationUrl?: string;
}

/** The synchronous answer that completes the Event Grid schema validation handshake. */
export interface SubscriptionValidationResponse {
  validationResponse: string;
}
