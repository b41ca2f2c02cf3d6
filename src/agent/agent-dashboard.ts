import type { Logger } from "pino";
import type { DashboardAssets } from "../dashboard/assets.js";
import { startDashboard, type RunningDashboard } from "../dashboard/dashboard-server.js";
import type { SubscriptionRow } from "../dashboard/model.js";
import { RotationTracker, type ObjectRef } from "../dashboard/rotation-tracker.js";
import type { DeliveryInfo, NewVersionEvent } from "../eventgrid/receiver/index.js";
import type { ObjectSource, ObjectType } from "../keyvault/index.js";
import type { DetectedVersion, SyncEngine, SyncReport, SyncTargetSpec } from "../sync/index.js";

/**
 * Feeds the dashboard's tracker from the agent's pipeline: deliveries from the webhook, reads
 * from the object source, detections from the poll, swaps and hooks from each sync report.
 */

export interface DashboardSettings {
  port: number;
  host: string;
  /** Dev mode: let the page set values in the local vault. */
  setSecret?: (vault: string, name: string, value: string) => Promise<string>;
  /** Dev mode: the local vault's publisher counts. */
  publisherStats?: () => SubscriptionRow[];
  /** The tracker, when the local vault reports into it too (dev). */
  tracker?: RotationTracker;
  /** The page's files; default: the built ones (tests give their own). */
  assets?: DashboardAssets;
}

export class AgentDashboard {
  readonly tracker: RotationTracker;
  readonly #labels: ReadonlyMap<string, string>;

  constructor(targets: readonly SyncTargetSpec[], tracker = new RotationTracker()) {
    this.tracker = tracker;
    // The engine's target ids are `namespace/name#index`; people know a target by its folder.
    this.#labels = new Map(
      targets.map((t, i) => [
        `${t.spc.namespace}/${t.spc.name}#${i}`,
        `${t.spc.namespace}/${t.spc.name} → ${t.mountDir}`,
      ]),
    );
  }

  /** Times every read; the cache means each is a version read from Key Vault for the first time. */
  traced(source: ObjectSource): ObjectSource {
    return {
      list: (vault, type, signal) => source.list(vault, type, signal),
      listVersions: (vault, type, name, signal) => source.listVersions(vault, type, name, signal),
      get: async (vault, type, name, version, signal) => {
        const started = Date.now();
        const fetched = await source.get(vault, type, name, version, signal);
        const ended = Date.now();
        this.tracker.fetched(
          { vault, type, name: fetched.name, version: fetched.version },
          ended,
          ended - started,
          fetched.updatedOn,
        );
        return fetched;
      },
    };
  }

  /** `type` is the object type the event announces (a certificate's event: "cert"). */
  delivered(event: NewVersionEvent, type: ObjectType, delivery: DeliveryInfo): void {
    const ref = refOf(event.data.VaultName, type, event.data.ObjectName, event.data.Version);
    const published = Date.parse(event.time);
    if (!Number.isNaN(published)) this.tracker.published(ref, published);
    this.tracker.delivered(ref, delivery.receivedAt, delivery.attempt, delivery.subscription);
  }

  detected(found: DetectedVersion): void {
    const ref = refOf(found.vault, found.type, found.name, found.version);
    this.tracker.detected(ref, Date.now(), found.trigger);
  }

  /** The versions a sync swapped in (empty for a first sync or no change). */
  synced(report: SyncReport): ObjectRef[] {
    if (report.result === "failed" || report.versions === undefined) return [];
    const label = this.#labels.get(report.targetId) ?? report.targetId;
    return this.tracker.swapped(label, report.versions, Date.now(), report.trigger);
  }

  /** Wraps a hook so that its end is a hop of the rotations it ran for. */
  async hooked(refs: readonly ObjectRef[], what: string, run: () => Promise<void>): Promise<void> {
    const started = Date.now();
    await run();
    const ended = Date.now();
    this.tracker.hooked(refs, ended, ended - started, what);
  }

  start(
    settings: DashboardSettings,
    engine: SyncEngine,
    logger: Logger,
  ): Promise<RunningDashboard> {
    return startDashboard({
      port: settings.port,
      host: settings.host,
      tracker: this.tracker,
      logger,
      ready: () => engine.ready,
      refresh: (vault, name, type) => {
        const done =
          vault !== undefined && name !== undefined
            ? Promise.all(
                (type === undefined ? OBJECT_TYPES : [type]).map((t) =>
                  engine.refreshObject(vault, t, name),
                ),
              )
            : engine.refresh();
        done.catch((error: unknown) => {
          logger.warn(
            { vault, name, err: { message: error instanceof Error ? error.message : "unknown" } },
            "dashboard refresh failed",
          );
        });
      },
      ...(settings.setSecret === undefined ? {} : { setSecret: settings.setSecret }),
      ...(settings.assets === undefined ? {} : { assets: settings.assets }),
      ...(settings.publisherStats === undefined ? {} : { publisherStats: settings.publisherStats }),
    });
  }
}

const OBJECT_TYPES: readonly ObjectType[] = ["secret", "key", "cert"];

const refOf = (vault: string, type: ObjectType, name: string, version: string): ObjectRef => ({
  vault,
  type,
  name,
  version,
});
