/**
 * Real Azure payloads, verbatim, for receiver and echo tests. Change nothing in them: their point
 * is that the receiver reads what Azure actually sends.
 */

/** /work/shared/reference/eventgrid.md §3: the Event Grid schema array. */
export const EVENT_GRID_SECRET_NEW_VERSION = `[{"id":"2f7d3c9e-6a51-4c1b-9f0e-3b8a7d2e1c44","topic":"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/kv1","subject":"db-pass","eventType":"Microsoft.KeyVault.SecretNewVersionCreated","eventTime":"2025-03-01T10:15:30.1234567Z","data":{"Id":"https://kv1.vault.azure.net/secrets/db-pass/4e0c9a1b2c3d4e5f60718293a4b5c6d7","VaultName":"kv1","ObjectType":"Secret","ObjectName":"db-pass","Version":"4e0c9a1b2c3d4e5f60718293a4b5c6d7","NBF":null,"EXP":1767225600},"dataVersion":"1","metadataVersion":"1"}]`;

/** A real CloudEvent captured by an echo endpoint (JanneMattila, "Using Key Vault with AKS"). */
export const CLOUD_EVENT_SECRET_NEW_VERSION = `{
  "id": "0a09caf8-8056-4a4b-9de4-4452cf7ad05b",
  "source": "/subscriptions/0afdd038-221b-4938-8564-5c62d1399393/resourceGroups/rg-aks/providers/Microsoft.KeyVault/vaults/kvjanne1234567890",
  "specversion": "1.0",
  "type": "Microsoft.KeyVault.SecretNewVersionCreated",
  "subject": "secret1",
  "time": "2024-04-01T16:21:21.2932321Z",
  "data": {
    "Id": "https://kvjanne1234567890.vault.azure.net/secrets/secret1/0c7751761b5a4ca09f3deec5fba4af83",
    "VaultName": "kvjanne1234567890",
    "ObjectType": "Secret",
    "ObjectName": "secret1",
    "Version": "0c7751761b5a4ca09f3deec5fba4af83",
    "NBF": null,
    "EXP": null
  }
}`;

/** The validation event as documented (end-point-validation-event-grid-events-schema). */
export const SUBSCRIPTION_VALIDATION = `[{
  "id": "2d1781af-3a4c-4d7c-bd0c-e34b19da4e66",
  "topic": "/subscriptions/xx/resourceGroups/xx/providers/Microsoft.Storage/storageAccounts/xx",
  "subject": "",
  "data": {
    "validationCode": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6",
    "validationUrl": "https://rp-eastus2.eventgrid.azure.net:553/eventsubscriptions/myeventsub/validate?id=0000000000-0000-0000-0000-00000000000000&t=2022-10-28T04:23:35.1981776Z&apiVersion=2018-05-01-preview&token=1A1A1A1A"
  },
  "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent",
  "eventTime": "2022-10-28T04:23:35.1981776Z",
  "metadataVersion": "1",
  "dataVersion": "1"
}]`;
export const VALIDATION_CODE = "512d38b6-c7b8-40c8-89fe-f46f9e9622b6";

/** The headers Event Grid sends with each. */
export const EVENT_GRID_HEADERS = {
  "content-type": "application/json; charset=utf-8",
  "aeg-event-type": "Notification",
  "aeg-subscription-name": "KVSYNC",
  "aeg-delivery-count": "0",
  "aeg-data-version": "1",
  "aeg-metadata-version": "1",
} as const;
export const VALIDATION_HEADERS = {
  ...EVENT_GRID_HEADERS,
  "aeg-event-type": "SubscriptionValidation",
} as const;
export const CLOUD_EVENT_HEADERS = {
  "content-type": "application/cloudevents+json; charset=utf-8",
  "aeg-event-type": "Notification",
  "aeg-subscription-name": "KVSYNC",
  "aeg-delivery-count": "0",
  "aeg-metadata-version": "1.0",
} as const;

/** An Event Grid schema Key Vault event built from one valid default plus overrides. */
export function eventGridEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const [event] = JSON.parse(EVENT_GRID_SECRET_NEW_VERSION) as Record<string, unknown>[];
  return { ...event, ...overrides };
}

/** The CloudEvent above, with overrides. */
export function cloudEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...(JSON.parse(CLOUD_EVENT_SECRET_NEW_VERSION) as Record<string, unknown>),
    ...overrides,
  };
}
