import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A webhook that a local vault's Event Grid subscription delivers to: plain HTTP on 127.0.0.1,
 * answering the validation handshake and every notification 200, and indexing what arrived by
 * `<ObjectName>/<Version>` so a scenario can wait for a set of versions without sleeping (each
 * arrival re-checks the waiters). It can answer notifications slowly, like a real endpoint that
 * does work, so that deliveries queue up behind the writes.
 */

export interface ArrivedVersion {
  /** Notifications that carried it: 1 when delivered once, more after redelivery. */
  count: number;
  firstAt: number;
}

export interface EventSink {
  /** `http://127.0.0.1:<port>/events`. */
  readonly url: string;
  readonly arrived: ReadonlyMap<string, ArrivedVersion>;
  readonly notifications: number;
  /** The highest `aeg-delivery-count` seen: above 0 means an attempt had failed before. */
  readonly maxDeliveryCount: number;
  /**
   * Resolves once every key has arrived, or after `timeoutMs` with those still missing (an empty
   * list means all arrived).
   */
  waitFor(keys: Iterable<string>, timeoutMs: number): Promise<string[]>;
  close(): Promise<void>;
}

export const versionKey = (name: string, version: string): string =>
  `${name.toLowerCase()}/${version}`;

export interface EventSinkOptions {
  /** How long each notification takes to answer (the event counts as arrived on receipt). */
  answerDelayMs?: number;
}

export async function startEventSink(options: EventSinkOptions = {}): Promise<EventSink> {
  const answerDelayMs = options.answerDelayMs ?? 0;
  const arrived = new Map<string, ArrivedVersion>();
  const watchers = new Set<() => void>();
  let notifications = 0;
  let maxDeliveryCount = 0;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const events = parseEvents(Buffer.concat(chunks).toString("utf8"));
      if (req.headers["aeg-event-type"] === "SubscriptionValidation") {
        const code = (events[0]?.["data"] as { validationCode?: unknown } | undefined)
          ?.validationCode;
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ validationResponse: code }));
        return;
      }
      notifications++;
      maxDeliveryCount = Math.max(maxDeliveryCount, Number(req.headers["aeg-delivery-count"]) || 0);
      const now = performance.now();
      for (const event of events) {
        const data = event["data"] as { ObjectName?: unknown; Version?: unknown } | undefined;
        if (typeof data?.ObjectName !== "string" || typeof data.Version !== "string") continue;
        const key = versionKey(data.ObjectName, data.Version);
        const seen = arrived.get(key);
        if (seen) seen.count++;
        else arrived.set(key, { count: 1, firstAt: now });
      }
      for (const watcher of [...watchers]) watcher();
      const answer = () => {
        res.writeHead(200);
        res.end();
      };
      if (answerDelayMs > 0) setTimeout(answer, answerDelayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/events`,
    arrived,
    get notifications() {
      return notifications;
    },
    get maxDeliveryCount() {
      return maxDeliveryCount;
    },
    waitFor(keys, timeoutMs) {
      const wanted = [...keys];
      const missing = () => wanted.filter((key) => !arrived.has(key));
      return new Promise((resolve) => {
        const check = () => {
          if (missing().length > 0) return;
          finish();
        };
        const timer = setTimeout(finish, timeoutMs);
        function finish() {
          clearTimeout(timer);
          watchers.delete(check);
          resolve(missing());
        }
        watchers.add(check);
        check();
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}

function parseEvents(body: string): Record<string, unknown>[] {
  try {
    const parsed = JSON.parse(body) as unknown;
    if (Array.isArray(parsed)) return parsed as Record<string, unknown>[];
    return typeof parsed === "object" && parsed !== null ? [parsed as Record<string, unknown>] : [];
  } catch {
    return [];
  }
}
