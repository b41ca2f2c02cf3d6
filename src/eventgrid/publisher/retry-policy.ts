/**
 * Event Grid's delivery decisions as pure functions: what an HTTP result means, whether to retry,
 * and when. Schedule and minimum waits from Azure's "Delivery and retry" page.
 */

export type DeliveryOutcome =
  | "Succeeded"
  | "BadRequest"
  | "Unauthorized"
  | "Forbidden"
  | "NotFound"
  | "PayloadTooLarge"
  | "TimedOut"
  | "Busy"
  | "GenericError"
  | "SocketError"
  | "ResolutionError";

/** status undefined: no HTTP answer (error is then the socket-level cause). */
export function outcomeOf(
  status: number | undefined,
  error?: "timeout" | "dns" | "socket",
): DeliveryOutcome {
  if (status === undefined) {
    if (error === "timeout") return "TimedOut";
    return error === "dns" ? "ResolutionError" : "SocketError";
  }
  if (status >= 200 && status <= 204) return "Succeeded";
  switch (status) {
    case 400:
      return "BadRequest";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "NotFound";
    case 408:
      return "TimedOut";
    case 413:
      return "PayloadTooLarge";
    case 429:
    case 503:
      return "Busy";
    default:
      return "GenericError";
  }
}

/** 400, 401, 403 and 413 are never retried: the event is dead-lettered (or dropped) at once. */
export function isRetryable(status: number | undefined): boolean {
  return !(status === 400 || status === 401 || status === 403 || status === 413);
}

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
/** Wait before attempt n+1 after n failed attempts: 10 s, 30 s, 1 m, 5 m, …, then every 12 h. */
const SCHEDULE = [
  10 * SECOND,
  30 * SECOND,
  MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  30 * MINUTE,
  HOUR,
  3 * HOUR,
  6 * HOUR,
];
const AFTER_SCHEDULE = 12 * HOUR;

function minimumWait(status: number | undefined): number {
  if (status === 404) return 5 * MINUTE;
  if (status === 408) return 2 * MINUTE;
  if (status === 503) return 30 * SECOND;
  return 10 * SECOND;
}

/**
 * Milliseconds until the next attempt after `failedAttempts` failures (≥ 1). `random` in [0, 1)
 * adds up to 20 % jitter, only ever upwards so the documented minimums hold. `scale` shortens the
 * whole schedule for tests and demos (1 = Azure's).
 */
export function retryDelay(
  failedAttempts: number,
  status: number | undefined,
  random: number,
  scale = 1,
): number {
  const scheduled = SCHEDULE[failedAttempts - 1] ?? AFTER_SCHEDULE;
  const base = Math.max(scheduled, minimumWait(status));
  return Math.round(base * (1 + 0.2 * random) * scale);
}

export type DeadLetterReason =
  "MaxDeliveryAttemptsExceeded" | "TimeToLiveExceeded" | "DeliveryFailedWithNonRetriableError";

/** What happens after a failed attempt: another try at `at`, or a dead letter with a reason. */
export function afterFailure(input: {
  failedAttempts: number;
  status: number | undefined;
  maxDeliveryAttempts: number;
  expiresAt: number;
  now: number;
  random: number;
  scale: number;
}): { retryAt: number } | { deadLetter: DeadLetterReason } {
  if (!isRetryable(input.status)) return { deadLetter: "DeliveryFailedWithNonRetriableError" };
  if (input.failedAttempts >= input.maxDeliveryAttempts)
    return { deadLetter: "MaxDeliveryAttemptsExceeded" };
  const retryAt =
    input.now + retryDelay(input.failedAttempts, input.status, input.random, input.scale);
  // Azure checks the TTL when the next attempt comes due; deciding now gives the same result and
  // writes the dead letter sooner (Azure itself writes them minutes after the last attempt).
  if (retryAt > input.expiresAt) return { deadLetter: "TimeToLiveExceeded" };
  return { retryAt };
}
