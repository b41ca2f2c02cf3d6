import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { ObjectVersion } from "../sync/index.js";
import { keyVaultRequestCounter } from "../keyvault/keyvault-metrics.js";

/**
 * The agent's Prometheus metrics, in a registry of its own. Labels are operations, statuses,
 * triggers and results, and for the version info the object's name and version: never a value.
 */
export class AgentMetrics {
  readonly registry = new Registry();
  readonly keyVaultRequests = keyVaultRequestCounter(this.registry);
  readonly syncs = new Counter({
    name: "kvsync_syncs_total",
    help: "Target syncs by first trigger (start, push, poll, manual) and result.",
    labelNames: ["trigger", "result"] as const,
    registers: [this.registry],
  });
  readonly propagation = new Histogram({
    name: "kvsync_propagation_seconds",
    help: "From a Key Vault event's time to the target's files being swapped.",
    // Pushed rotations land in milliseconds, polled ones in minutes: buckets span both.
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [this.registry],
  });
  readonly objectVersion = new Gauge({
    name: "kvsync_object_version_info",
    help: "1 for the version each object's files hold now (the newest, for version history).",
    labelNames: ["vault", "type", "name", "version"] as const,
    registers: [this.registry],
  });
  constructor() {
    // process_resident_memory_bytes, heap and event-loop lag: what an operator sizes a pod by.
    collectDefaultMetrics({ register: this.registry });
  }

  /** vault/type/name (Key Vault ignores case) → the labels of its series now. */
  readonly #versions = new Map<string, ObjectVersion>();

  /** One series per object: a new version replaces the old one's series, never adds to it. */
  setVersions(versions: readonly ObjectVersion[]): void {
    for (const current of versions) {
      const key = JSON.stringify([
        current.vault.toLowerCase(),
        current.type,
        current.name.toLowerCase(),
      ]);
      const held = this.#versions.get(key);
      if (held?.version === current.version) continue;
      if (held !== undefined) this.objectVersion.remove({ ...held });
      this.objectVersion.set({ ...current }, 1);
      this.#versions.set(key, current);
    }
  }
}
