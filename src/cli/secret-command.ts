import { readFile } from "node:fs/promises";
import type { SecretClient, SecretProperties } from "@azure/keyvault-secrets";
import { Command } from "commander";
import {
  ConfigError,
  secretDeleteOptions,
  secretSetAttributesOptions,
  secretSetOptions,
  secretShowOptions,
  vaultTargetOptions,
  type OptionTable,
  type OptionValues,
} from "../config/index.js";
import { azureSecretClient, localSecretClient, readLocalEndpoint } from "../keyvault/index.js";
import { printJson, printLine } from "./output.js";
import { addVerb } from "./verb.js";

/**
 * `kvsync secret <verb>`: the verbs of `az keyvault secret`, against the local vault by default
 * or any Key Vault with --vault. Output is JSON like az's, except `set`, which prints just the
 * new version id so scripts can capture it.
 */
export function secretCommand(): Command {
  const secret = new Command("secret").description("manage secrets in a vault (local by default)");
  verb(
    secret,
    "set <name>",
    "add a new version of a secret and print its version id",
    secretSetOptions,
    async (client, name, o) => {
      const value = await readValue(o);
      const result = await client.setSecret(name, value, {
        enabled: !o.disabled,
        ...(o.contentType === undefined ? {} : { contentType: o.contentType }),
        ...(o.tags === undefined ? {} : { tags: o.tags }),
        ...(o.expires === undefined ? {} : { expiresOn: o.expires }),
        ...(o.notBefore === undefined ? {} : { notBefore: o.notBefore }),
      });
      printLine(result.properties.version ?? "");
    },
  );
  verb(
    secret,
    "show <name>",
    "print a secret version, value included",
    secretShowOptions,
    async (client, name, o) => {
      const result = await client.getSecret(
        name,
        o.version === undefined ? {} : { version: o.version },
      );
      printJson({ value: result.value, ...describe(result.properties) });
    },
  );
  verb(
    secret,
    "list",
    "list secrets (latest version of each, no values)",
    vaultTargetOptions,
    async (client) => {
      const all: object[] = [];
      for await (const properties of client.listPropertiesOfSecrets())
        all.push(describe(properties));
      printJson(all);
    },
  );
  verb(
    secret,
    "list-versions <name>",
    "list the versions of a secret, oldest first",
    vaultTargetOptions,
    async (client, name) => {
      const all: object[] = [];
      for await (const p of client.listPropertiesOfSecretVersions(name)) all.push(describe(p));
      printJson(all);
    },
  );
  verb(
    secret,
    "set-attributes <name>",
    "change a version's enabled flag, dates, content type or tags",
    secretSetAttributesOptions,
    async (client, name, o) => {
      const properties = await client.updateSecretProperties(name, o.version ?? "", {
        ...(o.enabled === undefined ? {} : { enabled: o.enabled }),
        ...(o.contentType === undefined ? {} : { contentType: o.contentType }),
        ...(o.tags === undefined ? {} : { tags: o.tags }),
        ...(o.expires === undefined ? {} : { expiresOn: o.expires }),
        ...(o.notBefore === undefined ? {} : { notBefore: o.notBefore }),
      });
      printJson(describe(properties));
    },
  );
  verb(
    secret,
    "delete <name>",
    "delete a secret and all its versions (recoverable)",
    secretDeleteOptions,
    async (client, name, o) => {
      const poller = await client.beginDeleteSecret(name, { intervalInMs: 250 });
      const deleted = o.wait ? await poller.pollUntilDone() : poller.getResult();
      printJson(
        deleted
          ? {
              ...describe(deleted.properties),
              recoveryId: deleted.recoveryId,
              scheduledPurgeDate: deleted.scheduledPurgeDate,
            }
          : { name, deleting: true },
      );
    },
  );
  verb(
    secret,
    "recover <name>",
    "recover a deleted secret",
    vaultTargetOptions,
    async (client, name) => {
      const poller = await client.beginRecoverDeletedSecret(name, { intervalInMs: 250 });
      printJson(describe(await poller.pollUntilDone()));
    },
  );
  verb(
    secret,
    "purge <name>",
    "permanently delete a deleted secret",
    vaultTargetOptions,
    async (client, name) => {
      await client.purgeDeletedSecret(name);
      printJson({ name, purged: true });
    },
  );
  return secret;
}

function verb<T extends OptionTable>(
  parent: Command,
  usage: string,
  description: string,
  table: T,
  run: (client: SecretClient, name: string, options: OptionValues<T>) => Promise<void>,
): void {
  addVerb(parent, usage, description, table, async (name, options) => {
    const target = options as OptionValues<typeof vaultTargetOptions>;
    await run(await clientFor(target), name, options);
  });
}

async function clientFor(options: OptionValues<typeof vaultTargetOptions>): Promise<SecretClient> {
  if (options.vault !== undefined) return azureSecretClient(options.vault);
  return localSecretClient(await readLocalEndpoint(options.data));
}

async function readValue(o: OptionValues<typeof secretSetOptions>): Promise<string> {
  if (o.value !== undefined && o.file !== undefined) {
    throw new ConfigError(["--value, --file: give one of them, not both"]);
  }
  if (o.value !== undefined) return o.value;
  if (o.file !== undefined) return readFile(o.file, "utf8");
  if (process.stdin.isTTY) {
    throw new ConfigError(["--value: give the value with --value, --file, or on standard input"]);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function describe(p: SecretProperties) {
  return {
    id: p.id,
    name: p.name,
    version: p.version,
    enabled: p.enabled,
    contentType: p.contentType,
    tags: p.tags,
    notBefore: p.notBefore,
    expiresOn: p.expiresOn,
    createdOn: p.createdOn,
    updatedOn: p.updatedOn,
    managed: p.managed,
    recoveryLevel: p.recoveryLevel,
  };
}
