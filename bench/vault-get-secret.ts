/**
 * `npm run bench:vault`: GetSecret requests per second and latency against the local vault,
 * over HTTPS with keep-alive, the vault in its own process as users run it.
 * Prints a summary and writes docs/benchmarks/vault-get-secret.json.
 *
 *   npm run bench:vault -- [--seconds 10] [--connections 32]
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import { cpus, tmpdir, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import autocannon from "autocannon";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    connections: { type: "string", default: "32" },
    out: { type: "string", default: "docs/benchmarks/vault-get-secret.json" },
  },
});
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const root = resolve(dirname(new URL(import.meta.url).pathname), "..");

const dataDir = await mkdtemp(join(tmpdir(), "kvsync-bench-"));
const vault = spawn(
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
    "silent",
  ],
  // Logging stays on (one JSON line per request, as users run it), written to /dev/null.
  { stdio: ["ignore", "pipe", "ignore"] },
);
try {
  const url = await vaultUrl(vault.stdout);
  const headers = { authorization: "Bearer bench", "content-type": "application/json" };
  await fetchJson(`${url}/secrets/bench?api-version=7.5`, "PUT", headers, {
    value: "v".repeat(64),
  });

  // Warm up the JIT and the connections, then measure.
  await run(url, headers, 2);
  const result = await run(url, headers, seconds);
  const report = {
    benchmark: "local vault GetSecret over HTTPS, keep-alive",
    command: `npm run bench:vault -- --seconds ${seconds} --connections ${connections}`,
    date: new Date().toISOString(),
    machine: {
      cores: cpus().length,
      cpu: cpus()[0]?.model ?? "unknown",
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      note: "load generator (autocannon) and vault share the machine; vault logs at info level",
    },
    connections,
    seconds,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    requestsPerSecond: Math.round(result.requests.average),
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
    },
    target: { requestsPerSecond: 5000 },
  };
  await mkdir(dirname(resolve(root, values.out)), { recursive: true });
  await writeFile(resolve(root, values.out), JSON.stringify(report, null, 2) + "\n");
  process.stdout.write(
    `GetSecret: ${report.requestsPerSecond} req/s, p50 ${report.latencyMs.p50} ms, p99 ${report.latencyMs.p99} ms ` +
      `(${report.requests} requests, ${report.non2xx} non-2xx, ${report.errors} errors; ` +
      `${report.machine.cores} cores, Node ${report.machine.node}) -> ${values.out}\n`,
  );
  if (report.non2xx > 0 || report.errors > 0) process.exitCode = 1;
} finally {
  vault.kill("SIGTERM");
  await new Promise((r) => vault.once("exit", r));
  await rm(dataDir, { recursive: true, force: true });
}

function run(url: string, headers: Record<string, string>, duration: number) {
  // autocannon skips certificate checks (loopback only); the vault's TLS work is still done.
  return autocannon({
    url: `${url}/secrets/bench/?api-version=7.5`,
    connections,
    duration,
    headers,
  });
}

async function vaultUrl(stdout: NodeJS.ReadableStream): Promise<string> {
  for await (const line of createInterface({ input: stdout })) {
    const match = /vault URL\s+(\S+)/.exec(line);
    if (match?.[1]) return match[1];
  }
  throw new Error("the vault exited before printing its URL");
}

async function fetchJson(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: unknown,
) {
  // Node's fetch cannot take a CA per call; this one setup request skips verification on loopback.
  const { request } = await import("node:https");
  await new Promise<void>((resolvePromise, reject) => {
    const req = request(url, { method, headers, rejectUnauthorized: false }, (res) => {
      res.resume();
      res.on("end", () =>
        res.statusCode === 200
          ? resolvePromise()
          : reject(new Error(`setup: HTTP ${res.statusCode ?? 0}`)),
      );
    });
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}
