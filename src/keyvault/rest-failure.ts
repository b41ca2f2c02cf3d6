import { isRestError } from "@azure/core-rest-pipeline";
import { parseRetryAfter, type FailureInfo } from "./backoff.js";

/**
 * What the retry loop needs to know about a failed SDK call. A RestError with a status is an
 * answer; one without (connection refused, reset, timeout) is "no answer" and so retryable.
 * Anything else (credential setup, aborts, our own bugs) gets status 0, which is never retried:
 * retrying cannot fix it.
 */
export function describeRestFailure(error: unknown, nowMs = Date.now()): FailureInfo {
  if (!isRestError(error)) return { status: 0, retryAfterMs: undefined };
  const headers = error.response?.headers;
  return {
    status: error.statusCode,
    retryAfterMs: headers === undefined ? undefined : parseRetryAfter(headers, nowMs),
  };
}

/** A short label for metrics: the HTTP status, "network" or "error"; never a message. */
export function failureLabel(error: unknown): string {
  if (!isRestError(error)) return "error";
  return error.statusCode === undefined ? "network" : String(error.statusCode);
}
