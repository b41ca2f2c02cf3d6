/**
 * Discrete-event simulations of pollers on a simulated clock, so that a 2-minute interval can be
 * studied over thousands of rotations without waiting for real minutes. Rotations happen at
 * uniformly random times against the poll's cadence; the work a poll or a mount does is drawn
 * from latencies measured for real (bench/agent-propagation.ts), so the only thing simulated is
 * the waiting.
 *
 *  - kvsync's poll (src/sync/poller.ts): the next wait starts when a poll ends; a poll lists the
 *    vault and, for a changed object, reads it and swaps the files.
 *  - the CSI driver's rotation reconciler (≤ v1.5.x, the version the Azure provider's chart and
 *    the AKS add-on ship): a ticker every interval per node, every pod of the node queued, one
 *    worker; each pod's mount GETs every object of its class in series (the Azure provider's
 *    loop), changed or not.
 */

/** A small seeded PRNG (mulberry32): the same samples give the same simulated figures. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = (samples: readonly number[], random: () => number): number => {
  if (samples.length === 0) throw new Error("no measured samples to draw from");
  return samples[Math.floor(random() * samples.length)] ?? 0;
};

/** Rotation times: `count` uniform draws over [0, horizon), sorted. */
function rotationTimes(count: number, horizon: number, random: () => number): number[] {
  return Array.from({ length: count }, () => random() * horizon).sort((a, b) => a - b);
}

export interface KvsyncPollModel {
  intervalMs: number;
  /** Measured: poll start → new content readable, when an object changed. */
  changedPollMs: readonly number[];
  /** Measured: a poll that found nothing changed (the list alone). */
  idlePollMs: readonly number[];
  rotations: number;
  seed: number;
}

/**
 * kvsync's poll alone. Polls start at s₀ (a random phase) and s_{k+1} = s_k + d_k + interval,
 * d_k the poll's measured duration. A rotation at t is seen by the first poll starting at or
 * after t (its listing is taken then) and is readable when that poll's work is done. Returns
 * SetSecret → readable, ms, one per rotation.
 */
export function simulateKvsyncPoll(model: KvsyncPollModel): number[] {
  const random = seededRandom(model.seed);
  const meanIdle =
    model.idlePollMs.reduce((s, x) => s + x, 0) / Math.max(1, model.idlePollMs.length);
  // About one rotation every three polls: most polls find nothing, as in a real vault.
  const horizon = model.rotations * 3 * (model.intervalMs + meanIdle);
  const times = rotationTimes(model.rotations, horizon, random);
  const delays: number[] = [];
  let start = random() * model.intervalMs;
  let i = 0;
  while (i < times.length) {
    const seenHere: number[] = [];
    while (i < times.length && (times[i] ?? Infinity) <= start) seenHere.push(times[i++] ?? 0);
    let duration: number;
    if (seenHere.length > 0) {
      duration = pick(model.changedPollMs, random);
      for (const t of seenHere) delays.push(start + duration - t);
    } else {
      duration = pick(model.idlePollMs, random);
    }
    start += duration + model.intervalMs;
  }
  return delays;
}

export interface CsiModel {
  intervalMs: number;
  /** Pods of one node, all queued on each tick and mounted one after another. */
  podsPerNode: number;
  /** Measured: one pod's mount, its objects' GetSecret calls in series. */
  mountMs: readonly number[];
  rotations: number;
  seed: number;
}

/**
 * The CSI driver's rotation reconciler on one node. Ticks at a fixed cadence (time.Ticker) from
 * a random phase; on each tick the pods are queued in a fixed order and one worker mounts them
 * in turn, each mount taking a measured time. A rotation at t reaches the pod (chosen at random)
 * at the end of its first mount that starts at or after t. Returns SetSecret → readable, ms.
 */
export function simulateCsi(model: CsiModel): number[] {
  const random = seededRandom(model.seed);
  const horizon = model.rotations * model.intervalMs;
  const times = rotationTimes(model.rotations, horizon, random);
  const phase = random() * model.intervalMs;
  const delays: number[] = [];
  let tick = phase;
  let busyUntil = 0;
  let i = 0;
  while (i < times.length) {
    // One tick: every pod mounted in turn; the worker may still be busy from the last tick.
    let at = Math.max(tick, busyUntil);
    const mounts: { start: number; end: number }[] = [];
    for (let p = 0; p < model.podsPerNode; p++) {
      const end = at + pick(model.mountMs, random);
      mounts.push({ start: at, end });
      at = end;
    }
    busyUntil = at;
    // Rotations before the last mount of this tick starts may be caught now, by their pod.
    const lastStart = mounts[mounts.length - 1]?.start ?? tick;
    while (i < times.length && (times[i] ?? Infinity) <= lastStart) {
      const t = times[i++] ?? 0;
      const pod = Math.floor(random() * model.podsPerNode);
      const mount = mounts[pod];
      if (mount !== undefined && mount.start >= t) {
        delays.push(mount.end - t);
      } else {
        // Its pod was mounted before the rotation: the next tick, same place in the queue.
        const offset = (mount?.start ?? tick) - tick;
        delays.push(tick + model.intervalMs + offset + pick(model.mountMs, random) - t);
      }
    }
    tick += model.intervalMs;
  }
  return delays;
}

/**
 * Two-sample Kolmogorov–Smirnov distance between measured and simulated samples, and the 5 %
 * critical value for those sizes: a distance under it means the measured run is what the model
 * predicts, as far as that many samples can tell.
 */
export function ksDistance(a: readonly number[], b: readonly number[]) {
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i] ?? Infinity, y[j] ?? Infinity);
    while (i < x.length && (x[i] ?? Infinity) <= v) i++;
    while (j < y.length && (y[j] ?? Infinity) <= v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  const critical = 1.36 * Math.sqrt((x.length + y.length) / (x.length * y.length));
  return { d: Math.round(d * 1000) / 1000, critical5pc: Math.round(critical * 1000) / 1000 };
}
