import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  ListWatch,
  Watch,
  type Informer,
  type KubeConfig,
  type KubernetesObject,
} from "@kubernetes/client-node";
import { startAgent, type AgentOptions, type RunningAgent } from "../agent/index.js";
import type { ObjectType } from "../keyvault/index.js";
import {
  formatProblems,
  parseSecretProviderClass,
  type SecretProviderClass,
} from "../spc/index.js";
import { objectKey, type SyncReport } from "../sync/index.js";
import { readClassStatus } from "./class-status.js";
import { EventReason, EventRecorder } from "./event-recorder.js";
import { fromSecretProblems, SyncedSecretSource } from "./synced-secret-source.js";
import { SPC_GROUP, SPC_PLURAL, SPC_VERSION, spcPath } from "./spc-resource.js";

/**
 * `kvsync agent --class-ref <namespace>/<name>`: the agent of a pod, following its class through
 * the Kubernetes API instead of a file. The class is read once at start and then watched:
 *  - when the controller records new object versions on it (class-status.ts), the agent reads
 *    just those versions and swaps the files, within the watch's latency, with no Key Vault
 *    polling per pod (the controller's resync is the cluster's one poll);
 *  - when the class's spec changes, the agent starts over with the new class, into the same folder;
 *  - when the class is deleted, the files stay as they are (the pod still runs).
 * Each rotation is a Kubernetes Event on the pod (MountRotationComplete / MountRotationFailed)
 * when the pod is known (POD_NAME and POD_NAMESPACE from the downward API).
 */

export interface ClassRef {
  readonly namespace: string;
  readonly name: string;
}

export interface ClassRefAgentOptions extends Omit<AgentOptions, "targets" | "onSynced" | "poll"> {
  kubeconfig: KubeConfig;
  classRef: ClassRef;
  mountDir: string;
  /** Poll Key Vault too (off by default: the class's versions say when to read). */
  poll?: boolean;
  /**
   * Read values from the Secrets the controller keeps for the class instead of Key Vault (for
   * clusters that accept secrets in etcd): the pod needs no Key Vault identity.
   */
  fromSecret?: boolean;
  /** The pod this agent runs in, for its Events. */
  pod?: { namespace: string; name: string; uid?: string };
}

export class ClassRefError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ClassRefError";
  }
}

export interface RunningClassRefAgent {
  /** The agent now running (it is replaced when the class's spec changes). */
  readonly agent: RunningAgent;
  readonly url: string;
  close(): Promise<void>;
}

export async function startClassRefAgent(
  options: ClassRefAgentOptions,
): Promise<RunningClassRefAgent> {
  const { kubeconfig, classRef, logger } = options;
  const custom = kubeconfig.makeApiClient(CustomObjectsApi);
  const id = `${classRef.namespace}/${classRef.name}`;
  const first = await readClass(custom, classRef);
  const events = podEvents(options);
  const core = kubeconfig.makeApiClient(CoreV1Api);
  /** The class as last read or watched: its recorded versions feed --from-secret. */
  let latest = first;
  /** objectKey → the version last asked for, from the class's recorded versions. */
  const announced = new Map<string, string>();
  let spcFingerprint = fingerprint(first);
  let spc = classOf(first, id, options.fromSecret === true);
  let agent = await start(spc);
  rememberVersions(first, spc);

  async function start(current: SecretProviderClass): Promise<RunningAgent> {
    const source = options.fromSecret === true ? syncedSource(current) : options.source;
    return startAgent({
      ...options,
      ...(source === undefined ? {} : { source }),
      targets: [{ spc: current, mountDir: options.mountDir }],
      poll: options.poll ?? false,
      ...(events === undefined ? {} : { onSynced: events }),
    });
  }

  function syncedSource(current: SecretProviderClass): SyncedSecretSource {
    return new SyncedSecretSource({
      core,
      spc: current,
      versions: () =>
        new Map(
          (readClassStatus(latest)?.objects ?? [])
            .filter((o) => o.objectType === "secret")
            .map((o) => [o.objectName.toLowerCase(), o.version]),
        ),
    });
  }

  function rememberVersions(object: KubernetesObject, current: SecretProviderClass): string[] {
    const changed: string[] = [];
    for (const o of readClassStatus(object)?.objects ?? []) {
      if (!isObjectType(o.objectType)) continue;
      const type = o.objectType;
      const key = objectKey(current.keyvaultName, type, o.objectName);
      if (announced.get(key) === o.version) continue;
      announced.set(key, o.version);
      changed.push(o.objectName);
      // The engine reads the version once and keeps it only if it is newer than what it holds.
      agent.engine
        .newVersion(current.keyvaultName, type, o.objectName, o.version)
        .catch((error: unknown) => {
          logger.warn(
            { class: id, name: o.objectName, version: o.version, err: describe(error) },
            "cannot read the version the class records; retried at the next change or resync",
          );
        });
    }
    return changed;
  }

  // One chain of work: a spec change restarts the agent, and nothing else runs meanwhile.
  let work = Promise.resolve();
  const onObject = (object: KubernetesObject) => {
    work = work.then(async () => {
      latest = object;
      const next = fingerprint(object);
      if (next !== spcFingerprint) {
        let parsed: SecretProviderClass;
        try {
          parsed = classOf(object, id, options.fromSecret === true);
        } catch (error) {
          logger.warn(
            { class: id, err: describe(error) },
            "class changed but is not usable; files kept",
          );
          return;
        }
        logger.info({ class: id }, "class changed; starting over with it");
        spcFingerprint = next;
        await agent.close();
        spc = parsed;
        announced.clear();
        agent = await start(spc);
      }
      const changed = rememberVersions(object, spc);
      if (changed.length > 0)
        logger.info({ class: id, objects: changed }, "class records new versions");
    });
  };
  const informer = watchClass(kubeconfig, classRef);
  informer.on("add", onObject);
  informer.on("update", onObject);
  informer.on("delete", () => {
    logger.warn({ class: id }, "class deleted; the files are kept as they are");
  });
  informer.on("error", (error: unknown) => {
    logger.warn({ class: id, err: describe(error) }, "class watch failed; retrying");
    if (!stopped) setTimeout(() => void informer.start(), 1_000).unref();
  });
  let stopped = false;
  await informer.start();
  return {
    get agent() {
      return agent;
    },
    get url() {
      return agent.url;
    },
    async close() {
      stopped = true;
      await informer.stop();
      await work;
      await agent.close();
    },
  };
}

function podEvents(options: ClassRefAgentOptions): ((report: SyncReport) => void) | undefined {
  const { pod, logger, kubeconfig } = options;
  if (pod === undefined) return undefined;
  const recorder = new EventRecorder(
    kubeconfig.makeApiClient(CoreV1Api),
    "kvsync-agent",
    pod.name,
    logger,
  );
  const involved = { apiVersion: "v1", kind: "Pod", ...pod };
  let lastFailure: string | undefined;
  return (report) => {
    const versions = (report.versions ?? []).map((v) => `${v.name}@${v.version}`).join(", ");
    if (report.result === "failed") {
      // The same failure again is not a new Event (the poll and retries repeat it).
      const message = `files kept at their last good content; the sync of ${options.classRef.namespace}/${options.classRef.name} failed`;
      if (lastFailure === message) return;
      lastFailure = message;
      void recorder.record(involved, "Warning", EventReason.MountRotationFailed, message);
      return;
    }
    lastFailure = undefined;
    // The first sync fills the folder: that is a mount, not a rotation.
    if (report.result !== "changed" || report.trigger === "start") return;
    void recorder.record(
      involved,
      "Normal",
      EventReason.MountRotationComplete,
      `files ${report.changedPaths.join(", ")} updated; objects at ${versions}`,
    );
  };
}

function watchClass(kubeconfig: KubeConfig, ref: ClassRef): Informer<KubernetesObject> {
  const custom = kubeconfig.makeApiClient(CustomObjectsApi);
  const fieldSelector = `metadata.name=${ref.name}`;
  // makeInformer takes no field selector; ListWatch (what it builds) does. One object, not the
  // namespace's every class: a pod's agent hears only of its own class.
  return new ListWatch<KubernetesObject>(
    spcPath(ref.namespace),
    new Watch(kubeconfig),
    () =>
      custom.listNamespacedCustomObject({
        group: SPC_GROUP,
        version: SPC_VERSION,
        plural: SPC_PLURAL,
        namespace: ref.namespace,
        fieldSelector,
      }) as never,
    false,
    undefined,
    fieldSelector,
  );
}

async function readClass(custom: CustomObjectsApi, ref: ClassRef): Promise<KubernetesObject> {
  try {
    return (await custom.getNamespacedCustomObject({
      group: SPC_GROUP,
      version: SPC_VERSION,
      plural: SPC_PLURAL,
      namespace: ref.namespace,
      name: ref.name,
    })) as KubernetesObject;
  } catch (error) {
    if (error instanceof ApiException && error.code === 404) {
      throw new ClassRefError(
        `--class-ref: SecretProviderClass ${ref.namespace}/${ref.name} not found`,
      );
    }
    if (error instanceof ApiException && error.code === 403) {
      throw new ClassRefError(
        `--class-ref: not allowed to read SecretProviderClass ${ref.namespace}/${ref.name} (the pod's ServiceAccount needs get, list and watch on secretproviderclasses)`,
      );
    }
    throw error;
  }
}

function classOf(object: KubernetesObject, id: string, fromSecret: boolean): SecretProviderClass {
  const parsed = parseSecretProviderClass(JSON.stringify(object), { source: id });
  if (!parsed.ok) throw new ClassRefError(`--class-ref ${id}: ${formatProblems(parsed.problems)}`);
  const problems = fromSecret ? fromSecretProblems(parsed.spc) : [];
  if (problems.length > 0) {
    throw new ClassRefError(`--from-secret with ${id}: ${problems.join("; ")}`);
  }
  return parsed.spc;
}

const isObjectType = (type: string): type is ObjectType =>
  type === "secret" || type === "key" || type === "cert";

function fingerprint(object: KubernetesObject): string {
  return `${object.metadata?.uid ?? ""} ${JSON.stringify((object as { spec?: unknown }).spec)}`;
}

function describe(error: unknown): { message: string } {
  return { message: error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error) };
}
