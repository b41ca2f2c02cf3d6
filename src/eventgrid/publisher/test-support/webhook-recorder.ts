import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A webhook for publisher tests: a plain HTTP server on 127.0.0.1 (port 0) that records every
 * request and answers as the test scripts it. By default it behaves like a well-made receiver:
 * it echoes the Event Grid validation code, consents to the CloudEvents OPTIONS handshake and
 * answers notifications 200. Tests then wait on what arrived (`request(n)`, `until(...)`), never
 * on the clock.
 */

export type HookKind = "SubscriptionValidation" | "Notification" | "Options" | "Other";

export interface HookRequest {
  /** 0-based arrival order across all kinds. */
  seq: number;
  method: string;
  /** Path and query as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  kind: HookKind;
  /** The body's events: an array as is, a single object as a one-element array. */
  events: Record<string, unknown>[];
  /** The status answered, once answered. */
  status: number | undefined;
}

export interface HookReply {
  status: number;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
}

export interface HookScript {
  /**
   * Event Grid schema validation: "echo" answers 200 `{"validationResponse": code}`, "manual"
   * answers 200 with no body (manual validation), a number answers that status.
   */
  validation?: "echo" | "manual" | number;
  /** CloudEvents OPTIONS: consent with this WebHook-Allowed-Origin, or refuse (no header). */
  allowedOrigin?: string | false;
  /** Status of the answer to OPTIONS (default 200). */
  optionsStatus?: number;
  /** Statuses for the next notifications, one each, in order; then `notificationStatus`. */
  statuses?: number[];
  /** Answer to notifications once `statuses` is used up (default 200). */
  notificationStatus?: number;
}

export interface WebhookRecorder {
  /** `http://127.0.0.1:<port>/hook` (any path is accepted). */
  readonly url: string;
  readonly requests: readonly HookRequest[];
  readonly notifications: readonly HookRequest[];
  /** Events of notifications answered 2xx, in arrival order. */
  delivered(): Record<string, unknown>[];
  /** Changes how later requests are answered (merged into the current script). */
  script(script: HookScript): void;
  /**
   * Holds every notification arriving from now on unanswered until the returned release is
   * called (held ones are then answered as scripted). A validation is never held.
   */
  hold(): () => void;
  /** Number of notifications currently held unanswered. */
  readonly held: number;
  /** Resolves with the nth (0-based) request of `kind` (any kind if omitted) once it arrived. */
  request(n: number, kind?: HookKind): Promise<HookRequest>;
  /** Resolves once `condition` holds; re-checked on every arrival and every answer. */
  until(
    condition: (hook: WebhookRecorder) => boolean,
    what: string,
    timeoutMs?: number,
  ): Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_WAIT_MS = 5_000;

export async function startWebhookRecorder(initial: HookScript = {}): Promise<WebhookRecorder> {
  let script: Required<Omit<HookScript, "statuses">> & { statuses: number[] } = {
    validation: "echo",
    allowedOrigin: "eventgrid.azure.net",
    optionsStatus: 200,
    notificationStatus: 200,
    ...initial,
    statuses: [...(initial.statuses ?? [])],
  };
  const requests: HookRequest[] = [];
  const watchers = new Set<() => void>();
  let holding: Promise<void> | undefined;
  let releaseHeld: (() => void) | undefined;
  let held = 0;
  const changed = () => {
    for (const watcher of [...watchers]) watcher();
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const recorded: HookRequest = {
        seq: requests.length,
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body,
        kind: kindOf(req.method, req.headers),
        events: eventsOf(body),
        status: undefined,
      };
      requests.push(recorded);
      const gate = recorded.kind === "Notification" ? holding : undefined;
      const answer = () => {
        const reply = replyTo(recorded);
        recorded.status = reply.status;
        send(res, reply);
        changed();
      };
      if (gate) {
        held++;
        void gate.then(() => {
          held--;
          answer();
        });
      } else {
        answer();
      }
      changed();
    });
  });

  function replyTo(req: HookRequest): HookReply {
    switch (req.kind) {
      case "Options":
        return script.allowedOrigin === false
          ? { status: script.optionsStatus }
          : {
              status: script.optionsStatus,
              headers: { "webhook-allowed-origin": script.allowedOrigin, allow: "POST, OPTIONS" },
            };
      case "SubscriptionValidation": {
        const code = (req.events[0]?.["data"] as { validationCode?: string } | undefined)
          ?.validationCode;
        const v = script.validation;
        if (typeof v === "number") return { status: v };
        if (v === "manual") return { status: 200 };
        return { status: 200, body: { validationResponse: code } };
      }
      case "Notification":
        return { status: script.statuses.shift() ?? script.notificationStatus };
      case "Other":
        return { status: 405 };
    }
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  const hook: WebhookRecorder = {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    get notifications() {
      return requests.filter((r) => r.kind === "Notification");
    },
    get held() {
      return held;
    },
    delivered() {
      return requests
        .filter((r) => r.kind === "Notification" && r.status !== undefined && r.status < 300)
        .flatMap((r) => r.events);
    },
    script(next) {
      script = {
        ...script,
        ...next,
        statuses: next.statuses ? [...next.statuses] : script.statuses,
      };
    },
    hold() {
      let resolveGate!: () => void;
      const gate = new Promise<void>((resolve) => {
        resolveGate = resolve;
      });
      const release = () => {
        if (holding === gate) {
          holding = undefined;
          releaseHeld = undefined;
        }
        resolveGate();
      };
      holding = gate;
      releaseHeld = release;
      return release;
    },
    request(n, kind) {
      const pick = () => requests.filter((r) => kind === undefined || r.kind === kind)[n];
      return hook
        .until(() => pick() !== undefined, `request #${n}${kind ? ` (${kind})` : ""}`)
        .then(() => pick() as HookRequest);
    },
    until(condition, what, timeoutMs = DEFAULT_WAIT_MS) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          let ok: boolean;
          try {
            ok = condition(hook);
          } catch (error) {
            done();
            reject(error instanceof Error ? error : new Error(String(error)));
            return;
          }
          if (ok) {
            done();
            resolve();
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(
            new Error(
              `webhook: timed out after ${timeoutMs} ms waiting for ${what}; got ${describe(requests)}`,
            ),
          );
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          watchers.delete(check);
        };
        watchers.add(check);
        check();
      });
    },
    async close() {
      releaseHeld?.();
      server.closeAllConnections();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
  return hook;
}

function kindOf(method: string | undefined, headers: IncomingHttpHeaders): HookKind {
  if (method === "OPTIONS") return "Options";
  if (method !== "POST") return "Other";
  const type = headers["aeg-event-type"];
  if (type === "SubscriptionValidation") return "SubscriptionValidation";
  return "Notification";
}

function eventsOf(body: string): Record<string, unknown>[] {
  if (body === "") return [];
  try {
    const parsed = JSON.parse(body) as unknown;
    if (Array.isArray(parsed)) return parsed as Record<string, unknown>[];
    return typeof parsed === "object" && parsed !== null ? [parsed as Record<string, unknown>] : [];
  } catch {
    return [];
  }
}

function send(res: ServerResponse, reply: HookReply): void {
  const body =
    reply.body === undefined
      ? ""
      : typeof reply.body === "string"
        ? reply.body
        : JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    ...(typeof reply.body === "object" ? { "content-type": "application/json" } : {}),
    ...reply.headers,
  });
  res.end(body);
}

function describe(requests: readonly HookRequest[]): string {
  if (requests.length === 0) return "no requests";
  return requests
    .map((r) => `${r.method} ${r.kind} [${r.events.length}] → ${r.status ?? "held"}`)
    .join("; ");
}
