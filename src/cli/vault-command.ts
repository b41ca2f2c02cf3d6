import { Command } from "commander";
import { pino } from "pino";
import { addOptions, parseOptions, vaultServeOptions } from "../config/index.js";
import { startVault, type RunningVault } from "../vault/index.js";
import { portInUseHint, waitForShutdown } from "./process.js";

/** `kvsync vault serve`: the local Key Vault-compatible server. */
export function vaultCommand(): Command {
  const vault = new Command("vault").description("the local Key Vault-compatible server");
  const serve = new Command("serve").description(
    "serve Key Vault's secrets API over HTTPS on loopback, for the official Azure SDKs",
  );
  addOptions(serve, vaultServeOptions).action(async (raw: Record<string, unknown>) => {
    const running = await serveVault(raw);
    printReady(running);
    await waitForShutdown(() => running.close());
  });
  return vault.addCommand(serve);
}

export async function serveVault(raw: Record<string, unknown>): Promise<RunningVault> {
  const options = parseOptions(vaultServeOptions, raw);
  if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) {
    throw new Error(
      "--tls-cert and --tls-key go together: give both, or neither to use a local CA",
    );
  }
  try {
    return await startVault({
      ...options,
      dataDir: options.data,
      tlsHostnames: options.tlsHostname,
      tls:
        options.tlsCert !== undefined && options.tlsKey !== undefined
          ? { certFile: options.tlsCert, keyFile: options.tlsKey, caFile: options.tlsCa }
          : undefined,
      eventGrid: {
        retryScale: options.eventgridRetryScale,
        publishDelayMs: options.eventgridPublishDelay,
      },
      logger: pino({ name: "vault", level: options.logLevel }, pino.destination(2)),
    });
  } catch (error) {
    throw portInUseHint(error, "--port", options.port);
  }
}

function printReady(vault: RunningVault): void {
  process.stdout.write(
    [
      `kvsync local vault ready`,
      `  vault URL   ${vault.url}`,
      `  trust CA    export NODE_EXTRA_CA_CERTS=${vault.caPath}`,
      `  tenant      ${vault.tenantId}`,
      `  try         npx kvsync secret set secret1 --value hello`,
      "",
    ].join("\n"),
  );
}
