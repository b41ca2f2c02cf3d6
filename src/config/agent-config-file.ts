import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { duration, signalName } from "./agent-options.js";
import { ConfigError, port } from "./option-table.js";

/**
 * `kvsync agent --config <file>`: one agent serving many targets. The top-level keys mirror the
 * flags of the same name (only the simple ones); paths are relative to the file's folder, so a
 * config and its classes can move together.
 *
 *   targets:
 *     - { class: classes/web.yaml, mount: /mnt/web }
 *     - { class: classes/api.yaml, mount: /mnt/api }
 *   vaultEndpoints: { demo: https://127.0.0.1:8443 }
 *   rotationPollInterval: 30s
 */

const target = z.strictObject({
  class: z.string({ error: "is required" }).min(1, "is required"),
  mount: z.string({ error: "is required" }).min(1, "is required"),
});

const schema = z.strictObject({
  targets: z.array(target, { error: "is required" }).min(1, "must list at least one target"),
  vaultEndpoints: z
    .record(
      z.string().regex(/^[A-Za-z0-9-]{3,24}$/, "must be a vault name"),
      z.string().regex(/^https:\/\/\S+$/, "must be https://<host>[:port]"),
    )
    .optional(),
  ca: z.string().min(1).optional(),
  rotationPollInterval: duration.optional(),
  webhookPort: port.optional(),
  webhookHost: z.string().min(1).optional(),
  metricsPort: port.optional(),
  dashboardPort: port.optional(),
  dashboardHost: z.string().min(1).optional(),
  exec: z.string().min(1).optional(),
  signal: signalName.optional(),
  pidFile: z.string().min(1).optional(),
});

export type AgentConfigFile = z.output<typeof schema>;

/** Reads, validates (every problem with its path) and resolves the paths of a config file. */
export async function loadAgentConfigFile(file: string): Promise<AgentConfigFile> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new ConfigError([`--config: cannot read ${file}`]);
  }
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    throw new ConfigError([`${file}: not YAML: ${(error as Error).message.split("\n")[0] ?? ""}`]);
  }
  const result = schema.safeParse(data ?? {});
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        // A bad record key says only "Invalid key in record"; its own issue says why.
        const why =
          issue.code === "invalid_key"
            ? issue.issues.map((i) => i.message).join("; ")
            : issue.message;
        return `${file}: ${pathOf(issue.path)}${why}`;
      }),
    );
  }
  const at = (path: string) => resolve(dirname(file), path);
  const config = result.data;
  return {
    ...config,
    targets: config.targets.map((t) => ({ class: at(t.class), mount: at(t.mount) })),
    ...(config.ca === undefined ? {} : { ca: at(config.ca) }),
    ...(config.pidFile === undefined ? {} : { pidFile: at(config.pidFile) }),
  };
}

/** `["targets", 1, "mount"]` → `targets[1].mount: `; "" for the file as a whole. */
function pathOf(path: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out === "" ? String(segment) : `.${String(segment)}`;
  }
  return out === "" ? "" : `${out}: `;
}
