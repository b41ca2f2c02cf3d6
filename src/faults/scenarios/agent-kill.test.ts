import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { faultValue } from "../support/agent-fault-values.js";
import { KILL_VALUES, readSet, scenario } from "./agent-kill.js";

/** A mount folder as the atomic writer leaves it, with generation `generations[i]` per object. */
async function mountWith(names: readonly string[], generations: readonly number[]) {
  const dir = await mkdtemp(join(tmpdir(), "kvsync-agent-kill-check-"));
  await mkdir(join(dir, "..stamp"));
  await symlink("..stamp", join(dir, "..data"));
  for (const [i, name] of names.entries()) {
    const g = generations[i] ?? 0;
    await mkdir(join(dir, "..stamp", name));
    await writeFile(join(dir, "..stamp", name, "0"), faultValue(name, g, KILL_VALUES));
    await writeFile(join(dir, "..stamp", name, "1"), faultValue(name, g - 1, KILL_VALUES));
    await symlink(join("..data", name), join(dir, name));
  }
  return dir;
}

test("the folder check accepts one whole generation and catches a mix", async (t) => {
  const names = ["x", "y", "z"];
  const whole = await mountWith(names, [4, 4, 4]);
  const mixed = await mountWith(names, [4, 5, 4]);
  t.after(() => Promise.all([whole, mixed].map((d) => rm(d, { recursive: true, force: true }))));
  assert.deepEqual(await readSet(whole, names), { generation: 4, problems: [] });
  const seen = await readSet(mixed, names);
  assert.equal(seen.generation, undefined);
  assert.match(seen.problems.join(), /2 generations/);
  await writeFile(join(mixed, "..stamp", "z", "0"), "z#4#truncat");
  assert.match((await readSet(mixed, names)).problems.join(), /z: not a complete pair/);
});

test("agent-kill (short): every kill -9 leaves one whole generation; restarts converge", async () => {
  const result = await scenario.run("short");
  assert.ok(result.held, [JSON.stringify(result.figures), ...(result.notes ?? [])].join("\n"));
});
