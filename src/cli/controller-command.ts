import { readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { KubeConfig } from "@kubernetes/client-node";
import { Command } from "commander";
import { pino } from "pino";
import { addOptions, ConfigError, controllerOptions, parseOptions } from "../config/index.js";
import { createVaultClients, SdkObjectSource } from "../keyvault/index.js";
import { ClassController } from "../kube/class-controller.js";
import { ControllerMetrics } from "../kube/controller-metrics.js";
import { startControllerServer } from "../kube/controller-server.js";
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
    const identity = process.env.POD_NAME ?? process.env.HOSTNAME ?? hostname();
    const metrics = new ControllerMetrics();
    let elector: LeaderElector | undefined;
    const classes = new ClassController({
      kubeconfig,
      source: new SdkObjectSource({
        clientFor: createVaultClients({ endpoints, ca, classes: [], anyVault: true }),
        onAttempt: (operation, status) => {
          metrics.keyVaultRequests.inc({ operation, status });
        },
      }),
      logger,
      isLeader: () => elector?.leading ?? true,
      instance: identity,
      metrics,
      ...(options.namespaces === undefined ? {} : { namespaces: options.namespaces }),
    });
    if (options.leaderElect) {
      const podIp = process.env.POD_IP;
      elector = new LeaderElector({
        kubeconfig,
        namespace: options.leaseNamespace,
        name: options.leaseName,
        identity,
        // Followers hand Event Grid deliveries to this address while we lead.
        ...(podIp === undefined || podIp === ""
          ? {}
          : {
              address: `http://${podIp.includes(":") ? `[${podIp}]` : podIp}:${options.webhookPort}`,
            }),
        logger,
        // A new leader syncs everything once: whatever the old one left undone is done.
        onStartedLeading: () => {
          void classes.resync();
        },
        onStoppedLeading: () => undefined,
      });
    }
    const app = await startControllerServer({
      classes,
      auth: receiverAuthFrom(options, logger),
      logger,
      metrics,
      ...(elector === undefined ? {} : { leadership: elector }),
    });
    const url = await app
      .listen({ port: options.webhookPort, host: options.webhookHost })
      .catch((error: unknown) => {
        throw portInUseHintFor(error, [[options.webhookPort, "--webhook-port"]]);
      });
    await classes.start();
    elector?.start();
    const resync = setInterval(() => {
      void classes.resync();
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

async function readCa(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch {
    throw new ConfigError([`--ca: cannot read ${file}`]);
  }
}
