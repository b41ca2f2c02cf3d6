import type { SignalTarget } from "../agent/index.js";
import {
  ConfigError,
  loadAgentConfigFile,
  type agentOptions,
  type OptionValues,
} from "../config/index.js";

/**
 * What the agent will run, from its flags or from `--config`: the targets and the settings.
 * Precedence, as with most tools: a flag typed on the command line, then the config file's key,
 * then the flag's default.
 */
export interface AgentPlan {
  /** With --class-ref: the class is read from the Kubernetes API, into targets[0].mount. */
  readonly classRef: { readonly namespace: string; readonly name: string } | undefined;
  readonly targets: readonly { readonly class: string; readonly mount: string }[];
  readonly endpoints: ReadonlyMap<string, string>;
  readonly caFile: string | undefined;
  readonly webhookPort: number;
  readonly webhookHost: string;
  readonly pollIntervalMs: number;
  readonly metricsPort: number | undefined;
  readonly dashboard: { readonly port: number; readonly host: string } | undefined;
  readonly exec: string | undefined;
  readonly signal: SignalTarget | undefined;
}

type AgentFlags = OptionValues<typeof agentOptions>;

/**
 * `typed`: the options given on the command line (commander's attribute names, e.g.
 * "webhookPort"), as opposed to defaults.
 */
export async function planAgent(
  flags: AgentFlags,
  typed: ReadonlySet<string> = new Set(),
): Promise<AgentPlan> {
  checkTargetsNamed(flags);
  const file = flags.config === undefined ? undefined : await fromFile(flags, flags.config);
  // --vault-endpoint has no default: any given was typed, so it wins over the file's entry.
  const endpoints = new Map(Object.entries(file?.vaultEndpoints ?? {}));
  for (const entry of flags.vaultEndpoint) {
    const at = entry.indexOf("=");
    endpoints.set(entry.slice(0, at), entry.slice(at + 1));
  }
  const pick = <K extends keyof AgentFlags>(
    key: K,
    fromFile: AgentFlags[K] | undefined,
  ): AgentFlags[K] => (typed.has(key) || fromFile === undefined ? flags[key] : fromFile);
  const plan: AgentPlan = {
    classRef: flags.classRef,
    targets: file?.targets ?? [{ class: flags.class ?? "", mount: flags.mount ?? "" }],
    endpoints,
    caFile: pick("ca", file?.ca),
    webhookPort: pick("webhookPort", file?.webhookPort),
    webhookHost: pick("webhookHost", file?.webhookHost),
    pollIntervalMs: pick("rotationPollInterval", file?.rotationPollInterval),
    metricsPort: pick("metricsPort", file?.metricsPort),
    dashboard: dashboardOf(
      pick("dashboardPort", file?.dashboardPort),
      pick("dashboardHost", file?.dashboardHost),
    ),
    exec: pick("exec", file?.exec),
    signal: signalOf(pick("signal", file?.signal), pick("pidFile", file?.pidFile)),
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

function dashboardOf(port: number | undefined, host: string) {
  return port === undefined ? undefined : { port, host };
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

/**
 * Exactly one way of naming the class: --class, --class-ref (both with --mount), or --config.
 * Without --config, the class and --mount are both required: reported together, like the flags.
 */
function checkTargetsNamed(flags: AgentFlags): void {
  if (flags.classRef !== undefined) {
    const problems = [
      ...(flags.class === undefined ? [] : ["--class-ref and --class: give one of them"]),
      ...(flags.config === undefined ? [] : ["--class-ref and --config: give one of them"]),
      ...(flags.mount === undefined ? ["--mount: is required with --class-ref"] : []),
    ];
    if (problems.length > 0) throw new ConfigError(problems);
    return;
  }
  if (flags.fromSecret) throw new ConfigError(["--from-secret: only with --class-ref"]);
  if (flags.config !== undefined) return;
  const missing = [
    ...(flags.class === undefined
      ? ["--class: is required (or --class-ref <namespace/name>, or --config <file>)"]
      : []),
    ...(flags.mount === undefined ? ["--mount: is required (or --config <file>)"] : []),
  ];
  if (missing.length > 0) throw new ConfigError(missing);
}
