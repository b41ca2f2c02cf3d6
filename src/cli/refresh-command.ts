import { Command } from "commander";
import { addOptions, parseOptions, refreshOptions } from "../config/index.js";
import { printLine } from "./output.js";

/** `kvsync refresh`: ask a running agent to sync every object now (its POST /refresh). */
export function refreshCommand(): Command {
  const refresh = new Command("refresh").description(
    "make a running agent read Key Vault now instead of waiting for an event or its poll",
  );
  addOptions(refresh, refreshOptions).action(async (raw: Record<string, unknown>) => {
    const { agent } = parseOptions(refreshOptions, raw);
    const url = new URL("/refresh", agent);
    let response: Response;
    try {
      response = await fetch(url, { method: "POST", signal: AbortSignal.timeout(10_000) });
    } catch {
      throw new Error(`no agent answered at ${url.origin}: is it running? (--agent <url>)`);
    }
    if (response.status !== 202)
      throw new Error(`the agent at ${url.origin} answered HTTP ${response.status}`);
    printLine(`refresh requested from ${url.origin}`);
  });
  return refresh;
}
