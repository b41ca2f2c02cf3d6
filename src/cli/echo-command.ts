import { Command } from "commander";
import { echoOptions } from "../config/echo-options.js";
import { addOptions, parseOptions } from "../config/option-table.js";
import { startEcho, type RunningEcho } from "../echo/index.js";
import { portInUseHint, waitForShutdown } from "./process.js";

/** `kvsync echo`: a webhook target that shows, live, every request it gets. */
export function echoCommand(): Command {
  const echo = new Command("echo").description(
    "record every HTTP request and show it live at / (completes Event Grid's handshakes)",
  );
  addOptions(echo, echoOptions).action(async (raw: Record<string, unknown>) => {
    const running = await serveEcho(raw);
    process.stdout.write(`echo  ${running.url}\n`);
    await waitForShutdown(() => running.close());
  });
  return echo;
}

export async function serveEcho(raw: Record<string, unknown>): Promise<RunningEcho> {
  const options = parseOptions(echoOptions, raw);
  try {
    return await startEcho(options);
  } catch (error) {
    throw portInUseHint(error, "--port", options.port);
  }
}
