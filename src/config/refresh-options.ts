import { z } from "zod";
import type { OptionTable } from "./option-table.js";

/** Flags of `kvsync refresh`. */
export const refreshOptions = {
  agent: {
    flag: "--agent <url>",
    description: "the agent's webhook address (its --webhook-host and --webhook-port)",
    schema: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }),
    defaultValue: "http://127.0.0.1:9090",
    env: "KVSYNC_AGENT_URL",
  },
} satisfies OptionTable;
