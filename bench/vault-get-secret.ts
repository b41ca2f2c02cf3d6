/**
 * `npm run bench:vault`: GetSecret requests per second and latency against the local vault,
 * over HTTPS with keep-alive, the vault in its own process as users run it.
 * Prints a summary and writes docs/benchmarks/vault-get-secret.json.
 *
 *   npm run bench:vault -- [--seconds 10] [--connections 32]
 */
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import {
  isMain,
  machineFacts,
  otherWorkMeter,
  processCpuSeconds,
  startBenchVault,
  vaultCaller,
  writeJson,
} from "./support.js";

export interface VaultGetSecretOptions {
  seconds: number;
  connections: number;
}

export type VaultGetSecretReport = Awaited<ReturnType<typeof measureVaultGetSecret>>;

/** autocannon against `kvsync vault serve` (its own process) for `seconds`, after 2 s warm-up. */
export async function measureVaultGetSecret({ seconds, connections }: VaultGetSecretOptions) {
  const vault = await startBenchVault();
  try {
    const call = vaultCaller(vault);
    const created = await call("PUT", "/secrets/bench", { value: "v".repeat(64) });
    if (created.status !== 200) throw new Error(`setup: HTTP ${created.status}`);

    const run = (duration: number) =>
      // autocannon skips certificate checks (loopback only); the vault's TLS work is still done.
      autocannon({
        url: `${vault.url}/secrets/bench/?api-version=7.5`,
        connections,
        duration,
        headers: { authorization: "Bearer bench" },
      });
    await run(2); // warm up the JIT and the connections
    const meter = await otherWorkMeter();
    const vaultCpu0 = await processCpuSeconds(vault.process.pid ?? 0);
    const benchCpu0 = process.cpuUsage();
    const result = await run(seconds);
    const benchCpu = process.cpuUsage(benchCpu0);
    const own =
      (await processCpuSeconds(vault.process.pid ?? 0)) -
      vaultCpu0 +
      (benchCpu.user + benchCpu.system) / 1e6;
    const otherWorkCores = await meter(own);
    return {
      benchmark: "local vault GetSecret over HTTPS, keep-alive",
      command: `npm run bench:vault -- --seconds ${seconds} --connections ${connections}`,
      date: new Date().toISOString(),
      machine: {
        ...machineFacts(),
        note: "load generator (autocannon) and vault share the machine; vault logs at info level",
      },
      connections,
      seconds,
      requests: result.requests.total,
      non2xx: result.non2xx,
      errors: result.errors,
      requestsPerSecond: Math.round(result.requests.average),
      /** Cores other work on the machine used during the measured seconds (not this bench). */
      otherWorkCores,
      latencyMs: {
        p50: result.latency.p50,
        p90: result.latency.p90,
        p99: result.latency.p99,
        max: result.latency.max,
      },
      target: { requestsPerSecond: 5000 },
    };
  } finally {
    await vault.stop();
  }
}

if (isMain(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      seconds: { type: "string", default: "10" },
      connections: { type: "string", default: "32" },
      out: { type: "string", default: "docs/benchmarks/vault-get-secret.json" },
    },
  });
  const report = await measureVaultGetSecret({
    seconds: Number(values.seconds),
    connections: Number(values.connections),
  });
  await writeJson(values.out, report);
  process.stdout.write(
    `GetSecret: ${report.requestsPerSecond} req/s, p50 ${report.latencyMs.p50} ms, p99 ${report.latencyMs.p99} ms ` +
      `(${report.requests} requests, ${report.non2xx} non-2xx, ${report.errors} errors; ` +
      `${report.machine.cores} cores, Node ${report.machine.node}) -> ${values.out}\n`,
  );
  if (report.non2xx > 0 || report.errors > 0) process.exitCode = 1;
}
