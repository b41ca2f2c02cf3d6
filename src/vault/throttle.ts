/**
 * `--throttle <n>`: more than n requests in any 10 s window are answered 429, so clients'
 * backoff can be exercised locally (real Key Vault allows 4,000 per vault per 10 s). Answers
 * that were themselves throttled don't count, as in Key Vault.
 */

export interface ThrottleDecision {
  allowed: boolean;
  /** When refused: milliseconds until the oldest counted request leaves the window. */
  retryAfterMs: number;
}

export class SlidingWindowLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  /** Arrival times of the counted requests inside the window, oldest first (a ring). */
  readonly #times: number[] = [];
  #head = 0;

  constructor(limit: number, windowMs = 10_000) {
    this.#limit = limit;
    this.#windowMs = windowMs;
  }

  tryAcquire(nowMs: number): ThrottleDecision {
    while (
      this.#head < this.#times.length &&
      (this.#times[this.#head] ?? 0) <= nowMs - this.#windowMs
    ) {
      this.#head++;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#times.length) {
      this.#times.splice(0, this.#head); // compact now and then, not on every request
      this.#head = 0;
    }
    if (this.#times.length - this.#head < this.#limit) {
      this.#times.push(nowMs);
      return { allowed: true, retryAfterMs: 0 };
    }
    const oldest = this.#times[this.#head] ?? nowMs;
    return { allowed: false, retryAfterMs: oldest + this.#windowMs - nowMs };
  }
}
