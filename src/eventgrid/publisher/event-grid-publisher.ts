import { timingSafeEqual, createHash } from "node:crypto";
import type Database from "better-sqlite3";
import type { Logger } from "pino";
import type { KeyVaultEventData, KeyVaultEventType } from "../wire/index.js";
import { DeliveryStore } from "./delivery-store.js";
import { newEvent, render, type PublishedEvent } from "./envelope.js";
import { runHandshake, type HandshakeResult } from "./handshake.js";
import { fromBody, matches, type Subscription, type SubscriptionBody } from "./subscription.js";
import {
  SubscriptionWorker,
  type DeliveryStats,
  type WorkerContext,
} from "./subscription-worker.js";

/**
 * The local vault's Event Grid system topic: subscriptions with their handshakes, and the
 * publishing of Key Vault events to every live, matching subscription. `publish` only writes
 * queue rows (synchronously, so it can join the transaction that created the version) and wakes
 * the subscriptions' workers; all HTTP happens in the workers, off the vault's request path.
 */

export interface EventGridPublisherOptions {
  db: Database.Database;
  /** The vault's ARM resource id: `topic` / `source` of every event. */
  topic: string;
  /** Where validation links point (the vault's own URL, known once it listens). */
  baseUrl: () => string;
  deadLetterRoot: string;
  logger: Logger;
  nowMs?: () => number;
  /** The clock of the objects' `created` times, which dates subscriptions. Default: nowMs. */
  objectClockMs?: () => number;
  random?: () => number;
  /** Multiplies Azure's retry schedule; 0.001 turns 10 s into 10 ms (tests, demos). */
  retryScale?: number;
  /** Holds each event this long before its first attempt, for realistic demos. */
  publishDelayMs?: number;
  deliveryTimeoutMs?: number;
  handshakeTimeoutMs?: number;
  /** Batches in flight per subscription. */
  concurrency?: number;
  /** Extra CA trusted for https endpoints. */
  ca?: string | undefined;
  onDelivered?: WorkerContext["onDelivered"];
  onFailure?: WorkerContext["onFailure"];
}

export type PutOutcome =
  | { ok: true; subscription: Subscription; created: boolean }
  | { ok: false; subscription: Subscription; reason: string };

export class EventGridPublisher {
  readonly #options: EventGridPublisherOptions;
  readonly #store: DeliveryStore;
  readonly #workers = new Map<string, SubscriptionWorker>();
  readonly #context: WorkerContext;
  readonly #nowMs: () => number;

  constructor(options: EventGridPublisherOptions) {
    this.#options = options;
    this.#store = new DeliveryStore(options.db);
    this.#nowMs = options.nowMs ?? Date.now;
    this.#context = {
      store: this.#store,
      logger: options.logger,
      nowMs: this.#nowMs,
      random: options.random ?? Math.random,
      retryScale: options.retryScale ?? 1,
      deliveryTimeoutMs: options.deliveryTimeoutMs ?? 30_000,
      concurrency: options.concurrency ?? 8,
      deadLetterRoot: options.deadLetterRoot,
      ca: options.ca,
      onDelivered: options.onDelivered,
      onFailure: options.onFailure,
    };
  }

  get topic(): string {
    return this.#options.topic;
  }

  /** Resumes deliveries left pending by the last run. */
  start(): void {
    for (const sub of this.#store.listSubscriptions()) this.#worker(sub).wake();
  }

  async close(): Promise<void> {
    await Promise.all([...this.#workers.values()].map((w) => w.stop()));
    this.#workers.clear();
  }

  listSubscriptions(): readonly Subscription[] {
    return this.#store.listSubscriptions();
  }

  getSubscription(name: string): Subscription | undefined {
    return this.#store.getSubscription(name);
  }

  stats(name: string): DeliveryStats & { pending: number } {
    const worker = this.#workers.get(name.toLowerCase());
    const stats = worker?.stats ?? { delivered: 0, failedAttempts: 0, deadLettered: 0, dropped: 0 };
    return { ...stats, pending: this.#store.pendingCount(name) };
  }

  /**
   * Creates or updates a subscription. A new endpoint or schema must pass the handshake again;
   * until it does, provisioningState is not Succeeded and nothing is delivered.
   */
  async putSubscription(name: string, body: SubscriptionBody): Promise<PutOutcome> {
    const existing = this.#store.getSubscription(name);
    const config = fromBody(existing?.name ?? name, body);
    const unchangedEndpoint =
      existing?.provisioningState === "Succeeded" &&
      existing.endpointUrl === config.endpointUrl &&
      existing.schema === config.schema;
    if (unchangedEndpoint) {
      const updated: Subscription = { ...existing, ...config };
      this.#store.saveSubscription(updated);
      this.#worker(updated).update(updated);
      return { ok: true, subscription: updated, created: false };
    }
    const creating: Subscription = {
      createdAt: existing?.createdAt ?? (this.#options.objectClockMs ?? this.#nowMs)(),
      ...config,
      provisioningState: "Creating",
      validationCode: undefined,
      validationExpiresAt: undefined,
    };
    this.#store.saveSubscription(creating);
    this.#worker(creating).update(creating);
    const result = await this.#handshake(creating);
    const settled: Subscription = {
      ...creating,
      provisioningState: result.state,
      validationCode: result.validationCode,
      validationExpiresAt: result.validationExpiresAt,
    };
    this.#store.saveSubscription(settled);
    this.#worker(settled).update(settled);
    this.#options.logger.info(
      { subscription: settled.name, state: settled.provisioningState },
      "event subscription saved",
    );
    if (result.state === "Failed")
      return { ok: false, subscription: settled, reason: result.reason ?? "validation failed" };
    return { ok: true, subscription: settled, created: existing === undefined };
  }

  deleteSubscription(name: string): boolean {
    const worker = this.#workers.get(name.toLowerCase());
    if (worker) {
      void worker.stop();
      this.#workers.delete(name.toLowerCase());
    }
    return this.#store.deleteSubscription(name);
  }

  /** The GET on a validationUrl: completes a manual validation within its window. */
  validateManually(name: string, code: string): boolean {
    const sub = this.#store.getSubscription(name);
    if (sub?.provisioningState !== "AwaitingManualAction" || sub.validationCode === undefined)
      return false;
    if ((sub.validationExpiresAt ?? 0) < this.#nowMs() || !sameSecret(code, sub.validationCode))
      return false;
    const live: Subscription = {
      ...sub,
      provisioningState: "Succeeded",
      validationCode: undefined,
      validationExpiresAt: undefined,
    };
    this.#store.saveSubscription(live);
    this.#worker(live).update(live);
    return true;
  }

  /**
   * Queues an event for every live subscription whose filter matches. Synchronous and DB-only:
   * call it inside the transaction that made the change, so the two commit together.
   */
  publish(
    type: KeyVaultEventType,
    data: KeyVaultEventData,
    objectCreatedMs?: number,
  ): PublishedEvent {
    const now = this.#nowMs();
    const event = newEvent(type, this.#options.topic, data, new Date(now));
    // Key Vault raises events only for versions created after the subscription existed.
    const targets = this.#store
      .listSubscriptions()
      .filter(
        (sub) =>
          sub.provisioningState === "Succeeded" &&
          matches(sub, type, event.subject) &&
          (objectCreatedMs === undefined ||
            objectCreatedMs >= Math.floor(sub.createdAt / 1000) * 1000),
      );
    if (targets.length === 0) return event;
    const size = Buffer.byteLength(JSON.stringify(render(event, "EventGridSchema")));
    this.#store.enqueue(
      targets.map((t) => ({ name: t.name, ttlMs: t.eventTimeToLiveInMinutes * 60_000 })),
      event,
      size,
      now,
      now + (this.#options.publishDelayMs ?? 0),
    );
    // Wake after the surrounding transaction has committed: workers read the rows it wrote.
    setImmediate(() => {
      for (const sub of targets) this.#worker(sub).wake();
    });
    return event;
  }

  #worker(sub: Subscription): SubscriptionWorker {
    const key = sub.name.toLowerCase();
    let worker = this.#workers.get(key);
    if (!worker) {
      worker = new SubscriptionWorker(sub, this.#context);
      this.#workers.set(key, worker);
    }
    return worker;
  }

  #handshake(sub: Subscription): Promise<HandshakeResult> {
    const base = this.#options.baseUrl();
    return runHandshake(sub, {
      topic: this.#options.topic,
      now: this.#nowMs(),
      ca: this.#options.ca,
      ...(this.#options.handshakeTimeoutMs === undefined
        ? {}
        : { timeoutMs: this.#options.handshakeTimeoutMs }),
      validationUrl: (code) =>
        `${base}/eventSubscriptions/${encodeURIComponent(sub.name)}/validate?code=${encodeURIComponent(code)}`,
    });
  }
}

/** Constant-time comparison of two strings of any length (hashing first equalises lengths). */
function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}
