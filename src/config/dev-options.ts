import { z } from "zod";
import { port, type OptionTable } from "./option-table.js";
import { vaultServeOptions } from "./vault-options.js";

/** Flags of `kvsync dev`: the vault's, plus what runs beside it. */
export const devOptions = {
  ...vaultServeOptions,
  echoPort: {
    flag: "--echo-port <port>",
    description: "port of the echo page that shows every Event Grid delivery",
    schema: port,
    defaultValue: 8081,
    env: "KVSYNC_ECHO_PORT",
  },
  echo: {
    flag: "--no-echo",
    description: "do not start the echo page",
    schema: z.boolean().default(true),
  },
  agentPort: {
    flag: "--agent-port <port>",
    description: "port of the agent's Event Grid webhook (/api/events)",
    schema: port,
    defaultValue: 9090,
    env: "KVSYNC_AGENT_PORT",
  },
  dashboardPort: {
    flag: "--dashboard-port <port>",
    description: "port of the live dashboard",
    schema: port,
    defaultValue: 8080,
    env: "KVSYNC_DASHBOARD_PORT",
  },
  class: {
    flag: "--class <file>",
    description:
      "SecretProviderClass the agent syncs (default: kvsync's examples/secretproviderclass.yaml)",
    schema: z.string().min(1).optional(),
  },
  mount: {
    flag: "--mount <dir>",
    description: "folder the agent writes the files to",
    schema: z.string().min(1),
    defaultValue: ".kvsync/mnt/secrets-store",
  },
  seed: {
    flag: "--seed <file>",
    description:
      "YAML of secrets created on first start (default: kvsync's examples/dev-secrets.yaml)",
    schema: z.string().min(1).optional(),
  },
} satisfies OptionTable;
