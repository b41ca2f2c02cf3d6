import { collectDefaultMetrics, Counter, Gauge, Registry } from "prom-client";

/** The controller's Prometheus metrics. Labels are results and operations, never a value. */
export class ControllerMetrics {
  readonly registry = new Registry();
  readonly syncs = new Counter({
    name: "kvsync_controller_syncs_total",
    help: "Class syncs by result (ok, failed).",
    labelNames: ["result"] as const,
    registers: [this.registry],
  });
  readonly classes = new Gauge({
    name: "kvsync_controller_classes",
    help: "Azure SecretProviderClasses watched.",
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: "kvsync_controller_leader",
    help: "1 while this replica holds the leader Lease.",
    registers: [this.registry],
  });
  readonly keyVaultRequests = new Counter({
    name: "kvsync_keyvault_requests_total",
    help: "Key Vault calls (each attempt) by operation, as the SDK names it, and HTTP status.",
    labelNames: ["operation", "status"] as const,
    registers: [this.registry],
  });
  readonly forwarded = new Counter({
    name: "kvsync_controller_forwarded_deliveries_total",
    help: "Event Grid deliveries a follower handed to the leader, by the leader's HTTP status.",
    labelNames: ["status"] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
