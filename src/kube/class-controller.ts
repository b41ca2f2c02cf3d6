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
import type { ObjectSource } from "../keyvault/index.js";
import {
  formatProblems,
  parseSecretProviderClass,
  type SecretProviderClass,
} from "../spc/index.js";
import { SecretReader } from "../sync/index.js";
import { syncClassSecrets } from "./class-secrets.js";
import type { ClassRef } from "./desired-secret.js";
import { restartWorkloads } from "./rollout-restart.js";

/**
 * Watches SecretProviderClasses across the cluster and keeps the Kubernetes Secrets their
 * `secretObjects` describe, whether or not a pod mounts them. A class is synced when it appears
 * or changes, when Key Vault says an object it uses has a new version, and on every resync.
 * Syncs of one class never overlap: a request during a sync runs once more after it.
 */

export const SPC_GROUP = "secrets-store.csi.x-k8s.io";
export const SPC_VERSION = "v1";
export const SPC_PLURAL = "secretproviderclasses";

export interface ClassControllerOptions {
  kubeconfig: KubeConfig;
  source: ObjectSource;
  logger: Logger;
  /**
   * Whether this replica may write (leader election). Every replica watches, so a new leader
   * starts with a warm cache; only the leader syncs. Default: always.
   */
  isLeader?: () => boolean;
}

interface ClassEntry {
  spc: SecretProviderClass;
  owner: ClassRef;
  running: Promise<void> | undefined;
  again: boolean;
  /** The versions of the last sync, as one comparable string. */
  versions: string | undefined;
}

export class ClassController {
  readonly #options: ClassControllerOptions;
  readonly #core: CoreV1Api;
  readonly #apps: AppsV1Api;
  readonly #abort = new AbortController();
  readonly #reader: SecretReader;
  readonly #classes = new Map<string, ClassEntry>();
  #informer: Informer<KubernetesObject> | undefined;

  constructor(options: ClassControllerOptions) {
    this.#options = options;
    this.#core = options.kubeconfig.makeApiClient(CoreV1Api);
    this.#apps = options.kubeconfig.makeApiClient(AppsV1Api);
    this.#reader = new SecretReader(options.source, this.#abort.signal);
  }

  async start(): Promise<void> {
    const custom = this.#options.kubeconfig.makeApiClient(CustomObjectsApi);
    const informer = makeInformer<KubernetesObject>(
      this.#options.kubeconfig,
      `/apis/${SPC_GROUP}/${SPC_VERSION}/${SPC_PLURAL}`,
      () =>
        custom.listClusterCustomObject({
          group: SPC_GROUP,
          version: SPC_VERSION,
          plural: SPC_PLURAL,
        }) as never,
    );
    informer.on("add", (object) => {
      this.#seen(object);
    });
    informer.on("update", (object) => {
      this.#seen(object);
    });
    informer.on("delete", (object) => {
      // Its Secrets carry an owner reference: the garbage collector deletes them.
      this.#classes.delete(keyOf(object));
    });
    informer.on("error", (error: unknown) => {
      this.#options.logger.warn(
        { err: { message: error instanceof Error ? error.message : String(error) } },
        "SecretProviderClass watch failed; retrying",
      );
      if (!this.#abort.signal.aborted) setTimeout(() => void informer.start(), 1_000).unref();
    });
    this.#informer = informer;
    await informer.start();
  }

  /** Key Vault has a new version of (vault, name): sync the classes that use it. */
  objectChanged(vault: string, name: string): number {
    const wanted = [...this.#classes.values()].filter(
      (c) =>
        c.spc.keyvaultName.toLowerCase() === vault.toLowerCase() &&
        c.spc.objects.some((o) => o.objectName.toLowerCase() === name.toLowerCase()),
    );
    for (const entry of wanted) this.#schedule(entry);
    return wanted.length;
  }

  /** Every class again: catches missed events and repairs hand edits. */
  resync(): void {
    for (const entry of this.#classes.values()) this.#schedule(entry);
  }

  /** Resolves when no sync is running or asked for (tests, shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      const running = [...this.#classes.values()].flatMap((c) => c.running ?? []);
      if (running.length === 0) return;
      await Promise.all(running);
    }
  }

  async close(): Promise<void> {
    this.#abort.abort(new Error("kvsync controller stopping"));
    await this.#informer?.stop();
    await this.idle();
  }

  #seen(object: KubernetesObject): void {
    const key = keyOf(object);
    const parsed = parseSecretProviderClass(JSON.stringify(object), { source: key });
    if (!parsed.ok) {
      this.#classes.delete(key);
      this.#options.logger.warn(
        { class: key, problems: formatProblems(parsed.problems) },
        "SecretProviderClass is invalid; its Secrets are left as they are",
      );
      return;
    }
    if (parsed.spc.secretObjects.length === 0) {
      this.#classes.delete(key);
      return;
    }
    const entry = this.#classes.get(key) ?? {
      spc: parsed.spc,
      owner: ownerOf(object),
      running: undefined,
      again: false,
      versions: undefined,
    };
    entry.spc = parsed.spc;
    entry.owner = ownerOf(object);
    this.#classes.set(key, entry);
    this.#schedule(entry);
  }

  #schedule(entry: ClassEntry): void {
    if (this.#options.isLeader?.() === false) return;
    if (entry.running !== undefined) {
      entry.again = true;
      return;
    }
    entry.running = this.#sync(entry).finally(() => {
      entry.running = undefined;
      if (entry.again && !this.#abort.signal.aborted) {
        entry.again = false;
        this.#schedule(entry);
      }
    });
  }

  async #sync(entry: ClassEntry): Promise<void> {
    const id = `${entry.spc.namespace}/${entry.spc.name}`;
    try {
      const { outcomes, versions } = await syncClassSecrets(entry.spc, entry.owner, {
        core: this.#core,
        reader: this.#reader,
        source: this.#options.source,
        signal: this.#abort.signal,
      });
      this.#options.logger.info({ class: id, secrets: outcomes }, "class secrets synced");
      // A new version (not the first sync, not a hand-edit repair): roll what asked for it.
      const now = JSON.stringify([...versions]);
      const rotated = entry.versions !== undefined && entry.versions !== now;
      entry.versions = now;
      if (rotated) {
        const restarted = await restartWorkloads(
          this.#apps,
          entry.spc.namespace,
          entry.spc.name,
          new Date(),
        );
        if (restarted.length > 0) {
          this.#options.logger.info({ class: id, restarted }, "workloads restarted");
        }
      }
    } catch (error) {
      if (this.#abort.signal.aborted) return;
      // Never the request body: ApiException messages can carry the response, not ours.
      const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
      this.#options.logger.warn({ class: id, err: { message } }, "class secrets not synced");
    }
  }
}

function keyOf(object: KubernetesObject): string {
  return `${object.metadata?.namespace ?? ""}/${object.metadata?.name ?? ""}`;
}

function ownerOf(object: KubernetesObject): ClassRef {
  return {
    apiVersion: object.apiVersion ?? `${SPC_GROUP}/${SPC_VERSION}`,
    kind: object.kind ?? "SecretProviderClass",
    name: object.metadata?.name ?? "",
    uid: object.metadata?.uid ?? "",
  };
}
