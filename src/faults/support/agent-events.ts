import { randomUUID } from "node:crypto";

/**
 * Event Grid deliveries made by hand, for scenarios that drive the agent's webhook themselves:
 * the same Event Grid schema the local vault's publisher sends (see
 * src/eventgrid/receiver/test-support/payloads.ts for Azure's own).
 */

export const LOCAL_VAULT_TOPIC =
  "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/kvsync-local/providers/Microsoft.KeyVault/vaults/demo";

export interface NewVersion {
  readonly name: string;
  readonly version: string;
  /** A fresh UUID when not given. */
  readonly id?: string;
  /** Now when not given. */
  readonly eventTime?: string;
}

/** One delivery (a JSON array) of SecretNewVersionCreated events for the vault "demo". */
export function newVersionDelivery(versions: readonly NewVersion[]): string {
  return JSON.stringify(
    versions.map((v) => ({
      id: v.id ?? randomUUID(),
      topic: LOCAL_VAULT_TOPIC,
      subject: v.name,
      eventType: "Microsoft.KeyVault.SecretNewVersionCreated",
      eventTime: v.eventTime ?? new Date().toISOString(),
      data: {
        Id: `https://demo.vault.azure.net/secrets/${v.name}/${v.version}`,
        VaultName: "demo",
        ObjectType: "Secret",
        ObjectName: v.name,
        Version: v.version,
        NBF: null,
        EXP: null,
      },
      dataVersion: "1",
      metadataVersion: "1",
    })),
  );
}

/** The same delivery with every event given a new id: Event Grid's de-duplication cannot drop it. */
export function withFreshIds(delivery: string): string {
  const events = JSON.parse(delivery) as Record<string, unknown>[];
  return JSON.stringify(events.map((e) => ({ ...e, id: randomUUID() })));
}

/** The versions a delivery announces (`data.Version` of each event). */
export function versionsIn(delivery: string): string[] {
  try {
    const parsed = JSON.parse(delivery) as unknown;
    const events = Array.isArray(parsed) ? (parsed as unknown[]) : [parsed];
    return events.flatMap((e) => {
      const version = (e as { data?: { Version?: unknown } } | null)?.data?.Version;
      return typeof version === "string" ? [version] : [];
    });
  } catch {
    return [];
  }
}

/** POSTs a delivery to a webhook as Event Grid does; resolves with the HTTP status. */
export async function postDelivery(webhookUrl: string, delivery: string): Promise<number> {
  const response = await fetch(webhookUrl, {
    method: "POST",
    headers: {
      "content-type": "application/json; charset=utf-8",
      "aeg-event-type": "Notification",
      "aeg-delivery-count": "0",
    },
    body: delivery,
  });
  await response.arrayBuffer();
  return response.status;
}
