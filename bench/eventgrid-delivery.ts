/**
 * `npm run bench:eventgrid`: Event Grid delivery from the local vault to kvsync's receiver.
 *  - latency: SetSecret's response → the receiver's onEvent for that version (p50/p99/max),
 *    rotations one after another;
 *  - throughput: events/s delivered while many SetSecrets run concurrently.
 * The vault runs in its own process; the receiver and the client share this one.
 * Writes docs/benchmarks/eventgrid-delivery.json.
 *
 *   npm run bench:eventgrid -- [--rotations 500] [--events 5000] [--concurrency 64]
 */
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import Fastify from "fastify";
import { registerEventReceiver } from "../src/eventgrid/receiver/index.js";
import {
  isMain,
  machineFacts,
  otherWorkMeter,
  percentile,
  processCpuSeconds,
  startBenchVault,
  vaultCaller,
  writeJson,
} from "./support.js";

export interface EventGridOptions {
  rotations: number;
  events: number;
  concurrency: number;
  /** maxEventsPerBatch of the subscription: 1 is Azure's default (one event per request). */
  batch: number;
}

export type EventGridReport = Awaited<ReturnType<typeof measureEventGrid>>;

export async function measureEventGrid({
  rotations,
  events: eventCount,
  concurrency,
  batch,
}: EventGridOptions) {
  /** Arrival time of each version's event, and waiters for versions not seen yet. */
  const arrivals = new Map<string, number>();
  const waiters = new Map<string, (at: number) => void>();
  const arrived = (version: string) =>
    new Promise<number>((resolveArrival) => {
      const at = arrivals.get(version);
      if (at !== undefined) resolveArrival(at);
      else waiters.set(version, resolveArrival);
    });

  const receiver = Fastify({ logger: false });
  await registerEventReceiver(receiver, {
    auth: { kind: "none" },
    onEvent: (event) => {
      const at = performance.now();
      arrivals.set(event.data.Version, at);
      waiters.get(event.data.Version)?.(at);
      waiters.delete(event.data.Version);
    },
  });
  const receiverUrl = await receiver.listen({ port: 0, host: "127.0.0.1" });

  const vault = await startBenchVault();
  try {
    const call = vaultCaller(vault);
    const sub = await call("PUT", "/eventSubscriptions/bench", {
      properties: {
        destination: {
          endpointType: "WebHook",
          properties: { endpointUrl: `${receiverUrl}/api/events`, maxEventsPerBatch: batch },
        },
      },
    });
    if (sub.status >= 300) throw new Error(`subscription: HTTP ${sub.status} ${sub.body}`);

    const setSecret = async (name: string) => {
      const res = await call("PUT", `/secrets/${name}`, { value: "rotated-value" });
      const at = performance.now();
      if (res.status !== 200) throw new Error(`SetSecret: HTTP ${res.status}`);
      const version = (JSON.parse(res.body) as { id: string }).id.split("/").pop() ?? "";
      return { version, at };
    };

    // Latency: one rotation at a time, so queueing does not blur the hop being measured.
    for (let i = 0; i < 20; i++) await arrived((await setSecret("warmup")).version);
    const latencies: number[] = [];
    let eventBeforeResponse = 0;
    for (let i = 0; i < rotations; i++) {
      const { version, at } = await setSecret("latency");
      const eventAt = await arrived(version);
      if (eventAt < at) eventBeforeResponse++;
      latencies.push(Math.max(0, eventAt - at));
    }
    latencies.sort((a, b) => a - b);

    // Throughput: autocannon writes as fast as the vault takes them (Node's own HTTPS client
    // would be the bottleneck); the clock stops when the last written version's event arrived.
    const before = arrivals.size;
    let written = 0;
    const meter = await otherWorkMeter();
    const vaultCpu0 = await processCpuSeconds(vault.process.pid ?? 0);
    const benchCpu0 = process.cpuUsage();
    const started = performance.now();
    const load = await autocannon({
      url: vault.url,
      connections: concurrency,
      amount: eventCount,
      headers: { authorization: "Bearer bench", "content-type": "application/json" },
      requests: [
        {
          method: "PUT",
          setupRequest: (request) => ({
            ...request,
            path: `/secrets/tp-${written++ % 500}?api-version=7.5`,
            body: '{"value":"rotated-value"}',
          }),
        },
      ],
    });
    const accepted = load["2xx"];
    while (arrivals.size - before < accepted) await new Promise((r) => setTimeout(r, 5));
    const lastArrival = Math.max(...[...arrivals.values()].slice(before));
    const seconds = (lastArrival - started) / 1000;
    const benchCpu = process.cpuUsage(benchCpu0);
    const otherWorkCores = await meter(
      (await processCpuSeconds(vault.process.pid ?? 0)) -
        vaultCpu0 +
        (benchCpu.user + benchCpu.system) / 1e6,
    );

    const round = (ms: number) => Math.round(ms * 100) / 100;
    return {
      benchmark: `Event Grid delivery: local vault → kvsync receiver (EventGridSchema, maxEventsPerBatch ${batch})`,
      command: `npm run bench:eventgrid -- --rotations ${rotations} --events ${eventCount} --concurrency ${concurrency} --batch ${batch}`,
      date: new Date().toISOString(),
      machine: {
        ...machineFacts(),
        note: "vault in its own process; receiver and client share the bench process",
      },
      latencyMs: {
        rotations,
        p50: round(percentile(latencies, 50)),
        p95: round(percentile(latencies, 95)),
        p99: round(percentile(latencies, 99)),
        max: round(latencies[latencies.length - 1] ?? Number.NaN),
        eventBeforeResponse,
      },
      throughput: {
        events: accepted,
        connections: concurrency,
        batch,
        seconds: round(seconds),
        eventsPerSecond: Math.round(accepted / seconds),
        writesPerSecond: Math.round(load.requests.average),
        /** Cores other work on the machine used meanwhile (not this bench). */
        otherWorkCores,
      },
      targets: { eventsPerSecond: 2000, p99Ms: 20 },
    };
  } finally {
    await vault.stop();
    await receiver.close();
  }
}

if (isMain(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      rotations: { type: "string", default: "500" },
      events: { type: "string", default: "5000" },
      concurrency: { type: "string", default: "64" },
      batch: { type: "string", default: "1" },
      out: { type: "string" },
    },
  });
  const batch = Number(values.batch);
  const report = await measureEventGrid({
    rotations: Number(values.rotations),
    events: Number(values.events),
    concurrency: Number(values.concurrency),
    batch,
  });
  const outFile =
    values.out ?? `docs/benchmarks/eventgrid-delivery${batch === 1 ? "" : `-batch${batch}`}.json`;
  await writeJson(outFile, report);
  process.stdout.write(
    `SetSecret → receiver: p50 ${report.latencyMs.p50} ms, p99 ${report.latencyMs.p99} ms, max ${report.latencyMs.max} ms ` +
      `over ${report.latencyMs.rotations} rotations; ${report.throughput.eventsPerSecond} events/s delivered ` +
      `(${report.throughput.events} events, ${report.throughput.connections} connections; ${report.machine.cores} cores, Node ${report.machine.node}) -> ${outFile}\n`,
  );
}
