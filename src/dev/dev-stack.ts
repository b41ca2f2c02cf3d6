import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { Logger } from "pino";
import { startAgent, type RunningAgent } from "../agent/index.js";
import type { SubscriptionRow } from "../dashboard/model.js";
import { RotationTracker } from "../dashboard/rotation-tracker.js";
import { startEcho, type RunningEcho } from "../echo/index.js";
import { localSecretClient } from "../keyvault/index.js";
import type { SecretProviderClass } from "../spc/index.js";
import type { RunningVault } from "../vault/index.js";
import { portInUseHintFor } from "../util/port-in-use.js";
import { seedVault } from "./seed.js";

/**
 * Everything `kvsync dev` runs beside the local vault: the first-start secrets, the agent
 * syncing a class into a folder with the dashboard on, the echo page, and the vault's Event
 * Grid subscriptions to both. Ports in use come back as errors naming the flag to change.
 */

export interface DevStackOptions {
  vault: RunningVault;
  spc: SecretProviderClass;
  mountDir: string;
  seedFile: string;
  host: string;
  agentPort: number;
  dashboardPort: number;
  /** undefined: no echo page. */
  echoPort: number | undefined;
  logger: Logger;
}

export interface DevStack {
  agent: RunningAgent;
  dashboardUrl: string;
  echo: RunningEcho | undefined;
  seeded: readonly string[];
  close(): Promise<void>;
}

export async function startDevStack(options: DevStackOptions): Promise<DevStack> {
  const { vault, logger } = options;
  const seeded = await seedVault(vault.store, options.seedFile);
  const tracker = new RotationTracker();
  // The vault knows the exact moment a version exists; Key Vault's `created` has whole seconds.
  const stopCreated = vault.store.onNewVersion((version) => {
    tracker.created(
      { vault: vault.vaultName, type: "secret", name: version.name, version: version.version },
      Date.now(),
    );
  });
  const client = await localSecretClient({ url: vault.url, caPath: vault.caPath });
  // The webhook is on loopback, but it still authenticates: a random code in its URL.
  const code = randomBytes(24).toString("base64url");
  const ca = await readFile(vault.caPath, "utf8");
  const closers: (() => Promise<unknown>)[] = [
    () => {
      stopCreated();
      return Promise.resolve();
    },
  ];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close();
  };
  try {
    const agent = await startAgent({
      targets: [{ spc: options.spc, mountDir: options.mountDir }],
      vaultEndpoints: new Map([[vault.vaultName, vault.url]]),
      ca,
      webhook: {
        port: options.agentPort,
        host: options.host,
        auth: { kind: "query-secret", secrets: [code] },
      },
      logger: logger.child({ name: "agent" }),
      dashboard: {
        port: options.dashboardPort,
        host: options.host,
        tracker,
        setSecret: async (vaultName, name, value) => {
          if (vaultName.toLowerCase() !== vault.vaultName.toLowerCase()) {
            throw new Error(`only the local vault "${vault.vaultName}" can be set from here`);
          }
          const secret = await client.setSecret(name, value);
          return secret.properties.version ?? "";
        },
        publisherStats: () => publisherStats(vault),
      },
    }).catch((error: unknown) => {
      throw portInUseHintFor(error, [
        [options.agentPort, "--agent-port"],
        [options.dashboardPort, "--dashboard-port"],
      ]);
    });
    closers.push(() => agent.close());
    await subscribe(vault, "agent", `${agent.url}/api/events?code=${code}`, "EventGridSchema");
    let echo: RunningEcho | undefined;
    if (options.echoPort !== undefined) {
      const port = options.echoPort;
      echo = await startEcho({ port, host: options.host }).catch((error: unknown) => {
        throw portInUseHintFor(error, [[port, "--echo-port"]]);
      });
      closers.push(() => echo?.close() ?? Promise.resolve());
      await subscribe(vault, "echo", `${echo.url}/api/events`, "CloudEventSchemaV1_0");
    }
    return { agent, dashboardUrl: agent.dashboardUrl ?? "", echo, seeded, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

async function subscribe(
  vault: RunningVault,
  name: string,
  endpointUrl: string,
  schema: "EventGridSchema" | "CloudEventSchemaV1_0",
): Promise<void> {
  const outcome = await vault.eventGrid.putSubscription(name, {
    properties: {
      destination: { endpointType: "WebHook", properties: { endpointUrl } },
      eventDeliverySchema: schema,
    },
  });
  if (!outcome.ok) throw new Error(`could not subscribe ${name}: ${outcome.reason}`);
}

function publisherStats(vault: RunningVault): SubscriptionRow[] {
  return vault.eventGrid.listSubscriptions().map((sub) => {
    const stats = vault.eventGrid.stats(sub.name);
    return {
      name: sub.name,
      source: "vault",
      delivered: stats.delivered,
      retried: stats.failedAttempts,
      deadLettered: stats.deadLettered,
      pending: stats.pending,
    };
  });
}
