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
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  createClasses,
  startController,
  startFakeApi,
  stopAll,
  untilRecorded,
} from "./kube-harness.js";
import {
  isMain,
  machineFacts,
  processMemory,
  startBenchVault,
  vaultCaller,
  vaultCount,
  writeJson,
} from "./support.js";

const OBJECTS = ["fan-a", "fan-b", "fan-c", "fan-d"];
const POLL_MS = 20;

export type ControllerFanoutReport = Awaited<ReturnType<typeof measureControllerFanout>>;

export async function measureControllerFanout({
  classes: classCount,
  rotations: rotationCount,
}: {
  classes: number;
  rotations: number;
}) {
  const work = await mkdtemp(join(tmpdir(), "kvsync-bench-controller-"));
  const vault = await startBenchVault();
  const call = vaultCaller(vault);
  const caFile = join(work, "ca.pem");
  await writeFile(caFile, vault.ca);
  const children = [];
  // Successful calls only: the SDK's first calls go out without a token and get the 401
  // challenge (several at once when several start together), which reads nothing.
  const gets = () => vaultCount(call, "GetSecret", true);
  const setSecret = async (name: string, value: string): Promise<string> => {
    const { status, body } = await call("PUT", `/secrets/${name}`, { value });
    if (status !== 200) throw new Error(`SetSecret ${name}: ${String(status)}`);
    const id = (JSON.parse(body) as { id: string }).id;
    return id.slice(id.lastIndexOf("/") + 1);
  };
  try {
    const api = await startFakeApi(work);
    children.push(api.child);
    const versions = new Map<string, string>();
    for (const name of OBJECTS) versions.set(name, await setSecret(name, `${name}-0`));
    const controller = await startController({ api, vault, caFile });
    children.push(controller.child);
    const webhook = `${controller.base}/api/events`;

    const readsBefore = await gets();
    const started = performance.now();
    await createClasses(
      api,
      Array.from({ length: classCount }, (_, n) => ({
        namespace: `team-${String(n % 10)}`,
        name: `app-${String(n)}`,
        objects: [OBJECTS[n % 4] ?? "", OBJECTS[(n + 1) % 4] ?? ""],
      })),
    );
    await untilRecorded(
      api,
      (counts) =>
        OBJECTS.every((o) => (counts.get(`${o}@${versions.get(o) ?? ""}`) ?? 0) === classCount / 2),
      POLL_MS,
    );
    const initialMs = performance.now() - started;
    const initialReads = (await gets()) - readsBefore;
    const { vmRssMiB } = await processMemory(controller.child.pid ?? 0);

    const rotations: { ms: number; reads: number }[] = [];
    for (let r = 1; r <= rotationCount; r++) {
      const name = OBJECTS[r % 4] ?? "";
      const reads = await gets();
      const at = performance.now();
      const version = await setSecret(name, `${name}-${String(r)}`);
      const event = [
        {
          id: randomUUID(),
          topic:
            "/subscriptions/bench/resourceGroups/bench/providers/Microsoft.KeyVault/vaults/demo",
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
      await untilRecorded(
        api,
        (counts) => (counts.get(`${name}@${version}`) ?? 0) === classCount / 2,
        POLL_MS,
      );
      rotations.push({ ms: Math.round(performance.now() - at), reads: (await gets()) - reads });
    }

    return {
      benchmark: "controller-fanout",
      command: `npm run bench:controller -- --classes ${String(classCount)} --rotations ${String(rotationCount)}`,
      date: new Date().toISOString(),
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
      controllerVmRssMiB: Math.round(vmRssMiB * 10) / 10,
      rotations: {
        classesPerRotation: classCount / 2,
        ms: rotations.map((x) => x.ms),
        keyVaultGetSecretPerRotation: rotations.map((x) => x.reads),
        note: "SetSecret sent → every class using the object records the new version (its Secret is written before)",
      },
    };
  } finally {
    await stopAll(children);
    await vault.stop();
    await rm(work, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      classes: { type: "string", default: "1000" },
      rotations: { type: "string", default: "5" },
      out: { type: "string", default: "docs/benchmarks/controller.json" },
    },
  });
  const report = await measureControllerFanout({
    classes: Number(values.classes),
    rotations: Number(values.rotations),
  });
  await writeJson(values.out, report);
  const r = report.rotations;
  process.stdout.write(
    `${String(report.classes)} classes synced in ${String(report.initialSync.ms)} ms with ${String(report.initialSync.keyVaultGetSecret)} GetSecret; ` +
      `rotations of ${String(r.classesPerRotation)} classes: ${r.ms.map((ms, i) => `${String(ms)} ms/${String(r.keyVaultGetSecretPerRotation[i])} read`).join(", ")}; ` +
      `controller VmRSS ${String(report.controllerVmRssMiB)} MiB (${String(report.machine.cores)} cores, Node ${report.machine.node}) -> ${values.out}\n`,
  );
}
