import { join, relative } from "node:path";
import { Command } from "commander";
import { pino } from "pino";
import {
  ConfigError,
  DEFAULT_VAULT_DATA,
  devOptions,
  addOptions,
  parseOptions,
} from "../config/index.js";
import { startDevStack, type DevStack } from "../dev/dev-stack.js";
import { loadSecretProviderClass, SpcError } from "../spc/index.js";
import { packageRoot } from "../util/package-root.js";
import type { RunningVault } from "../vault/index.js";
import { waitForShutdown } from "./process.js";
import { serveVault } from "./vault-command.js";

/**
 * `kvsync dev` (what `npm start` runs): the whole loop on one machine, one Ctrl-C stops it all.
 * The local vault (seeded on first start), the agent syncing the example class into a folder,
 * the live dashboard, the echo page, and the vault's Event Grid subscriptions to both.
 */
export function devCommand(): Command {
  const dev = new Command("dev").description(
    "run the whole loop locally: vault, Event Grid, agent, dashboard (http://127.0.0.1:8080) and echo page",
  );
  addOptions(dev, devOptions).action(async (raw: Record<string, unknown>) => {
    const started = performance.now();
    const options = parseOptions(devOptions, raw);
    const root = await packageRoot();
    const spc = await loadClass(
      options.class ?? join(root, "examples", "secretproviderclass.yaml"),
    );
    const vault = await serveVault(raw);
    let stack: DevStack;
    try {
      stack = await startDevStack({
        vault,
        spc,
        mountDir: options.mount,
        seedFile: options.seed ?? join(root, "examples", "dev-secrets.yaml"),
        host: options.host,
        agentPort: options.agentPort,
        dashboardPort: options.dashboardPort,
        echoPort: options.echo ? options.echoPort : undefined,
        logger: pino({ name: "dev", level: options.logLevel }, pino.destination(2)),
      });
    } catch (error) {
      await vault.close();
      throw error;
    }
    printReady(vault, stack, options, performance.now() - started);
    await waitForShutdown(async () => {
      await stack.close();
      await vault.close();
    });
  });
  return dev;
}

async function loadClass(file: string) {
  try {
    return await loadSecretProviderClass(file);
  } catch (error) {
    if (error instanceof SpcError) throw new ConfigError([error.message]);
    throw error;
  }
}

function printReady(
  vault: RunningVault,
  stack: DevStack,
  options: { data: string; mount: string },
  elapsedMs: number,
): void {
  const dataFlag = options.data === DEFAULT_VAULT_DATA ? "" : ` --data ${options.data}`;
  const mount = relative(process.cwd(), options.mount) || ".";
  const name = vault.vaultName;
  process.stdout.write(
    [
      `kvsync dev: ready in ${(elapsedMs / 1000).toFixed(1)} s (Ctrl-C stops it all)`,
      `  dashboard  ${stack.dashboardUrl}`,
      `  vault      ${vault.url}   (Key Vault "${name}", any Azure SDK: see README)`,
      `  agent      ${stack.agent.url}/api/events   (Event Grid webhook)`,
      ...(stack.echo ? [`  echo       ${stack.echo.url}   (every Event Grid delivery)`] : []),
      `  mount      ${mount}`,
      ...(stack.seeded.length > 0 ? [`  seeded     ${stack.seeded.join(", ")}`] : []),
      "",
      "Try next:",
      `  npx kvsync secret set secret1 --value "$(date +%T)"${dataFlag}`,
      `  watch cat ${join(mount, "secret1")}`,
      "",
    ].join("\n"),
  );
}
