import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { Logger } from "pino";
import {
  BODY_LIMIT,
  DEFAULT_EVENTS_PATH,
  announcedObjectTypes,
  isNewVersionEvent,
  registerEventReceiver,
  type EventReceiverAuth,
} from "../eventgrid/receiver/index.js";
import type { ClassController } from "./class-controller.js";
import type { ControllerMetrics } from "./controller-metrics.js";

/**
 * The controller's HTTP server, on every replica: the Event Grid webhook, /healthz, /readyz and
 * /metrics. A Service spreads deliveries over the replicas, but only the leader syncs, so a
 * follower hands each delivery to the leader unchanged (body, auth header, query string) and
 * answers Event Grid with the leader's answer. The leader checks the delivery's auth exactly as
 * if Event Grid had sent it to it directly. With no leader known, or none reachable, the answer
 * is 503: Event Grid retries it later, so nothing is acknowledged that was not acted on.
 */

export interface Leadership {
  readonly leading: boolean;
  /** The leader's webhook base URL, when a live leader published one. */
  readonly leaderAddress: string | undefined;
}

export interface ControllerServerOptions {
  classes: ClassController;
  auth: EventReceiverAuth;
  logger: Logger;
  metrics: ControllerMetrics;
  /** Undefined without leader election: this replica acts on every delivery itself. */
  leadership?: Leadership;
}

const FORWARDED = "x-kvsync-forwarded";
const FORWARD_TIMEOUT_MS = 10_000;
/** Headers that carry meaning to the receiver; hop-by-hop ones are fetch's to set. */
const KEPT_HEADERS = /^(authorization|content-type|aeg-.*|webhook-request-.*)$/i;

export async function startControllerServer(
  options: ControllerServerOptions,
): Promise<FastifyInstance> {
  const { classes, logger, metrics, leadership } = options;
  // Request logs stay at warn: a query-secret webhook URL carries its secret.
  const app = Fastify({
    loggerInstance: logger.child({ component: "http" }, { level: "warn" }),
  }) as unknown as FastifyInstance;
  if (leadership !== undefined) {
    app.addHook("onRequest", async (request, reply) => {
      if (request.method !== "POST" || pathOf(request.url) !== DEFAULT_EVENTS_PATH) return;
      if (leadership.leading) return;
      await forward(request, reply, leadership, metrics, logger);
      return reply;
    });
  }
  await registerEventReceiver(app, {
    auth: options.auth,
    metrics: metrics.registry,
    onEvent: async (event) => {
      if (!isNewVersionEvent(event)) return;
      const { VaultName, ObjectName, Version } = event.data;
      // A certificate's event also reaches the classes that mount its managed key or secret.
      const [own, ...managed] = announcedObjectTypes(event);
      await Promise.all(
        [own, ...managed].map(async (type) => {
          if (type === undefined) return;
          const object = { vault: VaultName, type, name: ObjectName };
          try {
            const asked = await classes.objectChanged(
              VaultName,
              type,
              ObjectName,
              Version,
              event.time || undefined,
            );
            // Quiet for a certificate's managed objects that no class mounts.
            if (asked === 0 && type !== own) return;
            logger.info(
              { eventId: event.id, ...object, version: Version, classes: asked },
              "new version event",
            );
          } catch (error) {
            logger.warn(
              {
                eventId: event.id,
                ...object,
                err: {
                  message: error instanceof Error ? error.message.split("\n")[0] : String(error),
                },
              },
              "cannot read the event's version; the resync will catch up",
            );
          }
        }),
      );
    },
  });
  app.get("/healthz", (_request, reply) => reply.send({ status: "ok" }));
  app.get("/readyz", (_request, reply) =>
    classes.ready
      ? reply.send({ status: "ready" })
      : reply.code(503).send({ status: "listing SecretProviderClasses" }),
  );
  app.get("/metrics", async (_request, reply) => {
    metrics.leader.set(leadership === undefined || leadership.leading ? 1 : 0);
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return app;
}

async function forward(
  request: FastifyRequest,
  reply: FastifyReply,
  leadership: Leadership,
  metrics: ControllerMetrics,
  logger: Logger,
): Promise<void> {
  const leader = leadership.leaderAddress;
  // A delivery already handed on once, to a replica that is no longer leader: never bounce it.
  if (leader === undefined || request.headers[FORWARDED] !== undefined) {
    unavailable(reply, metrics);
    return;
  }
  const body = await readBody(request);
  if (body === undefined) {
    void reply.code(413).send({ error: "payload too large" });
    return;
  }
  const headers: Record<string, string> = { [FORWARDED]: "1" };
  for (const [name, value] of Object.entries(request.headers)) {
    if (typeof value === "string" && KEPT_HEADERS.test(name)) headers[name] = value;
  }
  try {
    const answer = await fetch(new URL(request.url, leader), {
      method: "POST",
      headers,
      body,
      signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS),
    });
    metrics.forwarded.inc({ status: String(answer.status) });
    const type = answer.headers.get("content-type");
    if (type !== null) void reply.type(type);
    void reply.code(answer.status).send(Buffer.from(await answer.arrayBuffer()));
  } catch (error) {
    logger.warn(
      { err: { message: error instanceof Error ? error.message : String(error) } },
      "leader unreachable; Event Grid will retry the delivery",
    );
    unavailable(reply, metrics);
  }
}

function unavailable(reply: FastifyReply, metrics: ControllerMetrics): void {
  metrics.forwarded.inc({ status: "503" });
  void reply.code(503).header("retry-after", "10").send({ error: "no leader reachable; retry" });
}

/** The raw body, or undefined beyond Event Grid's largest batch. */
async function readBody(request: FastifyRequest): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request.raw) {
    size += (chunk as Buffer).length;
    if (size > BODY_LIMIT) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function pathOf(url: string): string {
  const at = url.indexOf("?");
  return at < 0 ? url : url.slice(0, at);
}
