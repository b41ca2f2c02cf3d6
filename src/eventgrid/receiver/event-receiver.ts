import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Registry } from "prom-client";
import { parseDelivery, type Envelope } from "./delivery.js";
import { optionsReply, validationResponse } from "./handshake.js";
import { deliveryMediaType } from "./media-type.js";
import { classifyEnvelope, type ReceivedKeyVaultEvent } from "./received-event.js";
import { RecentIds } from "./recent-ids.js";
import { createReceiverAuth, type EventReceiverAuth, type ReceiverAuth } from "./receiver-auth.js";
import { ReceiverMetrics } from "./receiver-metrics.js";

/**
 * The Event Grid webhook: POST and OPTIONS at one path of any kvsync Fastify server, in an
 * encapsulated context so its body parsing and error replies do not touch the host's routes.
 * A reply costs parsing and auth only; events go to `onEvent` after it.
 *
 * Status choices (Event Grid treats a batch as one result; 400, 401, 403 and 413 are never
 * retried, and without dead-lettering the events are gone):
 * - 200 for every well-formed delivery, even when some events are skipped: unknown types are
 *   ignored, redelivered ids dropped, and Key Vault events whose `data` is unreadable rejected
 *   (counted and logged). A retry would not make that data readable, and refusing the batch
 *   would lose its good events with it.
 * - 400 with a one-line reason only when the request itself is malformed: not UTF-8 JSON, not an
 *   array or object, an element that is not an object, or an envelope missing a required field.
 * - 401 `{"error":"unauthorized"}` on failed auth (see receiver-auth.ts for the handshakes);
 *   413 beyond 1 MB; 415 for other media types. Never a 5xx for anything a client sends; the
 *   one 5xx by design is 503 when Entra's signing keys cannot be fetched, so that Event Grid
 *   retries instead of dropping the events (401 is never retried).
 */

export const DEFAULT_EVENTS_PATH = "/api/events";
export const DEFAULT_DEDUPE_SIZE = 10_000;
/** Event Grid's largest batch (preferredBatchSizeInKilobytes ≤ 1024). */
export const BODY_LIMIT = 1024 * 1024;

export interface EventReceiverOptions {
  /** Default /api/events. */
  path?: string;
  auth: EventReceiverAuth;
  /** Called once per new Key Vault event, after the reply; never awaited by the request. */
  onEvent: (event: ReceivedKeyVaultEvent, delivery: DeliveryInfo) => void | Promise<void>;
  /** Called when onEvent throws or rejects. Default: log the event id and type at error level. */
  onError?: (error: unknown, event: ReceivedKeyVaultEvent) => void;
  /** Where the counters go. Default: a registry of the receiver's own. */
  metrics?: Registry;
  /** How many recent event ids are remembered to drop redeliveries. Default 10,000. */
  dedupeSize?: number;
  /** For token expiry checks. */
  now?: () => Date;
}

/** How an event reached the webhook, from Event Grid's `aeg-*` headers. */
export interface DeliveryInfo {
  /** Epoch ms when the request arrived. */
  readonly receivedAt: number;
  /** 1 for the first attempt (`aeg-delivery-count` counts the attempts before this one). */
  readonly attempt: number;
  /** `aeg-subscription-name` (Azure sends it upper-cased), when present. */
  readonly subscription: string | undefined;
}

const UNAUTHORIZED = { error: "unauthorized" } as const;

/** Mounts the receiver; await it (or the host's `ready()`) before serving. */
export async function registerEventReceiver(
  app: FastifyInstance,
  options: EventReceiverOptions,
): Promise<void> {
  const receiver = new EventReceiver(options);
  await app.register((scope, _options, done) => {
    receiver.mount(scope);
    done();
  });
}

class EventReceiver {
  readonly #options: EventReceiverOptions;
  readonly #path: string;
  readonly #auth: ReceiverAuth;
  readonly #metrics: ReceiverMetrics;
  readonly #recent: RecentIds;

  /** Checks every option now, so that a mistake fails at startup rather than at first event. */
  constructor(options: EventReceiverOptions) {
    this.#options = options;
    this.#path = options.path ?? DEFAULT_EVENTS_PATH;
    if (!this.#path.startsWith("/")) throw new Error(`path must start with "/": ${this.#path}`);
    this.#auth = createReceiverAuth(options.auth, options.now ?? (() => new Date()));
    this.#metrics = new ReceiverMetrics(options.metrics);
    this.#recent = new RecentIds(options.dedupeSize ?? DEFAULT_DEDUPE_SIZE);
  }

  mount(scope: FastifyInstance): void {
    // The body stays bytes until auth has run; media types are checked by the handler.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", { parseAs: "buffer" }, (_request, body, done) => {
      done(null, body);
    });
    scope.addHook("onRequest", async (request, reply) => {
      if (!this.#auth.url(request.query)) return this.#unauthorized(reply);
      return undefined;
    });
    scope.addHook("onResponse", async (_request, reply) => {
      this.#metrics.request(reply.statusCode);
    });
    scope.setErrorHandler(async (error: FastifyError, request, reply) => {
      const status = error.statusCode ?? 500;
      if (status === 413) return reply.code(413).send({ error: "the body is larger than 1 MB" });
      if (status === 415) return reply.code(415).send({ error: UNSUPPORTED });
      if (status >= 400 && status < 500) {
        return reply.code(400).send({ error: "the request is malformed" });
      }
      request.log.error({ err: { name: error.name, message: error.message } }, "receiver failed");
      return reply.code(500).send({ error: "internal error" });
    });
    scope.options(this.#path, async (request, reply) => {
      const answer = optionsReply(request.headers);
      if (!answer.ok) return reply.code(400).send({ error: answer.reason });
      return reply.code(200).headers(answer.headers).send();
    });
    scope.post(this.#path, { bodyLimit: BODY_LIMIT }, (request, reply) =>
      this.#post(request, reply),
    );
  }

  async #post(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    // When the request arrived, before its body was read and checked.
    const receivedAt = Date.now() - reply.elapsedTime;
    const mediaType = deliveryMediaType(request.headers["content-type"]);
    const body = request.body instanceof Buffer ? request.body : Buffer.alloc(0);
    const delivery = mediaType === undefined ? undefined : parseDelivery(body, mediaType);
    if (delivery?.kind === "validation") {
      return reply.code(200).send(validationResponse(delivery.validationCode));
    }
    const verdict = await this.#auth.delivery(request.headers.authorization);
    if (verdict === "unavailable") {
      request.log.warn("Entra signing keys unavailable; Event Grid will retry");
      return reply.code(503).send({ error: "cannot verify tokens now; retry later" });
    }
    if (verdict === "denied") return this.#unauthorized(reply);
    if (delivery === undefined) return reply.code(415).send({ error: UNSUPPORTED });
    if (delivery.kind === "malformed") {
      request.log.info({ reason: delivery.reason }, "malformed Event Grid delivery");
      return reply.code(400).send({ error: delivery.reason });
    }
    const summary = this.#accept(delivery.envelopes, request, receivedAt);
    return reply.code(200).send(summary);
  }

  /** Sorts the envelopes, schedules the new Key Vault events, and says what became of each. */
  #accept(
    envelopes: readonly Envelope[],
    request: FastifyRequest,
    receivedAt: number,
  ): Record<string, number> {
    const summary = { accepted: 0, duplicate: 0, ignored: 0, rejected: 0 };
    const events: ReceivedKeyVaultEvent[] = [];
    for (const envelope of envelopes) {
      const classified = classifyEnvelope(envelope);
      let outcome: keyof typeof summary;
      if (classified.kind === "unknown") {
        outcome = "ignored";
      } else if (classified.kind === "invalid") {
        outcome = "rejected";
        request.log.warn(
          { eventId: envelope.id, type: classified.type, reason: classified.reason },
          "Key Vault event with unreadable data skipped",
        );
      } else if (this.#recent.checkAndAdd(`${envelope.source}\n${envelope.id}`)) {
        outcome = "duplicate";
      } else {
        outcome = "accepted";
        events.push(classified.event);
      }
      summary[outcome]++;
      this.#metrics.event(envelope.type, outcome);
    }
    if (events.length > 0) {
      setImmediate(() => {
        this.#deliver(events, request, deliveryInfo(request, receivedAt));
      });
    }
    return summary;
  }

  #deliver(
    events: readonly ReceivedKeyVaultEvent[],
    request: FastifyRequest,
    delivery: DeliveryInfo,
  ): void {
    for (const event of events) {
      const failed = (error: unknown) => {
        this.#failed(error, event, request);
      };
      try {
        const result = this.#options.onEvent(event, delivery);
        if (result !== undefined) void Promise.resolve(result).catch(failed);
      } catch (error) {
        failed(error);
      }
    }
  }

  #failed(error: unknown, event: ReceivedKeyVaultEvent, request: FastifyRequest): void {
    if (this.#options.onError) {
      try {
        this.#options.onError(error, event);
        return;
      } catch {
        // fall through to the log
      }
    }
    request.log.error(
      { eventId: event.id, type: event.type, err: error instanceof Error ? error.name : "unknown" },
      "onEvent failed",
    );
  }

  #unauthorized(reply: FastifyReply): FastifyReply {
    if (this.#auth.challenge !== undefined)
      void reply.header("www-authenticate", this.#auth.challenge);
    return reply.code(401).send(UNAUTHORIZED);
  }
}

const UNSUPPORTED =
  "unsupported Content-Type: send application/json, application/cloudevents+json or application/cloudevents-batch+json";

function deliveryInfo(request: FastifyRequest, receivedAt: number): DeliveryInfo {
  const count = Number(request.headers["aeg-delivery-count"]);
  const name = request.headers["aeg-subscription-name"];
  return {
    receivedAt,
    attempt: Number.isSafeInteger(count) && count >= 0 ? count + 1 : 1,
    subscription: typeof name === "string" && name !== "" ? name : undefined,
  };
}
