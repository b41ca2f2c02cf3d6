import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";

/**
 * The one HTTP call the publisher makes: a request with a deadline, returning the status and
 * (small) body, or why there was none. Keep-alive agents per protocol so steady deliveries to one
 * endpoint reuse connections.
 */

export interface WebhookResponse {
  status: number | undefined;
  headers: IncomingHttpHeaders;
  body: string;
  error?: "timeout" | "dns" | "socket";
}

export interface WebhookRequest {
  method: "POST" | "OPTIONS" | "GET";
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** Extra CA to trust for https endpoints (e.g. the local vault's own CA). */
  ca?: string | undefined;
  /** Aborting ends the request at once, answered as a socket error. */
  signal?: AbortSignal | undefined;
}

const MAX_RESPONSE_BYTES = 64 * 1024;
const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 64 });
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 64 });

export function sendWebhook(req: WebhookRequest): Promise<WebhookResponse> {
  return new Promise((resolve) => {
    const url = new URL(req.url);
    const secure = url.protocol === "https:";
    const send = secure ? httpsRequest : httpRequest;
    const headers = {
      ...req.headers,
      ...(req.body === undefined ? {} : { "content-length": String(Buffer.byteLength(req.body)) }),
    };
    let settled = false;
    const finish = (response: WebhookResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(response);
    };
    const outgoing = send(
      url,
      {
        method: req.method,
        headers,
        agent: secure ? (req.ca === undefined ? httpsAgent : undefined) : httpAgent,
        ...(secure && req.ca !== undefined ? { ca: req.ca } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_RESPONSE_BYTES) chunks.push(chunk);
        });
        res.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8");
          finish({ status: res.statusCode, headers: res.headers, body });
        });
        res.on("error", () => {
          finish({ status: undefined, headers: {}, body: "", error: "socket" });
        });
      },
    );
    const timer = setTimeout(() => {
      finish({ status: undefined, headers: {}, body: "", error: "timeout" });
      outgoing.destroy();
    }, req.timeoutMs);
    const onAbort = () => outgoing.destroy(new Error("aborted"));
    req.signal?.addEventListener("abort", onAbort, { once: true });
    outgoing.on("close", () => req.signal?.removeEventListener("abort", onAbort));
    outgoing.on("error", (error: NodeJS.ErrnoException) => {
      const dns = error.code === "ENOTFOUND" || error.code === "EAI_AGAIN";
      finish({ status: undefined, headers: {}, body: "", error: dns ? "dns" : "socket" });
    });
    outgoing.end(req.body);
  });
}
