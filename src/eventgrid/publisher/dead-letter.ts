import { randomUUID } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { render } from "./envelope.js";
import type { DeliveryRow } from "./delivery-store.js";
import type { DeadLetterReason, DeliveryOutcome } from "./retry-policy.js";
import type { Subscription } from "./subscription.js";

/**
 * Dead letters as Event Grid writes them to a blob container, here a local folder:
 * `<root>/<container>/<SUBSCRIPTION>/yyyy/M/d/H/<guid>.json`, one event per file, the event in
 * its delivery schema plus the dead-letter properties (lower-case names for CloudEvents, whose
 * attribute names must be).
 */
export async function writeDeadLetter(
  root: string,
  sub: Subscription & { deadLetterContainer: string },
  row: DeliveryRow,
  failure: {
    reason: DeadLetterReason;
    outcome: DeliveryOutcome;
    status: number | undefined;
    attemptAt: number;
    attempts: number;
  },
): Promise<string> {
  const at = new Date(failure.attemptAt);
  const folder = join(
    root,
    sub.deadLetterContainer,
    sub.name.toUpperCase(),
    String(at.getUTCFullYear()),
    String(at.getUTCMonth() + 1),
    String(at.getUTCDate()),
    String(at.getUTCHours()),
  );
  const cloud = sub.schema === "CloudEventSchemaV1_0";
  const properties = {
    deadLetterReason: failure.reason,
    deliveryAttempts: failure.attempts,
    lastDeliveryOutcome: failure.outcome,
    lastHttpStatusCode: failure.status ?? 0,
    publishTime: new Date(row.publishedAt).toISOString(),
    lastDeliveryAttemptTime: at.toISOString(),
  };
  const extras = cloud
    ? Object.fromEntries(Object.entries(properties).map(([k, v]) => [k.toLowerCase(), v]))
    : properties;
  await mkdir(folder, { recursive: true });
  const file = join(folder, `${randomUUID()}.json`);
  await writeFile(
    file,
    JSON.stringify([{ ...render(row.event, sub.schema), ...extras }], null, 2) + "\n",
  );
  return file;
}
