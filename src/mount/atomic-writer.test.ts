import assert from "node:assert/strict";
import {
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  readlink,
  rm,
  stat,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { waitUntil } from "../eventgrid/publisher/test-support/management.js";
import { cleanStale, writeAtomically, type Payload } from "./index.js";

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), "kvsync-mount-"));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

let n = 0;
const freshDir = () => join(root, `t${++n}`);
const payload = (entries: Record<string, string>, mode = 0o644): Payload =>
  new Map(Object.entries(entries).map(([k, v]) => [k, { data: Buffer.from(v), mode }]));

test("writes files behind ..data, each name a link into it, with the given mode", async () => {
  const dir = freshDir();
  const result = await writeAtomically(dir, payload({ secret1: "one", other: "two" }, 0o440));
  assert.deepEqual(result, { changed: true, changedPaths: ["other", "secret1"] });
  assert.equal(await readFile(join(dir, "secret1"), "utf8"), "one");
  assert.equal(await readlink(join(dir, "secret1")), "..data/secret1");
  assert.ok((await lstat(join(dir, "..data"))).isSymbolicLink());
  assert.match(
    await readlink(join(dir, "..data")),
    /^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\.[0-9a-f]+$/,
  );
  assert.equal((await stat(join(dir, "secret1"))).mode & 0o777, 0o440);
});

test("identical content is not rewritten: same folder, same mtime", async () => {
  const dir = freshDir();
  await writeAtomically(dir, payload({ a: "x" }));
  const target = await readlink(join(dir, "..data"));
  const mtime = (await stat(join(dir, "a"))).mtimeMs;
  const again = await writeAtomically(dir, payload({ a: "x" }));
  assert.equal(again.changed, false);
  assert.equal(await readlink(join(dir, "..data")), target);
  assert.equal((await stat(join(dir, "a"))).mtimeMs, mtime);
});

test("a change swaps the whole set, drops names that are gone, and removes the old folder", async () => {
  const dir = freshDir();
  await writeAtomically(dir, payload({ a: "1", b: "1" }));
  const first = await readlink(join(dir, "..data"));
  const result = await writeAtomically(dir, payload({ a: "2", c: "2" }), { retireAfterMs: 0 });
  assert.deepEqual(result.changedPaths, ["a", "b", "c"]);
  assert.equal(await readFile(join(dir, "a"), "utf8"), "2");
  await assert.rejects(lstat(join(dir, "b")), { code: "ENOENT" });
  const entries = await readdir(dir);
  assert.ok(!entries.includes(first), "the previous timestamped folder is deleted");
  assert.deepEqual(entries.filter((e) => e.startsWith("..")).length, 2); // ..data and the new folder
});

test("the replaced folder stays whole for lookups already under way, then goes", async () => {
  const dir = freshDir();
  await writeAtomically(dir, payload({ a: "1" }));
  const first = await readlink(join(dir, "..data"));
  await writeAtomically(dir, payload({ a: "2" }), { retireAfterMs: 50 });
  assert.equal(await readFile(join(dir, "a"), "utf8"), "2");
  // A reader that followed ..data before the swap still reads the old file, complete.
  assert.equal(await readFile(join(dir, first, "a"), "utf8"), "1");
  await waitUntil(
    async () => !(await readdir(dir)).includes(first),
    "the replaced folder removed after its grace period",
  );
});

test("a mode change alone counts as a change", async () => {
  const dir = freshDir();
  await writeAtomically(dir, payload({ a: "1" }, 0o644));
  const result = await writeAtomically(dir, payload({ a: "1" }, 0o400));
  assert.deepEqual(result.changedPaths, ["a"]);
  assert.equal((await stat(join(dir, "a"))).mode & 0o777, 0o400);
});

test("version history folders: only the top name is linked", async () => {
  const dir = freshDir();
  await writeAtomically(dir, payload({ "db/0": "new", "db/1": "old" }));
  assert.equal(await readlink(join(dir, "db")), "..data/db");
  assert.equal(await readFile(join(dir, "db", "0"), "utf8"), "new");
  assert.equal(await readFile(join(dir, "db", "1"), "utf8"), "old");
});

test("refuses paths that escape or collide with the writer's own names", async () => {
  const dir = freshDir();
  for (const bad of [
    "../x",
    "/etc/passwd",
    "a/../../x",
    "..data",
    "..x",
    "",
    "a//b",
    "./a",
    "x".repeat(256),
  ]) {
    await assert.rejects(writeAtomically(dir, payload({ [bad]: "v" })), /refusing to write/, bad);
  }
  await assert.rejects(lstat(dir), { code: "ENOENT" }, "nothing was written for a refused payload");
});

test("cleanStale removes what a crash left, and keeps the live set", async () => {
  const dir = freshDir();
  await writeAtomically(dir, payload({ a: "1" }));
  await mkdir(join(dir, "..2020_01_01_00_00_00.dead"));
  await symlink("..2020_01_01_00_00_00.dead", join(dir, "..data_tmp"));
  await cleanStale(dir);
  const entries = (await readdir(dir)).sort();
  assert.equal(entries.length, 3);
  assert.ok(entries.includes("..data") && entries.includes("a"));
  assert.equal(await readFile(join(dir, "a"), "utf8"), "1");
});

test("readers never see a mix of two sets or a partial file while sets are swapped", async () => {
  const dir = freshDir();
  const set = (i: number) =>
    payload({ a: `gen-${i}-`.padEnd(4096, "a"), b: `gen-${i}-`.padEnd(4096, "b") });
  await writeAtomically(dir, set(0));
  const state = { writing: true };
  let reads = 0;
  const reader = (async () => {
    while (state.writing) {
      // Read both through ..data resolved once, as a consumer following the link does.
      const target = await readlink(join(dir, "..data")).catch(() => undefined);
      if (target === undefined) continue;
      const [a, b] = await Promise.all([
        readFile(join(dir, target, "a"), "utf8").catch(() => undefined),
        readFile(join(dir, target, "b"), "utf8").catch(() => undefined),
      ]);
      if (a === undefined || b === undefined) continue; // that set was already replaced and removed
      assert.equal(a.length, 4096, "no partial file");
      assert.equal(a.split("-")[1], b.split("-")[1], "both files from the same set");
      reads++;
    }
  })();
  for (let i = 1; i <= 200; i++) await writeAtomically(dir, set(i));
  state.writing = false;
  await reader;
  assert.ok(reads > 0);
  assert.equal((await readFile(join(dir, "a"), "utf8")).split("-")[1], "200");
});

test("writes into an existing folder that holds other files, leaving them alone", async () => {
  const dir = freshDir();
  await mkdir(dir);
  await writeFile(join(dir, "unrelated"), "keep");
  await writeAtomically(dir, payload({ a: "1" }));
  await writeAtomically(dir, payload({ b: "1" }));
  assert.equal(await readFile(join(dir, "unrelated"), "utf8"), "keep");
});
