import { randomBytes } from "node:crypto";
import {
  chmod,
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from "node:fs/promises";
import { dirname, join } from "node:path";
import { checkPayloadPath } from "./payload-path.js";

/**
 * Kubernetes' AtomicWriter, as the Secrets Store CSI driver uses it: a reader of the folder sees
 * the whole old set of files or the whole new set, never a mix and never a partial file.
 *
 *   <dir>/..2026_11_28_10_15_30.123456789/   the payload, written fresh each time
 *   <dir>/..data -> ..2026_11_28_…            swapped atomically by rename(2)
 *   <dir>/<name> -> ..data/<name>             one link per top-level entry, made once
 *
 * Steps (numbered in the body):
 *  1. validate the payload's paths;
 *  2. compare it with what `..data` holds now: identical → nothing is written (mtimes stay);
 *  3. write every file into a new hidden timestamped folder, with its mode;
 *  4. point a new symlink `..data_tmp` at that folder;
 *  5. rename `..data_tmp` over `..data` — the atomic switch;
 *  6. create links for new top-level names, remove links for names that are gone;
 *  7. delete the previous timestamped folder, after a grace period.
 * A crash at any point leaves `..data` at a complete set; `cleanStale` removes the leftovers.
 *
 * Step 7 is where kvsync departs from Kubernetes' writer, which deletes at once: a reader whose
 * path lookup of `<dir>/<name>` had already followed `..data` into the previous folder would then
 * fail with ENOENT (the fault suite's torn-reads scenario saw it a few times per million reads).
 * Kept for `retireAfterMs` (2 s by default), that lookup finds the old file, whole.
 */

export interface PayloadFile {
  data: Buffer;
  /** e.g. 0o644 */
  mode: number;
}

/** Relative path (may contain one level of folder, for version history) → content. */
export type Payload = ReadonlyMap<string, PayloadFile>;

export interface WriteResult {
  changed: boolean;
  /** Paths whose content or mode differ from before, or that are new or gone. */
  changedPaths: string[];
}

const DATA_LINK = "..data";
const DATA_TMP = "..data_tmp";

export interface WriteOptions {
  now?: Date;
  /** How long the replaced folder stays for lookups already under way; 0 deletes it at once. */
  retireAfterMs?: number;
}

export const DEFAULT_RETIRE_AFTER_MS = 2_000;

export async function writeAtomically(
  dir: string,
  payload: Payload,
  { now = new Date(), retireAfterMs = DEFAULT_RETIRE_AFTER_MS }: WriteOptions = {},
): Promise<WriteResult> {
  // 1. validate
  for (const path of payload.keys()) checkPayloadPath(path);
  await mkdir(dir, { recursive: true });

  // 2. compare with the current set
  const previousDir = await currentDataDir(dir);
  const previous =
    previousDir === undefined
      ? new Map<string, PayloadFile>()
      : await readPayload(join(dir, previousDir));
  const changedPaths = diff(previous, payload);
  if (changedPaths.length === 0 && previousDir !== undefined)
    return { changed: false, changedPaths };

  // 3. write the new set into a fresh hidden folder
  const stamp = timestampDirName(now);
  const stampPath = join(dir, stamp);
  await mkdir(stampPath, { mode: 0o755 });
  for (const [path, file] of payload) {
    const target = join(stampPath, path);
    await mkdir(dirname(target), { recursive: true, mode: 0o755 });
    await writeFile(target, file.data, { mode: file.mode });
    await chmod(target, file.mode); // writeFile's mode is masked by umask; chmod is not
  }

  // 4. + 5. point ..data at it, atomically
  const tmpLink = join(dir, DATA_TMP);
  await rm(tmpLink, { force: true });
  await symlink(stamp, tmpLink);
  await rename(tmpLink, join(dir, DATA_LINK));

  // 6. user-visible links: one per top-level name
  const topNames = new Set([...payload.keys()].map(topLevel));
  for (const name of topNames) {
    const link = join(dir, name);
    if (!(await isLink(link))) await symlink(join(DATA_LINK, name), link);
  }
  for (const name of new Set([...previous.keys()].map(topLevel))) {
    if (!topNames.has(name)) await rm(join(dir, name), { force: true });
  }

  // 7. the old set is unreachable for new lookups; those under way get a grace period
  if (previousDir !== undefined) await retire(join(dir, previousDir), retireAfterMs);
  return { changed: true, changedPaths };
}

async function retire(path: string, afterMs: number): Promise<void> {
  const remove = () => rm(path, { recursive: true, force: true });
  if (afterMs <= 0) return remove();
  // Unref'd: a stopping agent does not wait; the next start's cleanStale removes what is left.
  setTimeout(() => void remove().catch(() => undefined), afterMs).unref();
}

/** Removes hidden folders and a `..data_tmp` left behind by a crash between steps 3 and 7. */
export async function cleanStale(dir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return;
  }
  const current = await currentDataDir(dir);
  for (const entry of entries) {
    if (entry === DATA_LINK || entry === current || !entry.startsWith("..")) continue;
    await rm(join(dir, entry), { recursive: true, force: true });
  }
}

/** What the folder holds now, as a payload (empty when it was never written). */
export async function readCurrentPayload(dir: string): Promise<Map<string, PayloadFile>> {
  const current = await currentDataDir(dir);
  return current === undefined ? new Map() : readPayload(join(dir, current));
}

async function currentDataDir(dir: string): Promise<string | undefined> {
  try {
    return await readlink(join(dir, DATA_LINK));
  } catch {
    return undefined;
  }
}

async function readPayload(root: string, prefix = ""): Promise<Map<string, PayloadFile>> {
  const files = new Map<string, PayloadFile>();
  for (const entry of await readdir(join(root, prefix), { withFileTypes: true })) {
    const path = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) {
      for (const [p, f] of await readPayload(root, path)) files.set(p, f);
    } else if (entry.isFile()) {
      const full = join(root, path);
      files.set(path, { data: await readFile(full), mode: (await stat(full)).mode & 0o777 });
    }
  }
  return files;
}

function diff(previous: ReadonlyMap<string, PayloadFile>, next: Payload): string[] {
  const changed: string[] = [];
  for (const [path, file] of next) {
    const before = previous.get(path);
    if (!before || before.mode !== file.mode || !before.data.equals(file.data)) changed.push(path);
  }
  for (const path of previous.keys()) if (!next.has(path)) changed.push(path);
  return changed.sort();
}

const topLevel = (path: string): string => path.split("/")[0] ?? path;

async function isLink(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isSymbolicLink();
  } catch {
    return false;
  }
}

/** `..2026_11_28_10_15_30.<random>`, as Kubernetes names them (random suffix instead of mkdtemp's). */
function timestampDirName(now: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  const stamp = `${now.getUTCFullYear()}_${pad(now.getUTCMonth() + 1)}_${pad(now.getUTCDate())}_${pad(now.getUTCHours())}_${pad(now.getUTCMinutes())}_${pad(now.getUTCSeconds())}`;
  return `..${stamp}.${randomBytes(5).toString("hex")}`;
}
