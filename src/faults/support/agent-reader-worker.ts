/**
 * One reader of a mounted folder (see agent-readers.ts): reads until the shared stop flag is set,
 * with synchronous calls, so that a read is as short as the kernel makes it and the loop never
 * waits on anything but the disk.
 */
import { existsSync, lstatSync, readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import { decodeFaultValue, describeBadValue } from "./agent-fault-values.js";
import type { ReaderMessage, ReaderReport, ReaderSpec } from "./agent-readers.js";

const { spec, stopFlag } = workerData as { spec: ReaderSpec; stopFlag: SharedArrayBuffer };
const stop = new Int32Array(stopFlag);
const MAX_SAMPLES = 5;

const report: ReaderReport = {
  mode: spec.mode,
  reads: 0,
  partial: 0,
  missing: 0,
  vanished: 0,
  rollbacks: 0,
  seen: {},
  samples: [],
};
/** Newest rotation read so far, per file. */
const newest = new Map<string, number>();

const post = (message: ReaderMessage) => {
  parentPort?.postMessage(message);
};
const sample = (text: string) => {
  if (report.samples.length < MAX_SAMPLES) report.samples.push(text);
};
const count = (key: string) => {
  report.seen[key] = (report.seen[key] ?? 0) + 1;
};
const isMissing = (error: unknown) =>
  error instanceof Error && (error as NodeJS.ErrnoException).code === "ENOENT";

/** A file's content, or undefined when the path does not resolve (ENOENT). */
function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Why a read through `<mount>/<path>` found nothing, as far as can be told right after. */
function diagnose(path: string): string {
  const top = path.split("/")[0] ?? path;
  if (!isLink(join(spec.mountDir, top))) return "the link itself is missing";
  if (!isLink(join(spec.mountDir, "..data"))) return "..data is missing";
  return existsSync(join(spec.mountDir, path))
    ? "link and ..data in place and resolving again: the directory ..data named was removed mid-lookup"
    : "link and ..data in place, the file is not in the directory ..data names";
}

/** The rotation a value holds, or undefined (counted as partial) when it is not complete. */
function rotationOf(path: string, object: string, text: string): number | undefined {
  const decoded = decodeFaultValue(text, spec.shape);
  if (decoded?.object === object) return decoded.rotation;
  report.partial++;
  sample(`partial read of ${path}: ${describeBadValue(text)}`);
  return undefined;
}

/** Resolve `..data` once, then read the whole set from that one directory. */
function readSnapshot(): void {
  let dir: string;
  try {
    dir = realpathSync(join(spec.mountDir, "..data"));
  } catch (error) {
    if (!isMissing(error)) throw error;
    // `..data` is there but the directory it named was removed before realpath reached it.
    if (isLink(join(spec.mountDir, "..data"))) report.vanished++;
    else report.missing++;
    return;
  }
  const rotations: number[] = [];
  for (const file of spec.files) {
    const text = read(join(dir, file.path));
    if (text === undefined) {
      // The writer removed this (previous) directory after swapping `..data`: not a torn read.
      report.vanished++;
      return;
    }
    const rotation = rotationOf(file.path, file.object, text);
    if (rotation === undefined) return;
    rotations.push(rotation);
  }
  report.reads++;
  count(rotations.join(","));
}

/** Read each file through its link, as an application that opens `<mount>/<name>` does. */
function readFiles(): void {
  for (const file of spec.files) {
    const text = read(join(spec.mountDir, file.path));
    report.reads++;
    if (text === undefined) {
      report.missing++;
      sample(`${file.path}: ENOENT (${diagnose(file.path)})`);
      continue;
    }
    const rotation = rotationOf(file.path, file.object, text);
    if (rotation === undefined) continue;
    count(`${file.path}@${rotation}`);
    const before = newest.get(file.path);
    if (before !== undefined && rotation < before) {
      report.rollbacks++;
      sample(`${file.path} went back from rotation ${before} to ${rotation}`);
    } else if (before === undefined || rotation > before) {
      newest.set(file.path, rotation);
      if (spec.reportSeen) {
        post({
          kind: "seen",
          path: file.path,
          rotation,
          at: performance.timeOrigin + performance.now(),
        });
      }
    }
  }
}

post({ kind: "ready" });
while (Atomics.load(stop, 0) === 0) {
  if (spec.mode === "snapshot") readSnapshot();
  else readFiles();
  if (spec.pauseMs > 0) Atomics.wait(stop, 0, 0, spec.pauseMs);
}
post({ kind: "done", report });
