/**
 * Memory and start-up time, each program in its own process as users run it:
 *  - the agent, `node --optimize-for-size bin/kvsync.js agent` with one class of N objects
 *    (bench/agent-propagation.ts's childMemory): spawn → /readyz 200 (first full sync), VmRSS 2 s
 *    later;
 *  - the controller, `kvsync controller` against the fake API server holding N classes (4
 *    objects each, one Secret each) created before it starts: spawn → /readyz 200 (classes
 *    listed) and → every class synced (its versions recorded), VmRSS then, Key Vault reads.
 * Each has a time limit; a size that does not finish within it is reported as such.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { childMemory, openAgentBench, seedSecrets, type ChildMemory } from "./agent-propagation.js";
import {
  controllerSyncs,
  createClasses,
  recordedVersions,
  startController,
  startFakeApi,
  stopAll,
} from "./kube-harness.js";
import {
  httpGet,
  processMemory,
  sleep,
  startBenchVault,
  vaultCaller,
  vaultCount,
} from "./support.js";

export async function measureAgentFootprint(sizes: readonly number[], timeoutMs: number) {
  const bench = await openAgentBench();
  try {
    const seedStarted = performance.now();
    const names = await seedSecrets(bench, "mem-", Math.max(...sizes));
    const seedMs = Math.round(performance.now() - seedStarted);
    const results: (ChildMemory | { objects: number; failed: string })[] = [];
    for (const n of sizes) {
      try {
        results.push(
          await childMemory(bench, names.slice(0, n), ["--optimize-for-size"], timeoutMs),
        );
      } catch (error) {
        results.push({ objects: n, failed: (error as Error).message });
      }
    }
    return { vaultSecrets: names.length, seedMs, results };
  } finally {
    await bench.close();
  }
}

const OBJECTS = ["fp-a", "fp-b", "fp-c", "fp-d"];

export interface ControllerFootprint {
  classes: number;
  createClassesMs: number;
  readyzMs: number | undefined;
  /** Spawn → every class records its versions; undefined when the limit came first. */
  allSyncedMs: number | undefined;
  classesSynced: number;
  vmRssMiB: number;
  vmHwmMiB: number;
  keyVaultGetSecret: number;
  timedOut: boolean;
}

export async function measureControllerFootprint(
  sizes: readonly number[],
  timeoutMs: number,
): Promise<ControllerFootprint[]> {
  const work = await mkdtemp(join(tmpdir(), "kvsync-bench-footprint-"));
  const vault = await startBenchVault();
  const call = vaultCaller(vault);
  const caFile = join(work, "ca.pem");
  await writeFile(caFile, vault.ca);
  const versions = new Map<string, string>();
  for (const name of OBJECTS) {
    const { body } = await call("PUT", `/secrets/${name}`, { value: `${name}-0` });
    const id = (JSON.parse(body) as { id: string }).id;
    versions.set(name, id.slice(id.lastIndexOf("/") + 1));
  }
  const results: ControllerFootprint[] = [];
  try {
    for (const n of sizes) {
      // A fresh API server per size: nothing left over from the last one.
      const api = await startFakeApi(work);
      const children = [api.child];
      try {
        const created = performance.now();
        await createClasses(
          api,
          Array.from({ length: n }, (_, i) => ({
            namespace: `team-${String(i % 10)}`,
            name: `app-${String(i)}`,
            objects: OBJECTS,
          })),
        );
        const createClassesMs = Math.round(performance.now() - created);
        const readsBefore = await vaultCount(call, "GetSecret", true);
        const controller = await startController({ api, vault, caFile });
        children.push(controller.child);
        const deadline = controller.spawnedAt + timeoutMs;
        let readyzMs: number | undefined;
        let allSyncedMs: number | undefined;
        let synced = 0;
        // Cheap checks first (its /readyz, its sync counter), then one list to confirm.
        while (performance.now() < deadline) {
          if (
            readyzMs === undefined &&
            (await httpGet(`${controller.base}/readyz`)).status === 200
          ) {
            readyzMs = Math.round(performance.now() - controller.spawnedAt);
          }
          synced = await controllerSyncs(controller);
          if (synced >= n) {
            const counts = await recordedVersions(api);
            if (OBJECTS.every((o) => counts.get(`${o}@${versions.get(o) ?? ""}`) === n)) {
              allSyncedMs = Math.round(performance.now() - controller.spawnedAt);
              break;
            }
          }
          await sleep(n > 1000 ? 250 : 25);
        }
        if (allSyncedMs !== undefined) await sleep(2_000);
        results.push({
          classes: n,
          createClassesMs,
          readyzMs,
          allSyncedMs,
          classesSynced: Math.min(n, synced),
          ...(await processMemory(controller.child.pid ?? 0)),
          keyVaultGetSecret: (await vaultCount(call, "GetSecret", true)) - readsBefore,
          timedOut: allSyncedMs === undefined,
        });
      } finally {
        await stopAll(children.reverse());
      }
    }
    return results;
  } finally {
    await vault.stop();
    await rm(work, { recursive: true, force: true });
  }
}
