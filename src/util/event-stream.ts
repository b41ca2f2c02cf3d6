import type { ServerResponse } from "node:http";

/**
 * A server-sent events response on a hijacked Fastify reply: headers, a first comment so the
 * client knows it is subscribed, a keep-alive comment every 15 s (proxies and browsers drop
 * silent connections), and cleanup when the client goes. JSON has no raw newlines, so each
 * message is one `data:` line.
 */
export interface EventStream {
  send(event: string, data: unknown, id?: number): void;
}

export function openEventStream(
  response: ServerResponse,
  banner: string,
  onClose: () => void,
): EventStream {
  response.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
  });
  response.write(`: ${banner}\n\n`);
  const keepAlive = setInterval(() => response.write(": keep-alive\n\n"), 15_000).unref();
  response.on("close", () => {
    clearInterval(keepAlive);
    onClose();
  });
  return {
    send(event, data, id) {
      const idLine = id === undefined ? "" : `id: ${id}\n`;
      response.write(`${idLine}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
  };
}
