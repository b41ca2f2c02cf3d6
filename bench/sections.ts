/**
 * The sections of `npm run bench` (bench/report.ts), each a function of the run's parameters:
 * propagation, Key Vault requests, throughput, footprint. No side effects on import.
 */
import {
  DEFAULT_POLL_MS,
  measurePoll,
  measurePollWork,
  measurePush,
  measureReadsPerRotation,
  measureSerialGets,
  openAgentBench,
} from "./agent-propagation.js";
import { measureClusterRequests, type ClusterRequests } from "./cluster-requests.js";
import { measureControllerFanout } from "./controller-fanout.js";
import { measureEventGrid } from "./eventgrid-delivery.js";
import { measureAgentFootprint, measureControllerFootprint } from "./footprint.js";
import { ksDistance, simulateCsi, simulateKvsyncPoll } from "./poll-model.js";
import { countsFrom, crossings, modelRows } from "./request-models.js";
import { machineFacts, stats } from "./support.js";
import { measureThroughput } from "./throughput.js";
import { measureVaultGetSecret } from "./vault-get-secret.js";

export const SECTIONS = ["propagation", "requests", "throughput", "footprint"] as const;
export type Section = (typeof SECTIONS)[number];

/** Default sizes: the whole run stays around 10 minutes on 2 shared cores. */
export const DEFAULTS = {
  /** Pushed rotations, measured one after another. */
  "push-rotations": "300",
  /** Rotations of the real 1 s poll run that checks the simulation. */
  "poll-rotations": "60",
  /** Measured polls (changed and idle) the simulation draws its work from. */
  "poll-work-samples": "200",
  /** Measured CSI mounts (4 GetSecret in series) the CSI model draws from. */
  "csi-mounts": "200",
  /** Rotations per simulated model. */
  "sim-rotations": "100000",
  /** Pods on the simulated CSI node (mounted one after another on each tick). */
  "pods-per-node": "30",
  /** Pod counts measured with real controller and agents (agents reading Key Vault). */
  "cluster-pods": "10,100",
  /** Pod counts measured with agents --from-secret. */
  "from-secret-pods": "100",
  /** The controller's --resync-interval while its lists are counted, ms. */
  "resync-ms": "5000",
  /** Pod counts of the requests table. */
  "model-pods": "10,100,1000",
  "tp-rotations": "3000",
  /** Classes of 4 objects the throughput agent serves (one mount folder each). */
  "tp-classes": "25",
  "tp-profile-rotations": "2000",
  "vault-seconds": "10",
  "eg-rotations": "500",
  "eg-events": "5000",
  "fanout-classes": "1000",
  "fanout-rotations": "3",
  "agent-sizes": "1,1000,10000",
  "controller-sizes": "1,1000,10000",
  /** Time limit per footprint size, s. */
  "size-timeout-s": "300",
};

export type Params = Record<keyof typeof DEFAULTS, string>;
type Log = (text: string) => void;

const num = (p: Params, key: keyof Params) => Number(p[key]);
const list = (p: Params, key: keyof Params) => p[key].split(",").map(Number);

export interface RawPropagation {
  push: number[];
  poll1s: number[];
  changedPoll: number[];
  idlePoll: number[];
  csiMount: number[];
}

/** The simulations, from measured inputs (so that `--render` can redo them from the JSON). */
export function simulate(raw: RawPropagation, rotations: number, podsPerNode: number) {
  const poll = (intervalMs: number, seed: number) =>
    simulateKvsyncPoll({
      intervalMs,
      changedPollMs: raw.changedPoll,
      idlePollMs: raw.idlePoll,
      rotations,
      seed,
    });
  const sim1s = poll(1_000, 1);
  const sim2m = poll(DEFAULT_POLL_MS, 2);
  const csi = simulateCsi({
    intervalMs: DEFAULT_POLL_MS,
    podsPerNode,
    mountMs: raw.csiMount,
    rotations,
    seed: 3,
  });
  return {
    pollDefault: { intervalMs: DEFAULT_POLL_MS, ...stats(sim2m) },
    csi: { intervalMs: DEFAULT_POLL_MS, podsPerNode, objectsPerPod: 4, ...stats(csi) },
    validation: {
      intervalMs: 1_000,
      measured: stats(raw.poll1s),
      simulated: stats(sim1s),
      ks: ksDistance(raw.poll1s, sim1s),
    },
    simulatedRotations: rotations,
    samples: { sim1s, sim2m, csi },
  };
}

const r2 = (xs: readonly number[]) => xs.map((v) => Math.round(v * 100) / 100);

export async function runPropagation(p: Params, log: Log) {
  const bench = await openAgentBench();
  try {
    log(`propagation: push, ${p["push-rotations"]} rotations`);
    const push = await measurePush(bench, num(p, "push-rotations"));
    log(`propagation: polls timed by hand, ${p["poll-work-samples"]}`);
    const work = await measurePollWork(bench, num(p, "poll-work-samples"));
    log(`propagation: poll at 1 s for real, ${p["poll-rotations"]} rotations`);
    const poll1s = await measurePoll(bench, num(p, "poll-rotations"), 1_000);
    log(`propagation: CSI mounts timed (4 GetSecret in series), ${p["csi-mounts"]}`);
    const csiMount = await measureSerialGets(bench, num(p, "csi-mounts"), 4);
    log("propagation: Key Vault reads per rotation, one agent with 100 targets of one object");
    const reads = await measureReadsPerRotation(bench, 100, 4);
    const raw: RawPropagation = {
      push: r2(push.samples),
      poll1s: r2(poll1s.samples),
      changedPoll: r2(work.changed),
      idlePoll: r2(work.idle),
      csiMount: r2(csiMount),
    };
    return {
      push: { ...stats(raw.push), getSecretPerRotation: push.getSecretPerRotation },
      ...simulate(raw, num(p, "sim-rotations"), num(p, "pods-per-node")),
      inputs: {
        changedPollMs: stats(raw.changedPoll),
        idlePollMs: stats(raw.idlePoll),
        csiMountMs: stats(raw.csiMount),
      },
      reads,
      raw,
    };
  } finally {
    await bench.close();
  }
}

export async function runRequests(p: Params, log: Log) {
  const runs: ClusterRequests[] = [];
  const resyncMs = num(p, "resync-ms");
  for (const pods of list(p, "cluster-pods")) {
    log(`requests: controller + ${pods} agents reading Key Vault`);
    runs.push(await measureClusterRequests({ pods, fromSecret: false, resyncMs }));
  }
  for (const pods of list(p, "from-secret-pods")) {
    log(`requests: controller + ${pods} agents --from-secret`);
    runs.push(await measureClusterRequests({ pods, fromSecret: true, resyncMs }));
  }
  return requestModels(runs, list(p, "model-pods"));
}

/** The models' figures from the measured runs (so that `--render` can redo them). */
export function requestModels(runs: ClusterRequests[], modelPods: readonly number[]) {
  const counts = countsFrom(runs);
  return {
    measured: runs,
    counts,
    rows: modelRows(
      counts,
      modelPods,
      new Set(runs.filter((r) => !r.fromSecret).map((r) => r.pods)),
      new Set(runs.filter((r) => r.fromSecret).map((r) => r.pods)),
    ),
    crossings: crossings(counts),
  };
}

export async function runThroughput(p: Params, log: Log) {
  log(
    `throughput: end to end, ${p["tp-rotations"]} rotations over ${p["tp-classes"]} classes of 4 objects, ` +
      "batches of 1 and 10, then a profiled run",
  );
  const endToEnd = await measureThroughput({
    classes: num(p, "tp-classes"),
    rotations: num(p, "tp-rotations"),
    connections: 64,
    batches: [1, 10],
    profileRotations: num(p, "tp-profile-rotations"),
  });
  log(`throughput: vault GetSecret, ${p["vault-seconds"]} s`);
  const vault = await measureVaultGetSecret({ seconds: num(p, "vault-seconds"), connections: 32 });
  log("throughput: Event Grid delivery, batches of 1 and 10");
  const eventGrid = await measureEventGrid({
    rotations: num(p, "eg-rotations"),
    events: num(p, "eg-events"),
    concurrency: 64,
    batch: 1,
  });
  const eventGridBatch10 = await measureEventGrid({
    rotations: 100,
    events: num(p, "eg-events"),
    concurrency: 64,
    batch: 10,
  });
  log(`throughput: controller fan-out, ${p["fanout-classes"]} classes`);
  const fanout = await measureControllerFanout({
    classes: num(p, "fanout-classes"),
    rotations: num(p, "fanout-rotations"),
  });
  return { endToEnd, vault, eventGrid, eventGridBatch10, fanout };
}

export async function runFootprint(p: Params, log: Log) {
  const limit = num(p, "size-timeout-s") * 1000;
  log(`footprint: agent with ${p["agent-sizes"]} objects`);
  const agent = await measureAgentFootprint(list(p, "agent-sizes"), limit);
  log(`footprint: controller with ${p["controller-sizes"]} classes`);
  const controller = await measureControllerFootprint(list(p, "controller-sizes"), limit);
  return { agent, controller };
}

export type PropagationResult = Awaited<ReturnType<typeof runPropagation>>;
export type RequestsResult = Awaited<ReturnType<typeof runRequests>>;
export type ThroughputResult = Awaited<ReturnType<typeof runThroughput>>;
export type FootprintResult = Awaited<ReturnType<typeof runFootprint>>;

export interface Report {
  title: string;
  /** The command that made this report (flags that differ from the defaults included). */
  command: string;
  date: string;
  finishedAt: string;
  totalSeconds: number;
  sectionSeconds: Partial<Record<Section, number>>;
  /** Cores other work on the machine (not this run) used on average during each section. */
  sectionOtherWorkCores?: Partial<Record<Section, number>>;
  machine: ReturnType<typeof machineFacts> & {
    kernel: string;
    loadAverageAtEnd: number[];
    note: string;
  };
  parameters: Params;
  /** The command that measures each section again on its own. */
  commands?: Record<Section, string>;
  /** `samples` (the simulated rotations) are left out of the JSON and redone by --render. */
  propagation?: Omit<PropagationResult, "samples"> & { samples?: PropagationResult["samples"] };
  requests?: RequestsResult;
  throughput?: ThroughputResult;
  footprint?: FootprintResult;
}
