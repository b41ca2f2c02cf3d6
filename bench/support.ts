/** Shared plumbing for the benchmarks: a vault in its own process, loopback HTTPS calls, facts. */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { Agent, request } from "node:https";
import { cpus, tmpdir, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";

export const root = resolve(dirname(new URL(import.meta.url).pathname), "..");

export interface BenchVault {
  url: string;
  ca: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** `kvsync vault serve` on a free port, logging at info to /dev/null, as users run it. */
export async function startBenchVault(extraArgs: string[] = []): Promise<BenchVault> {
  const dataDir = await mkdtemp(join(tmpdir(), "kvsync-bench-"));
  const child = spawn(
    process.execPath,
    [
      join(root, "bin/kvsync.js"),
      "vault",
      "serve",
      "--port",
      "0",
      "--data",
      dataDir,
      "--log-level",
      "info",
      ...extraArgs,
    ],
    { stdio: ["ignore", "pipe", "ignore"] },
  );
  let url: string | undefined;
  for await (const line of createInterface({ input: child.stdout })) {
    const match = /vault URL\s+(\S+)/.exec(line);
    if (match?.[1]) {
      url = match[1];
      break;
    }
  }
  if (url === undefined) throw new Error("the vault exited before printing its URL");
  const ca = await readFile(join(dataDir, "tls", "ca.pem"), "utf8");
  return {
    url,
    ca,
    process: child,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A keep-alive JSON client for one vault. */
export function vaultCaller(vault: BenchVault) {
  const agent = new Agent({ keepAlive: true, maxSockets: 128, ca: vault.ca });
  return (
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: string }> =>
    new Promise((resolvePromise, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const sep = path.includes("?") ? "&" : "?";
      const req = request(
        `${vault.url}${path}${sep}api-version=7.5`,
        {
          method,
          agent,
          headers: { authorization: "Bearer bench", "content-type": "application/json" },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            resolvePromise({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString("utf8"),
            });
          });
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
}

export function machineFacts() {
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? "unknown",
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}
