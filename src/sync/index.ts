/**
 * The sync pipeline: targets, the coalescing trigger queue, the single-flight version cache, the
 * cheap poll and the idempotent sync that writes a target's folder atomically.
 */
export { SyncEngine } from "./sync-engine.js";
export type {
  DetectedVersion,
  ObjectVersion,
  SyncEngineOptions,
  SyncReport,
  SyncResult,
} from "./sync-engine.js";
export { Poller } from "./poller.js";
export type { PollerOptions, Timers } from "./poller.js";
export { followedListings } from "./sync-target.js";
export type { FollowedListing, SyncTargetSpec } from "./sync-target.js";
export type { TriggerKind } from "./trigger-queue.js";
export { DEFAULT_POLL_INTERVAL_MS } from "./poller.js";
export { classFiles, objectFiles, versionsKey } from "./class-files.js";
export type { LatestResolver } from "./class-files.js";
export { ObjectReader } from "./object-reader.js";
export { changedObjects, settles, SETTLE_AFTER_MS } from "./changed-objects.js";
export { objectKey } from "./object-key.js";
export { followsLatest } from "./sync-target.js";
