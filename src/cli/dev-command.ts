import { Command } from "commander";
import { addOptions, devOptions, parseOptions } from "../config/index.js";
import { startEcho, type RunningEcho } from "../echo/index.js";
import { portInUseHint, waitForShutdown } from "./process.js";
import { serveVault } from "./vault-command.js";

/**
 * `kvsync dev` (what `npm start` runs): the local stack on its embedded defaults, one Ctrl-C
 * stops it all. Today: the local vault and the echo page, subscribed to the vault's events so
 * every rotation shows up there; the agent and the dashboard join as they land.
 */
export function devCommand(): Command {
  const dev = new Command("dev").description(
    "run the local stack: the local vault (https://127.0.0.1:8443) and the echo page (http://127.0.0.1:8081)",
  );
  addOptions(dev, devOptions).action(async (raw: Record<string, unknown>) => {
    const options = parseOptions(devOptions, raw);
    const vault = await serveVault(raw);
    let echo: RunningEcho | undefined;
    try {
      if (options.echo) {
        echo = await startEcho({ port: options.echoPort, host: options.host }).catch(
          (error: unknown) => {
            throw portInUseHint(error, "--echo-port", options.echoPort);
          },
        );
        await subscribeEcho(vault, echo.url);
      }
    } catch (error) {
      await vault.close();
      throw error;
    }
    process.stdout.write(
      [
        "kvsync dev: local stack ready (Ctrl-C stops it)",
        `  vault      ${vault.url}`,
        ...(echo ? [`  echo       ${echo.url}   (every Event Grid delivery, live)`] : []),
        `  ca         ${vault.caPath}`,
        "",
        "Try next:",
        "  npx kvsync secret set secret1 --value hello",
        "  npx kvsync secret show secret1",
        `  NODE_EXTRA_CA_CERTS=${vault.caPath} node your-app.js   # any Azure SDK client, see README`,
        "",
      ].join("\n"),
    );
    await waitForShutdown(async () => {
      await echo?.close();
      await vault.close();
    });
  });
  return dev;
}

async function subscribeEcho(
  vault: Awaited<ReturnType<typeof serveVault>>,
  echoUrl: string,
): Promise<void> {
  const outcome = await vault.eventGrid.putSubscription("echo", {
    properties: {
      destination: {
        endpointType: "WebHook",
        properties: { endpointUrl: `${echoUrl}/api/events` },
      },
      eventDeliverySchema: "CloudEventSchemaV1_0",
    },
  });
  if (!outcome.ok) throw new Error(`could not subscribe the echo page: ${outcome.reason}`);
}
