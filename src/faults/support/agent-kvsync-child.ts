import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/**
 * `node bin/kvsync.js agent …` as a child process, the way users run it, so that a scenario can
 * kill -9 it. bin/kvsync.js runs the built bundle (dist/): `npm run build` first (the fault
 * runner does; CI builds it in `npm ci`).
 */

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const KVSYNC_BIN = join(root, "bin/kvsync.js");
const BUNDLE = join(root, "dist/bin/main.js");

export interface AgentChild {
  readonly process: ChildProcess;
  /** http://127.0.0.1:port of the webhook server, once it printed it. */
  readonly url: Promise<string>;
  /** The exit code or signal, once it exited. */
  readonly exited: Promise<string>;
  /** The last lines it wrote to stderr (for notes when it fails to start). */
  readonly stderr: string[];
  /** How it ended if it exited without being signalled (a crash), else undefined. */
  crash(): string | undefined;
  /** SIGKILL, then waits for the exit. */
  kill9(): Promise<void>;
  /** SIGTERM (a clean shutdown), then waits for the exit. */
  stop(): Promise<void>;
}

export function spawnAgentChild(args: readonly string[]): AgentChild {
  const child = spawn(process.execPath, [KVSYNC_BIN, "agent", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stderr: string[] = [];
  createInterface({ input: child.stderr }).on("line", (line) => {
    stderr.push(line);
    if (stderr.length > 20) stderr.shift();
  });
  let signalled = false;
  let ended: string | undefined;
  const exited = new Promise<string>((resolveExit) => {
    child.once("exit", (code, signal) => {
      ended = signal ?? `exit code ${code}`;
      resolveExit(ended);
    });
  });
  const url = new Promise<string>((resolveUrl, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on("line", (line) => {
      const match = /^agent\s+(\S+)\/api\/events/.exec(line);
      if (match?.[1] !== undefined) resolveUrl(match[1]);
    });
    void exited.then((how) => {
      reject(new Error(`the agent exited (${how}) before listening: ${stderr.join(" | ")}`));
    });
  });
  url.catch(() => undefined); // observed by whoever awaits it; never an unhandled rejection
  const signal = async (name: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) {
      signalled = true;
      child.kill(name);
    }
    await exited;
  };
  return {
    process: child,
    url,
    exited,
    stderr,
    crash: () =>
      ended !== undefined && !signalled ? `${ended}: ${stderr.join(" ⏎ ")}` : undefined,
    kill9: () => signal("SIGKILL"),
    stop: () => signal("SIGTERM"),
  };
}

/** GET <url>/readyz: 200 once the agent's first sync of every target is done. */
export async function isReady(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/readyz`);
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

/**
 * Whether a child died before running any kvsync code because dist/ was missing: another
 * `npm run build` rewriting it in a shared tree. Not the agent's doing; start it again.
 */
export function diedForLackOfBuild(child: AgentChild): boolean {
  const crash = child.crash() ?? "";
  return crash.includes("ERR_MODULE_NOT_FOUND") && crash.includes("/dist/");
}

/** Resolves once the bundle is back (after a concurrent build), polling every 50 ms. */
export async function bundleBuilt(timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(BUNDLE)) {
    if (Date.now() > deadline) throw new Error(`${BUNDLE} did not come back`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
