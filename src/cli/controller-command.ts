import { readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { KubeConfig } from "@kubernetes/client-node";
import { Command } from "commander";
import Fastify, { type FastifyInstance } from "fastify";
import { pino, type Logger } from "pino";
import { addOptions, ConfigError, controllerOptions, parseOptions } from "../config/index.js";
import {
  isNewVersionEvent,
  isSecretEvent,
  registerEventReceiver,
  type EventReceiverAuth,
} from "../eventgrid/receiver/index.js";
import { createVaultClients, SdkObjectSource } from "../keyvault/index.js";
import { ClassController } from "../kube/class-controller.js";
import { LeaderElector } from "../kube/leader-election.js";
import { portInUseHintFor } from "../util/port-in-use.js";
import { waitForShutdown } from "./process.js";
import { receiverAuthFrom } from "./receiver-auth.js";

/**
 * `kvsync controller`: keeps the Kubernetes Secrets of every SecretProviderClass's
 * `secretObjects`, with or without pods; Event Grid pushes, a resync catches the rest.
 */
export function controllerCommand(): Command {
  const controller = new Command("controller").description(
    "keep the Kubernetes Secrets of every SecretProviderClass's secretObjects, with or without pods",
  );
  addOptions(controller, controllerOptions).action(async (raw: Record<string, unknown>) => {
    const options = parseOptions(controllerOptions, raw);
    const logger = pino({ name: "controller", level: options.logLevel });
    const kubeconfig = new KubeConfig();
    try {
      if (options.kubeconfig === undefined) kubeconfig.loadFromDefault();
      else kubeconfig.loadFromFile(options.kubeconfig);
    } catch (error) {
      throw new ConfigError([`--kubeconfig: ${(error as Error).message}`]);
    }
    const ca = options.ca === undefined ? undefined : await readCa(options.ca);
    const endpoints = new Map(
      options.vaultEndpoint.map((entry) => {
        const at = entry.indexOf("=");
        return [entry.slice(0, at), entry.slice(at + 1)] as const;
      }),
    );
    let elector: LeaderElector | undefined;
    const classes = new ClassController({
      kubeconfig,
      source: new SdkObjectSource({
        clientFor: createVaultClients({ endpoints, ca, classes: [], anyVault: true }),
      }),
      logger,
      isLeader: () => elector?.leading ?? true,
    });
    if (options.leaderElect) {
      elector = new LeaderElector({
        kubeconfig,
        namespace: options.leaseNamespace,
        name: options.leaseName,
        identity: process.env.HOSTNAME ?? hostname(),
        logger,
        // A new leader syncs everything once: whatever the old one left undone is done.
        onStartedLeading: () => {
          classes.resync();
        },
        onStoppedLeading: () => undefined,
      });
    }
    const auth = receiverAuthFrom(options, logger);
    const app = await webhook(classes, auth, logger);
    const url = await app
      .listen({ port: options.webhookPort, host: options.webhookHost })
      .catch((error: unknown) => {
        throw portInUseHintFor(error, [[options.webhookPort, "--webhook-port"]]);
      });
    await classes.start();
    elector?.start();
    const resync = setInterval(() => {
      classes.resync();
    }, options.resyncInterval);
    process.stdout.write(`controller  ${url}/api/events\n`);
    await waitForShutdown(async () => {
      clearInterval(resync);
      await elector?.stop();
      await app.close();
      await classes.close();
    });
  });
  return controller;
}

async function webhook(
  classes: ClassController,
  auth: EventReceiverAuth,
  logger: Logger,
): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger.child({ component: "http" }, { level: "warn" }),
  }) as unknown as FastifyInstance;
  await registerEventReceiver(app, {
    auth,
    onEvent: (event) => {
      if (!isSecretEvent(event) || !isNewVersionEvent(event)) return;
      const { VaultName, ObjectName } = event.data;
      const asked = classes.objectChanged(VaultName, ObjectName);
      logger.info(
        { eventId: event.id, vault: VaultName, name: ObjectName, classes: asked },
        "new version event",
      );
    },
  });
  app.get("/healthz", (_request, reply) => reply.send({ status: "ok" }));
  return app;
}

async function readCa(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch {
    throw new ConfigError([`--ca: cannot read ${file}`]);
  }
}
