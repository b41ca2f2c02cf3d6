import { Command, CommanderError } from "commander";
import { ConfigError } from "../config/option-table.js";

/**
 * Each command's module, loaded only when that command runs: `kvsync agent` must stay small
 * (it never needs the vault's SQLite, TLS or Azure identity code), and startup stays quick.
 * Top-level help and unknown commands load them all, to describe them.
 */
const commands = new Map<string, () => Promise<Command>>([
  ["dev", async () => (await import("./dev-command.js")).devCommand()],
  ["vault", async () => (await import("./vault-command.js")).vaultCommand()],
  ["secret", async () => (await import("./secret-command.js")).secretCommand()],
  ["eventgrid", async () => (await import("./eventgrid-command.js")).eventgridCommand()],
  ["echo", async () => (await import("./echo-command.js")).echoCommand()],
  ["agent", async () => (await import("./agent-command.js")).agentCommand()],
  ["refresh", async () => (await import("./refresh-command.js")).refreshCommand()],
  ["controller", async () => (await import("./controller-command.js")).controllerCommand()],
]);

/**
 * `kvsync <command>`. Returns the process exit code: 0 on success, 1 on a failure at run time,
 * 2 on invalid flags or input (so scripts can tell "you asked wrong" from "it broke").
 */
export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command("kvsync")
    .description(
      "Keep Azure Key Vault secrets fresh in files and Kubernetes, pushed by Event Grid.",
    )
    .exitOverride()
    .showHelpAfterError("(add --help for usage)");
  const named = commands.get(argv[2] ?? "");
  const wanted = named === undefined ? [...commands.values()] : [named];
  for (const load of wanted) program.addCommand(await load());
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    return exitCodeFor(error);
  }
}

function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) {
    // --help and --version end here with code 0; usage errors were already printed.
    return error.exitCode === 0 ? 0 : 2;
  }
  if (error instanceof ConfigError) {
    process.stderr.write(`kvsync: ${error.message}\n`);
    return 2;
  }
  process.stderr.write(`kvsync: ${error instanceof Error ? error.message : String(error)}\n`);
  return 1;
}
