import assert from "node:assert/strict";
import { test } from "node:test";
import { afterFailure, isRetryable, outcomeOf, retryDelay } from "./retry-policy.js";

/** Event Grid's delivery decisions, as tables from Azure's "Delivery and retry" page. */

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

test("outcomeOf: 200–204 succeed; every other answer, or none, names Event Grid's outcome", () => {
  const table: [number | undefined, "timeout" | "dns" | "socket" | undefined, string][] = [
    [200, undefined, "Succeeded"],
    [201, undefined, "Succeeded"],
    [202, undefined, "Succeeded"],
    [203, undefined, "Succeeded"],
    [204, undefined, "Succeeded"],
    [205, undefined, "GenericError"],
    [199, undefined, "GenericError"],
    [301, undefined, "GenericError"],
    [400, undefined, "BadRequest"],
    [401, undefined, "Unauthorized"],
    [403, undefined, "Forbidden"],
    [404, undefined, "NotFound"],
    [408, undefined, "TimedOut"],
    [413, undefined, "PayloadTooLarge"],
    [429, undefined, "Busy"],
    [500, undefined, "GenericError"],
    [502, undefined, "GenericError"],
    [503, undefined, "Busy"],
    [undefined, "timeout", "TimedOut"],
    [undefined, "dns", "ResolutionError"],
    [undefined, "socket", "SocketError"],
    [undefined, undefined, "SocketError"],
  ];
  for (const [status, error, expected] of table) {
    assert.equal(outcomeOf(status, error), expected, `outcomeOf(${status}, ${error})`);
  }
});

test("isRetryable: only webhook 400, 401, 403 and 413 are final", () => {
  for (const status of [400, 401, 403, 413]) assert.equal(isRetryable(status), false, `${status}`);
  for (const status of [undefined, 404, 408, 409, 429, 500, 502, 503, 504]) {
    assert.equal(isRetryable(status), true, `${status}`);
  }
});

test("retryDelay follows 10 s, 30 s, 1 m, 5 m, 10 m, 30 m, 1 h, 3 h, 6 h, then every 12 h", () => {
  const schedule = [
    10 * SECOND,
    30 * SECOND,
    MINUTE,
    5 * MINUTE,
    10 * MINUTE,
    30 * MINUTE,
    HOUR,
    3 * HOUR,
    6 * HOUR,
    12 * HOUR,
    12 * HOUR,
    12 * HOUR,
  ];
  schedule.forEach((expected, i) => {
    assert.equal(retryDelay(i + 1, 500, 0), expected, `after ${i + 1} failed attempts`);
  });
  assert.equal(retryDelay(29, 500, 0), 12 * HOUR);
});

test("retryDelay honours the minimum waits: 404 ≥ 5 min, 408 ≥ 2 min, 503 ≥ 30 s, others ≥ 10 s", () => {
  const table: [number, number | undefined, number][] = [
    [1, 404, 5 * MINUTE],
    [2, 404, 5 * MINUTE],
    [3, 404, 5 * MINUTE],
    [4, 404, 5 * MINUTE],
    [5, 404, 10 * MINUTE],
    [1, 408, 2 * MINUTE],
    [2, 408, 2 * MINUTE],
    [3, 408, 2 * MINUTE],
    [4, 408, 5 * MINUTE],
    [1, 503, 30 * SECOND],
    [2, 503, 30 * SECOND],
    [3, 503, MINUTE],
    [1, 500, 10 * SECOND],
    [1, 429, 10 * SECOND],
    [1, undefined, 10 * SECOND],
  ];
  for (const [failed, status, expected] of table) {
    assert.equal(retryDelay(failed, status, 0), expected, `after ${failed} × ${status}`);
  }
});

test("retryDelay's jitter only ever adds, at most 20 %", () => {
  for (const failed of [1, 2, 5, 9, 10]) {
    for (const status of [404, 408, 500, 503, undefined]) {
      const base = retryDelay(failed, status, 0);
      for (const random of [0, 0.001, 0.25, 0.5, 0.75, 0.999999]) {
        const delay = retryDelay(failed, status, random);
        assert.ok(delay >= base, `${failed}/${status}/${random}: ${delay} ≥ ${base}`);
        assert.ok(delay <= base * 1.2, `${failed}/${status}/${random}: ${delay} ≤ ${base} × 1.2`);
      }
      assert.equal(retryDelay(failed, status, 0.5), Math.round(base * 1.1));
    }
  }
});

test("retryDelay's scale shrinks the whole schedule, minimums included", () => {
  assert.equal(retryDelay(1, 500, 0, 0.001), 10);
  assert.equal(retryDelay(1, 503, 0, 0.001), 30);
  assert.equal(retryDelay(1, 404, 0, 0.001), 300);
  assert.equal(retryDelay(10, 500, 0, 0.001), 43_200);
  assert.equal(retryDelay(1, 500, 0.5, 0.001), 11);
});

test("afterFailure: retry until maxDeliveryAttempts, then MaxDeliveryAttemptsExceeded", () => {
  const base = {
    status: 503,
    maxDeliveryAttempts: 3,
    expiresAt: 10 * HOUR,
    now: 1_000,
    random: 0,
    scale: 1,
  };
  assert.deepEqual(afterFailure({ ...base, failedAttempts: 1 }), { retryAt: 1_000 + 30 * SECOND });
  assert.deepEqual(afterFailure({ ...base, failedAttempts: 2 }), { retryAt: 1_000 + 30 * SECOND });
  assert.deepEqual(afterFailure({ ...base, failedAttempts: 3 }), {
    deadLetter: "MaxDeliveryAttemptsExceeded",
  });
  assert.deepEqual(afterFailure({ ...base, maxDeliveryAttempts: 1, failedAttempts: 1 }), {
    deadLetter: "MaxDeliveryAttemptsExceeded",
  });
  assert.deepEqual(
    afterFailure({ ...base, maxDeliveryAttempts: 30, failedAttempts: 29, expiresAt: 24 * HOUR }),
    { retryAt: 1_000 + 12 * HOUR },
  );
});

test("afterFailure: non-retryable statuses dead-letter at once, whatever the budget", () => {
  for (const status of [400, 401, 403, 413]) {
    assert.deepEqual(
      afterFailure({
        failedAttempts: 1,
        status,
        maxDeliveryAttempts: 30,
        expiresAt: 24 * HOUR,
        now: 0,
        random: 0,
        scale: 1,
      }),
      { deadLetter: "DeliveryFailedWithNonRetriableError" },
      `${status}`,
    );
  }
});

test("afterFailure: an attempt that would come due after the TTL ends in TimeToLiveExceeded", () => {
  const base = { failedAttempts: 1, status: 500, maxDeliveryAttempts: 30, now: 0, random: 0 };
  // The next attempt is 10 s away.
  assert.deepEqual(afterFailure({ ...base, expiresAt: 10 * SECOND, scale: 1 }), {
    retryAt: 10 * SECOND,
  });
  assert.deepEqual(afterFailure({ ...base, expiresAt: 10 * SECOND - 1, scale: 1 }), {
    deadLetter: "TimeToLiveExceeded",
  });
  // One minute TTL (the smallest allowed): the 4th retry (5 min away) is past it.
  assert.deepEqual(
    afterFailure({ ...base, failedAttempts: 4, now: 30_000, expiresAt: MINUTE, scale: 1 }),
    { deadLetter: "TimeToLiveExceeded" },
  );
  // The attempt budget is checked first when both are exhausted.
  assert.deepEqual(afterFailure({ ...base, maxDeliveryAttempts: 1, expiresAt: 0, scale: 1 }), {
    deadLetter: "MaxDeliveryAttemptsExceeded",
  });
});
