import { collectDefaultMetrics, Counter, Gauge, Registry } from "prom-client";
import { keyVaultRequestCounter } from "../keyvault/keyvault-metrics.js";

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
  readonly keyVaultRequests = keyVaultRequestCounter(this.registry);
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
