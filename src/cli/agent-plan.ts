import type { SignalTarget } from "../agent/index.js";
import {
  ConfigError,
  loadAgentConfigFile,
  type agentOptions,
  type OptionValues,
} from "../config/index.js";

/**
 * What the agent will run, from its flags or from `--config`: the targets and the settings. In a
 * config file the keys win over the flags, which then only give defaults (commander cannot tell a
 * flag given from its default).
 */
export interface AgentPlan {
  readonly targets: readonly { readonly class: string; readonly mount: string }[];
  readonly endpoints: ReadonlyMap<string, string>;
  readonly caFile: string | undefined;
  readonly webhookPort: number;
  readonly webhookHost: string;
  readonly pollIntervalMs: number;
  readonly metricsPort: number | undefined;
  readonly exec: string | undefined;
  readonly signal: SignalTarget | undefined;
}

type AgentFlags = OptionValues<typeof agentOptions>;

export async function planAgent(flags: AgentFlags): Promise<AgentPlan> {
  checkTargetsNamed(flags);
  const endpoints = new Map(
    flags.vaultEndpoint.map((entry) => {
      const at = entry.indexOf("=");
      return [entry.slice(0, at), entry.slice(at + 1)] as const;
    }),
  );
  const file = flags.config === undefined ? undefined : await fromFile(flags, flags.config);
  for (const [name, url] of Object.entries(file?.vaultEndpoints ?? {})) endpoints.set(name, url);
  const plan: AgentPlan = {
    targets: file?.targets ?? [{ class: flags.class ?? "", mount: flags.mount ?? "" }],
    endpoints,
    caFile: file?.ca ?? flags.ca,
    webhookPort: file?.webhookPort ?? flags.webhookPort,
    webhookHost: file?.webhookHost ?? flags.webhookHost,
    pollIntervalMs: file?.rotationPollInterval ?? flags.rotationPollInterval,
    metricsPort: file?.metricsPort ?? flags.metricsPort,
    exec: file?.exec ?? flags.exec,
    signal: signalOf(file?.signal ?? flags.signal, file?.pidFile ?? flags.pidFile),
  };
  const mounts = plan.targets.map((t) => t.mount);
  const twice = mounts.filter((m, i) => mounts.indexOf(m) !== i);
  if (twice.length > 0) {
    throw new ConfigError([`two targets write the same folder: ${[...new Set(twice)].join(", ")}`]);
  }
  return plan;
}

/** Exactly one way of naming the targets: --class with --mount, or --config. */
async function fromFile(flags: AgentFlags, config: string) {
  if (flags.class !== undefined || flags.mount !== undefined) {
    throw new ConfigError([
      "--config cannot be combined with --class or --mount: list the targets in the config file",
    ]);
  }
  return loadAgentConfigFile(config);
}

function signalOf(
  signal: NodeJS.Signals | undefined,
  pidFile: string | undefined,
): SignalTarget | undefined {
  if (signal === undefined && pidFile === undefined) return undefined;
  if (signal === undefined || pidFile === undefined) {
    throw new ConfigError(["--signal and --pid-file go together: give both or neither"]);
  }
  return { signal, pidFile };
}

/** Without --config, --class and --mount are both required: reported together, like the flags. */
function checkTargetsNamed(flags: AgentFlags): void {
  if (flags.config !== undefined) return;
  const missing = [
    ...(flags.class === undefined ? ["--class: is required (or --config <file>)"] : []),
    ...(flags.mount === undefined ? ["--mount: is required (or --config <file>)"] : []),
  ];
  if (missing.length > 0) throw new ConfigError(missing);
}
