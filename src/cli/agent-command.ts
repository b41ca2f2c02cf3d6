import { readFile } from "node:fs/promises";
import { Command } from "commander";
import { pino } from "pino";
import { startAgent, type AgentOptions, type RunningAgent } from "../agent/index.js";
import { agentOptions } from "../config/agent-options.js";
import { addOptions, ConfigError, parseOptions } from "../config/option-table.js";
import { readLocalEndpoint, UnsupportedIdentityError } from "../keyvault/index.js";
import { loadSecretProviderClass, SpcError, type SecretProviderClass } from "../spc/index.js";
import type { SyncTargetSpec } from "../sync/index.js";
import { planAgent, type AgentPlan } from "./agent-plan.js";
import { portInUseHintFor } from "../util/port-in-use.js";
import { waitForShutdown } from "./process.js";
import { receiverAuthFrom } from "./receiver-auth.js";

/** `kvsync agent`: keep a folder in sync with a SecretProviderClass, pushed by Event Grid. */
export function agentCommand(): Command {
  const agent = new Command("agent").description(
    "write a SecretProviderClass's Key Vault secrets to a folder and keep them fresh (Event Grid + poll)",
  );
  addOptions(agent, agentOptions).action(async (raw: Record<string, unknown>, command: Command) => {
    const typed = Object.keys(raw).filter((key) => command.getOptionValueSource(key) === "cli");
    const running = await runAgent(raw, new Set(typed));
    process.stdout.write(`agent  ${running.url}/api/events\n`);
    if (running.dashboardUrl !== undefined) {
      process.stdout.write(`dashboard  ${running.dashboardUrl}\n`);
    }
    await waitForShutdown(() => running.close());
  });
  return agent;
}

/** `typed`: the options given on the command line; they win over the config file's keys. */
export async function runAgent(
  raw: Record<string, unknown>,
  typed: ReadonlySet<string> = new Set(),
): Promise<RunningAgent> {
  const options = parseOptions(agentOptions, raw);
  const plan = await planAgent(options, typed);
  const targets = plan.classRef === undefined ? await loadTargets(plan) : [];
  const ca = await readCa(plan.caFile, options.vaultData, plan.endpoints.size > 0);
  const logger = pino({ name: "agent", level: options.logLevel });
  try {
    const settings = {
      vaultEndpoints: plan.endpoints,
      ...(ca === undefined ? {} : { ca }),
      webhook: {
        port: plan.webhookPort,
        host: plan.webhookHost,
        auth: receiverAuthFrom(options, logger),
      },
      pollIntervalMs: plan.pollIntervalMs,
      ...(plan.metricsPort === undefined ? {} : { metricsPort: plan.metricsPort }),
      ...(plan.dashboard === undefined ? {} : { dashboard: plan.dashboard }),
      ...(plan.exec === undefined ? {} : { exec: plan.exec }),
      ...(plan.signal === undefined ? {} : { signal: plan.signal }),
      logger,
    };
    if (plan.classRef !== undefined) {
      return await followClassRef(plan.classRef, plan.targets[0]?.mount ?? "", {
        settings,
        kubeconfigFile: options.kubeconfig,
        // Off unless asked for: the class's recorded versions say when to read.
        poll: typed.has("rotationPollInterval"),
        fromSecret: options.fromSecret,
      });
    }
    return await startAgent({ targets, ...settings });
  } catch (error) {
    if (error instanceof UnsupportedIdentityError) throw new ConfigError([error.message]);
    throw portInUseHintFor(error, [
      [plan.webhookPort, "--webhook-port"],
      [plan.metricsPort, "--metrics-port"],
      [plan.dashboard?.port, "--dashboard-port"],
    ]);
  }
}

/**
 * --class-ref: the class from the Kubernetes API, followed there. The running agent is replaced
 * when the class's spec changes, so this answers with whichever runs now.
 */
async function followClassRef(
  classRef: { namespace: string; name: string },
  mountDir: string,
  options: {
    settings: Omit<AgentOptions, "targets">;
    kubeconfigFile: string | undefined;
    poll: boolean;
    fromSecret: boolean;
  },
): Promise<RunningAgent> {
  // Loaded only here: an agent outside Kubernetes never pays for the Kubernetes client.
  const [{ KubeConfig }, { ClassRefError, startClassRefAgent }] = await Promise.all([
    import("@kubernetes/client-node"),
    import("../kube/class-ref-agent.js"),
  ]);
  const kubeconfig = new KubeConfig();
  try {
    if (options.kubeconfigFile === undefined) kubeconfig.loadFromDefault();
    else kubeconfig.loadFromFile(options.kubeconfigFile);
  } catch (error) {
    throw new ConfigError([`--kubeconfig: ${(error as Error).message}`]);
  }
  const { POD_NAME, POD_NAMESPACE, POD_UID } = process.env;
  const pod =
    POD_NAME === undefined || POD_NAMESPACE === undefined
      ? undefined
      : { name: POD_NAME, namespace: POD_NAMESPACE, ...(POD_UID ? { uid: POD_UID } : {}) };
  const running = await startClassRefAgent({
    ...options.settings,
    kubeconfig,
    classRef,
    mountDir,
    poll: options.poll,
    fromSecret: options.fromSecret,
    ...(pod === undefined ? {} : { pod }),
  }).catch((error: unknown) => {
    throw error instanceof ClassRefError ? new ConfigError([error.message]) : error;
  });
  return {
    get url() {
      return running.url;
    },
    get engine() {
      return running.agent.engine;
    },
    get metrics() {
      return running.agent.metrics;
    },
    get app() {
      return running.agent.app;
    },
    get dashboardUrl() {
      return running.agent.dashboardUrl;
    },
    close: () => running.close(),
  };
}

/** Every target's class, with the problems of all of them reported together. */
async function loadTargets(plan: AgentPlan): Promise<SyncTargetSpec[]> {
  const targets: SyncTargetSpec[] = [];
  const problems: string[] = [];
  for (const t of plan.targets) {
    try {
      targets.push({ spc: await loadClass(t.class), mountDir: t.mount });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return targets;
}

/** An invalid class is "you asked wrong": a ConfigError, so main exits 2. */
async function loadClass(file: string): Promise<SecretProviderClass> {
  try {
    return await loadSecretProviderClass(file);
  } catch (error) {
    if (error instanceof SpcError) {
      throw new ConfigError([error.message]);
    }
    throw error;
  }
}

/** --ca, else the local vault's own CA when endpoints are given and one runs with --vault-data. */
async function readCa(
  file: string | undefined,
  vaultData: string,
  wanted: boolean,
): Promise<string | undefined> {
  if (file !== undefined) {
    try {
      return await readFile(file, "utf8");
    } catch {
      throw new ConfigError([`--ca: cannot read ${file}`]);
    }
  }
  if (!wanted) return undefined;
  try {
    return await readFile((await readLocalEndpoint(vaultData)).caPath, "utf8");
  } catch {
    return undefined; // not a local vault: the endpoints are real vaults, trusted by the system
  }
}
