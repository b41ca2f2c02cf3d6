import assert from "node:assert/strict";
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from "fastify";
import { Registry } from "prom-client";
import {
  RECEIVED_TOTAL,
  registerEventReceiver,
  type DeliveryInfo,
  type EventReceiverOptions,
  type ReceivedKeyVaultEvent,
} from "../index.js";

/**
 * A Fastify app hosting one receiver, the events it handed on, and a way to wait for them
 * without sleeping: deliveries run in order after each reply, so waiting for the next event also
 * proves that nothing sent before it was delivered unless it is in `events`.
 */
export interface ReceiverFixture {
  app: FastifyInstance;
  registry: Registry;
  events: ReceivedKeyVaultEvent[];
  /** How each of `events` arrived (same index). */
  deliveries: DeliveryInfo[];
  /** Resolves once `count` events in all have been handed on. */
  waitForEvents(count: number): Promise<ReceivedKeyVaultEvent[]>;
  post(
    body: string,
    headers?: Record<string, string>,
    url?: string,
  ): Promise<LightMyRequestResponse>;
  received(type: string, outcome: string): Promise<number>;
}

/** `configure` runs on the host app before the receiver is mounted (hooks, other routes). */
export async function receiverFixture(
  overrides: Partial<EventReceiverOptions> = {},
  configure: (app: FastifyInstance) => void = () => undefined,
): Promise<ReceiverFixture> {
  const app = Fastify({ logger: false });
  configure(app);
  const registry = new Registry();
  const events: ReceivedKeyVaultEvent[] = [];
  const deliveries: DeliveryInfo[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  await registerEventReceiver(app, {
    auth: { kind: "none" },
    metrics: registry,
    ...overrides,
    onEvent: async (event, delivery) => {
      events.push(event);
      deliveries.push(delivery);
      for (const waiter of waiters.filter((w) => events.length >= w.count)) waiter.resolve();
      await overrides.onEvent?.(event, delivery);
    },
  });
  await app.ready();
  return {
    app,
    registry,
    events,
    deliveries,
    waitForEvents(count) {
      if (events.length >= count) return Promise.resolve(events);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`expected ${count} events, got ${events.length}`));
        }, 2_000);
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve(events);
          },
        });
      });
    },
    post: (body, headers = { "content-type": "application/json" }, url = "/api/events") =>
      app.inject({ method: "POST", url, headers, payload: body }),
    received: (type, outcome) => counterValue(registry, RECEIVED_TOTAL, { type, outcome }),
  };
}

export async function counterValue(
  registry: Registry,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) return 0;
  const { values } = await metric.get();
  const match = values.find((value) =>
    Object.entries(labels).every(([key, expected]) => value.labels[key] === expected),
  );
  return match?.value ?? 0;
}

/** A 4xx with a one-line JSON `{"error": "..."}` and nothing else; returns the reason. */
export function assertErrorReply(response: LightMyRequestResponse, status: number): string {
  assert.equal(response.statusCode, status, response.body);
  assert.match(String(response.headers["content-type"]), /^application\/json/);
  assert.doesNotMatch(response.body, /\n|\bat \S+ \(|stack/);
  const body = JSON.parse(response.body) as unknown;
  assert.ok(typeof body === "object" && body !== null);
  assert.deepEqual(Object.keys(body), ["error"]);
  const { error } = body as { error: unknown };
  assert.ok(typeof error === "string" && error.length > 0);
  return error;
}
