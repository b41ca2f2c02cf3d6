import type Database from "better-sqlite3";
import type { PublishedEvent } from "./envelope.js";
import type { DeliveryOutcome } from "./retry-policy.js";
import type { ProvisioningState, Subscription } from "./subscription.js";

/**
 * Subscriptions and pending deliveries, in the vault's own SQLite database, so that both survive
 * a restart and a new version's deliveries commit in the same transaction as the version itself.
 * A delivery row lives until it succeeds or is dead-lettered. Which rows are in flight is known
 * only in memory (one worker per subscription, in this process): after a crash mid-request the
 * row is simply due again, so the event is delivered at least once, never lost.
 */

export interface DeliveryRow {
  id: number;
  event: PublishedEvent;
  size: number;
  publishedAt: number;
  attempts: number;
  expiresAt: number;
  lastOutcome: DeliveryOutcome | undefined;
  lastStatus: number | undefined;
  lastAttemptAt: number | undefined;
}

interface RawDelivery {
  id: number;
  event: string;
  size: number;
  published_at: number;
  attempts: number;
  expires_at: number;
  last_outcome: string | null;
  last_status: number | null;
  last_attempt_at: number | null;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS event_subscriptions (
    name_key TEXT PRIMARY KEY,
    config TEXT NOT NULL,
    provisioning_state TEXT NOT NULL,
    validation_code TEXT,
    validation_expires_at INTEGER
  );
  CREATE TABLE IF NOT EXISTS event_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subscription_key TEXT NOT NULL REFERENCES event_subscriptions(name_key) ON DELETE CASCADE,
    event TEXT NOT NULL,
    size INTEGER NOT NULL,
    published_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    last_outcome TEXT,
    last_status INTEGER,
    last_attempt_at INTEGER
  );
  CREATE INDEX IF NOT EXISTS event_deliveries_due
    ON event_deliveries (subscription_key, next_attempt_at);`;

const key = (name: string): string => name.toLowerCase();

export class DeliveryStore {
  readonly #db: Database.Database;
  readonly #sql;
  /** Subscriptions change rarely and are read on every publish: kept parsed until a write. */
  #subscriptions: Subscription[] | undefined;

  constructor(db: Database.Database) {
    this.#db = db;
    db.exec(SCHEMA);
    this.#sql = {
      upsert:
        db.prepare(`INSERT INTO event_subscriptions (name_key, config, provisioning_state, validation_code, validation_expires_at)
        VALUES (@key, @config, @state, @code, @expires)
        ON CONFLICT (name_key) DO UPDATE SET config = @config, provisioning_state = @state,
          validation_code = @code, validation_expires_at = @expires`),
      one: db.prepare<[string], RawSubscription>(
        "SELECT * FROM event_subscriptions WHERE name_key = ?",
      ),
      all: db.prepare<[], RawSubscription>("SELECT * FROM event_subscriptions ORDER BY name_key"),
      remove: db.prepare("DELETE FROM event_subscriptions WHERE name_key = ?"),
      insert:
        db.prepare(`INSERT INTO event_deliveries (subscription_key, event, size, published_at, next_attempt_at, expires_at)
        VALUES (?, ?, ?, ?, ?, ?)`),
      due: db.prepare<
        [string, number, number],
        RawDelivery
      >(`SELECT id, event, size, published_at, attempts, expires_at,
          last_outcome, last_status, last_attempt_at FROM event_deliveries
        WHERE subscription_key = ? AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`),
      nextDue: db.prepare<[string, number], { id: number; at: number }>(
        `SELECT id, next_attempt_at AS at FROM event_deliveries WHERE subscription_key = ?
         ORDER BY next_attempt_at, id LIMIT ?`,
      ),
      done: db.prepare("DELETE FROM event_deliveries WHERE id = ?"),
      retry: db.prepare(`UPDATE event_deliveries SET attempts = @attempts, next_attempt_at = @at,
          last_outcome = @outcome, last_status = @status, last_attempt_at = @attemptAt WHERE id = @id`),
      pending: db.prepare<[string], { n: number }>(
        "SELECT COUNT(*) AS n FROM event_deliveries WHERE subscription_key = ?",
      ),
    };
  }

  saveSubscription(sub: Subscription): void {
    this.#subscriptions = undefined;
    const { provisioningState, validationCode, validationExpiresAt, ...config } = sub;
    this.#sql.upsert.run({
      key: key(sub.name),
      config: JSON.stringify(config),
      state: provisioningState,
      code: validationCode ?? null,
      expires: validationExpiresAt ?? null,
    });
  }

  getSubscription(name: string): Subscription | undefined {
    const row = this.#sql.one.get(key(name));
    return row && toSubscription(row);
  }

  listSubscriptions(): readonly Subscription[] {
    this.#subscriptions ??= this.#sql.all.all().map(toSubscription);
    return this.#subscriptions;
  }

  deleteSubscription(name: string): boolean {
    this.#subscriptions = undefined;
    return this.#sql.remove.run(key(name)).changes > 0;
  }

  /** Queues one event for several subscriptions; call inside the publishing transaction. */
  enqueue(
    targets: readonly { name: string; ttlMs: number }[],
    event: PublishedEvent,
    size: number,
    now: number,
    firstAttemptAt: number,
  ): void {
    const text = JSON.stringify(event);
    for (const target of targets) {
      this.#sql.insert.run(key(target.name), text, size, now, firstAttemptAt, now + target.ttlMs);
    }
  }

  /**
   * The next batch of due deliveries, skipping those `inFlight`: at most `maxEvents`, and at
   * most `maxBytes` of events unless the first alone is larger (an oversize event goes alone).
   */
  claimDue(
    name: string,
    now: number,
    limits: { maxEvents: number; maxBytes: number },
    inFlight: ReadonlySet<number>,
  ): DeliveryRow[] {
    const rows = this.#sql.due.all(key(name), now, limits.maxEvents + inFlight.size);
    const batch: RawDelivery[] = [];
    let bytes = 0;
    for (const row of rows) {
      if (inFlight.has(row.id)) continue;
      if (batch.length === limits.maxEvents) break;
      if (batch.length > 0 && bytes + row.size > limits.maxBytes) break;
      bytes += row.size;
      batch.push(row);
    }
    return batch.map(toDelivery);
  }

  /** When the earliest delivery not in flight comes due. */
  nextDueAt(name: string, inFlight: ReadonlySet<number>): number | undefined {
    for (const row of this.#sql.nextDue.all(key(name), inFlight.size + 1)) {
      if (!inFlight.has(row.id)) return row.at;
    }
    return undefined;
  }

  pendingCount(name: string): number {
    return this.#sql.pending.get(key(name))?.n ?? 0;
  }

  complete(ids: readonly number[]): void {
    this.#db.transaction(() => {
      for (const id of ids) this.#sql.done.run(id);
    })();
  }

  scheduleRetry(
    id: number,
    update: {
      attempts: number;
      at: number;
      outcome: DeliveryOutcome;
      status: number | undefined;
      attemptAt: number;
    },
  ): void {
    this.#sql.retry.run({ id, ...update, status: update.status ?? null });
  }

  transaction<T>(work: () => T): T {
    return this.#db.transaction(work)();
  }
}

interface RawSubscription {
  name_key: string;
  config: string;
  provisioning_state: string;
  validation_code: string | null;
  validation_expires_at: number | null;
}

function toSubscription(row: RawSubscription): Subscription {
  const config = JSON.parse(row.config) as Omit<
    Subscription,
    "provisioningState" | "validationCode" | "validationExpiresAt"
  >;
  return {
    ...config,
    includedEventTypes: config.includedEventTypes ?? undefined,
    deadLetterContainer: config.deadLetterContainer ?? undefined,
    provisioningState: row.provisioning_state as ProvisioningState,
    validationCode: row.validation_code ?? undefined,
    validationExpiresAt: row.validation_expires_at ?? undefined,
  };
}

function toDelivery(row: RawDelivery): DeliveryRow {
  return {
    id: row.id,
    event: JSON.parse(row.event) as PublishedEvent,
    size: row.size,
    publishedAt: row.published_at,
    attempts: row.attempts,
    expiresAt: row.expires_at,
    lastOutcome: (row.last_outcome ?? undefined) as DeliveryOutcome | undefined,
    lastStatus: row.last_status ?? undefined,
    lastAttemptAt: row.last_attempt_at ?? undefined,
  };
}
