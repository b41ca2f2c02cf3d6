import { watch, type FSWatcher } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * Following one file of a folder written by Kubernetes' atomic writer (the CSI driver, or
 * `kvsync agent`): `<dir>/<name> -> ..data/<name>` and `..data -> ..<timestamp>`, swapped by
 * rename. The file's own inode never changes in place, so watching the file itself misses every
 * swap; watching the folder sees the rename of `..data`, and reading through the link then gives
 * the new content.
 */

export interface WatchSecretOptions {
  /** Stops watching when aborted, as close() does. */
  signal?: AbortSignal;
}

export interface SecretWatch {
  close(): void;
}

/**
 * Calls `onChange` with the file's content each time it really changes. The content at the time
 * of the call is the baseline and is not reported; a file that does not exist yet is reported
 * when it appears. A read that fails (the file is gone) keeps the last content. An `onChange`
 * that throws is ignored, so a faulty callback cannot stop the watch. Throws only when `dir`
 * cannot be watched at all.
 */
export function watchSecret(
  dir: string,
  name: string,
  onChange: (content: Buffer) => void,
  options: WatchSecretOptions = {},
): SecretWatch {
  const path = join(dir, name);
  let last: Buffer | undefined;
  let closed = false;
  // One read at a time; events during a read ask for one more, so the last swap is always read.
  let reading = false;
  let again = false;

  /** Reads the file: its content when it differs from the last seen, else undefined. */
  const readChanged = async (): Promise<Buffer | undefined> => {
    const content = await readFile(path).catch(() => undefined);
    if (closed || content === undefined) return undefined;
    if (last !== undefined && last.equals(content)) return undefined;
    last = content;
    return content;
  };

  const check = async (reportFirst: boolean): Promise<void> => {
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    let report = reportFirst;
    try {
      do {
        again = false;
        const changed = await readChanged();
        if (changed !== undefined && report && !closed) {
          try {
            onChange(changed);
          } catch {
            // The app's callback failing must not end the watch.
          }
        }
        // Only the first read of the start is the baseline; later ones follow an event.
        report = true;
        // `again` and `closed` are set by events and close() during the await above.
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
      } while (again && !closed);
    } finally {
      reading = false;
    }
  };

  let watcher: FSWatcher | undefined = watch(dir, { persistent: false }, (_event, filename) => {
    // `..data` is renamed on every swap; `name` itself appears once, when the link is made.
    // A null filename (some platforms) could be either.
    if (filename === null || filename === "..data" || filename === name) void check(true);
  });
  const close = () => {
    if (closed) return;
    closed = true;
    watcher?.close();
    watcher = undefined;
    options.signal?.removeEventListener("abort", close);
  };
  // The folder removed or unreadable: nothing more can be followed.
  watcher.on("error", close);
  if (options.signal?.aborted === true) close();
  else options.signal?.addEventListener("abort", close);
  // The baseline; a change landing before it is read becomes the baseline, as it is current.
  void check(false);
  return { close };
}
