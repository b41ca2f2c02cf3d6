import { constants } from "node:os";
import { z } from "zod";
import { DEFAULT_VAULT_DATA, logLevelOption } from "./vault-options.js";
import { flag, port, type OptionTable } from "./option-table.js";
import { receiverAuthOptions } from "./receiver-options.js";

/** Flags of `kvsync agent`. */

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** "2m", "30s", "500ms", "1h" → milliseconds; at least one second, so a typo cannot hammer Key Vault. */
export const duration = z
  .string()
  .regex(DURATION, "must be a duration such as 30s, 2m or 1h")
  .transform((text) => {
    const [, amount, unit] = DURATION.exec(text) ?? [];
    return Number(amount) * UNIT_MS[(unit ?? "ms") as keyof typeof UNIT_MS];
  })
  .refine((ms) => ms >= 1000, "must be at least 1s");

/** `name=https://…`, as given to --vault-endpoint. */
export const vaultEndpoint = z
  .string()
  .regex(/^[A-Za-z0-9-]{3,24}=https:\/\/\S+$/, "must be <vault name>=https://<host>[:port]");

/** "SIGHUP" or "HUP" → "SIGHUP", when this platform knows the signal. */
export const signalName = z
  .string()
  .transform((text) => (text.toUpperCase().startsWith("SIG") ? text : `SIG${text}`).toUpperCase())
  .refine((name) => name in constants.signals, "must be a signal name such as SIGHUP")
  .transform((name) => name as NodeJS.Signals);

/** "namespace/name" of a SecretProviderClass (both DNS names, as Kubernetes requires). */
export const classRef = z
  .string()
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/,
    "must be <namespace>/<name> of a SecretProviderClass (lower-case DNS names)",
  )
  .transform((text) => {
    const [namespace = "", name = ""] = text.split("/");
    return { namespace, name };
  });

/** How to reach vaults other than by their Azure name: shared by the agent and the controller. */
export const vaultAccessOptions = {
  vaultEndpoint: {
    flag: "--vault-endpoint <name=url...>",
    description: "use this URL for a vault name (a local vault, a private endpoint)",
    schema: z.array(vaultEndpoint).default([]),
  },
  ca: {
    flag: "--ca <pem>",
    description: "CA certificate (PEM file) of the --vault-endpoint servers",
    schema: z.string().min(1).optional(),
  },
} satisfies OptionTable;

// --class/--mount and --config are optional here because exactly one of the two ways is needed;
// the command checks which (see agent-command.ts).
export const agentOptions = {
  class: {
    flag: "--class <file>",
    description: "SecretProviderClass YAML (Azure provider) naming the objects to sync",
    schema: z.string().min(1, "is required").optional(),
  },
  mount: {
    flag: "--mount <dir>",
    description: "folder the files are written to (atomically, as the CSI driver does)",
    schema: z.string().min(1, "is required").optional(),
  },
  config: {
    flag: "--config <file>",
    description: "YAML listing many targets (class + mount) and settings; replaces --class/--mount",
    schema: z.string().min(1).optional(),
  },
  classRef: {
    flag: "--class-ref <namespace/name>",
    description:
      "follow this SecretProviderClass through the Kubernetes API (in a pod); replaces --class",
    schema: classRef.optional(),
    env: "KVSYNC_CLASS_REF",
  },
  fromSecret: {
    flag: "--from-secret",
    description:
      "with --class-ref: read values from the class's synced Kubernetes Secrets, not Key Vault",
    schema: flag,
  },
  kubeconfig: {
    flag: "--kubeconfig <file>",
    description:
      "kubeconfig for --class-ref (default: in-cluster, else $KUBECONFIG or ~/.kube/config)",
    schema: z.string().min(1).optional(),
  },
  webhookPort: {
    flag: "--webhook-port <port>",
    description: "port of the Event Grid webhook (/api/events), /refresh, /healthz, /metrics",
    schema: port,
    defaultValue: 9090,
    env: "KVSYNC_WEBHOOK_PORT",
  },
  webhookHost: {
    flag: "--webhook-host <address>",
    description: "address the webhook listens on",
    schema: z.string().min(1),
    defaultValue: "127.0.0.1",
  },
  ...receiverAuthOptions,
  rotationPollInterval: {
    flag: "--rotation-poll-interval <duration>",
    description: "how often to list the vault for changes events missed",
    schema: duration,
    defaultValue: "2m",
  },
  ...vaultAccessOptions,
  vaultData: {
    flag: "--vault-data <dir>",
    description: "local vault's data folder, where its CA is found when --ca is not given",
    schema: z.string().min(1),
    defaultValue: DEFAULT_VAULT_DATA,
    env: "KVSYNC_VAULT_DATA",
  },
  exec: {
    flag: "--exec <command>",
    description: "shell command run after each change; KVSYNC_CHANGED lists the changed files",
    schema: z.string().min(1).optional(),
  },
  signal: {
    flag: "--signal <SIG>",
    description: "signal sent after each change to the pid in --pid-file (e.g. SIGHUP)",
    schema: signalName.optional(),
  },
  pidFile: {
    flag: "--pid-file <file>",
    description: "file holding the pid that --signal goes to (re-read each time)",
    schema: z.string().min(1).optional(),
  },
  metricsPort: {
    flag: "--metrics-port <port>",
    description: "also serve /metrics on this port",
    schema: port.optional(),
  },
  dashboardPort: {
    flag: "--dashboard-port <port>",
    description: "serve the live dashboard on this port (off unless given)",
    schema: port.optional(),
    env: "KVSYNC_DASHBOARD_PORT",
  },
  dashboardHost: {
    flag: "--dashboard-host <address>",
    description: "address the dashboard listens on; keep it on loopback and port-forward",
    schema: z.string().min(1),
    defaultValue: "127.0.0.1",
  },
  logLevel: logLevelOption,
} satisfies OptionTable;
