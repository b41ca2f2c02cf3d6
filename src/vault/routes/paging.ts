import { badParameter } from "../key-vault-error.js";

/**
 * Key Vault paging: `maxresults` 1–25 (default 25) and a `nextLink` the SDK follows verbatim.
 * The token inside it is opaque to clients; here it is the cursor the store returns, and the
 * page size rides along since the SDK never repeats `maxresults` on later pages.
 */

export const MAX_RESULTS = 25;

export function pageSize(query: Record<string, string | undefined>): number {
  const raw = query["maxresults"];
  if (raw === undefined || raw === "") return MAX_RESULTS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_RESULTS) {
    throw badParameter(
      `Invalid maxresults '${raw}': it must be an integer from 1 to ${MAX_RESULTS}; the maximum allowed is ${MAX_RESULTS}.`,
    );
  }
  return n;
}

/**
 * The store's cursor inside `$skiptoken`. `shape`, if given, is what this list's cursors look
 * like: a token the list did not make is refused rather than read as an empty page.
 */
export function cursor(
  query: Record<string, string | undefined>,
  shape?: RegExp,
): string | undefined {
  const token = query["$skiptoken"];
  if (token === undefined || token === "") return undefined;
  const decoded = Buffer.from(token, "base64url").toString("utf8");
  if (
    decoded === "" ||
    Buffer.from(decoded, "utf8").toString("base64url") !== token ||
    (shape !== undefined && !shape.test(decoded))
  ) {
    throw badParameter("Invalid $skiptoken: use the nextLink of the previous page as it is.");
  }
  return decoded;
}

export function nextLink(
  base: string,
  apiVersion: string,
  next: string | undefined,
  size: number,
): string | null {
  if (next === undefined) return null;
  const url = new URL(base);
  url.searchParams.set("api-version", apiVersion);
  url.searchParams.set("$skiptoken", Buffer.from(next, "utf8").toString("base64url"));
  url.searchParams.set("maxresults", String(size));
  return url.toString();
}
