import Fastify, { type FastifyInstance } from "fastify";
import type { Logger } from "pino";
import {
  announcedObjectTypes,
  isNewVersionEvent,
  registerEventReceiver,
  type EventReceiverAuth,
  type ReceivedKeyVaultEvent,
} from "../eventgrid/receiver/index.js";
import {
  createVaultClients,
  SdkObjectSource,
  type BackoffPolicy,
  type ObjectSource,
  type ObjectType,
} from "../keyvault/index.js";
import {
  DEFAULT_POLL_INTERVAL_MS,
  Poller,
  SyncEngine,
  type DetectedVersion,
  type SyncReport,
  type SyncTargetSpec,
} from "../sync/index.js";
import type { RunningDashboard } from "../dashboard/dashboard-server.js";
import { AgentDashboard, type DashboardSettings } from "./agent-dashboard.js";
import { AgentMetrics } from "./agent-metrics.js";
import { createExecHook } from "./exec-hook.js";
import { createSignalHook, type SignalTarget } from "./signal-hook.js";

/**
 * `kvsync agent` as a library: one Fastify server with the Event Grid receiver at /api/events,
 * POST /refresh, /healthz, /readyz (after the first full sync) and /metrics, driving one
 * SyncEngine plus its poll. Events only enqueue; the engine does the rest.
 */

export interface AgentOptions {
  targets: readonly SyncTargetSpec[];
  /** The clock the sync compares with Key Vault's times (tests with a simulated vault clock). */
  now?: () => number;
  /** Vault name → URL (local vaults, private endpoints). */
  vaultEndpoints?: ReadonlyMap<string, string>;
  /** PEM trusted for the endpoints (the local vault's CA). */
  ca?: string;
  webhook: { port: number; host: string; auth: EventReceiverAuth };
  pollIntervalMs?: number;
  /**
   * Poll Key Vault as the safety net (default). Off where something else tells the agent of
   * every version: an agent that follows its class through the Kubernetes API.
   */
  poll?: boolean;
  /** Called after every sync, besides the agent's own metrics and hooks (Kubernetes Events). */
  onSynced?: (report: SyncReport) => void;
  /** Serve /metrics on a port of its own too (the webhook server always serves it). */
  metricsPort?: number;
  /** Shell command run after each change, with KVSYNC_CHANGED. */
  exec?: string;
  /** Signal sent to the pid in a file after each change. */
  signal?: SignalTarget;
  logger: Logger;
  /** Replaces the SDK-backed source (tests wrap or fake it). */
  source?: ObjectSource;
  /** Key Vault retry policy; tests shorten it. */
  backoff?: BackoffPolicy;
  /** Serve the live dashboard (off unless given). */
  dashboard?: DashboardSettings;
}

export interface RunningAgent {
  /** http://host:port of the webhook server. */
  url: string;
  engine: SyncEngine;
  metrics: AgentMetrics;
  app: FastifyInstance;
  /** http://host:port of the dashboard, when it is on. */
  dashboardUrl: string | undefined;
  close(): Promise<void>;
}

export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  const { logger } = options;
  const metrics = new AgentMetrics();
  const dashboard =
    options.dashboard === undefined
      ? undefined
      : new AgentDashboard(options.targets, options.dashboard.tracker);
  const plainSource = options.source ?? sdkSource(options, metrics);
  const source = dashboard?.traced(plainSource) ?? plainSource;
  const exec = options.exec === undefined ? undefined : createExecHook(options.exec, logger);
  const signal =
    options.signal === undefined ? undefined : createSignalHook(options.signal, logger);
  const onSynced = (report: SyncReport) => {
    options.onSynced?.(report);
    metrics.syncs.inc({ trigger: report.trigger, result: report.result });
    if (report.versions !== undefined) metrics.setVersions(report.versions);
    const rotated = dashboard?.synced(report) ?? [];
    if (report.result !== "changed") return;
    if (report.since !== undefined) {
      metrics.propagation.observe(Math.max(0, Date.now() - report.since) / 1000);
    }
    // A first sync into a folder that already held the same files wrote nothing: no hook runs.
    if (report.changedPaths.length === 0) return;
    const hook = (what: string, run: () => Promise<void>) =>
      void (dashboard ? dashboard.hooked(rotated, what, run) : run());
    if (exec) hook("--exec finished", () => exec(report.changedPaths));
    if (signal) hook("--signal sent", signal);
  };
  const engine = new SyncEngine({
    source,
    targets: options.targets,
    logger,
    ...(options.now === undefined ? {} : { now: options.now }),
    onSynced,
    ...(dashboard
      ? {
          onDetected: (found: DetectedVersion) => {
            dashboard.detected(found);
          },
        }
      : {}),
  });
  const vaults = new Set(options.targets.map((t) => t.spc.keyvaultName.toLowerCase()));

  // Request logs stay off (info level): a query-secret webhook URL carries its secret. Cast as
  // the echo app does: Fastify's pino generic differs from the plain FastifyInstance.
  const app = Fastify({
    loggerInstance: logger.child(
      { component: "http" },
      { level: logger.levelVal > 40 ? logger.level : "warn" },
    ),
  }) as unknown as FastifyInstance;
  await registerEventReceiver(app, {
    auth: options.webhook.auth,
    metrics: metrics.registry,
    onEvent: (event, delivery) => {
      const types = followedTypes(event, engine, vaults);
      const first = types[0];
      if (dashboard && first !== undefined && isNewVersionEvent(event)) {
        dashboard.delivered(event, first, delivery);
      }
      return onEvent(event, types, engine, logger);
    },
  });
  app.post("/refresh", async (_request, reply) => {
    void engine.refresh();
    return reply.code(202).send({ status: "refreshing" });
  });
  app.get("/healthz", (_request, reply) => reply.send({ status: "ok" }));
  app.get("/readyz", async (_request, reply) =>
    engine.ready
      ? reply.send({ status: "ready" })
      : reply.code(503).send({ status: "waiting for the first sync" }),
  );
  app.get("/metrics", async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );

  await engine.start();
  const poller = new Poller({
    intervalMs: options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
    poll: () => engine.poll(),
  });
  if (options.poll !== false) poller.start();
  const servers: { close(): Promise<unknown> }[] = [];
  const closeAll = async () => {
    poller.stop();
    for (const server of [...servers].reverse()) await server.close();
    await engine.close();
  };
  let address: string;
  let dashboardServer: RunningDashboard | undefined;
  try {
    address = await app.listen({ port: options.webhook.port, host: options.webhook.host });
    servers.push(app);
    if (options.metricsPort !== undefined) servers.push(await serveMetrics(metrics, options));
    if (dashboard && options.dashboard) {
      dashboardServer = await dashboard.start(options.dashboard, engine, logger);
      servers.push(dashboardServer);
    }
  } catch (error) {
    // A port in use: nothing half-started stays behind.
    await closeAll();
    throw error;
  }
  logSecretObjects(options.targets, logger);
  logger.info({ url: address, targets: options.targets.length }, "agent listening");
  return {
    url: address,
    engine,
    metrics,
    app,
    dashboardUrl: dashboardServer?.url,
    close: closeAll,
  };
}

/**
 * Kubernetes Secrets (`secretObjects`) are the controller's to keep (`kvsync controller`), for the
 * whole cluster; the agent writes files. One info line per class says so, not a warning.
 */
function logSecretObjects(targets: readonly SyncTargetSpec[], logger: Logger): void {
  const seen = new Set<string>();
  for (const { spc } of targets) {
    const id = `${spc.namespace}/${spc.name}`;
    if (spc.secretObjects.length === 0 || seen.has(id)) continue;
    seen.add(id);
    logger.info(
      {
        class: id,
        secretObjects: spc.secretObjects.map((s) => s.secretName),
      },
      "secretObjects are kept by kvsync controller; this agent writes the files",
    );
  }
}

/** The object types a new-version event reaches that some target follows; none for others. */
function followedTypes(
  event: ReceivedKeyVaultEvent,
  engine: SyncEngine,
  vaults: ReadonlySet<string>,
): ObjectType[] {
  if (!isNewVersionEvent(event) || !vaults.has(event.data.VaultName.toLowerCase())) return [];
  const { VaultName, ObjectName } = event.data;
  return announcedObjectTypes(event).filter((type) => engine.follows(VaultName, type, ObjectName));
}

/** A new version of a followed object → a push sync of the targets using it, per object type. */
async function onEvent(
  event: ReceivedKeyVaultEvent,
  types: readonly ObjectType[],
  engine: SyncEngine,
  logger: Logger,
): Promise<void> {
  const { VaultName, ObjectName, Version } = event.data;
  await Promise.all(
    types.map(async (type) => {
      const object = { vault: VaultName, type, name: ObjectName };
      try {
        const asked = await engine.newVersion(VaultName, type, ObjectName, Version, event.time);
        logger.info(
          { eventId: event.id, ...object, version: Version, targets: asked },
          "new version event",
        );
      } catch (error) {
        logger.warn(
          {
            eventId: event.id,
            ...object,
            err: { message: error instanceof Error ? error.message : String(error) },
          },
          "cannot read the event's version; the poll will catch up",
        );
      }
    }),
  );
}

function sdkSource(options: AgentOptions, metrics: AgentMetrics): ObjectSource {
  const clientFor = createVaultClients({
    endpoints: options.vaultEndpoints ?? new Map(),
    ca: options.ca,
    classes: options.targets.map((t) => t.spc),
  });
  // Build every client now, so that an identity kvsync cannot use fails at start, not per sync.
  for (const t of options.targets) clientFor(t.spc.keyvaultName);
  return new SdkObjectSource({
    clientFor,
    ...(options.backoff === undefined ? {} : { policy: options.backoff }),
    onAttempt: (operation, status) => {
      metrics.keyVaultRequests.inc({ operation, status });
    },
    onRetry: (operation, attempt, delayMs) => {
      options.logger.info(
        { operation, attempt, delayMs: Math.round(delayMs) },
        "Key Vault call retried",
      );
    },
  });
}

async function serveMetrics(
  metrics: AgentMetrics,
  options: AgentOptions,
): Promise<FastifyInstance> {
  const app = Fastify({ logger: false }) as unknown as FastifyInstance;
  app.get("/metrics", async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
  await app.listen({ port: options.metricsPort ?? 0, host: options.webhook.host });
  return app;
}
