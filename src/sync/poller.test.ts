import assert from "node:assert/strict";
import { test } from "node:test";
import { Poller, type Timers } from "./index.js";

/** Timers that run only when the test says so. */
function manualTimers() {
  const pending: { run: () => void; ms: number }[] = [];
  const timers: Timers = {
    setTimeout: (run, ms) => {
      const entry = { run, ms };
      pending.push(entry);
      return entry;
    },
    clearTimeout: (handle) => {
      const i = pending.indexOf(handle as (typeof pending)[number]);
      if (i >= 0) pending.splice(i, 1);
    },
  };
  return { timers, pending };
}

test("polls every interval, the next wait starting when a poll ends, until stopped", async () => {
  const { timers, pending } = manualTimers();
  let polls = 0;
  let finish!: () => void;
  const poller = new Poller({
    intervalMs: 120_000,
    timers,
    poll: () => {
      polls++;
      return new Promise<void>((resolve) => {
        finish = resolve;
      });
    },
  });
  poller.start();
  assert.deepEqual(
    pending.map((p) => p.ms),
    [120_000],
  );
  pending.shift()?.run();
  assert.equal(polls, 1);
  assert.equal(pending.length, 0, "no second timer while a poll runs");
  finish();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(pending.length, 1);
  poller.stop();
  assert.equal(pending.length, 0);
});

test("a failed poll does not stop the loop", async () => {
  const { timers, pending } = manualTimers();
  const poller = new Poller({
    intervalMs: 10,
    timers,
    poll: () => Promise.reject(new Error("vault down")),
  });
  poller.start();
  pending.shift()?.run();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(pending.length, 1);
  poller.stop();
});
