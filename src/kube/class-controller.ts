import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  makeInformer,
  type Informer,
  type KubeConfig,
  type KubernetesObject,
} from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { ObjectSource, ObjectType } from "../keyvault/index.js";
import {
  formatProblems,
  parseSecretProviderClass,
  type SecretProviderClass,
} from "../spc/index.js";
import {
  followedListings,
  followsLatest,
  objectKey,
  ObjectReader,
  versionsKey,
} from "../sync/index.js";
import { syncClassSecrets, type ClassSync } from "./class-secrets.js";
import { recordClassStatus, type ObservedStatus } from "./class-status.js";
import type { ControllerMetrics } from "./controller-metrics.js";
import type { ClassRef } from "./desired-secret.js";
import { EventReason, EventRecorder } from "./event-recorder.js";
import { LatestVersions } from "./latest-versions.js";
import { restartWorkloads } from "./rollout-restart.js";
import { SPC_API_VERSION, SPC_GROUP, SPC_PLURAL, SPC_VERSION, spcPath } from "./spc-resource.js";

/**
 * Watches SecretProviderClasses (all namespaces, or a list) and, for every Azure class:
 *  - keeps the Kubernetes Secrets its `secretObjects` describe, whether or not a pod mounts it;
 *  - records the version of each object and a Ready condition on the class (class-status.ts),
 *    which is how agents in pods learn of a rotation;
 *  - records Kubernetes Events on the class when something changed or a sync failed;
 *  - rolls the workloads that asked for it when an object has a new version.
 * A class is synced when it appears or its spec changes, when Key Vault announces a new version
 * of an object it follows, on every resync, and again with backoff after a failure. Syncs of one
 * class never overlap: a request during a sync runs once more after it. Every replica watches
 * (a new leader starts warm); only the leader syncs.
 */

export { SPC_GROUP, SPC_PLURAL, SPC_VERSION } from "./spc-resource.js";

export interface ClassControllerOptions {
  kubeconfig: KubeConfig;
  source: ObjectSource;
  logger: Logger;
  /** Whether this replica may write (leader election). Default: always. */
  isLeader?: () => boolean;
  /** Watch only these namespaces. Default: all. */
  namespaces?: readonly string[];
  /** Retry after a failed sync: base delay doubling to a ceiling. Default 1 s to 5 min. */
  retry?: { baseMs: number; maxMs: number };
  /** Events' reportingInstance: the pod name in a cluster. */
  instance?: string;
  metrics?: ControllerMetrics;
  /** Versions (values) held in memory; default 10,000. */
  cacheSize?: number;
  /** Classes synced at once; the rest wait their turn. Default 16. */
  workers?: number;
}

interface ClassEntry {
  readonly key: string;
  /** The parsed class, or the reason it could not be used. */
  parsed: { spc: SecretProviderClass } | { problems: string };
  /** The class as the watch last delivered it (its status annotation included). */
  object: KubernetesObject;
  owner: ClassRef;
  generation: number | undefined;
  /** uid and spec: an update that changes neither (our own status write) is not a change. */
  fingerprint: string;
  running: Promise<void> | undefined;
  again: boolean;
  /** The versions of the last successful sync, as one comparable string. */
  versions: string | undefined;
  failures: number;
  /** The last failure reported as an Event: the same failure again is not repeated. */
  reportedFailure: string | undefined;
  retry: NodeJS.Timeout | undefined;
}

const DEFAULT_RETRY = { baseMs: 1_000, maxMs: 5 * 60_000 };

export class ClassController {
  readonly #options: ClassControllerOptions;
  readonly #core: CoreV1Api;
  readonly #apps: AppsV1Api;
  readonly #custom: CustomObjectsApi;
  readonly #events: EventRecorder;
  readonly #abort = new AbortController();
  readonly #reader: ObjectReader;
  readonly #latest: LatestVersions;
  readonly #classes = new Map<string, ClassEntry>();
  readonly #informers: Informer<KubernetesObject>[] = [];
  /**
   * Classes waiting for a worker, in order. A bounded pool keeps a burst (a rotation of an object
   * that 1,000 classes share) from opening a thousand connections to the API server at once.
   */
  readonly #waiting = new Set<ClassEntry>();
  #active = 0;
  #idleWaiters: (() => void)[] = [];
  #listed = false;

  constructor(options: ClassControllerOptions) {
    this.#options = options;
    this.#core = options.kubeconfig.makeApiClient(CoreV1Api);
    this.#apps = options.kubeconfig.makeApiClient(AppsV1Api);
    this.#custom = options.kubeconfig.makeApiClient(CustomObjectsApi);
    this.#events = new EventRecorder(
      this.#core,
      "kvsync-controller",
      options.instance ?? "kvsync-controller",
      options.logger,
    );
    this.#reader = new ObjectReader(
      options.source,
      this.#abort.signal,
      options.cacheSize ?? 10_000,
    );
    this.#latest = new LatestVersions(this.#reader);
  }

  /** True once every watched namespace has been listed (readiness). */
  get ready(): boolean {
    return this.#listed;
  }

  async start(): Promise<void> {
    const scopes = this.#options.namespaces ?? [undefined];
    for (const namespace of scopes) this.#informers.push(this.#informer(namespace));
    await Promise.all(this.#informers.map((informer) => informer.start()));
    this.#listed = true;
  }

  /**
   * Key Vault announced a new version of (vault, type, name): read it once and sync the classes
   * that follow the object. A version not newer than the one held (a late or repeated event)
   * syncs nothing. Returns how many classes were asked.
   */
  async objectChanged(
    vault: string,
    type: ObjectType,
    name: string,
    version: string,
    eventTime?: string,
  ): Promise<number> {
    if (this.#options.isLeader?.() === false) return 0;
    const key = objectKey(vault, type, name);
    const wanted = [...this.#classes.values()].filter((c) => followsObject(c, key));
    if (wanted.length === 0) return 0;
    if (!(await this.#latest.announce(vault, type, name, version, eventTime))) return 0;
    for (const entry of wanted) this.#schedule(entry);
    return wanted.length;
  }

  /**
   * Every class again: the vaults are listed (no values) to catch versions whose events were
   * missed, then each class is synced, which also repairs hand edits of its Secrets.
   */
  async resync(): Promise<void> {
    if (this.#options.isLeader?.() === false) return;
    const followed = followedListings(
      [...this.#classes.values()].flatMap((entry) =>
        "spc" in entry.parsed ? [{ spc: entry.parsed.spc }] : [],
      ),
    );
    try {
      const forgotten = await this.#latest.recheck(
        followed,
        this.#options.source,
        this.#abort.signal,
      );
      if (forgotten.length > 0) {
        this.#options.logger.info({ objects: forgotten }, "resync found new versions");
      }
    } catch (error) {
      if (this.#abort.signal.aborted) return;
      this.#options.logger.warn({ err: describe(error) }, "resync could not list a vault");
    }
    for (const entry of this.#classes.values()) this.#schedule(entry);
  }

  /** Resolves when no sync is running or waiting (tests, shutdown). */
  idle(): Promise<void> {
    if (this.#active === 0 && this.#waiting.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.#abort.abort(new Error("kvsync controller stopping"));
    this.#waiting.clear();
    for (const entry of this.#classes.values()) clearTimeout(entry.retry);
    await Promise.all(this.#informers.map((informer) => informer.stop()));
    await this.idle();
  }

  #informer(namespace: string | undefined): Informer<KubernetesObject> {
    const custom = this.#custom;
    const group = { group: SPC_GROUP, version: SPC_VERSION, plural: SPC_PLURAL };
    const informer = makeInformer<KubernetesObject>(
      this.#options.kubeconfig,
      spcPath(namespace),
      () =>
        (namespace === undefined
          ? custom.listClusterCustomObject(group)
          : custom.listNamespacedCustomObject({ ...group, namespace })) as never,
    );
    informer.on("add", (object) => {
      this.#seen(object);
    });
    informer.on("update", (object) => {
      this.#seen(object);
    });
    informer.on("delete", (object) => {
      // Its Secrets carry an owner reference: the garbage collector deletes them.
      this.#forget(keyOf(object));
    });
    informer.on("error", (error: unknown) => {
      this.#options.logger.warn(
        { err: describe(error) },
        "SecretProviderClass watch failed; retrying",
      );
      if (!this.#abort.signal.aborted) setTimeout(() => void informer.start(), 1_000).unref();
    });
    return informer;
  }

  #seen(object: KubernetesObject): void {
    const key = keyOf(object);
    const spec = (object as { spec?: { provider?: unknown } }).spec;
    // Other providers' classes are not ours to sync, nor to judge.
    if (spec?.provider !== "azure") {
      this.#forget(key);
      return;
    }
    const fingerprint = `${object.metadata?.uid ?? ""} ${JSON.stringify(spec)}`;
    const known = this.#classes.get(key);
    if (known !== undefined) known.object = object;
    if (known?.fingerprint === fingerprint) return;
    const parsed = parseSecretProviderClass(JSON.stringify(object), { source: key });
    const entry: ClassEntry = known ?? {
      key,
      parsed: { problems: "" },
      object,
      owner: ownerOf(object),
      generation: undefined,
      fingerprint,
      running: undefined,
      again: false,
      versions: undefined,
      failures: 0,
      reportedFailure: undefined,
      retry: undefined,
    };
    entry.parsed = parsed.ok ? { spc: parsed.spc } : { problems: formatProblems(parsed.problems) };
    entry.owner = ownerOf(object);
    entry.generation = object.metadata?.generation;
    entry.fingerprint = fingerprint;
    this.#classes.set(key, entry);
    this.#options.metrics?.classes.set(this.#classes.size);
    this.#schedule(entry);
  }

  #forget(key: string): void {
    const entry = this.#classes.get(key);
    if (entry === undefined) return;
    clearTimeout(entry.retry);
    this.#classes.delete(key);
    this.#options.metrics?.classes.set(this.#classes.size);
  }

  #schedule(entry: ClassEntry): void {
    if (this.#options.isLeader?.() === false || this.#abort.signal.aborted) return;
    if (this.#classes.get(entry.key) !== entry) return; // deleted meanwhile
    clearTimeout(entry.retry);
    entry.retry = undefined;
    if (entry.running !== undefined) {
      entry.again = true;
      return;
    }
    this.#waiting.add(entry);
    this.#pump();
  }

  #pump(): void {
    const workers = this.#options.workers ?? 16;
    for (const entry of this.#waiting) {
      if (this.#active >= workers) break;
      this.#waiting.delete(entry);
      this.#active++;
      entry.running = this.#sync(entry).finally(() => {
        entry.running = undefined;
        this.#active--;
        if (entry.again) {
          entry.again = false;
          this.#schedule(entry);
        }
        this.#pump();
        if (this.#active === 0 && this.#waiting.size === 0) {
          for (const resolve of this.#idleWaiters.splice(0)) resolve();
        }
      });
    }
  }

  async #sync(entry: ClassEntry): Promise<void> {
    const [namespace = "", name = ""] = entry.key.split("/");
    if (!("spc" in entry.parsed)) {
      await this.#failed(
        entry,
        "InvalidClass",
        `invalid SecretProviderClass: ${entry.parsed.problems}`,
      );
      return;
    }
    const { spc } = entry.parsed;
    let sync: ClassSync;
    try {
      sync = await syncClassSecrets(spc, entry.owner, {
        core: this.#core,
        reader: this.#reader,
        source: this.#options.source,
        signal: this.#abort.signal,
        latest: (vault, type, object) => this.#latest.version(vault, type, object),
      });
      const secrets = spc.secretObjects.map((s) => s.secretName);
      await recordClassStatus(
        this.#custom,
        { namespace, name, cached: entry.object },
        {
          ...observed(entry, spc, sync),
          ready: true,
          reason: "Synced",
          message:
            secrets.length === 0
              ? "object versions recorded (the class has no secretObjects)"
              : `Secrets ${secrets.join(", ")} match Key Vault`,
          secrets,
        },
        new Date(),
      );
    } catch (error) {
      if (this.#abort.signal.aborted) return;
      await this.#failed(entry, "SyncFailed", describe(error).message);
      return;
    }
    this.#options.metrics?.syncs.inc({ result: "ok" });
    entry.failures = 0;
    entry.reportedFailure = undefined;
    const now = JSON.stringify([...sync.versions]);
    // A new version (not the first sync of this process, not a hand-edit repair).
    const rotated = entry.versions !== undefined && entry.versions !== now;
    const versionsChanged = entry.versions !== now;
    entry.versions = now;
    const written = sync.outcomes.filter((o) => o.result !== "unchanged");
    if (written.length > 0 || rotated) {
      this.#options.logger.info({ class: entry.key, secrets: sync.outcomes }, "class synced");
    }
    if (written.length > 0 || (versionsChanged && spc.secretObjects.length === 0)) {
      const secrets = written.map((o) => `${o.secretName} (${o.result})`).join(", ");
      const objects = [...sync.versions].map(([o, v]) => `${o}@${v[0] ?? "?"}`).join(", ");
      await this.#events.record(
        this.#involved(entry),
        "Normal",
        EventReason.SecretSyncComplete,
        secrets === "" ? `objects at ${objects}` : `Secrets ${secrets}; objects at ${objects}`,
      );
    }
    if (rotated) await this.#restart(entry, namespace, name);
  }

  async #restart(entry: ClassEntry, namespace: string, name: string): Promise<void> {
    try {
      const restarted = await restartWorkloads(this.#apps, namespace, name, new Date());
      if (restarted.length > 0) {
        this.#options.logger.info({ class: entry.key, restarted }, "workloads restarted");
      }
    } catch (error) {
      // The Secrets are right; a missed restart is reported, not retried into a restart loop.
      this.#options.logger.warn({ class: entry.key, err: describe(error) }, "restart failed");
    }
  }

  async #failed(entry: ClassEntry, reason: string, message: string): Promise<void> {
    this.#options.metrics?.syncs.inc({ result: "failed" });
    entry.failures++;
    this.#options.logger.warn(
      { class: entry.key, reason, err: { message }, attempt: entry.failures },
      "class not synced",
    );
    if (entry.reportedFailure !== message) {
      entry.reportedFailure = message;
      await this.#events.record(
        this.#involved(entry),
        "Warning",
        EventReason.SecretSyncFailed,
        message,
      );
    }
    const [namespace = "", name = ""] = entry.key.split("/");
    try {
      await recordClassStatus(
        this.#custom,
        { namespace, name, cached: entry.object },
        {
          generation: entry.generation,
          ready: false,
          reason,
          message,
          secrets:
            "spc" in entry.parsed ? entry.parsed.spc.secretObjects.map((s) => s.secretName) : [],
          objects: [],
        },
        new Date(),
      );
    } catch (error) {
      this.#options.logger.warn(
        { class: entry.key, err: describe(error) },
        "class status not recorded",
      );
    }
    // An invalid class waits for its next edit; anything else is tried again, later each time.
    if (reason === "InvalidClass" || this.#abort.signal.aborted) return;
    const { baseMs, maxMs } = this.#options.retry ?? DEFAULT_RETRY;
    const delay = Math.min(maxMs, baseMs * 2 ** Math.min(entry.failures - 1, 30));
    entry.retry = setTimeout(
      () => {
        entry.retry = undefined;
        this.#schedule(entry);
      },
      delay * (0.5 + Math.random() / 2),
    );
    entry.retry.unref();
  }

  #involved(entry: ClassEntry) {
    const [namespace = "", name = ""] = entry.key.split("/");
    return {
      apiVersion: SPC_API_VERSION,
      kind: "SecretProviderClass",
      namespace,
      name,
      uid: entry.owner.uid,
    };
  }
}

function observed(
  entry: ClassEntry,
  spc: SecretProviderClass,
  sync: ClassSync,
): Pick<ObservedStatus, "generation" | "objects"> {
  return {
    generation: entry.generation,
    objects: spc.objects.flatMap((o) => {
      const version = sync.versions.get(versionsKey(o))?.[0];
      return version === undefined
        ? []
        : [{ objectName: o.objectName, objectType: o.objectType, version }];
    }),
  };
}

function followsObject(entry: ClassEntry, key: string): boolean {
  if (!("spc" in entry.parsed)) return false;
  const { spc } = entry.parsed;
  return spc.objects.some(
    (o) => followsLatest(o) && objectKey(spc.keyvaultName, o.objectType, o.objectName) === key,
  );
}

function keyOf(object: KubernetesObject): string {
  return `${object.metadata?.namespace ?? ""}/${object.metadata?.name ?? ""}`;
}

function ownerOf(object: KubernetesObject): ClassRef {
  return {
    apiVersion: object.apiVersion ?? SPC_API_VERSION,
    kind: object.kind ?? "SecretProviderClass",
    name: object.metadata?.name ?? "",
    uid: object.metadata?.uid ?? "",
  };
}

/** One line, never a request or response body: ApiException messages can carry them. */
function describe(error: unknown): { message: string } {
  return { message: error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error) };
}
