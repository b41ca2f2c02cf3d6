import { setMaxListeners } from "node:events";
import type { Logger } from "pino";
import type { DeliveryRow, DeliveryStore } from "./delivery-store.js";
import { batchBody } from "./envelope.js";
import { writeDeadLetter } from "./dead-letter.js";
import { staticHeaders } from "./handshake.js";
import {
  afterFailure,
  outcomeOf,
  type DeadLetterReason,
  type DeliveryOutcome,
} from "./retry-policy.js";
import type { Subscription } from "./subscription.js";
import { sendWebhook } from "./webhook-client.js";

/**
 * Delivers one subscription's queue. Each subscription has its own worker, so a slow or dead
 * endpoint only ever delays its own events; a worker keeps up to `concurrency` batches in flight
 * and otherwise sleeps until its next delivery comes due or a publish wakes it.
 */

export interface DeliveryStats {
  delivered: number;
  failedAttempts: number;
  deadLettered: number;
  dropped: number;
}

export interface WorkerContext {
  store: DeliveryStore;
  logger: Logger;
  nowMs: () => number;
  random: () => number;
  retryScale: number;
  deliveryTimeoutMs: number;
  concurrency: number;
  deadLetterRoot: string;
  ca?: string | undefined;
  onDelivered?: ((events: readonly DeliveryRow[], sub: Subscription) => void) | undefined;
  onFailure?: ((outcome: DeliveryOutcome, sub: Subscription) => void) | undefined;
}

const MAX_SLEEP_MS = 60_000;

export class SubscriptionWorker {
  readonly stats: DeliveryStats = { delivered: 0, failedAttempts: 0, deadLettered: 0, dropped: 0 };
  #sub: Subscription;
  readonly #ctx: WorkerContext;
  #inFlight = 0;
  /** Rows being delivered right now: claimed in memory only (see DeliveryStore). */
  readonly #inFlightIds = new Set<number>();
  #timer: NodeJS.Timeout | undefined;
  #scheduled = false;
  #stopped = false;
  readonly #abort = new AbortController();
  readonly #pending = new Set<Promise<void>>();

  constructor(sub: Subscription, ctx: WorkerContext) {
    this.#sub = sub;
    this.#ctx = ctx;
    // Every in-flight request listens on the one signal.
    setMaxListeners(ctx.concurrency + 1, this.#abort.signal);
  }

  update(sub: Subscription): void {
    this.#sub = sub;
    this.wake();
  }

  /** Coalesces many wakes (one per published event) into one pump on the next turn. */
  wake(): void {
    if (this.#scheduled || this.#stopped) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#pump();
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    // In-flight requests end now; their rows stay queued and are delivered after the next start.
    this.#abort.abort();
    await Promise.allSettled([...this.#pending]);
  }

  #pump(): void {
    if (this.#stopped || this.#sub.provisioningState !== "Succeeded") return;
    while (this.#inFlight < this.#ctx.concurrency) {
      const batch = this.#ctx.store.claimDue(
        this.#sub.name,
        this.#ctx.nowMs(),
        {
          maxEvents: this.#sub.maxEventsPerBatch,
          maxBytes: this.#sub.preferredBatchSizeInKilobytes * 1024,
        },
        this.#inFlightIds,
      );
      if (batch.length === 0) break;
      for (const row of batch) this.#inFlightIds.add(row.id);
      const work = this.#deliver(batch).finally(() => {
        for (const row of batch) this.#inFlightIds.delete(row.id);
        this.#inFlight--;
        this.#pending.delete(work);
        this.wake();
      });
      this.#inFlight++;
      this.#pending.add(work);
    }
    // With every slot taken, the next batch to finish wakes the worker: a timer for rows that
    // are already due would fire at once, find no free slot and re-arm, spinning until then.
    if (this.#inFlight < this.#ctx.concurrency) this.#sleepUntilNextDue();
    else clearTimeout(this.#timer);
  }

  #sleepUntilNextDue(): void {
    clearTimeout(this.#timer);
    if (this.#stopped) return;
    const next = this.#ctx.store.nextDueAt(this.#sub.name, this.#inFlightIds);
    if (next === undefined) return;
    const wait = Math.min(Math.max(0, next - this.#ctx.nowMs()), MAX_SLEEP_MS);
    this.#timer = setTimeout(() => {
      this.wake();
    }, wait);
    this.#timer.unref();
  }

  async #deliver(batch: DeliveryRow[]): Promise<void> {
    const sub = this.#sub;
    const { body, contentType } = batchBody(
      batch.map((r) => r.event),
      sub.schema,
    );
    const attemptsSoFar = Math.max(...batch.map((r) => r.attempts));
    const cloud = sub.schema === "CloudEventSchemaV1_0";
    const res = await sendWebhook({
      method: "POST",
      url: sub.endpointUrl,
      headers: {
        ...staticHeaders(sub),
        "content-type": contentType,
        "aeg-event-type": "Notification",
        "aeg-subscription-name": sub.name.toUpperCase(),
        "aeg-delivery-count": String(attemptsSoFar),
        "aeg-metadata-version": cloud ? "1.0" : "1",
        ...(cloud ? { origin: "eventgrid.azure.net" } : { "aeg-data-version": "1" }),
      },
      body,
      timeoutMs: this.#ctx.deliveryTimeoutMs,
      ca: this.#ctx.ca,
      signal: this.#abort.signal,
    });
    if (this.#stopped) return; // the store may be closing: leave the rows to the next start
    const outcome = outcomeOf(res.status, res.error);
    const now = this.#ctx.nowMs();
    if (outcome === "Succeeded") {
      this.#ctx.store.complete(batch.map((r) => r.id));
      this.stats.delivered += batch.length;
      this.#ctx.onDelivered?.(batch, sub);
      return;
    }
    this.stats.failedAttempts++;
    this.#ctx.onFailure?.(outcome, sub);
    // The batch succeeded or failed as a whole; each event then follows its own retry budget.
    for (const row of batch) {
      const attempts = row.attempts + 1;
      const next = afterFailure({
        failedAttempts: attempts,
        status: res.status,
        maxDeliveryAttempts: sub.maxDeliveryAttempts,
        expiresAt: row.expiresAt,
        now,
        random: this.#ctx.random(),
        scale: this.#ctx.retryScale,
      });
      if ("retryAt" in next) {
        this.#ctx.store.scheduleRetry(row.id, {
          attempts,
          at: next.retryAt,
          outcome,
          status: res.status,
          attemptAt: now,
        });
      } else {
        await this.#giveUp(row, next.deadLetter, {
          outcome,
          status: res.status,
          attemptAt: now,
          attempts,
        });
      }
    }
  }

  async #giveUp(
    row: DeliveryRow,
    reason: DeadLetterReason,
    failure: {
      outcome: DeliveryOutcome;
      status: number | undefined;
      attemptAt: number;
      attempts: number;
    },
  ): Promise<void> {
    const sub = this.#sub;
    const fields = {
      subscription: sub.name,
      eventId: row.event.id,
      type: row.event.type,
      reason,
      outcome: failure.outcome,
      status: failure.status,
      attempts: failure.attempts,
    };
    if (sub.deadLetterContainer !== undefined) {
      try {
        await writeDeadLetter(
          this.#ctx.deadLetterRoot,
          { ...sub, deadLetterContainer: sub.deadLetterContainer },
          row,
          { reason, ...failure },
        );
        this.stats.deadLettered++;
        this.#ctx.logger.warn(fields, "event dead-lettered");
      } catch (error) {
        // Keep the event queued rather than lose it; the folder may come back.
        this.#ctx.logger.error(
          { ...fields, err: (error as Error).message },
          "dead-letter write failed; will retry",
        );
        this.#ctx.store.scheduleRetry(row.id, {
          attempts: failure.attempts,
          at: failure.attemptAt + 60_000,
          outcome: failure.outcome,
          status: failure.status,
          attemptAt: failure.attemptAt,
        });
        return;
      }
    } else {
      this.stats.dropped++;
      this.#ctx.logger.warn(
        fields,
        "event dropped: delivery failed and the subscription has no dead-letter destination",
      );
    }
    this.#ctx.store.complete([row.id]);
  }
}
