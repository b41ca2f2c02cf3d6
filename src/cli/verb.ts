import { Command } from "commander";
import { addOptions, parseOptions, type OptionTable, type OptionValues } from "../config/index.js";

/**
 * Adds `<verb> [<name>]` to a command group, its flags from an option table, validated before
 * `run` is called. `usage` is "set <name>" or "list".
 */
export function addVerb<T extends OptionTable>(
  parent: Command,
  usage: string,
  description: string,
  table: T,
  run: (name: string, options: OptionValues<T>) => Promise<void>,
): void {
  const [verbName = usage, ...args] = usage.split(" ");
  const command = new Command(verbName).description(description);
  for (const arg of args) command.argument(arg);
  addOptions(command, table).action(async (...received: unknown[]) => {
    // commander passes the positional arguments, then the options object, then the command
    const raw = received[received.length - 2] as Record<string, unknown>;
    await run(typeof received[0] === "string" ? received[0] : "", parseOptions(table, raw));
  });
  parent.addCommand(command);
}
