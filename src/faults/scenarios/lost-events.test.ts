import assert from "node:assert/strict";
import { test } from "node:test";
import { scenario } from "./lost-events.js";

test("lost-events (short): lost events caught by the poll in time, never a rollback", async () => {
  const result = await scenario.run("short");
  assert.ok(result.held, [JSON.stringify(result.figures), ...(result.notes ?? [])].join("\n"));
});
