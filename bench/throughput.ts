/**
 * End-to-end rotations per second: SetSecret → the vault's Event Grid event → `kvsync agent`'s
 * webhook → one GetSecret of that version → the files swapped. The vault and the agent
 * (`node --optimize-for-size bin/kvsync.js agent --config`, `classes` classes of 4 objects, one
 * mount folder each, as pods' classes are) each run in their own process; autocannon writes
 * `rotations` SetSecrets over all the objects from this one. A rotation rewrites its class's
 * folder (Kubernetes' AtomicWriter: the whole set, then one rename).
 * The clock stops when the agent has read every written version and every file holds its
 * object's newest value. CPU seconds of each process (and of the whole machine, other people's
 * work included) say where the time went; a separate, profiled run of the agent (V8's CPU
 * profiler over the load alone, bench/profile-hook.ts; the CLI unbundled so that each sample
 * names its package) says where inside it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import autocannon from "autocannon";
import { localClassYaml } from "../src/spc/test-support/local-class.js";
import { summarizeCpuProfile, type CpuProfile } from "./cpu-profile.js";
import {
  firstLine,
  httpGet,
  machineCpuSeconds,
  processCpuSeconds,
  programPath,
  programRoot,
  promSum,
  round2,
  sleep,
  startBenchVault,
  stopChild,
  vaultCaller,
  waitReadyz,
} from "./support.js";

export const OBJECTS_PER_CLASS = 4;

export interface ThroughputOptions {
  /** Classes of 4 objects each, one mount folder each. */
  classes: number;
  rotations: number;
  connections: number;
  /** maxEventsPerBatch of each run's subscription (1: Azure's default). */
  batches: readonly number[];
  /** Rotations of the profiled run (0: none). */
  profileRotations: number;
}

export type ThroughputReport = Awaited<ReturnType<typeof measureThroughput>>;

interface AgentProcess {
  child: ChildProcess;
  base: string;
}

export async function measureThroughput({
  classes,
  rotations,
  connections,
  batches,
  profileRotations,
}: ThroughputOptions) {
  const work = await mkdtemp(join(tmpdir(), "kvsync-bench-throughput-"));
  const vault = await startBenchVault();
  const call = vaultCaller(vault);
  const objects = classes * OBJECTS_PER_CLASS;
  const names = Array.from({ length: objects }, (_, i) => `tp-${i}`);
  const mountOf = (i: number) => join(work, "mounts", `c-${Math.floor(i / OBJECTS_PER_CLASS)}`);
  const children: ChildProcess[] = [];
  try {
    for (const name of names) {
      const res = await call("PUT", `/secrets/${name}`, { value: `${name}-0` });
      if (res.status !== 200) throw new Error(`SetSecret: HTTP ${res.status}`);
    }
    const caFile = join(work, "ca.pem");
    await writeFile(caFile, vault.ca);
    const targets: string[] = [];
    for (let c = 0; c < classes; c++) {
      const classFile = join(work, `class-${c}.yaml`);
      const own = names.slice(c * OBJECTS_PER_CLASS, (c + 1) * OBJECTS_PER_CLASS);
      await writeFile(
        classFile,
        localClassYaml(
          `throughput-${c}`,
          own.map((n) => `objectName: ${n}\nobjectType: secret`),
        ),
      );
      targets.push(`  - { class: ${classFile}, mount: ${mountOf(c * OBJECTS_PER_CLASS)} }`);
    }
    const configFile = join(work, "agent.yaml");
    await writeFile(
      configFile,
      `targets:\n${targets.join("\n")}\nvaultEndpoints: { demo: "${vault.url}" }\nca: ${caFile}\n`,
    );
    const startAgentProcess = async (
      nodeArgs: readonly string[],
      env: Record<string, string> = {},
    ): Promise<AgentProcess> => {
      const child = spawn(
        process.execPath,
        [
          ...nodeArgs,
          "agent",
          "--config",
          configFile,
          "--webhook-port",
          "0",
          "--log-level",
          "warn",
        ],
        { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, ...env } },
      );
      children.push(child);
      const base = await firstLine(child, /^agent\s+(\S+)\/api\/events/);
      await waitReadyz(base, 60_000);
      return { child, base };
    };

    let written = 0;
    const load = (amount: number) =>
      autocannon({
        url: vault.url,
        connections,
        amount,
        headers: { authorization: "Bearer bench", "content-type": "application/json" },
        requests: [
          {
            method: "PUT",
            setupRequest: (request) => {
              const n = written++;
              return {
                ...request,
                path: `/secrets/${names[n % names.length] ?? ""}?api-version=7.5`,
                body: JSON.stringify({ value: `rotation-${n}` }),
              };
            },
          },
        ],
      });
    const filesHold = async (values: readonly string[]) => {
      const texts = await Promise.all(
        names.map((n, i) => readFile(join(mountOf(i), n), "utf8").catch(() => undefined)),
      );
      return texts.every((t, i) => t === values[i]);
    };
    const latestValues = () =>
      Promise.all(
        names.map(async (n) => {
          const res = await call("GET", `/secrets/${n}/`);
          return (JSON.parse(res.body) as { value: string }).value;
        }),
      );

    /** One measured run through `agent` with a subscription of this batch size. */
    const oneRun = async (
      agent: AgentProcess,
      batch: number,
      amount: number,
      onMeasureStart: () => void = () => undefined,
    ) => {
      const agentGets = async () =>
        promSum((await httpGet(`${agent.base}/metrics`)).body, "kvsync_keyvault_requests_total", [
          'operation="getSecret"',
          'status="200"',
        ]);
      const sub = await call("PUT", "/eventSubscriptions/throughput", {
        properties: {
          destination: {
            endpointType: "WebHook",
            properties: { endpointUrl: `${agent.base}/api/events`, maxEventsPerBatch: batch },
          },
        },
      });
      if (sub.status >= 300) throw new Error(`subscription: HTTP ${sub.status} ${sub.body}`);
      try {
        // Warm-up: a few hundred rotations through the whole path, then let it drain.
        const warmGets = await agentGets();
        const warm = await load(Math.min(500, amount));
        while ((await agentGets()) - warmGets < warm["2xx"]) await sleep(50);

        const getsBefore = await agentGets();
        onMeasureStart();
        const vaultCpu0 = await processCpuSeconds(vault.process.pid ?? 0);
        const agentCpu0 = await processCpuSeconds(agent.child.pid ?? 0);
        const benchCpu0 = process.cpuUsage();
        const machine0 = await machineCpuSeconds();
        const started = performance.now();
        const result = await load(amount);
        const writesDoneMs = performance.now() - started;
        const accepted = result["2xx"];
        const deadline = performance.now() + 120_000;
        while ((await agentGets()) - getsBefore < accepted) {
          if (performance.now() > deadline) throw new Error("the agent never read every version");
          await sleep(20);
        }
        const eventsReadMs = performance.now() - started;
        const values = await latestValues();
        while (!(await filesHold(values))) {
          if (performance.now() > deadline) throw new Error("the files never held the latest");
          await sleep(20);
        }
        const seconds = (performance.now() - started) / 1000;
        const bench = process.cpuUsage(benchCpu0);
        const machine = await machineCpuSeconds();
        const vaultCpu = (await processCpuSeconds(vault.process.pid ?? 0)) - vaultCpu0;
        const agentCpu = (await processCpuSeconds(agent.child.pid ?? 0)) - agentCpu0;
        const benchCpu = (bench.user + bench.system) / 1e6;
        const machineBusy = machine.busy - machine0.busy;
        const cores = (cpuSeconds: number) => round2(cpuSeconds / seconds);
        return {
          maxEventsPerBatch: batch,
          rotations: accepted,
          non2xx: result.non2xx,
          errors: result.errors,
          seconds: round2(seconds),
          rotationsPerSecond: Math.round(accepted / seconds),
          writesPerSecond: Math.round(accepted / (writesDoneMs / 1000)),
          allEventsReadAfterMs: Math.round(eventsReadMs),
          agentGetSecret: (await agentGets()) - getsBefore,
          cpuMsPerRotation: {
            vault: round2((vaultCpu * 1000) / accepted),
            agent: round2((agentCpu * 1000) / accepted),
          },
          coresUsed: {
            vault: cores(vaultCpu),
            agent: cores(agentCpu),
            loadGenerator: cores(benchCpu),
            otherProcesses: cores(Math.max(0, machineBusy - vaultCpu - agentCpu - benchCpu)),
            machine: cores(machineBusy),
          },
        };
      } finally {
        await call("DELETE", "/eventSubscriptions/throughput");
      }
    };

    const runs = [];
    const agent = await startAgentProcess(["--optimize-for-size", programPath("bin/kvsync.js")]);
    for (const batch of batches) runs.push(await oneRun(agent, batch, rotations));
    await stopChild(agent.child);

    let profile:
      | (ReturnType<typeof summarizeCpuProfile> & {
          run: { rotations: number; rotationsPerSecond: number };
        })
      | undefined;
    if (profileRotations > 0) {
      // The unbundled CLI (dist/cli), so that each sample's file names its package; the hook
      // profiles the measured load alone (SIGUSR2 on, SIGUSR2 off).
      const profileFile = join(work, "agent.cpuprofile");
      const launcher = `import { main } from ${JSON.stringify(
        pathToFileURL(programPath("dist/cli/main.js")).href,
      )}; process.exitCode = await main(process.argv);`;
      const profiled = await startAgentProcess(
        [
          "--optimize-for-size",
          "--import",
          "tsx",
          "--import",
          programPath("bench/profile-hook.ts"),
          "--input-type=module",
          "-e",
          launcher,
          "kvsync",
        ],
        { KVSYNC_BENCH_PROFILE: profileFile },
      );
      const run = await oneRun(profiled, 1, profileRotations, () => {
        profiled.child.kill("SIGUSR2");
      });
      profiled.child.kill("SIGUSR2");
      const deadline = performance.now() + 30_000;
      let text = "";
      while (text === "" && performance.now() < deadline) {
        await sleep(100);
        text = await readFile(profileFile, "utf8").catch(() => "");
      }
      await stopChild(profiled.child);
      if (text !== "" && text !== "{}") {
        profile = {
          ...summarizeCpuProfile(JSON.parse(text) as CpuProfile, programRoot()),
          run: { rotations: run.rotations, rotationsPerSecond: run.rotationsPerSecond },
        };
      }
    }
    return { classes, objectsPerClass: OBJECTS_PER_CLASS, objects, connections, runs, profile };
  } finally {
    for (const child of children) await stopChild(child);
    await vault.stop();
    await rm(work, { recursive: true, force: true });
  }
}
