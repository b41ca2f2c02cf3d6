import type { Logger } from "pino";
import type { ObjectSource, ObjectType, VersionProperties } from "../keyvault/index.js";
import { cleanStale, writeAtomically, type PayloadFile } from "../mount/index.js";
import type { SpcObject } from "../spc/index.js";
import { changedObjects, settles } from "./changed-objects.js";
import { objectFiles } from "./class-files.js";
import { sameVersions, selectHistory, type DesiredVersions } from "./desired-versions.js";
import { objectKey } from "./object-key.js";
import { ObjectReader } from "./object-reader.js";
import { followedListings, followsLatest, type SyncTargetSpec } from "./sync-target.js";
import { TriggerQueue, type SyncRequest, type TriggerKind } from "./trigger-queue.js";
import { compareToHeld, preciseEventTime } from "./version-order.js";

/**
 * The pipeline of architecture.md: triggers (push, poll, manual) enqueue; one worker runs the
 * idempotent sync per target; every Key Vault read goes through the version cache. The engine
 * holds, per followed object, the newest version it knows and only ever moves it forward.
 */

export type SyncResult = "changed" | "unchanged" | "failed";

export interface SyncReport {
  readonly targetId: string;
  readonly trigger: TriggerKind;
  readonly result: SyncResult;
  readonly changedPaths: readonly string[];
  /** Earliest event time (epoch ms) the sync answered, when an event asked for it. */
  readonly since?: number;
  /** The version each object's files hold after a sync that did not fail. */
  readonly versions?: readonly ObjectVersion[];
}

/** One object's current version (the newest, for version history): metrics, never a value. */
export interface ObjectVersion {
  readonly vault: string;
  readonly type: string;
  readonly name: string;
  readonly version: string;
}

export interface DetectedVersion {
  readonly vault: string;
  readonly type: ObjectType;
  readonly name: string;
  readonly version: string;
  readonly trigger: TriggerKind;
}

export interface SyncEngineOptions {
  source: ObjectSource;
  targets: readonly SyncTargetSpec[];
  logger: Logger;
  /** Called after every sync, failed ones included (metrics, --exec). */
  onSynced?: (report: SyncReport) => void;
  /** The poll or a manual refresh found a new latest version (the dashboard's "detected"). */
  onDetected?: (found: DetectedVersion) => void;
  cacheSize?: number;
  /**
   * The time (epoch ms) compared with Key Vault's `updated` to settle same-second versions
   * (changed-objects.ts): Date.now, or a test's clock that moves with its vault's.
   */
  now?: () => number;
}

interface TargetState {
  readonly id: string;
  readonly spec: SyncTargetSpec;
  written: DesiredVersions | undefined;
  history: Map<number, readonly string[]>;
  failed: boolean;
}

export class SyncEngine {
  readonly #options: SyncEngineOptions;
  readonly #abort = new AbortController();
  readonly #reader: ObjectReader;
  readonly #queue: TriggerQueue;
  readonly #targets: TargetState[];
  /** objectKey → newest version known. */
  readonly #latest = new Map<string, HeldVersion>();
  readonly #now: () => number;

  constructor(options: SyncEngineOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#reader = new ObjectReader(options.source, this.#abort.signal, options.cacheSize);
    this.#queue = new TriggerQueue((request) => this.#run(request));
    this.#targets = options.targets.map((spec, i) => ({
      id: `${spec.spc.namespace}/${spec.spc.name}#${i}`,
      spec,
      written: undefined,
      history: new Map(),
      failed: false,
    }));
  }

  /** True once every target has been written at least once. */
  get ready(): boolean {
    return this.#targets.every((t) => t.written !== undefined);
  }

  /** Cleans crash leftovers and enqueues the first sync of every target. */
  async start(): Promise<void> {
    for (const t of this.#targets) await cleanStale(t.spec.mountDir);
    this.#enqueue(this.#targets, "start");
  }

  /** Resolves when no sync is waiting or running (tests, shutdown). */
  idle(): Promise<void> {
    return this.#queue.idle();
  }

  async close(): Promise<void> {
    this.#queue.close();
    this.#abort.abort(new Error("kvsync agent stopping"));
    await this.#queue.idle();
  }

  /** Whether some target follows the latest version of (vault, type, name). */
  follows(vault: string, type: ObjectType, name: string): boolean {
    return this.#following(vault, type, name).length > 0;
  }

  /**
   * A …NewVersionCreated event: reads that version (once), keeps it if it is newer than the one
   * held, and syncs the targets that follow the object. `eventTime` is the event's own time
   * (propagation is measured from it; it orders versions made in the same second). Returns how
   * many targets were asked.
   */
  async newVersion(
    vault: string,
    type: ObjectType,
    name: string,
    version: string,
    eventTime?: string,
  ): Promise<number> {
    const targets = this.#following(vault, type, name);
    if (targets.length === 0) return 0;
    const fetched = await this.#reader.read(vault, type, name, version);
    const precise = eventTime === undefined ? undefined : preciseEventTime(eventTime);
    const announced = { ...stampOf(fetched), eventTime: precise, settled: false };
    if (!(await this.#offer(vault, type, name, announced))) {
      this.#options.logger.info(
        { vault, type, name, version },
        "event for a version not newer than the one held: ignored",
      );
      return 0;
    }
    const since = eventTime === undefined ? NaN : Date.parse(eventTime);
    this.#enqueue(targets, "push", Number.isNaN(since) ? undefined : since);
    return targets.length;
  }

  /**
   * The cheap poll: list each vault (one list per object type followed), read only what changed,
   * retry targets that failed.
   */
  async poll(trigger: TriggerKind = "poll"): Promise<void> {
    for (const { vault, type, names } of followedListings(this.#targets.map((t) => t.spec))) {
      try {
        const listing = await this.#options.source.list(vault, type, this.#abort.signal);
        const held = (name: string) => this.#latest.get(objectKey(vault, type, name));
        for (const name of changedObjects(listing, names, held, this.#now())) {
          const fetched = await this.#readLatest(vault, type, name);
          if (await this.#offer(vault, type, name, fetched)) {
            this.#options.onDetected?.({ vault, type, name, version: fetched.version, trigger });
            this.#enqueue(this.#following(vault, type, name), trigger);
          }
        }
      } catch (error) {
        if (this.#abort.signal.aborted) return;
        this.#options.logger.warn({ vault, type, err: describe(error) }, "poll failed; files kept");
      }
    }
    this.#enqueue(
      this.#targets.filter((t) => t.failed),
      trigger,
    );
  }

  /** A manual refresh: the poll, then every target re-checked (history re-listed). */
  async refresh(): Promise<void> {
    await this.poll("manual");
    this.#enqueue(this.#targets, "manual");
  }

  /**
   * Refresh one object now (the dashboard's button): read its latest, keep it if newer, and
   * re-sync every target that uses it, pinned or not. Returns how many targets were asked.
   */
  async refreshObject(vault: string, type: ObjectType, name: string): Promise<number> {
    const key = objectKey(vault, type, name);
    const targets = this.#targets.filter((t) =>
      t.spec.spc.objects.some(
        (o) => objectKey(t.spec.spc.keyvaultName, o.objectType, o.objectName) === key,
      ),
    );
    if (targets.length === 0) return 0;
    if (this.#following(vault, type, name).length > 0) {
      const fetched = await this.#readLatest(vault, type, name);
      if (await this.#offer(vault, type, name, fetched)) {
        this.#options.onDetected?.({
          vault,
          type,
          name,
          version: fetched.version,
          trigger: "manual",
        });
      }
    }
    this.#enqueue(targets, "manual");
    return targets.length;
  }

  #enqueue(targets: readonly TargetState[], trigger: TriggerKind, since?: number): void {
    for (const t of targets) {
      this.#queue.push({
        targetId: t.id,
        triggers: [trigger],
        relist: true,
        ...(since === undefined ? {} : { since }),
      });
    }
  }

  #following(vault: string, type: ObjectType, name: string): TargetState[] {
    const key = objectKey(vault, type, name);
    return this.#targets.filter((t) =>
      t.spec.spc.objects.some(
        (o) =>
          followsLatest(o) &&
          objectKey(t.spec.spc.keyvaultName, o.objectType, o.objectName) === key,
      ),
    );
  }

  /** Never roll back: true when `offered` became the held latest. */
  async #offer(
    vault: string,
    type: ObjectType,
    name: string,
    offered: HeldVersion,
  ): Promise<boolean> {
    const key = objectKey(vault, type, name);
    const held = this.#latest.get(key);
    let ordering = compareToHeld(offered, held);
    let candidate: HeldVersion = offered;
    if (ordering === "tie") {
      // Same second: only Key Vault knows which is latest, so ask it (one shared read).
      const latest = await this.#readLatest(vault, type, name);
      candidate = latest.version === offered.version ? offered : latest;
      ordering = candidate.version === held?.version ? "same" : "newer";
    }
    if (ordering === "same" && offered.settled && held !== undefined && !held.settled) {
      this.#latest.set(key, { ...held, settled: true });
    }
    if (ordering !== "newer") return false;
    // Re-check after the await: another trigger may have moved it further meanwhile.
    const now = this.#latest.get(key);
    if (now !== held && compareToHeld(candidate, now) !== "newer") return false;
    this.#latest.set(key, {
      ...stampOf(candidate),
      eventTime: candidate.eventTime,
      settled: candidate.settled,
    });
    return true;
  }

  /** Key Vault's latest, marked settled when the read started after its second was over. */
  async #readLatest(vault: string, type: ObjectType, name: string): Promise<HeldVersion> {
    const startedAt = this.#now();
    const fetched = await this.#reader.read(vault, type, name, undefined);
    return { ...stampOf(fetched), settled: settles(startedAt, fetched.updatedOn) };
  }

  async #run(request: SyncRequest): Promise<void> {
    const target = this.#targets.find((t) => t.id === request.targetId);
    if (target === undefined) return;
    const trigger = request.triggers[0] ?? "manual";
    let report: SyncReport;
    try {
      const changedPaths = await this.#sync(target, request.relist);
      target.failed = false;
      report = {
        targetId: target.id,
        trigger,
        result: changedPaths === undefined ? "unchanged" : "changed",
        changedPaths: changedPaths ?? [],
        versions: versionsOf(target),
      };
    } catch (error) {
      target.failed = true;
      report = { targetId: target.id, trigger, result: "failed", changedPaths: [] };
      if (!this.#abort.signal.aborted) {
        this.#options.logger.warn(
          { target: target.id, trigger, err: describe(error) },
          "sync failed; the last good files stay",
        );
      }
    }
    if (request.since !== undefined) report = { ...report, since: request.since };
    this.#options.logger.info(
      { target: target.id, trigger, result: report.result, files: report.changedPaths },
      "sync",
    );
    this.#options.onSynced?.(report);
  }

  /** The idempotent sync: undefined when nothing changed, else the paths written. */
  async #sync(target: TargetState, relist: boolean): Promise<readonly string[] | undefined> {
    const { spc, mountDir } = target.spec;
    const desired: string[][] = [];
    for (const [i, object] of spc.objects.entries()) {
      desired.push([...(await this.#desired(target, i, object, relist))]);
    }
    if (sameVersions(desired, target.written)) return undefined;
    const payload = new Map<string, PayloadFile>();
    for (const [i, object] of spc.objects.entries()) {
      const versions = desired[i] ?? [];
      const fetched = await Promise.all(
        versions.map((v) =>
          this.#reader.read(spc.keyvaultName, object.objectType, object.objectName, v),
        ),
      );
      for (const [path, file] of objectFiles(object, fetched)) payload.set(path, file);
    }
    const result = await writeAtomically(mountDir, payload);
    target.written = desired;
    return result.changedPaths;
  }

  async #desired(
    target: TargetState,
    index: number,
    object: SpcObject,
    relist: boolean,
  ): Promise<readonly string[]> {
    const vault = target.spec.spc.keyvaultName;
    const { objectType: type, objectName: name } = object;
    if (object.versionHistory > 1) {
      const known = target.history.get(index);
      if (known !== undefined && !relist) return known;
      const versions = await this.#options.source.listVersions(
        vault,
        type,
        name,
        this.#abort.signal,
      );
      const selected = selectHistory(versions, object.versionHistory, object.objectVersion);
      if (selected.length === 0) {
        throw new Error(`${type} ${name} has no enabled version to write`);
      }
      target.history.set(index, selected);
      // The newest listed version is the latest too: the poll then compares against it rather
      // than reading "latest" on every round.
      const newest = versions.find((v) => v.version === selectHistory(versions, 1, undefined)[0]);
      if (newest !== undefined) await this.#offer(vault, type, name, { ...newest, settled: false });
      return selected;
    }
    if (object.objectVersion !== undefined) return [object.objectVersion];
    const key = objectKey(vault, type, name);
    let held = this.#latest.get(key);
    if (held === undefined) {
      await this.#offer(vault, type, name, await this.#readLatest(vault, type, name));
      held = this.#latest.get(key);
    }
    if (held === undefined) throw new Error(`no version of ${type} ${name} is known`);
    return [held.version];
  }
}

function versionsOf(target: TargetState): ObjectVersion[] {
  const { spc } = target.spec;
  return spc.objects.flatMap((object, i) => {
    const version = target.written?.[i]?.[0];
    if (version === undefined) return [];
    return [{ vault: spc.keyvaultName, type: object.objectType, name: object.objectName, version }];
  });
}

/**
 * The held latest: a version's properties, the event's time when an event announced it, and
 * whether a read of "latest" has settled it (changed-objects.ts).
 */
type HeldVersion = VersionProperties & {
  readonly eventTime?: string | undefined;
  readonly settled: boolean;
};

/** Only the properties: the held latest never keeps a value alive. */
function stampOf(p: VersionProperties): VersionProperties {
  const { name, version, enabled, createdOn, updatedOn } = p;
  return { name, version, enabled, createdOn, updatedOn };
}

/** Error details safe to log: name, message and HTTP status, never a request or a value. */
function describe(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const status = (error as { statusCode?: unknown }).statusCode;
  return { name: error.name, message: error.message, ...(status === undefined ? {} : { status }) };
}
