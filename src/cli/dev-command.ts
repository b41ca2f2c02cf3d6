import { Command } from "commander";
import { addOptions, vaultServeOptions } from "../config/index.js";
import { waitForShutdown } from "./process.js";
import { serveVault } from "./vault-command.js";

/**
 * `kvsync dev` (what `npm start` runs): the local stack on its embedded defaults. Today that
 * is the local vault; the agent, Event Grid, echo page and dashboard join it as they land.
 */
export function devCommand(): Command {
  const dev = new Command("dev").description(
    "run the local stack: the local vault on https://127.0.0.1:8443",
  );
  addOptions(dev, vaultServeOptions).action(async (raw: Record<string, unknown>) => {
    const vault = await serveVault(raw);
    process.stdout.write(
      [
        "kvsync dev: local stack ready (Ctrl-C stops it)",
        `  vault      ${vault.url}`,
        `  ca         ${vault.caPath}`,
        "",
        "Try next:",
        "  npx kvsync secret set secret1 --value hello",
        "  npx kvsync secret show secret1",
        `  NODE_EXTRA_CA_CERTS=${vault.caPath} node your-app.js   # any Azure SDK client, see README`,
        "",
      ].join("\n"),
    );
    await waitForShutdown(() => vault.close());
  });
  return dev;
}
