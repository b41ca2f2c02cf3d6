import { Counter, Registry } from "prom-client";
import { isKeyVaultEventType, type KeyVaultEventType } from "../wire/index.js";

/**
 * The receiver's counters. Labels are closed sets: the nine Key Vault types or "other", an
 * outcome, an HTTP status. Never a vault, object or subscription name, and never a value.
 */

export type EventOutcome = "accepted" | "duplicate" | "ignored" | "rejected";

export const RECEIVED_TOTAL = "kvsync_eventgrid_received_total";
export const REQUESTS_TOTAL = "kvsync_eventgrid_requests_total";

export class ReceiverMetrics {
  readonly #received: Counter<"type" | "outcome">;
  readonly #requests: Counter<"status">;

  /** Several receivers may share a registry: the counters are created once and then reused. */
  constructor(registry: Registry = new Registry()) {
    this.#received =
      (registry.getSingleMetric(RECEIVED_TOTAL) as Counter<"type" | "outcome"> | undefined) ??
      new Counter({
        name: RECEIVED_TOTAL,
        help: "Events received from Event Grid by Key Vault event type (or other) and outcome.",
        labelNames: ["type", "outcome"] as const,
        registers: [registry],
      });
    this.#requests =
      (registry.getSingleMetric(REQUESTS_TOTAL) as Counter<"status"> | undefined) ??
      new Counter({
        name: REQUESTS_TOTAL,
        help: "Requests to the Event Grid receiver (deliveries and handshakes) by HTTP status.",
        labelNames: ["status"] as const,
        registers: [registry],
      });
  }

  event(type: string, outcome: EventOutcome): void {
    const label: KeyVaultEventType | "other" = isKeyVaultEventType(type) ? type : "other";
    this.#received.inc({ type: label, outcome });
  }

  request(status: number): void {
    this.#requests.inc({ status: String(status) });
  }
}
