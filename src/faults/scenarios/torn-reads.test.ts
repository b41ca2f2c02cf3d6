import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { faultValue, SMALL_VALUES } from "../support/agent-fault-values.js";
import { startReaders } from "../support/agent-readers.js";
import { scenario } from "./torn-reads.js";

test("the readers catch a writer that rewrites files in place", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "kvsync-torn-reads-check-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const names = ["a", "b", "c"];
  await mkdir(join(dir, "..stamp"));
  await symlink("..stamp", join(dir, "..data"));
  for (const n of names) {
    await writeFile(join(dir, "..stamp", n), faultValue(n, 0));
    await symlink(join("..data", n), join(dir, n));
  }
  const files = names.map((n) => ({ path: n, object: n }));
  const base = { mountDir: dir, files, shape: SMALL_VALUES, pauseMs: 0, reportSeen: false };
  const readers = await startReaders([
    { ...base, mode: "snapshot" },
    { ...base, mode: "files" },
  ]);
  // The broken writer: every file truncated and rewritten in place, one after the other, and
  // once in a while an older rotation written back.
  for (let r = 1; r <= 200; r++) {
    for (const n of names)
      await writeFile(join(dir, "..stamp", n), faultValue(n, r % 50 ? r : r - 7));
  }
  const [snapshot, single] = await readers.stop();
  assert.ok(snapshot !== undefined && single !== undefined);
  const mixedSets = Object.keys(snapshot.seen).filter((k) => new Set(k.split(",")).size > 1);
  assert.ok(snapshot.partial + single.partial > 0, "no partial read caught");
  assert.ok(mixedSets.length > 0, "no mixed set caught");
  assert.ok(single.rollbacks > 0, "no rollback caught");
});

test("torn-reads (short): no partial and no mixed read while rotations land", async () => {
  const result = await scenario.run("short");
  assert.ok(result.held, [JSON.stringify(result.figures), ...(result.notes ?? [])].join("\n"));
});
