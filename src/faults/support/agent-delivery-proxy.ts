import { createServer, type IncomingMessage, type Server } from "node:http";
import { versionsIn } from "./agent-events.js";
import { preciseNow } from "./agent-readers.js";

/**
 * A webhook endpoint between the vault's Event Grid publisher and the agent, which loses or
 * repeats deliveries on purpose. A dropped delivery is answered 200 without being forwarded, so
 * the publisher believes it delivered and never retries: the event is gone, as when Event Grid
 * gives up or a subscription is misconfigured. A duplicated one is forwarded twice, ids and all,
 * as Event Grid's at-least-once delivery may. Handshakes are always forwarded.
 */

export type DeliveryDecision = "forward" | "drop" | "duplicate";

export interface RecordedDelivery {
  /** Epoch ms (preciseNow) when the proxy received it. */
  readonly at: number;
  readonly versions: readonly string[];
  readonly decision: DeliveryDecision;
  /** The body as received, for replaying later. */
  readonly body: string;
}

export interface DeliveryProxy {
  readonly url: string;
  readonly deliveries: readonly RecordedDelivery[];
  close(): Promise<void>;
}

export async function startDeliveryProxy(options: {
  /** The agent's webhook, e.g. http://127.0.0.1:port/api/events. */
  target: string;
  decide: (versions: readonly string[]) => DeliveryDecision;
}): Promise<DeliveryProxy> {
  const deliveries: RecordedDelivery[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const headers = forwardedHeaders(req);
      if (req.headers["aeg-event-type"] !== "Notification") {
        const answer = await send(options.target, headers, body);
        res.writeHead(answer.status, { "content-type": "application/json" }).end(answer.text);
        return;
      }
      const versions = versionsIn(body);
      const decision = options.decide(versions);
      deliveries.push({ at: preciseNow(), versions, decision, body });
      if (decision === "drop") {
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
        return;
      }
      const answer = await send(options.target, headers, body);
      if (decision === "duplicate") await send(options.target, headers, body);
      res.writeHead(answer.status, { "content-type": "application/json" }).end(answer.text);
    })().catch(() => {
      res.writeHead(502).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    deliveries,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Content type and Event Grid's `aeg-*` headers: what the receiver reads. */
function forwardedHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value !== "string") continue;
    if (name === "content-type" || name.startsWith("aeg-")) headers[name] = value;
  }
  return headers;
}

async function send(
  target: string,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; text: string }> {
  const response = await fetch(target, { method: "POST", headers, body });
  return { status: response.status, text: await response.text() };
}
