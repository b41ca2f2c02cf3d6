import { Counter, Histogram, Registry } from "prom-client";

/**
 * The agent's Prometheus metrics, in a registry of its own. Labels are operations, statuses,
 * triggers and results only: never a secret's name or value.
 */
export class AgentMetrics {
  readonly registry = new Registry();
  readonly keyVaultRequests = new Counter({
    name: "kvsync_keyvault_requests_total",
    help: "Key Vault calls (each attempt) by operation, as the SDK names it, and HTTP status.",
    labelNames: ["operation", "status"] as const,
    registers: [this.registry],
  });
  readonly syncs = new Counter({
    name: "kvsync_syncs_total",
    help: "Target syncs by first trigger (start, push, poll, manual) and result.",
    labelNames: ["trigger", "result"] as const,
    registers: [this.registry],
  });
  readonly propagation = new Histogram({
    name: "kvsync_propagation_seconds",
    help: "From a Key Vault event's time to the target's files being swapped.",
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
}
