import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * The vault's Prometheus metrics, in a registry of its own so that several vaults (tests, the
 * dev stack) can live in one process. Labels are operation names and status codes only: never a
 * secret name or value.
 */
export class VaultMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: "kvsync_vault_requests_total",
    help: "Requests to the local vault by Key Vault operation (as the SDK names it) and HTTP status.",
    labelNames: ["operation", "status"] as const,
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: "kvsync_vault_request_duration_seconds",
    help: "Time to answer a request, by operation.",
    labelNames: ["operation"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics === true) collectDefaultMetrics({ register: this.registry });
  }

  record(operation: string, status: number, seconds: number): void {
    this.requests.inc({ operation, status: String(status) });
    this.duration.observe({ operation }, seconds);
  }
}
