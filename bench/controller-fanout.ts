/**
 * `npm run bench:controller`: `kvsync controller` (its own process, as users run it) against the
 * local vault and the fake Kubernetes API server (each in its own process too):
 *  - N classes in 10 namespaces sharing 4 objects (each class uses 2, with a Secret): the time
 *    from creating them to every class recording its versions, and Key Vault reads for it;
 *  - rotations: SetSecret, then its SecretNewVersionCreated POSTed to the controller's webhook;
 *    the time until every class using the object records the new version (watched through the
 *    API, polled every 20 ms) and the GetSecret calls the vault counted for it;
 *  - the controller's VmRSS after the first sync.
 * Writes docs/benchmarks/controller.json.
 *
 *   npm run bench:controller -- [--classes 1000] [--rotations 5]
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { CustomObjectsApi, KubeConfig, type KubernetesObject } from "@kubernetes/client-node";
import { readClassStatus } from "../src/kube/class-status.js";
import { SPC_GROUP, SPC_PLURAL, SPC_VERSION } from "../src/kube/spc-resource.js";
import { machineFacts, root, startBenchVault, vaultCaller } from "./support.js";

const { values } = parseArgs({
  options: {
    classes: { type: "string", default: "1000" },
    rotations: { type: "string", default: "5" },
    out: { type: "string", default: "docs/benchmarks/controller.json" },
  },
});
const classCount = Number(values.classes);
const rotationCount = Number(values.rotations);
const OBJECTS = ["fan-a", "fan-b", "fan-c", "fan-d"];
const POLL_MS = 20;

const work = await mkdtemp(join(tmpdir(), "kvsync-bench-controller-"));
const vault = await startBenchVault();
const call = vaultCaller(vault);
const caFile = join(work, "ca.pem");
await writeFile(caFile, vault.ca);
const children: ChildProcess[] = [];

async function firstLine(child: ChildProcess, pattern: RegExp): Promise<string> {
  if (child.stdout === null) throw new Error("no stdout");
  for await (const line of createInterface({ input: child.stdout })) {
    const match = pattern.exec(line);
    if (match?.[1] !== undefined) return match[1];
  }
  throw new Error(`the process exited before printing ${String(pattern)}`);
}

/**
 * Successful calls only: the SDK's first calls go out without a token and get the 401 challenge
 * (several at once when several start together), which reads nothing.
 */
async function vaultCount(operation: string): Promise<number> {
  const { body } = await call("GET", "/metrics");
  let total = 0;
  for (const line of body.split("\n")) {
    if (!line.startsWith("kvsync_vault_requests_total{")) continue;
    if (!line.includes(`operation="${operation}"`) || !line.includes('status="200"')) continue;
    total += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return total;
}

async function setSecret(name: string, value: string): Promise<string> {
  const { status, body } = await call("PUT", `/secrets/${name}`, { value });
  if (status !== 200) throw new Error(`SetSecret ${name}: ${String(status)}`);
  const id = (JSON.parse(body) as { id: string }).id;
  return id.slice(id.lastIndexOf("/") + 1);
}

try {
  const api = spawn(
    process.execPath,
    ["--import", "tsx", join(root, "bench/fake-api-process.ts")],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  children.push(api);
  const kubeconfigText = await firstLine(api, /^(\{.*\})$/);
  const kubeconfigFile = join(work, "kubeconfig.json");
  await writeFile(kubeconfigFile, kubeconfigText);
  const kubeconfig = new KubeConfig();
  kubeconfig.loadFromString(kubeconfigText);
  const custom = kubeconfig.makeApiClient(CustomObjectsApi);

  const versions = new Map<string, string>();
  for (const name of OBJECTS) versions.set(name, await setSecret(name, `${name}-0`));

  const controller = spawn(
    process.execPath,
    [
      join(root, "bin/kvsync.js"),
      "controller",
      "--kubeconfig",
      kubeconfigFile,
      "--vault-endpoint",
      `demo=${vault.url}`,
      "--ca",
      caFile,
      "--webhook-port",
      "0",
      "--no-leader-elect",
      "--log-level",
      "warn",
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  children.push(controller);
  const webhook = await firstLine(controller, /^controller\s+(\S+)$/);

  /** objectName@version → how many classes record it. */
  const recorded = async (): Promise<Map<string, number>> => {
    const list = (await custom.listClusterCustomObject({
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
  };
  const until = async (done: (counts: Map<string, number>) => boolean): Promise<void> => {
    const deadline = performance.now() + 300_000;
    while (!done(await recorded())) {
      if (performance.now() > deadline) throw new Error("timed out");
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  };

  const readsBefore = await vaultCount("GetSecret");
  const started = performance.now();
  for (let i = 0; i < classCount; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, classCount - i) }, (_, k) => {
        const n = i + k;
        const objects = [OBJECTS[n % 4] ?? "", OBJECTS[(n + 1) % 4] ?? ""];
        return custom.createNamespacedCustomObject({
          group: SPC_GROUP,
          version: SPC_VERSION,
          plural: SPC_PLURAL,
          namespace: `team-${String(n % 10)}`,
          body: {
            apiVersion: `${SPC_GROUP}/${SPC_VERSION}`,
            kind: "SecretProviderClass",
            metadata: { name: `app-${String(n)}` },
            spec: {
              provider: "azure",
              secretObjects: [
                {
                  secretName: `app-${String(n)}`,
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
          },
        });
      }),
    );
  }
  await until((counts) =>
    OBJECTS.every((o) => (counts.get(`${o}@${versions.get(o) ?? ""}`) ?? 0) === classCount / 2),
  );
  const initialMs = performance.now() - started;
  const initialReads = (await vaultCount("GetSecret")) - readsBefore;
  const status = await readFile(`/proc/${String(controller.pid)}/status`, "utf8");
  const rssMiB = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1]) / 1024;

  const rotations: { ms: number; reads: number }[] = [];
  for (let r = 1; r <= rotationCount; r++) {
    const name = OBJECTS[r % 4] ?? "";
    const reads = await vaultCount("GetSecret");
    const at = performance.now();
    const version = await setSecret(name, `${name}-${String(r)}`);
    const event = [
      {
        id: randomUUID(),
        topic: "/subscriptions/bench/resourceGroups/bench/providers/Microsoft.KeyVault/vaults/demo",
        subject: name,
        eventType: "Microsoft.KeyVault.SecretNewVersionCreated",
        eventTime: new Date().toISOString(),
        data: {
          Id: `https://demo.vault.azure.net/secrets/${name}/${version}`,
          VaultName: "demo",
          ObjectType: "Secret",
          ObjectName: name,
          Version: version,
          NBF: null,
          EXP: null,
        },
        dataVersion: "1",
        metadataVersion: "1",
      },
    ];
    const answer = await fetch(webhook, {
      method: "POST",
      headers: { "content-type": "application/json", "aeg-event-type": "Notification" },
      body: JSON.stringify(event),
    });
    if (answer.status !== 200) throw new Error(`webhook answered ${String(answer.status)}`);
    await until((counts) => (counts.get(`${name}@${version}`) ?? 0) === classCount / 2);
    rotations.push({
      ms: Math.round(performance.now() - at),
      reads: (await vaultCount("GetSecret")) - reads,
    });
  }

  const report = {
    benchmark: "controller-fanout",
    command: `npm run bench:controller -- --classes ${String(classCount)} --rotations ${String(rotationCount)}`,
    machine: {
      ...machineFacts(),
      note: "controller, local vault and fake API server each in its own process on this machine; class statuses polled every 20 ms through the API",
    },
    classes: classCount,
    objects: OBJECTS.length,
    initialSync: {
      ms: Math.round(initialMs),
      keyVaultGetSecret: initialReads,
      note: "creating the classes (50 at a time) to every class recording its versions; GetSecret answered 200 (the SDK's 401 challenges not counted)",
    },
    controllerVmRssMiB: Math.round(rssMiB * 10) / 10,
    rotations: {
      classesPerRotation: classCount / 2,
      ms: rotations.map((x) => x.ms),
      keyVaultGetSecretPerRotation: rotations.map((x) => x.reads),
      note: "SetSecret sent → every class using the object records the new version (its Secret is written before)",
    },
  };
  const outFile = resolve(root, values.out);
  await mkdir(dirname(outFile), { recursive: true });
  await writeFile(outFile, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(
    `${String(classCount)} classes synced in ${String(report.initialSync.ms)} ms with ${String(initialReads)} GetSecret; ` +
      `rotations of ${String(classCount / 2)} classes: ${rotations.map((x) => `${String(x.ms)} ms/${String(x.reads)} read`).join(", ")}; ` +
      `controller VmRSS ${String(report.controllerVmRssMiB)} MiB (${String(report.machine.cores)} cores, Node ${report.machine.node}) -> ${values.out}\n`,
  );
} finally {
  for (const child of children) child.kill("SIGTERM");
  await vault.stop();
  await rm(work, { recursive: true, force: true });
}
