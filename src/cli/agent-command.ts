import { readFile } from "node:fs/promises";
import { Command } from "commander";
import { pino } from "pino";
import { startAgent, type RunningAgent } from "../agent/index.js";
import { agentOptions } from "../config/agent-options.js";
import { addOptions, ConfigError, parseOptions } from "../config/option-table.js";
import { readLocalEndpoint, UnsupportedIdentityError } from "../keyvault/index.js";
import { loadSecretProviderClass, SpcError, type SecretProviderClass } from "../spc/index.js";
import { checkSupported, UnsupportedObjectError, type SyncTargetSpec } from "../sync/index.js";
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
  const targets = await loadTargets(plan);
  const ca = await readCa(plan.caFile, options.vaultData, plan.endpoints.size > 0);
  const logger = pino({ name: "agent", level: options.logLevel });
  try {
    return await startAgent({
      targets,
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
    });
  } catch (error) {
    if (error instanceof UnsupportedIdentityError) throw new ConfigError([error.message]);
    throw portInUseHintFor(error, [
      [plan.webhookPort, "--webhook-port"],
      [plan.metricsPort, "--metrics-port"],
      [plan.dashboard?.port, "--dashboard-port"],
    ]);
  }
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

/** An invalid or unsupported class is "you asked wrong": a ConfigError, so main exits 2. */
async function loadClass(file: string): Promise<SecretProviderClass> {
  try {
    const spc = await loadSecretProviderClass(file);
    checkSupported([{ spc, mountDir: "" }]);
    return spc;
  } catch (error) {
    if (error instanceof SpcError || error instanceof UnsupportedObjectError) {
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
