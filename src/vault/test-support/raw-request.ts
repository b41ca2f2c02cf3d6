import https from "node:https";
import type { IncomingHttpHeaders } from "node:http";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import type { VaultFixture } from "./vault-fixture.js";

/**
 * Probes for vault tests: hand-made HTTPS requests (for what the SDK cannot send), the /metrics
 * counters, a recorder of what an SDK client sent, and waiting on a condition instead of a sleep.
 */

export interface RawRequest {
  method?: string;
  /** Path and query, sent as is (no encoding). */
  path: string;
  headers?: Record<string, string | number>;
  body?: string | Buffer;
  /** `Authorization: Bearer …` unless false. */
  bearer?: boolean;
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export const BEARER = "Bearer local-test-token";

/** One request on a fresh connection; a server that answers before reading the body is fine. */
export function rawRequest(fixture: VaultFixture, request: RawRequest): Promise<RawResponse> {
  const url = new URL(fixture.vault.url);
  const body = typeof request.body === "string" ? Buffer.from(request.body, "utf8") : request.body;
  const headers: Record<string, string | number> = {
    ...(request.bearer === false ? {} : { authorization: BEARER }),
    ...(body === undefined ? {} : { "content-type": "application/json" }),
    ...request.headers,
  };
  // Node frames a GET or DELETE body only when told its length.
  if (body !== undefined && headers["transfer-encoding"] === undefined) {
    headers["content-length"] = body.length;
  }
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = https.request(
      {
        host: url.hostname,
        port: url.port,
        method: request.method ?? "GET",
        path: request.path,
        headers,
        ca: fixture.ca,
        agent: false,
      },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString("utf8"),
          });
        });
      },
    );
    // The server may answer (413, 401) and close before the whole body is written.
    req.on("error", (error) => {
      if (!answered) reject(error);
    });
    req.end(body);
  });
}

/** Parses an error answer and checks it has Key Vault's shape; returns the code. */
export function keyVaultErrorCode(response: RawResponse): string {
  const body = JSON.parse(response.text) as { error?: { code?: unknown; message?: unknown } };
  const { error } = body;
  if (
    typeof error !== "object" ||
    typeof error.code !== "string" ||
    typeof error.message !== "string" ||
    error.message === ""
  ) {
    throw new Error(`not a Key Vault error body (status ${response.status})`);
  }
  return error.code;
}

/** `kvsync_vault_requests_total{operation, status}` as the vault reports it now (0 if absent). */
export async function requestCount(
  fixture: VaultFixture,
  operation: string,
  status: number,
): Promise<number> {
  const { text } = await rawRequest(fixture, { path: "/metrics", bearer: false });
  for (const line of text.split("\n")) {
    if (!line.startsWith("kvsync_vault_requests_total{")) continue;
    if (!line.includes(`operation="${operation}"`) || !line.includes(`status="${status}"`))
      continue;
    return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return 0;
}

/** The operation labels present on the request counter. */
export async function countedOperations(fixture: VaultFixture): Promise<Set<string>> {
  const { text } = await rawRequest(fixture, { path: "/metrics", bearer: false });
  const operations = new Set<string>();
  for (const match of text.matchAll(/^kvsync_vault_requests_total\{[^}]*operation="([^"]+)"/gm)) {
    if (match[1] !== undefined) operations.add(match[1]);
  }
  return operations;
}

/**
 * Resolves once `condition` holds, checking on each turn of the event loop; for effects that
 * land just after a response is sent (the vault logs and counts on the response's "finish").
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export interface SentRequest {
  method: string;
  path: string;
  status: number;
}

/**
 * A per-retry pipeline policy (pass it in `additionalPolicies`) that records every request an
 * SDK client sends with the status it got, including challenge round trips and retries.
 */
export function requestRecorder(sent: SentRequest[]): {
  policy: PipelinePolicy;
  position: "perRetry";
} {
  return {
    position: "perRetry",
    policy: {
      name: "kvsyncTestRecorder",
      async sendRequest(request, next) {
        const response = await next(request);
        sent.push({
          method: request.method,
          path: new URL(request.url).pathname,
          status: response.status,
        });
        return response;
      },
    },
  };
}
