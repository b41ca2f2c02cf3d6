import assert from "node:assert/strict";
import { test } from "node:test";
import { SlidingWindowLimiter } from "./throttle.js";

test("allows n requests per window, then refuses with the wait until a slot frees", () => {
  const limiter = new SlidingWindowLimiter(3, 10_000);
  assert.equal(limiter.tryAcquire(0).allowed, true);
  assert.equal(limiter.tryAcquire(1_000).allowed, true);
  assert.equal(limiter.tryAcquire(2_000).allowed, true);
  assert.deepEqual(limiter.tryAcquire(4_000), { allowed: false, retryAfterMs: 6_000 });
  // refused requests are not counted: the first slot frees at 10 s exactly
  assert.equal(limiter.tryAcquire(9_999).allowed, false);
  assert.equal(limiter.tryAcquire(10_000).allowed, true);
  assert.equal(limiter.tryAcquire(10_500).allowed, false);
  assert.equal(limiter.tryAcquire(11_000).allowed, true);
});

test("keeps counting correctly over many windows", () => {
  const limiter = new SlidingWindowLimiter(100, 1_000);
  let allowed = 0;
  for (let t = 0; t < 100_000; t += 2) if (limiter.tryAcquire(t).allowed) allowed++;
  // 100 per 1,000 ms over 100 s
  assert.equal(allowed, 10_000);
});
