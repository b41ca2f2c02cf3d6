/** Shared plumbing for the benchmarks: a vault in its own process, loopback HTTPS calls, facts. */
import { spawn, type ChildProcess } from "node:child_process";
import { access, cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { Agent, request } from "node:https";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export const root = resolve(dirname(new URL(import.meta.url).pathname), "..");

/**
 * Where spawned programs (the CLI, the fake API server) run from: the working tree, or after
 * snapshotPrograms() a copy of it. Others build in the same tree (`npm run build` deletes
 * dist/bin first), so a long run takes its own copy of what it starts.
 */
let programRootDir = root;

export function programRoot(): string {
  return programRootDir;
}

/** A path of a spawned program: `programPath("bin/kvsync.js")`. */
export function programPath(relative: string): string {
  return join(programRootDir, relative);
}

/**
 * Copies bin/, dist/, src/, bench/ and package.json (node_modules linked) to a temporary folder
 * and starts every later program from there. Waits up to a minute for a build someone else is
 * running to finish. Returns the undo.
 */
export async function snapshotPrograms(): Promise<() => Promise<void>> {
  const needed = ["dist/bin/main.js", "dist/cli/main.js"];
  const deadline = performance.now() + 60_000;
  for (;;) {
    const missing = await Promise.all(
      needed.map((f) =>
        access(join(root, f)).then(
          () => false,
          () => true,
        ),
      ),
    );
    if (!missing.includes(true)) break;
    if (performance.now() > deadline)
      throw new Error(`${needed.join(", ")} missing: npm run build`);
    await sleep(1_000);
  }
  // A build may have started since: let it settle rather than copy half a dist/bin.
  await sleep(1_000);
  const dir = await mkdtemp(join(tmpdir(), "kvsync-bench-programs-"));
  for (const entry of ["bin", "dist", "src", "bench", "package.json", "tsconfig.json"]) {
    await cp(join(root, entry), join(dir, entry), { recursive: true });
  }
  await symlink(join(root, "node_modules"), join(dir, "node_modules"));
  programRootDir = dir;
  return async () => {
    programRootDir = root;
    await rm(dir, { recursive: true, force: true });
  };
}

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
      programPath("bin/kvsync.js"),
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
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  // Kept for the error message only: the last few KiB the vault wrote to stderr.
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-4096);
  });
  let url: string | undefined;
  for await (const line of createInterface({ input: child.stdout })) {
    const match = /vault URL\s+(\S+)/.exec(line);
    if (match?.[1]) {
      url = match[1];
      break;
    }
  }
  if (url === undefined) {
    await rm(dataDir, { recursive: true, force: true });
    throw new Error(`the vault exited before printing its URL: ${stderr.trim() || "(no stderr)"}`);
  }
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
    /** 1, 5 and 15 minute load averages when the figure was taken: others share the machine. */
    loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

/** True when `moduleUrl` is the script node was started with (a bench's CLI main). */
export function isMain(moduleUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && resolve(script) === fileURLToPath(moduleUrl);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export const round2 = (x: number) => Math.round(x * 100) / 100;

export interface Stats {
  samples: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** p50/p95/p99/max/mean of samples (milliseconds, unless said otherwise). */
export function stats(samples: readonly number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((s, x) => s + x, 0) / Math.max(1, sorted.length);
  return {
    samples: sorted.length,
    p50: round2(percentile(sorted, 50)),
    p95: round2(percentile(sorted, 95)),
    p99: round2(percentile(sorted, 99)),
    max: round2(sorted[sorted.length - 1] ?? Number.NaN),
    mean: round2(mean),
  };
}

/** Writes JSON (pretty, newline-terminated) under the project root, making the folder. */
export async function writeJson(relative: string, value: unknown): Promise<void> {
  const out = resolve(root, relative);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, JSON.stringify(value, null, 2) + "\n");
}

/**
 * Sum of a Prometheus counter's samples in `text` whose labels contain every `labels` entry
 * (e.g. `operation="GetSecret"`).
 */
export function promSum(text: string, name: string, labels: readonly string[] = []): number {
  let total = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!labels.every((l) => line.includes(l))) continue;
    total += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return total;
}

type Caller = ReturnType<typeof vaultCaller>;

/** Requests the local vault answered for one operation (200s only with `okOnly`). */
export async function vaultCount(call: Caller, operation: string, okOnly = false): Promise<number> {
  const { body } = await call("GET", "/metrics");
  const labels = [`operation="${operation}"`, ...(okOnly ? ['status="200"'] : [])];
  return promSum(body, "kvsync_vault_requests_total", labels);
}

/** GET over plain HTTP (a kvsync webhook server's /readyz or /metrics); status 0 on error. */
export function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolveGet) => {
    httpRequest(url, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        resolveGet({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") });
      });
    })
      .on("error", () => {
        resolveGet({ status: 0, body: "" });
      })
      .end();
  });
}

/** Polls `${base}/readyz` until 200; returns when it answered. */
export async function waitReadyz(base: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while ((await httpGet(`${base}/readyz`)).status !== 200) {
    if (performance.now() > deadline) throw new Error(`${base} never became ready`);
    await sleep(20);
  }
}

/** VmRSS and VmHWM of a process, MiB. */
export async function processMemory(pid: number): Promise<{ vmRssMiB: number; vmHwmMiB: number }> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, "m").exec(status)?.[1]);
  return { vmRssMiB: round2(kib("VmRSS") / 1024), vmHwmMiB: round2(kib("VmHWM") / 1024) };
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export async function processCpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces) start at ") ".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of the line: 12 and 13 after the name.
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Busy and total CPU seconds of the whole machine so far (all processes, anyone's). */
export async function machineCpuSeconds(): Promise<{ busy: number; total: number }> {
  const line = (await readFile("/proc/stat", "utf8")).split("\n")[0] ?? "";
  const [, ...values] = line.trim().split(/\s+/);
  const n = values.map(Number);
  const total = n.slice(0, 8).reduce((s, x) => s + x, 0);
  const idle = (n[3] ?? 0) + (n[4] ?? 0);
  return { busy: (total - idle) / CLOCK_TICKS, total: total / CLOCK_TICKS };
}

/**
 * CPU seconds this process and its children that have exited used so far (/proc/self/stat:
 * utime, stime, cutime, cstime): everything a section ran, once its children are stopped.
 */
export async function ownCpuSeconds(): Promise<number> {
  const stat = await readFile("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (
    (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) /
    CLOCK_TICKS
  );
}

/**
 * Cores that other work on the machine used meanwhile: call at the start, then call the result
 * at the end with the CPU seconds of this benchmark's own processes over the same window.
 */
export async function otherWorkMeter(): Promise<(ownCpuSeconds: number) => Promise<number>> {
  const machine0 = await machineCpuSeconds();
  const started = performance.now();
  return async (own) => {
    const machine = await machineCpuSeconds();
    const seconds = (performance.now() - started) / 1000;
    return round2(Math.max(0, machine.busy - machine0.busy - own) / seconds);
  };
}

/** USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK). */
const CLOCK_TICKS = 100;

/** The first stdout line of a child matching `pattern`, its first group. */
export async function firstLine(child: ChildProcess, pattern: RegExp): Promise<string> {
  if (child.stdout === null) throw new Error("no stdout");
  for await (const line of createInterface({ input: child.stdout })) {
    const match = pattern.exec(line);
    if (match?.[1] !== undefined) return match[1];
  }
  throw new Error(`the process exited before printing ${String(pattern)}`);
}

/** SIGTERM and wait for the exit (already exited: nothing to wait for). */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
}
