import type { IncomingHttpHeaders } from "node:http";
import { Agent, request } from "node:https";

/**
 * Loopback HTTPS calls to a local vault, trusting its CA: keep-alive sockets for speed, a fresh
 * one on request (a server may answer a large body early and close), and a timeout so that a
 * hung request fails the scenario instead of stalling it.
 */

export interface HttpsCall {
  method: string;
  /** Path and query, sent as they are (already encoded). */
  path: string;
  headers?: Readonly<Record<string, string>>;
  body?: string | Buffer;
  /** A connection of its own, closed after the answer. */
  fresh?: boolean;
  timeoutMs?: number;
}

export interface HttpsAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** From sending to the end of the answer. */
  ms: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;

export class VaultHttps {
  readonly #url: URL;
  readonly #ca: string;
  readonly #agent: Agent;

  constructor(url: string, ca: string, maxSockets = 16) {
    this.#url = new URL(url);
    this.#ca = ca;
    this.#agent = new Agent({ keepAlive: true, maxSockets, ca });
  }

  call(call: HttpsCall): Promise<HttpsAnswer> {
    const body = typeof call.body === "string" ? Buffer.from(call.body, "utf8") : call.body;
    const headers: Record<string, string | number> = { ...call.headers };
    // Node frames a body on GET or DELETE only when told its length.
    if (body !== undefined && headers["transfer-encoding"] === undefined) {
      headers["content-length"] = body.length;
    }
    const started = performance.now();
    return new Promise((resolve, reject) => {
      let answered = false;
      const req = request(
        {
          host: this.#url.hostname,
          port: this.#url.port,
          method: call.method,
          path: call.path,
          headers,
          ca: this.#ca,
          agent: call.fresh === true ? false : this.#agent,
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
              ms: performance.now() - started,
            });
          });
        },
      );
      req.setTimeout(call.timeoutMs ?? DEFAULT_TIMEOUT_MS, () => {
        req.destroy(new Error(`no answer within ${call.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`));
      });
      // A server may answer (413, 401) and close before the whole body is written.
      req.on("error", (error) => {
        if (!answered) reject(error);
      });
      req.end(body);
    });
  }

  /** Closes the idle keep-alive sockets, so the process can exit. */
  close(): void {
    this.#agent.destroy();
  }
}
