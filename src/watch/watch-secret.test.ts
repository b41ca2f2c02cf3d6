import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { writeAtomically } from "../mount/index.js";
import { watchSecret } from "./index.js";

/** The watcher against real `..data` swaps made by the agent's own atomic writer. */

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), "kvsync-watch-"));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

let n = 0;
async function folder(files: Record<string, string>): Promise<string> {
  const dir = join(root, `d${n++}`);
  await mkdir(dir);
  await swap(dir, files);
  return dir;
}

async function swap(dir: string, files: Record<string, string>): Promise<void> {
  const payload = new Map(
    Object.entries(files).map(([k, v]) => [k, { data: Buffer.from(v), mode: 0o644 }] as const),
  );
  await writeAtomically(dir, payload);
}

async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test("follows many swaps, once per real change, never for the start's content", async () => {
  const dir = await folder({ token: "v0", other: "o0" });
  const seen: string[] = [];
  const watch = watchSecret(dir, "token", (content) => seen.push(content.toString()));
  try {
    for (let i = 1; i <= 30; i++) {
      await swap(dir, { token: `v${i}`, other: "o0" });
      await until(() => seen.at(-1) === `v${i}`, `v${i}`);
      // A swap that changes only the other file must not report this one.
      await swap(dir, { token: `v${i}`, other: `o${i}` });
    }
    await swap(dir, { token: "last", other: "o-last" });
    await until(() => seen.at(-1) === "last", "last");
    assert.deepEqual(seen, [...Array.from({ length: 30 }, (_, i) => `v${i + 1}`), "last"]);
  } finally {
    watch.close();
  }
});

test("a file that appears later is reported; a throwing callback does not stop the watch", async () => {
  const dir = await folder({ other: "x" });
  const seen: string[] = [];
  const watch = watchSecret(dir, "late", (content) => {
    seen.push(content.toString());
    throw new Error("the app's bug");
  });
  try {
    await swap(dir, { other: "x", late: "one" });
    await until(() => seen.length === 1, "the file to appear");
    await swap(dir, { other: "x", late: "two" });
    await until(() => seen.length === 2, "the second change");
    assert.deepEqual(seen, ["one", "two"]);
  } finally {
    watch.close();
  }
});

test("stops on abort and on close", async () => {
  const dir = await folder({ token: "a" });
  const controller = new AbortController();
  const stopped: string[] = [];
  const closedToo: string[] = [];
  const live: string[] = [];
  watchSecret(dir, "token", (c) => stopped.push(c.toString()), { signal: controller.signal });
  const closed = watchSecret(dir, "token", (c) => closedToo.push(c.toString()));
  const witness = watchSecret(dir, "token", (c) => live.push(c.toString()));
  try {
    await swap(dir, { token: "b" });
    await until(() => live.length === 1 && stopped.length === 1 && closedToo.length === 1, "b");
    controller.abort();
    closed.close();
    await swap(dir, { token: "c" });
    await swap(dir, { token: "d" });
    await until(() => live.at(-1) === "d", "the live watcher to see d");
    assert.deepEqual(stopped, ["b"]);
    assert.deepEqual(closedToo, ["b"]);
  } finally {
    witness.close();
  }
});
