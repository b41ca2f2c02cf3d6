import { randomBytes, timingSafeEqual } from "node:crypto";
import type { ServerResponse } from "node:http";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { Logger } from "pino";
import { openEventStream } from "../util/event-stream.js";
import { dashboardAssets, type DashboardAssets } from "./assets.js";
import { CSRF_HEADER, type SubscriptionRow } from "./model.js";
import type { RotationTracker } from "./rotation-tracker.js";

/**
 * The dashboard: the page, its state (GET /api/state), a live stream (GET /api/stream) and two
 * actions (refresh an object; in dev, set a value in the local vault). It binds to loopback by
 * default. Actions need the token printed into the page: another site open in the same browser
 * can send a POST to 127.0.0.1 but cannot read the page to learn the token, and the Host check
 * stops DNS rebinding. Values travel only inward (set), never out.
 */

export interface DashboardOptions {
  port: number;
  host: string;
  tracker: RotationTracker;
  logger: Logger;
  ready: () => boolean;
  /** Refresh now: one object, or all when no name. */
  /** One object when vault and name are given (every type of that name when type is not). */
  refresh: (
    vault: string | undefined,
    name: string | undefined,
    type: "secret" | "key" | "cert" | undefined,
  ) => void;
  /** Dev mode only: sets a value in the local vault, returns the new version. */
  setSecret?: (vault: string, name: string, value: string) => Promise<string>;
  /** Dev mode: the local vault's publisher counts, per subscription. */
  publisherStats?: () => SubscriptionRow[];
  /** Where the built page is; default: dist/dashboard/assets of this package. */
  assets?: DashboardAssets;
}

export interface RunningDashboard {
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

/** A set value is a secret: bounded like Key Vault's own limit (25 KB). */
const BODY_LIMIT = 64 * 1024;
const MAX_VALUE_BYTES = 25 * 1024;
/** Key Vault object names: 1–127 letters, digits and dashes. */
const OBJECT_NAME = /^[0-9a-zA-Z-]{1,127}$/;
/** Subscription counts change without a rotation (retries): re-sent this often while watched. */
const SUBSCRIPTIONS_EVERY_MS = 1_000;

export async function startDashboard(options: DashboardOptions): Promise<RunningDashboard> {
  const { tracker } = options;
  const assets = options.assets ?? (await dashboardAssets());
  const token = randomBytes(24).toString("base64url");
  const streams = new Set<ServerResponse>();
  const app = Fastify({
    bodyLimit: BODY_LIMIT,
    loggerInstance: options.logger.child({ component: "dashboard" }, { level: "warn" }),
  }) as unknown as FastifyInstance;
  const state = () =>
    tracker.state({
      canSetSecrets: options.setSecret !== undefined,
      ready: options.ready(),
      publisher: options.publisherStats?.() ?? [],
    });

  app.addHook("onRequest", async (request, reply) => {
    if (!allowedHost(request.headers.host, options.host)) {
      return reply.code(403).send({ error: "unexpected Host header" });
    }
    void reply.header("x-content-type-options", "nosniff");
    return undefined;
  });

  app.get("/", async (_request, reply) =>
    reply
      .type("text/html; charset=utf-8")
      .header("content-security-policy", PAGE_CSP)
      .header("cache-control", "no-store")
      .send(assets.page(token)),
  );
  app.get("/assets/:file", async (request, reply) => {
    const { file } = request.params as { file: string };
    const asset = assets.file(file);
    if (asset === undefined) return reply.code(404).send({ error: "no such asset" });
    return reply.type(asset.type).header("cache-control", "no-cache").send(asset.body);
  });
  app.get("/api/state", async (_request, reply) => reply.send(state()));
  app.get("/api/stream", (_request, reply) => {
    reply.hijack();
    const response = reply.raw;
    const stream = openEventStream(response, "kvsync dashboard", () => {
      unsubscribe();
      clearInterval(counts);
      streams.delete(response);
    });
    streams.add(response);
    stream.send("state", state());
    const unsubscribe = tracker.subscribe((change) => {
      if (change.kind === "rotation") stream.send("rotation", change.rotation);
      else if (change.kind === "objects") stream.send("objects", tracker.objects());
      // A rotation's hops follow its deliveries: the publisher's counts have moved too.
      if (change.kind !== "objects") {
        stream.send("subscriptions", tracker.subscriptions(options.publisherStats?.() ?? []));
      }
    });
    const counts = setInterval(() => {
      stream.send("subscriptions", tracker.subscriptions(options.publisherStats?.() ?? []));
    }, SUBSCRIPTIONS_EVERY_MS).unref();
  });

  app.post("/api/refresh", async (request, reply) => {
    if (!checkAction(request, reply, token)) return reply;
    const body = (request.body ?? {}) as { vault?: unknown; name?: unknown; type?: unknown };
    const vault = optionalString(body.vault);
    const name = optionalString(body.name);
    if (vault === null || name === null) {
      return reply.code(400).send({ error: "vault and name, when given, are strings" });
    }
    const type = body.type;
    if (type !== undefined && type !== "secret" && type !== "key" && type !== "cert") {
      return reply.code(400).send({ error: "type, when given, is secret, key or cert" });
    }
    options.refresh(vault, name, type);
    return reply.code(202).send({ status: "refreshing" });
  });
  app.post("/api/secrets/:name", async (request, reply) => {
    if (!checkAction(request, reply, token)) return reply;
    const setSecret = options.setSecret;
    if (setSecret === undefined) {
      return reply.code(404).send({ error: "setting values is only offered by `kvsync dev`" });
    }
    const { name } = request.params as { name: string };
    const body = (request.body ?? {}) as { vault?: unknown; value?: unknown };
    if (!OBJECT_NAME.test(name)) {
      return reply.code(400).send({ error: "name: 1-127 letters, digits and dashes" });
    }
    if (typeof body.vault !== "string" || body.vault === "") {
      return reply.code(400).send({ error: "vault: required" });
    }
    if (typeof body.value !== "string" || body.value === "") {
      return reply.code(400).send({ error: "value: a non-empty string is required" });
    }
    if (Buffer.byteLength(body.value) > MAX_VALUE_BYTES) {
      return reply.code(413).send({ error: "value: at most 25 KB, as in Key Vault" });
    }
    try {
      const version = await setSecret(body.vault, name, body.value);
      return await reply.send({ version });
    } catch (error) {
      // The message is ours or the vault's (never the value): say what failed, not the body.
      const reason = error instanceof Error ? error.message : "unknown error";
      return reply.code(502).send({ error: `the vault refused: ${reason}` });
    }
  });

  const url = await app.listen({ port: options.port, host: options.host });
  return {
    url,
    app,
    async close() {
      for (const response of streams) response.end();
      await app.close();
    },
  };
}

/** The page's own script and style only; it talks to its own origin. */
const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** JSON with the page's token; anything else is refused before the body is looked at. */
function checkAction(request: FastifyRequest, reply: FastifyReply, token: string): boolean {
  const given = request.headers[CSRF_HEADER];
  if (typeof given !== "string" || !sameSecret(given, token)) {
    void reply.code(403).send({ error: `missing or wrong ${CSRF_HEADER} header` });
    return false;
  }
  if (!(request.headers["content-type"] ?? "").startsWith("application/json")) {
    void reply.code(415).send({ error: "send application/json" });
    return false;
  }
  return true;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** undefined when absent, null when present but not a non-empty string. */
function optionalString(value: unknown): string | undefined | null {
  if (value === undefined) return undefined;
  return typeof value === "string" && value !== "" ? value : null;
}

/**
 * Loopback names only when bound to loopback (DNS rebinding); any host when the operator bound
 * the dashboard to another interface on purpose.
 */
function allowedHost(host: string | undefined, bound: string): boolean {
  if (!["127.0.0.1", "::1", "localhost"].includes(bound)) return true;
  if (host === undefined) return false;
  const name = host.replace(/:\d+$/, "").replace(/^\[(.*)\]$/, "$1");
  return ["127.0.0.1", "::1", "localhost"].includes(name);
}
