/**
 * Key Vault requests of kvsync in a cluster, counted for real: `kvsync controller` (its own
 * process) against the fake API server (its own process) and the local vault (its own process,
 * publishing Event Grid events to the controller's webhook), and N pods' agents
 * (`kvsync agent --class-ref`, in this process), one class per pod with 4 objects and a Secret.
 * Counted on the vault (requests answered 200):
 *  - the agents starting (the controller has synced every class already);
 *  - each of 4 rotations (one per object): the controller's read and the agents' reads, and the
 *    time from SetSecret to the last pod's file holding the new value;
 *  - the controller's resync lists, with a short --resync-interval, per resync.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { startClassRefAgent, type RunningClassRefAgent } from "../src/kube/class-ref-agent.js";
import {
  createClasses,
  startController,
  startFakeApi,
  stopAll,
  untilRecorded,
} from "./kube-harness.js";
import { httpGet, promSum, sleep, startBenchVault, vaultCaller, vaultCount } from "./support.js";

const OBJECTS = ["kv-a", "kv-b", "kv-c", "kv-d"];

export interface ClusterRequestsOptions {
  pods: number;
  /** Agents read values from the class's synced Secrets, not Key Vault (`--from-secret`). */
  fromSecret: boolean;
  /** The controller's --resync-interval for counting its lists, ms. */
  resyncMs: number;
}

export type ClusterRequests = Awaited<ReturnType<typeof measureClusterRequests>>;

export async function measureClusterRequests({
  pods,
  fromSecret,
  resyncMs,
}: ClusterRequestsOptions) {
  const work = await mkdtemp(join(tmpdir(), "kvsync-bench-cluster-"));
  const vault = await startBenchVault();
  const call = vaultCaller(vault);
  const caFile = join(work, "ca.pem");
  await writeFile(caFile, vault.ca);
  const children = [];
  const agents: RunningClassRefAgent[] = [];
  const gets = () => vaultCount(call, "GetSecret", true);
  const lists = () => vaultCount(call, "GetSecrets", true);
  try {
    const api = await startFakeApi(work);
    children.push(api.child);
    const setSecret = async (name: string, value: string): Promise<string> => {
      const { status, body } = await call("PUT", `/secrets/${name}`, { value });
      if (status !== 200) throw new Error(`SetSecret ${name}: ${String(status)}`);
      const id = (JSON.parse(body) as { id: string }).id;
      return id.slice(id.lastIndexOf("/") + 1);
    };
    const versions = new Map<string, string>();
    for (const name of OBJECTS) versions.set(name, await setSecret(name, `${name}-0`));
    const classes = Array.from({ length: pods }, (_, n) => ({
      namespace: `team-${String(n % 10)}`,
      name: `pod-${String(n)}`,
      objects: OBJECTS,
    }));
    await createClasses(api, classes);

    const controller = await startController({
      api,
      vault,
      caFile,
      resyncInterval: `${String(resyncMs / 1000)}s`,
    });
    children.push(controller.child);
    const controllerGets = async () =>
      promSum(
        (await httpGet(`${controller.base}/metrics`)).body,
        "kvsync_keyvault_requests_total",
        ['operation="getSecret"', 'status="200"'],
      );
    const sub = await call("PUT", "/eventSubscriptions/controller", {
      properties: {
        destination: {
          endpointType: "WebHook",
          properties: { endpointUrl: `${controller.base}/api/events` },
        },
      },
    });
    if (sub.status >= 300) throw new Error(`subscription: HTTP ${String(sub.status)} ${sub.body}`);
    await untilRecorded(
      api,
      (counts) => OBJECTS.every((o) => counts.get(`${o}@${versions.get(o) ?? ""}`) === pods),
      100,
    );
    const controllerStartGets = await gets();

    // The pods' agents, once the controller has recorded every class's versions.
    const silent = pino({ level: "silent" });
    const mounts = classes.map((c) => join(work, "pods", c.name));
    const beforeAgents = await gets();
    const agentsStarted = performance.now();
    for (let i = 0; i < classes.length; i += 25) {
      const batch = classes.slice(i, i + 25);
      agents.push(
        ...(await Promise.all(
          batch.map(async (c, k) => {
            const mountDir = mounts[i + k] ?? "";
            await mkdir(mountDir, { recursive: true });
            return startClassRefAgent({
              kubeconfig: api.kubeconfig,
              classRef: { namespace: c.namespace, name: c.name },
              mountDir,
              fromSecret,
              vaultEndpoints: new Map([["demo", vault.url]]),
              ca: vault.ca,
              webhook: { port: 0, host: "127.0.0.1", auth: { kind: "none" } },
              logger: silent,
            });
          }),
        )),
      );
    }
    const allHold = async (name: string, value: string) => {
      const texts = await Promise.all(
        mounts.map((m) => readFile(join(m, name), "utf8").catch(() => undefined)),
      );
      return texts.every((t) => t === value);
    };
    const until = async (name: string, value: string, timeoutMs: number) => {
      const deadline = performance.now() + timeoutMs;
      while (!(await allHold(name, value))) {
        if (performance.now() > deadline) throw new Error(`pods never all held ${name}=${value}`);
        await sleep(20);
      }
    };
    for (const name of OBJECTS) await until(name, `${name}-0`, 60_000);
    const agentsReadyMs = Math.round(performance.now() - agentsStarted);
    await sleep(200);
    const agentStartGets = (await gets()) - beforeAgents;

    const rotations = [];
    for (const [r, name] of OBJECTS.entries()) {
      const vaultBefore = await gets();
      const controllerBefore = await controllerGets();
      const at = performance.now();
      await setSecret(name, `${name}-${String(r + 1)}`);
      await until(name, `${name}-${String(r + 1)}`, 60_000);
      const ms = Math.round(performance.now() - at);
      await sleep(200);
      const total = (await gets()) - vaultBefore;
      const byController = (await controllerGets()) - controllerBefore;
      rotations.push({
        object: name,
        ms,
        controllerGets: byController,
        agentGets: total - byController,
      });
    }

    // Resyncs: its timer was armed when it printed its address; count at mid-interval.
    const elapsed = performance.now() - controller.armedAt;
    const resyncs = Math.floor(elapsed / resyncMs) + 1;
    await sleep(controller.armedAt + (resyncs + 0.5) * resyncMs - performance.now());
    const listed = await lists();

    return {
      pods,
      objectsPerPod: OBJECTS.length,
      fromSecret,
      controllerStart: {
        getSecret: controllerStartGets,
        note: "classes created first, then the controller started: its reads until every class records its versions",
      },
      agentsStart: { getSecret: agentStartGets, ms: agentsReadyMs },
      rotations,
      resync: {
        intervalMs: resyncMs,
        resyncs,
        listRequests: listed,
        listRequestsPerResync: Math.round((listed / resyncs) * 100) / 100,
        note: "GetSecrets pages (25 names each) the vault answered; this vault holds 4 secrets",
      },
    };
  } finally {
    await Promise.all(agents.map((a) => a.close().catch(() => undefined)));
    await stopAll(children);
    await vault.stop();
    await rm(work, { recursive: true, force: true });
  }
}
