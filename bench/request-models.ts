/**
 * Key Vault requests per hour and per 10 s for N pods × 4 objects, one rotation per object per
 * hour, under each model, against Key Vault's limit of 4,000 GET transactions per 10 s per vault:
 *  - the CSI Azure provider (driver ≤ v1.5.x rotation): every pod GETs every object every 2 min,
 *    and every object at mount (computed: the model itself);
 *  - External Secrets: refreshInterval 1 h, one GET per key per ExternalSecret per refresh, one
 *    ExternalSecret per pod (computed);
 *  - kvsync's controller with `--class-ref` agents, reading values from Key Vault or, with
 *    `--from-secret`, from the class's Secrets: from the counts measured by
 *    bench/cluster-requests.ts (per rotation, per resync, per pod start).
 */
import type { ClusterRequests } from "./cluster-requests.js";

export const KEY_VAULT_LIMIT_PER_10S = 4_000;
const OBJECTS_PER_POD = 4;
const ROTATIONS_PER_HOUR = OBJECTS_PER_POD; // one per object per hour
const CSI_INTERVAL_S = 120;
const ESO_REFRESH_S = 3_600;
const RESYNC_S = 300;
const WINDOWS_PER_HOUR = 360;

/** Per-pod and per-cluster counts taken from the measured runs. */
export interface MeasuredCounts {
  controllerPerRotation: number;
  controllerStart: number;
  listsPerResync: number;
  /** Agents reading Key Vault. */
  agentPerPodPerRotation: number;
  agentPerPodStart: number;
  /** Agents with --from-secret (0 unless they reached Key Vault). */
  fromSecretPerPodPerRotation: number;
  fromSecretPerPodStart: number;
  /** Slowest measured rotation to reach every pod, ms (a rotation's reads land within it). */
  slowestRotationMs: number;
}

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);

export function countsFrom(runs: readonly ClusterRequests[]): MeasuredCounts {
  const kv = runs.filter((r) => !r.fromSecret);
  const fs = runs.filter((r) => r.fromSecret);
  const perPod = (rs: readonly ClusterRequests[], pick: (r: ClusterRequests) => number) =>
    mean(rs.map((r) => pick(r) / r.pods));
  const rotationAgentGets = (r: ClusterRequests) => mean(r.rotations.map((x) => x.agentGets));
  return {
    controllerPerRotation: mean(runs.flatMap((r) => r.rotations.map((x) => x.controllerGets))),
    controllerStart: mean(runs.map((r) => r.controllerStart.getSecret)),
    listsPerResync: mean(runs.map((r) => r.resync.listRequestsPerResync)),
    agentPerPodPerRotation: perPod(kv, rotationAgentGets),
    agentPerPodStart: perPod(kv, (r) => r.agentsStart.getSecret),
    fromSecretPerPodPerRotation: perPod(fs, rotationAgentGets),
    fromSecretPerPodStart: perPod(fs, (r) => r.agentsStart.getSecret),
    slowestRotationMs: Math.max(...runs.flatMap((r) => r.rotations.map((x) => x.ms))),
  };
}

export interface ModelRow {
  model: string;
  pods: number;
  /** "model" (computed from the model's rules), "measured" (counted at this size, per hour by
   * the default intervals), "computed" (per-pod counts measured at other sizes, scaled). */
  kind: "model" | "measured" | "computed";
  perHour: number;
  /** perHour ÷ CSI's perHour at the same size. */
  vsCsi: number;
  averagePer10s: number;
  /** The largest burst the model makes within 10 s, and what makes it. */
  burstPer10s: number;
  burstWhat: string;
  overLimitSteady: boolean;
  overLimitBurst: boolean;
}

export function modelRows(
  counts: MeasuredCounts,
  pods: readonly number[],
  measuredPods: ReadonlySet<number>,
  measuredFromSecretPods: ReadonlySet<number>,
): ModelRow[] {
  const rows: ModelRow[] = [];
  const resyncLists = (3_600 / RESYNC_S) * counts.listsPerResync;
  for (const n of pods) {
    const csi = (n * OBJECTS_PER_POD * 3_600) / CSI_INTERVAL_S;
    const row = (
      model: string,
      kind: ModelRow["kind"],
      perHour: number,
      burstPer10s: number,
      burstWhat: string,
    ): ModelRow => {
      const averagePer10s = perHour / WINDOWS_PER_HOUR;
      return {
        model,
        pods: n,
        kind,
        perHour: Math.round(perHour),
        vsCsi: perHour / csi,
        averagePer10s: Math.round(averagePer10s * 100) / 100,
        burstPer10s: Math.round(burstPer10s),
        burstWhat,
        overLimitSteady: averagePer10s > KEY_VAULT_LIMIT_PER_10S,
        overLimitBurst: burstPer10s > KEY_VAULT_LIMIT_PER_10S,
      };
    };
    rows.push(
      row(
        "CSI Azure provider, 2 min poll",
        "model",
        csi,
        n * OBJECTS_PER_POD,
        `${count(n)} pods mounting at once`,
      ),
    );
    rows.push(
      row(
        "External Secrets, 1 h refresh",
        "model",
        (n * OBJECTS_PER_POD * 3_600) / ESO_REFRESH_S,
        n * OBJECTS_PER_POD,
        "queued behind one worker (`--concurrent 1`)",
      ),
    );
    const perRotation = counts.controllerPerRotation + n * counts.agentPerPodPerRotation;
    rows.push(
      row(
        "kvsync controller + agents",
        measuredPods.has(n) ? "measured" : "computed",
        ROTATIONS_PER_HOUR * perRotation + resyncLists,
        Math.max(n * counts.agentPerPodStart, perRotation),
        `${count(n)} pods starting at once`,
      ),
    );
    const perRotationFs = counts.controllerPerRotation + n * counts.fromSecretPerPodPerRotation;
    rows.push(
      row(
        "kvsync controller + agents --from-secret",
        measuredFromSecretPods.has(n) ? "measured" : "computed",
        ROTATIONS_PER_HOUR * perRotationFs + resyncLists,
        Math.max(n * counts.fromSecretPerPodStart, ROTATIONS_PER_HOUR * perRotationFs),
        "all 4 objects rotated at once",
      ),
    );
  }
  return rows;
}

/** The smallest pod count whose steady or burst figure goes over the limit, per model. */
export function crossings(counts: MeasuredCounts) {
  const limit = KEY_VAULT_LIMIT_PER_10S;
  const resyncLists = (3_600 / RESYNC_S) * counts.listsPerResync;
  const over = (perPod: number, fixed: number) =>
    perPod <= 0 ? undefined : Math.floor((limit - fixed) / perPod) + 1;
  return [
    {
      model: "CSI Azure provider, 2 min poll",
      steadyFromPods: over((OBJECTS_PER_POD * 3_600) / CSI_INTERVAL_S / WINDOWS_PER_HOUR, 0),
      burstFromPods: over(OBJECTS_PER_POD, 0),
      burst: "pods mounting together (4 GETs each)",
    },
    {
      model: "External Secrets, 1 h refresh",
      steadyFromPods: over((OBJECTS_PER_POD * 3_600) / ESO_REFRESH_S / WINDOWS_PER_HOUR, 0),
      burstFromPods: undefined,
      burst:
        "ExternalSecrets created together: queued behind one worker (--concurrent 1), so 10 s " +
        "holds 4,000 GETs only if each takes under 2.5 ms, less than a network round trip",
    },
    {
      model: "kvsync controller + agents",
      steadyFromPods: over(
        (ROTATIONS_PER_HOUR * counts.agentPerPodPerRotation) / WINDOWS_PER_HOUR,
        (ROTATIONS_PER_HOUR * counts.controllerPerRotation + resyncLists) / WINDOWS_PER_HOUR,
      ),
      burstFromPods: over(counts.agentPerPodStart, 0),
      burst: `pods starting together (${fmt(counts.agentPerPodStart)} GETs each, measured)`,
      rotationBurstFromPods: over(counts.agentPerPodPerRotation, counts.controllerPerRotation),
    },
    {
      model: "kvsync controller + agents --from-secret",
      steadyFromPods: over(
        (ROTATIONS_PER_HOUR * counts.fromSecretPerPodPerRotation) / WINDOWS_PER_HOUR,
        (ROTATIONS_PER_HOUR * counts.controllerPerRotation + resyncLists) / WINDOWS_PER_HOUR,
      ),
      burstFromPods: over(counts.fromSecretPerPodStart, 0),
      burst: "none: pods read the class's Secrets from the API server",
    },
  ];
}

const count = (n: number) => n.toLocaleString("en-US");
const fmt = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(2));
