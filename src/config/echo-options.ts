import { z } from "zod";
import { port, positiveInt, type OptionTable } from "./option-table.js";

/** Flags of `kvsync echo`. */

export const DEFAULT_ECHO_PORT = 8081;

export const echoOptions = {
  port: {
    flag: "--port <port>",
    description: "HTTP port (0 picks a free one)",
    schema: port,
    defaultValue: DEFAULT_ECHO_PORT,
    env: "KVSYNC_ECHO_PORT",
  },
  host: {
    flag: "--host <address>",
    description:
      "address to listen on; keep it on loopback and expose it through a tunnel if Event Grid must reach it",
    schema: z.string().min(1),
    defaultValue: "127.0.0.1",
  },
  capacity: {
    flag: "--capacity <n>",
    description: "how many recent requests to keep and show",
    schema: positiveInt.max(100_000, "must be at most 100000"),
    defaultValue: 500,
  },
} satisfies OptionTable;
