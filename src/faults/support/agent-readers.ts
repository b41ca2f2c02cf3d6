import { Worker } from "node:worker_threads";
import type { ValueShape } from "./agent-fault-values.js";

/**
 * Readers of a mounted folder, each in a worker thread so that it runs truly at the same time as
 * the agent writing the folder (a reader in the agent's own event loop would only ever read
 * between two of the writer's steps). Two ways of reading, as applications do:
 *
 *  - "snapshot": resolve `<mount>/..data` once with realpath, then read every file from that
 *    directory: the set must be one the writer wrote as a whole;
 *  - "files": read each file through its user-visible link `<mount>/<name>`: every read must be a
 *    complete value, and a file must never go back to an older rotation than one already read.
 *
 * Values are checked in the worker (see agent-fault-values.ts); the main thread gets counts,
 * the distinct sets seen, and, when asked, the moment each file first showed a newer rotation.
 */

export interface ReaderFile {
  /** Relative to the mount: "db" or "db/0". */
  readonly path: string;
  /** The object whose value the file must hold. */
  readonly object: string;
}

export interface ReaderSpec {
  readonly mode: "snapshot" | "files";
  readonly mountDir: string;
  readonly files: readonly ReaderFile[];
  readonly shape: ValueShape;
  /** Pause between rounds; 0 reads in a tight loop. */
  readonly pauseMs: number;
  /** Post a `seen` message when a file shows a newer rotation ("files" mode). */
  readonly reportSeen: boolean;
}

export interface ReaderReport {
  readonly mode: ReaderSpec["mode"];
  /** Snapshot mode: whole sets read; files mode: single files read. */
  reads: number;
  /** Values that were not complete (empty, truncated, spliced) or of the wrong object. */
  partial: number;
  /** Files mode: a link that did not resolve; snapshot mode: `..data` missing. */
  missing: number;
  /** Snapshot mode: the resolved directory was removed mid-read (the writer's step 7). */
  vanished: number;
  /** A file showed an older rotation than one already read from it. */
  rollbacks: number;
  /** Snapshot mode: "r1,r2,…" per set read → count; files mode: "path@r" → count. */
  seen: Record<string, number>;
  /** Short descriptions of the first bad reads (sizes and heads, never a value). */
  samples: string[];
}

/** Posted by a worker: first sight of a newer rotation, or the final report. */
export type ReaderMessage =
  | { kind: "ready" }
  | { kind: "seen"; path: string; rotation: number; at: number }
  | { kind: "done"; report: ReaderReport };

export interface SeenRotation {
  readonly path: string;
  readonly rotation: number;
  /** Epoch milliseconds, sub-millisecond precision (performance.timeOrigin + now()). */
  readonly at: number;
}

export interface RunningReaders {
  /** Stops every reader and returns their reports. */
  stop(): Promise<ReaderReport[]>;
}

/** Epoch milliseconds with sub-millisecond precision, comparable across threads. */
export const preciseNow = (): number => performance.timeOrigin + performance.now();

/** Starts the readers; resolves once every one of them is reading. */
export async function startReaders(
  specs: readonly ReaderSpec[],
  onSeen?: (seen: SeenRotation) => void,
): Promise<RunningReaders> {
  const stopFlag = new SharedArrayBuffer(4);
  const started = specs.map((spec) => startWorker(spec, stopFlag, onSeen));
  await Promise.all(started.map((s) => s.ready));
  return {
    async stop() {
      Atomics.store(new Int32Array(stopFlag), 0, 1);
      Atomics.notify(new Int32Array(stopFlag), 0);
      return Promise.all(started.map((s) => s.done));
    },
  };
}

function startWorker(
  spec: ReaderSpec,
  stopFlag: SharedArrayBuffer,
  onSeen: ((seen: SeenRotation) => void) | undefined,
): { ready: Promise<void>; done: Promise<ReaderReport> } {
  const worker = spawnWorker({ spec, stopFlag });
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const done = new Promise<ReaderReport>((resolve, reject) => {
    worker.on("message", (message: ReaderMessage) => {
      if (message.kind === "ready") markReady();
      else if (message.kind === "seen") onSeen?.(message);
      else resolve(message.report);
    });
    worker.once("error", reject);
    worker.once("exit", (code) => {
      reject(new Error(`reader worker exited (${code}) without a report`));
    });
  });
  // A worker that dies before it is ready must not leave the caller waiting.
  return { ready: Promise.race([ready, done.then(() => undefined)]), done };
}

/**
 * Workers do not inherit tsx's loader for their entry file: under tsx, a small bootstrap
 * registers it first; compiled to JavaScript, the entry runs as is.
 */
function spawnWorker(workerData: { spec: ReaderSpec; stopFlag: SharedArrayBuffer }): Worker {
  const entry = new URL(`./agent-reader-worker${extensionOf(import.meta.url)}`, import.meta.url);
  if (!entry.pathname.endsWith(".ts")) return new Worker(entry, { workerData });
  const tsx = import.meta.resolve("tsx/esm/api");
  const boot = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true, workerData, execArgv: [] });
}

function extensionOf(url: string): string {
  return url.endsWith(".ts") ? ".ts" : ".js";
}
