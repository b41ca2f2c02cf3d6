import { Command, Option } from "commander";
import { z } from "zod";

/**
 * One table per command: each entry is a CLI flag and a schema. Commander is built from the
 * table (so no flag is forgotten in --help) and its raw strings are validated by the same
 * schemas, which report every problem at once with the flag that caused it.
 */

export interface OptionSpec<S extends z.ZodType = z.ZodType> {
  /** Commander flag syntax: "--port <port>", "--purge-protection", "--tag <k=v...>". */
  flag: string;
  description: string;
  schema: S;
  /** Shown in --help and used when the flag is absent. */
  defaultValue?: unknown;
  /** Read from this environment variable when the flag is absent. */
  env?: string;
}

export type OptionTable = Record<string, OptionSpec>;

export type OptionValues<T extends OptionTable> = {
  readonly [K in keyof T]: z.output<T[K]["schema"]>;
};

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid options:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

export function addOptions(command: Command, table: OptionTable): Command {
  for (const spec of Object.values(table)) {
    const option = new Option(spec.flag, spec.description);
    if (spec.defaultValue !== undefined) option.default(spec.defaultValue);
    if (spec.env !== undefined) option.env(spec.env);
    command.addOption(option);
  }
  return command;
}

/** Validates commander's values against the table; throws ConfigError naming each flag. */
export function parseOptions<T extends OptionTable>(
  table: T,
  raw: Record<string, unknown>,
): OptionValues<T> {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, spec] of Object.entries(table)) shape[key] = spec.schema;
  const result = z.object(shape).strict().safeParse(pick(raw, table));
  if (result.success) return Object.freeze(result.data) as OptionValues<T>;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? "");
      const flag = table[key]?.flag.split(/[ ,]/)[0] ?? key;
      return `${flag}: ${issue.message}`;
    }),
  );
}

/** Commander names values after the flag (--event-ttl → eventTtl); tables may name them freely. */
function pick(raw: Record<string, unknown>, table: OptionTable): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(table)) {
    const value = raw[new Option(spec.flag).attributeName()];
    if (value !== undefined) picked[key] = value;
  }
  return picked;
}

// ---- schemas for values that arrive as strings ----------------------------------------------

export const port = z.coerce
  .number({ error: "must be a port number" })
  .int("must be a whole number")
  .min(0, "must be 0–65535")
  .max(65535, "must be 0–65535");

export const positiveInt = z.coerce
  .number({ error: "must be a number" })
  .int("must be a whole number")
  .positive("must be greater than 0");

export const flag = z.boolean().default(false);

export const httpsUrl = z.url({ protocol: /^https$/, error: "must be an https:// URL" });
