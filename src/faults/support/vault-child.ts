import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { waitUntil } from "../../eventgrid/publisher/test-support/management.js";

/**
 * The local vault as users run it, `node bin/kvsync.js vault serve`, in a child process that a
 * fault scenario can SIGKILL and start again on the same data folder. It runs the built CLI
 * (dist/), as the benchmarks do: `npm run test:faults` builds first, and CI builds in `npm ci`.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const CLI = join(ROOT, "bin/kvsync.js");
const BUILT = join(ROOT, "dist/bin/main.js");
/** A start on a loaded 2-core machine takes about a second; fifteen is a hang. */
const START_TIMEOUT_MS = 15_000;
/** `npm run build` empties dist/bin before bundling it again: a build elsewhere in the tree. */
const BUILD_WAIT_MS = 90_000;

export interface VaultChild {
  readonly url: string;
  readonly port: number;
  /** The local CA the vault's certificate chains to, for HTTPS clients. */
  readonly ca: string;
  readonly pid: number;
  /** Resolves with the signal (or exit code) once the process has gone. */
  readonly exited: Promise<string>;
  /** kill -9: no shutdown handler runs, whatever was in flight is cut. */
  kill9(): Promise<string>;
  /** A clean SIGTERM stop, for the end of a run. */
  stop(): Promise<void>;
}

export interface VaultChildOptions {
  dataDir: string;
  /** 0 picks a free port; a restart passes the previous one so clients keep their URL. */
  port?: number;
  extraArgs?: readonly string[];
}

/** Children still running, killed if the scenario's own process exits first. */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

export async function startVaultChild(options: VaultChildOptions): Promise<VaultChild> {
  await waitUntil(
    () => existsSync(BUILT),
    `${BUILT} (run \`npm run build\` before the fault scenarios; a build in progress empties dist/bin)`,
    BUILD_WAIT_MS,
  );
  const child = spawn(
    process.execPath,
    [
      CLI,
      "vault",
      "serve",
      "--port",
      String(options.port ?? 0),
      "--data",
      options.dataDir,
      "--log-level",
      "warn",
      ...(options.extraArgs ?? []),
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  running.add(child);
  // Kept for the error message if the vault dies before it listens; never a value (warn level).
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-4_000);
  });
  const exited = once(child, "exit").then(([code, signal]) => {
    running.delete(child);
    return String(signal ?? code);
  });

  const url = await readUrl(child, exited, () => stderr);
  const ca = await readFile(join(options.dataDir, "tls", "ca.pem"), "utf8");
  const pid = child.pid ?? -1;
  return {
    url,
    port: Number(new URL(url).port),
    ca,
    pid,
    exited,
    async kill9() {
      child.kill("SIGKILL");
      return exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** The URL from the "vault URL   https://…" line the CLI prints once it listens. */
async function readUrl(
  child: ChildProcess,
  exited: Promise<string>,
  stderr: () => string,
): Promise<string> {
  const stdout = child.stdout;
  if (stdout === null) throw new Error("the vault's stdout is not piped");
  const lines = createInterface({ input: stdout });
  let timer: NodeJS.Timeout | undefined;
  const found = new Promise<string>((resolveUrl) => {
    lines.on("line", (line) => {
      const match = /vault URL\s+(\S+)/.exec(line);
      if (match?.[1] !== undefined) resolveUrl(match[1]);
    });
  });
  const failed = exited.then((how) => {
    throw new Error(`the vault exited (${how}) before listening: ${stderr().trim()}`);
  });
  // Once listening, a later exit (the kills to come) is not this function's failure.
  failed.catch(() => undefined);
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the vault did not listen within ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
  });
  try {
    return await Promise.race([found, failed, late]);
  } finally {
    clearTimeout(timer);
    // Keep draining stdout so the child never blocks on a full pipe.
    lines.removeAllListeners("line");
    stdout.resume();
  }
}
