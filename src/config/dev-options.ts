import { z } from "zod";
import { port, type OptionTable } from "./option-table.js";
import { vaultServeOptions } from "./vault-options.js";

/** Flags of `kvsync dev`: the vault's, plus the ports of what runs beside it. */
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
} satisfies OptionTable;
