/**
 * Kubernetes pieces for the benchmarks: the tests' fake API server in a process of its own,
 * `kvsync controller` as users run it (its own process), SecretProviderClasses created through
 * the API, and the versions the controller records on them.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CustomObjectsApi, KubeConfig, type KubernetesObject } from "@kubernetes/client-node";
import { readClassStatus } from "../src/kube/class-status.js";
import { SPC_GROUP, SPC_PLURAL, SPC_VERSION } from "../src/kube/spc-resource.js";
import {
  type BenchVault,
  firstLine,
  httpGet,
  programPath,
  promSum,
  sleep,
  stopChild,
} from "./support.js";

export interface FakeApi {
  child: ChildProcess;
  kubeconfig: KubeConfig;
  kubeconfigFile: string;
  custom: CustomObjectsApi;
}

export async function startFakeApi(work: string): Promise<FakeApi> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", programPath("bench/fake-api-process.ts")],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const kubeconfigText = await firstLine(child, /^(\{.*\})$/);
  const kubeconfigFile = join(work, "kubeconfig.json");
  await writeFile(kubeconfigFile, kubeconfigText);
  const kubeconfig = new KubeConfig();
  kubeconfig.loadFromString(kubeconfigText);
  return { child, kubeconfig, kubeconfigFile, custom: kubeconfig.makeApiClient(CustomObjectsApi) };
}

export interface RunningController {
  child: ChildProcess;
  /** http://host:port of its server (webhook at /api/events, /readyz, /metrics). */
  base: string;
  /** performance.now() when it printed its address, right after arming the resync timer. */
  armedAt: number;
  /** performance.now() just before the spawn. */
  spawnedAt: number;
}

export async function startController(options: {
  api: FakeApi;
  vault: BenchVault;
  caFile: string;
  resyncInterval?: string;
}): Promise<RunningController> {
  const spawnedAt = performance.now();
  const child = spawn(
    process.execPath,
    [
      programPath("bin/kvsync.js"),
      "controller",
      "--kubeconfig",
      options.api.kubeconfigFile,
      "--vault-endpoint",
      `demo=${options.vault.url}`,
      "--ca",
      options.caFile,
      "--webhook-port",
      "0",
      "--no-leader-elect",
      "--log-level",
      "warn",
      ...(options.resyncInterval === undefined
        ? []
        : ["--resync-interval", options.resyncInterval]),
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const webhook = await firstLine(child, /^controller\s+(\S+)$/);
  return {
    child,
    base: webhook.replace(/\/api\/events$/, ""),
    armedAt: performance.now(),
    spawnedAt,
  };
}

/** A class as users write one: `objects` of the vault "demo", all kept in one Opaque Secret. */
export function classBody(name: string, objects: readonly string[]) {
  return {
    apiVersion: `${SPC_GROUP}/${SPC_VERSION}`,
    kind: "SecretProviderClass",
    metadata: { name },
    spec: {
      provider: "azure",
      secretObjects: [
        {
          secretName: name,
          type: "Opaque",
          data: objects.map((objectName, j) => ({ objectName, key: `k${String(j)}` })),
        },
      ],
      parameters: {
        keyvaultName: "demo",
        tenantId: "00000000-0000-0000-0000-000000000000",
        objects: `array:\n${objects
          .map((o) => `  - |\n    objectName: ${o}\n    objectType: secret\n`)
          .join("")}`,
      },
    },
  };
}

export interface ClassPlacement {
  namespace: string;
  name: string;
  objects: readonly string[];
}

/** Creates the classes through the API, 50 at a time. */
export async function createClasses(
  api: FakeApi,
  classes: readonly ClassPlacement[],
): Promise<void> {
  for (let i = 0; i < classes.length; i += 50) {
    await Promise.all(
      classes.slice(i, i + 50).map((c) =>
        api.custom.createNamespacedCustomObject({
          group: SPC_GROUP,
          version: SPC_VERSION,
          plural: SPC_PLURAL,
          namespace: c.namespace,
          body: classBody(c.name, c.objects),
        }),
      ),
    );
  }
}

/** objectName@version → how many classes record it. */
export async function recordedVersions(api: FakeApi): Promise<Map<string, number>> {
  const list = (await api.custom.listClusterCustomObject({
    group: SPC_GROUP,
    version: SPC_VERSION,
    plural: SPC_PLURAL,
  })) as { items: KubernetesObject[] };
  const counts = new Map<string, number>();
  for (const item of list.items) {
    for (const o of readClassStatus(item)?.objects ?? []) {
      const key = `${o.objectName}@${o.version}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

/** Polls the classes through the API every `everyMs` until `done` says so. */
export async function untilRecorded(
  api: FakeApi,
  done: (counts: Map<string, number>) => boolean,
  everyMs: number,
  timeoutMs = 300_000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!done(await recordedVersions(api))) {
    if (performance.now() > deadline) throw new Error("timed out waiting for class statuses");
    await sleep(everyMs);
  }
}

/** The controller's successful class syncs so far (its /metrics). */
export async function controllerSyncs(controller: RunningController): Promise<number> {
  const { body } = await httpGet(`${controller.base}/metrics`);
  return promSum(body, "kvsync_controller_syncs_total", ['result="ok"']);
}

export async function stopAll(children: readonly ChildProcess[]): Promise<void> {
  for (const child of children) await stopChild(child);
}
