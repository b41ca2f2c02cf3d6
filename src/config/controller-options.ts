import { z } from "zod";
import { duration, vaultAccessOptions } from "./agent-options.js";
import { port, type OptionTable } from "./option-table.js";
import { receiverAuthOptions } from "./receiver-options.js";
import { logLevelOption } from "./vault-options.js";

/** Flags of `kvsync controller`. */
export const controllerOptions = {
  kubeconfig: {
    flag: "--kubeconfig <file>",
    description: "kubeconfig to use (default: in-cluster, else $KUBECONFIG or ~/.kube/config)",
    schema: z.string().min(1).optional(),
  },
  namespaces: {
    flag: "--namespaces <list>",
    description: "watch only these namespaces (comma-separated; default: all)",
    schema: z
      .string()
      .min(1)
      .transform((list) => [...new Set(list.split(",").map((n) => n.trim()))])
      .refine((names) => names.every((n) => /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(n)), {
        error: "each entry must be a namespace name (RFC 1123 label)",
      })
      .optional(),
    env: "KVSYNC_NAMESPACES",
  },
  webhookPort: {
    flag: "--webhook-port <port>",
    description: "port of the Event Grid webhook (/api/events), /healthz, /readyz, /metrics",
    schema: port,
    defaultValue: 9090,
    env: "KVSYNC_WEBHOOK_PORT",
  },
  webhookHost: {
    flag: "--webhook-host <address>",
    description: "address the webhook listens on (0.0.0.0 behind a Service)",
    schema: z.string().min(1),
    defaultValue: "127.0.0.1",
  },
  ...receiverAuthOptions,
  resyncInterval: {
    flag: "--resync-interval <duration>",
    description: "how often every class is synced again (missed events, hand edits)",
    schema: duration,
    defaultValue: "5m",
  },
  ...vaultAccessOptions,
  leaderElect: {
    flag: "--no-leader-elect",
    description: "do not elect a leader by Lease (only for a single replica)",
    schema: z.boolean().default(true),
  },
  leaseNamespace: {
    flag: "--lease-namespace <namespace>",
    description: "namespace of the leader Lease",
    schema: z.string().min(1),
    defaultValue: "kvsync",
    env: "POD_NAMESPACE",
  },
  leaseName: {
    flag: "--lease-name <name>",
    description: "name of the leader Lease",
    schema: z.string().min(1),
    defaultValue: "kvsync-controller",
  },
  logLevel: logLevelOption,
} satisfies OptionTable;
