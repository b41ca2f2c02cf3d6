/**
 * Retrying Key Vault calls: a loop plus a strategy that only decides. Throttling (429) and
 * server errors (5xx, 408, no answer) are retried with exponential backoff and full jitter,
 * never sooner than a Retry-After the service gave; anything else fails at once.
 */

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
  maxAttempts: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 60_000, maxAttempts: 8 };

export interface FailureInfo {
  /** HTTP status, or undefined when no answer came. */
  status: number | undefined;
  /** Retry-After (or retry-after-ms) in milliseconds, when given. */
  retryAfterMs: number | undefined;
}

export function isRetryableStatus(status: number | undefined): boolean {
  return status === undefined || status === 408 || status === 429 || status >= 500;
}

/** Wait before attempt `attempt + 1` (attempt ≥ 1), or undefined to give up. */
export function nextDelay(
  attempt: number,
  failure: FailureInfo,
  policy: BackoffPolicy,
  random: number,
): number | undefined {
  if (!isRetryableStatus(failure.status) || attempt >= policy.maxAttempts) return undefined;
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
  const jittered = ceiling / 2 + (ceiling / 2) * random;
  return Math.max(jittered, failure.retryAfterMs ?? 0);
}

/** Reads Retry-After (seconds or HTTP date) and retry-after-ms / x-ms-retry-after-ms. */
export function parseRetryAfter(
  headers: { get(name: string): string | undefined },
  nowMs: number,
): number | undefined {
  for (const name of ["retry-after-ms", "x-ms-retry-after-ms"]) {
    const ms = Number(headers.get(name));
    if (headers.get(name) !== undefined && Number.isFinite(ms) && ms >= 0) return ms;
  }
  const value = headers.get("retry-after");
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

export interface RetryLoopOptions {
  policy?: BackoffPolicy;
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal | undefined;
  /** Called before each wait, for logs and metrics. */
  onRetry?: (attempt: number, delayMs: number, failure: FailureInfo) => void;
}

export async function withRetries<T>(
  call: () => Promise<T>,
  describeFailure: (error: unknown) => FailureInfo,
  options: RetryLoopOptions = {},
): Promise<T> {
  const policy = options.policy ?? DEFAULT_BACKOFF;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? abortableSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const failure = describeFailure(error);
      const delay = nextDelay(attempt, failure, policy, random());
      if (delay === undefined || options.signal?.aborted === true) throw error;
      options.onRetry?.(attempt, delay, failure);
      await sleep(delay, options.signal);
    }
  }
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason as Error);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
