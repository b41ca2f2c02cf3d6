import { Counter, type Registry } from "prom-client";

/**
 * `kvsync_keyvault_requests_total`, the same series for the agent and the controller: every
 * Key Vault attempt by the SDK's operation name and the HTTP status (or failure label).
 */
export function keyVaultRequestCounter(registry: Registry): Counter<"operation" | "status"> {
  return new Counter({
    name: "kvsync_keyvault_requests_total",
    help: "Key Vault calls (each attempt) by operation, as the SDK names it, and HTTP status.",
    labelNames: ["operation", "status"] as const,
    registers: [registry],
  });
}
