import type { ServerResponse } from "node:http";
import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from "fastify";
import { optionsReply, parseDelivery, validationResponse } from "../eventgrid/receiver/index.js";
import { echoPage, PAGE_CSP } from "./echo-page.js";
import { redactHeader, redactQuery } from "./redact.js";
import { DEFAULT_CAPACITY, RequestLog, type EchoRecord, type LogEvent } from "./request-log.js";
import { openEventStream } from "../util/event-stream.js";

/**
 * A webhook target for seeing what Event Grid (or anything else) sends: every request outside
 * its own routes is recorded and answered 200, and both Event Grid handshakes are completed, so
 * a subscription pointed at it goes live with no manual step. Own routes:
 *
 *   GET    /                  the live page
 *   GET    /_echo/requests    the recorded requests, newest first
 *   DELETE /_echo/requests    forget them
 *   GET    /_echo/stream      server-sent events: `request` (one record), `cleared`
 */

export interface EchoAppOptions {
  /** How many requests are kept. Default 500. */
  capacity?: number;
  now?: () => Date;
}

export const ECHO_PREFIX = "/_echo/";
/** Event Grid's largest delivery. */
const BODY_LIMIT = 1024 * 1024;
/** Per request kept in memory: 500 full 1 MB bodies would be 500 MB. */
export const BODY_TEXT_LIMIT = 64 * 1024;

export function createEchoApp(options: EchoAppOptions = {}): FastifyInstance {
  const log = new RequestLog(options.capacity ?? DEFAULT_CAPACITY);
  const now = options.now ?? (() => new Date());
  const streams = new Set<ServerResponse>();
  const app = Fastify({ logger: false, bodyLimit: BODY_LIMIT }) as unknown as FastifyInstance;

  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_request, body, done) => {
    done(null, body);
  });

  app.get("/", async (_request, reply) =>
    reply
      .type("text/html; charset=utf-8")
      .headers({
        "content-security-policy": PAGE_CSP,
        "x-content-type-options": "nosniff",
        "cache-control": "no-store",
      })
      .send(echoPage(log.capacity)),
  );
  app.get(`${ECHO_PREFIX}requests`, async (_request, reply) =>
    reply.send({ requests: log.list() }),
  );
  app.delete(`${ECHO_PREFIX}requests`, async (_request, reply) => {
    log.clear();
    return reply.code(204).send();
  });
  app.get(`${ECHO_PREFIX}stream`, (request, reply) => {
    reply.hijack();
    openStream(request, reply.raw, log, streams);
  });
  app.all(`${ECHO_PREFIX}*`, async (_request, reply) =>
    reply.code(404).send({ error: `no echo route here; see ${ECHO_PREFIX}requests` }),
  );

  // Everything else, any method: record and answer.
  app.setNotFoundHandler(async (request, reply) => {
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const answer = handshake(request, body);
    const status = { status: 200, ...(answer.note === undefined ? {} : { note: answer.note }) };
    log.add(recordOf(request, body, now(), status));
    return reply.code(200).headers(answer.headers).send(answer.body);
  });

  // Bodies the echo cannot read are still recorded, without the body.
  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    const status = error.statusCode === 413 ? 413 : error.statusCode === 415 ? 200 : 400;
    const note = status === 413 ? "body over 1 MB, not read" : "body not read";
    if (!isOwnRoute(request)) log.add(recordOf(request, Buffer.alloc(0), now(), { status, note }));
    return reply.code(status).send(status === 200 ? undefined : { error: note });
  });

  app.addHook("preClose", (done) => {
    for (const stream of streams) stream.end();
    done();
  });
  return app;
}

interface HandshakeAnswer {
  headers: Record<string, string>;
  body?: string;
  note?: string;
}

const isOwnRoute = (request: FastifyRequest): boolean =>
  request.url.startsWith(ECHO_PREFIX) ||
  ((request.method === "GET" || request.method === "HEAD") &&
    splitOnce(request.url, "?")[0] === "/");

function handshake(request: FastifyRequest, body: Buffer): HandshakeAnswer {
  if (request.method === "OPTIONS") {
    const reply = optionsReply(request.headers);
    if (reply.ok && "webhook-allowed-origin" in reply.headers) {
      return { headers: reply.headers, note: "CloudEvents webhook consent given" };
    }
    return { headers: {} };
  }
  if (request.method === "POST" && body.length > 0) {
    const delivery = parseDelivery(body, "json");
    if (delivery.kind === "validation") {
      return {
        headers: { "content-type": "application/json; charset=utf-8" },
        body: JSON.stringify(validationResponse(delivery.validationCode)),
        note: "Event Grid subscription validated",
      };
    }
  }
  return { headers: {} };
}

const decoder = new TextDecoder("utf-8");

function recordOf(
  request: FastifyRequest,
  body: Buffer,
  time: Date,
  reply: EchoRecord["reply"],
): Omit<EchoRecord, "seq"> {
  const [path, search] = splitOnce(request.url, "?");
  const headers: [string, string][] = [];
  const raw = request.raw.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] ?? "";
    headers.push([name, redactHeader(name, raw[i + 1] ?? "")]);
  }
  const query = [...new URLSearchParams(search)].map(([name, value]): [string, string] => [
    name,
    redactQuery(name, value),
  ]);
  const { text, json } = bodyText(body);
  return {
    time: time.toISOString(),
    method: request.method,
    path,
    query,
    headers,
    body: text.slice(0, BODY_TEXT_LIMIT),
    bodyBytes: body.length,
    json,
    truncated: text.length > BODY_TEXT_LIMIT,
    reply,
  };
}

function bodyText(body: Buffer): { text: string; json: boolean } {
  const text = decoder.decode(body);
  if (text.trim() === "") return { text, json: false };
  try {
    return { text: JSON.stringify(JSON.parse(text), null, 2), json: true };
  } catch {
    return { text, json: false };
  }
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, ""] : [text.slice(0, at), text.slice(at + 1)];
}

/**
 * Replays what the client has not seen (all of it, or after Last-Event-ID on a reconnect), then
 * pushes each new record.
 */
function openStream(
  request: FastifyRequest,
  response: ServerResponse,
  log: RequestLog,
  streams: Set<ServerResponse>,
): void {
  let unsubscribe = () => {};
  const stream = openEventStream(response, "kvsync echo", () => {
    unsubscribe();
    streams.delete(response);
  });
  // An id beyond ours was given by an echo before a restart: replay everything.
  const lastEventId = Number(request.headers["last-event-id"] ?? 0);
  const after = Number.isSafeInteger(lastEventId) && lastEventId <= log.lastSeq ? lastEventId : 0;
  const send = (event: LogEvent) => {
    if (event.kind === "added") stream.send("request", event.record, event.record.seq);
    else stream.send("cleared", {});
  };
  for (const record of log.since(after)) send({ kind: "added", record });
  unsubscribe = log.subscribe(send);
  streams.add(response);
}
