/**
 * Credentials never reach the echo's memory or page: the values of these headers and of the
 * `code` query parameter (Azure Functions' and kvsync's query secret) are replaced before a
 * request is recorded. An Authorization header keeps its scheme, so "Bearer [redacted]" still
 * shows that a token came.
 */

export const REDACTED = "[redacted]";

export const REDACTED_HEADERS: ReadonlySet<string> = new Set([
  "authorization",
  "proxy-authorization",
  "aeg-sas-key",
  "aeg-sas-token",
  "cookie",
]);
export const REDACTED_QUERY: ReadonlySet<string> = new Set(["code"]);

export function redactHeader(name: string, value: string): string {
  const lower = name.toLowerCase();
  if (!REDACTED_HEADERS.has(lower)) return value;
  const scheme = /^([A-Za-z][A-Za-z0-9-]*) +\S/.exec(value);
  return lower.endsWith("authorization") && scheme ? `${scheme[1]} ${REDACTED}` : REDACTED;
}

export function redactQuery(name: string, value: string): string {
  return REDACTED_QUERY.has(name.toLowerCase()) ? REDACTED : value;
}
