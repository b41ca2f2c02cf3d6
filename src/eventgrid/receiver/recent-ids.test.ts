import assert from "node:assert/strict";
import { test } from "node:test";
import { RecentIds } from "./recent-ids.js";

test("reports a key seen within the window, and forgets the least recently seen beyond it", () => {
  const ids = new RecentIds(2);
  assert.equal(ids.checkAndAdd("a"), false);
  assert.equal(ids.checkAndAdd("b"), false);
  assert.equal(ids.checkAndAdd("a"), true); // a is now the most recent; b the oldest
  assert.equal(ids.checkAndAdd("c"), false); // evicts b
  assert.equal(ids.size, 2);
  assert.equal(ids.checkAndAdd("a"), true);
  assert.equal(ids.checkAndAdd("b"), false);
});

test("refuses a window that is not a positive whole number", () => {
  for (const size of [0, -1, 1.5, Number.NaN]) assert.throws(() => new RecentIds(size), RangeError);
});
