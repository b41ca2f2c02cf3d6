import { Command, CommanderError } from "commander";
import { ConfigError } from "../config/index.js";
import { agentCommand } from "./agent-command.js";
import { devCommand } from "./dev-command.js";
import { echoCommand } from "./echo-command.js";
import { eventgridCommand } from "./eventgrid-command.js";
import { refreshCommand } from "./refresh-command.js";
import { secretCommand } from "./secret-command.js";
import { vaultCommand } from "./vault-command.js";

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
    .showHelpAfterError("(add --help for usage)")
    .addCommand(devCommand())
    .addCommand(vaultCommand())
    .addCommand(secretCommand())
    .addCommand(eventgridCommand())
    .addCommand(echoCommand())
    .addCommand(agentCommand())
    .addCommand(refreshCommand());
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
