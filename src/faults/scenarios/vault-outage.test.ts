import assert from "node:assert/strict";
import { test } from "node:test";
import { maxAttemptsAllowed, scenario } from "./vault-outage.js";

test("the attempt bound follows the policy: shortest jitter, Retry-After, then the poll", () => {
  const policy = { baseMs: 100, maxMs: 400, maxAttempts: 4 };
  // Waits 50, 100, 200 (half of each ceiling): attempts at 0, 50, 150, 350; then 1 s of poll.
  assert.equal(
    maxAttemptsAllowed(351, policy, 1_000, () => 0),
    4,
  );
  assert.equal(
    maxAttemptsAllowed(350, policy, 1_000, () => 0),
    3,
  );
  assert.equal(
    maxAttemptsAllowed(1_351, policy, 1_000, () => 0),
    5,
  );
  // A Retry-After of 1 s stretches every wait.
  assert.equal(
    maxAttemptsAllowed(2_500, policy, 1_000, () => 1_000),
    3,
  );
});

test("vault-outage (short): files kept, requests bounded, recovery within a backoff step", async () => {
  const result = await scenario.run("short");
  assert.ok(result.held, [JSON.stringify(result.figures), ...(result.notes ?? [])].join("\n"));
});
