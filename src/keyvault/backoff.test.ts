import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_BACKOFF, nextDelay, parseRetryAfter, withRetries } from "./backoff.js";

const policy = { baseMs: 100, maxMs: 1_000, maxAttempts: 5 };

test("exponential with jitter between half and all of the ceiling, capped", () => {
  const cases: [attempt: number, random: number, expected: number][] = [
    [1, 0, 50],
    [1, 1, 100],
    [2, 0.5, 150],
    [3, 1, 400],
    [4, 0, 400],
    [5, 1, undefined as unknown as number],
  ];
  for (const [attempt, random, expected] of cases) {
    assert.equal(
      nextDelay(attempt, { status: 503, retryAfterMs: undefined }, policy, random),
      expected,
      `attempt ${attempt}`,
    );
  }
  assert.equal(
    nextDelay(4, { status: 500, retryAfterMs: undefined }, { ...policy, maxAttempts: 10 }, 1),
    800,
  );
  assert.equal(
    nextDelay(6, { status: 500, retryAfterMs: undefined }, { ...policy, maxAttempts: 10 }, 1),
    1_000,
  );
});

test("Retry-After is a floor; client errors are not retried", () => {
  assert.equal(nextDelay(1, { status: 429, retryAfterMs: 5_000 }, policy, 0), 5_000);
  for (const status of [400, 401, 403, 404, 409]) {
    assert.equal(
      nextDelay(1, { status, retryAfterMs: undefined }, policy, 0),
      undefined,
      String(status),
    );
  }
  assert.notEqual(
    nextDelay(1, { status: undefined, retryAfterMs: undefined }, policy, 0),
    undefined,
  );
});

test("parseRetryAfter reads seconds, HTTP dates and the ms headers", () => {
  const headers = (h: Record<string, string>) => ({ get: (n: string) => h[n] });
  assert.equal(parseRetryAfter(headers({ "retry-after": "3" }), 0), 3_000);
  assert.equal(parseRetryAfter(headers({ "retry-after-ms": "250" }), 0), 250);
  assert.equal(parseRetryAfter(headers({ "x-ms-retry-after-ms": "40" }), 0), 40);
  const now = Date.parse("2026-01-01T00:00:00Z");
  assert.equal(
    parseRetryAfter(headers({ "retry-after": "Thu, 01 Jan 2026 00:00:02 GMT" }), now),
    2_000,
  );
  assert.equal(parseRetryAfter(headers({}), 0), undefined);
});

test("withRetries waits as decided, then succeeds; gives up on a client error", async () => {
  const waits: number[] = [];
  let calls = 0;
  const result = await withRetries(
    () => (++calls < 3 ? Promise.reject(new Error("busy")) : Promise.resolve("ok")),
    () => ({ status: 429, retryAfterMs: 1_000 }),
    {
      policy: DEFAULT_BACKOFF,
      random: () => 0,
      sleep: (ms) => (waits.push(ms), Promise.resolve()),
    },
  );
  assert.equal(result, "ok");
  assert.deepEqual(waits, [1_000, 1_000]);
  await assert.rejects(
    withRetries(
      () => Promise.reject(new Error("nope")),
      () => ({ status: 404, retryAfterMs: undefined }),
      {
        sleep: () => Promise.reject(new Error("must not wait")),
      },
    ),
    /nope/,
  );
});
