import { z } from "zod";
import { dataOption } from "./vault-options.js";
import { flag, httpsUrl, type OptionTable } from "./option-table.js";

/** Flags of `kvsync secret <verb>`, named as `az keyvault secret` names them. */

const isoDate = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), "must be a date such as 2030-01-31T00:00:00Z")
  .transform((s) => new Date(s));

const tags = z
  .array(z.string().regex(/^[^=]+=.*$/, "tags are key=value"))
  .transform((pairs) =>
    Object.fromEntries(pairs.map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)])),
  );

const booleanText = z.enum(["true", "false"]).transform((s) => s === "true");

export const vaultTargetOptions = {
  vault: {
    flag: "--vault <url>",
    description:
      "vault URL, e.g. https://myvault.vault.azure.net (default: the local vault in --data)",
    schema: httpsUrl.optional(),
    env: "KVSYNC_VAULT_URL",
  },
  data: dataOption,
} satisfies OptionTable;

const attributeOptions = {
  contentType: {
    flag: "--content-type <type>",
    description: "content type, e.g. text/plain",
    schema: z.string().max(255).optional(),
  },
  tags: {
    flag: "--tags <key=value...>",
    description: "tags, space-separated key=value pairs",
    schema: tags.optional(),
  },
  expires: {
    flag: "--expires <date>",
    description: "expiry (ISO 8601, UTC)",
    schema: isoDate.optional(),
  },
  notBefore: {
    flag: "--not-before <date>",
    description: "not valid before (ISO 8601, UTC)",
    schema: isoDate.optional(),
  },
} satisfies OptionTable;

export const secretSetOptions = {
  ...vaultTargetOptions,
  value: {
    flag: "--value <value>",
    description:
      "the value (visible to other local users in the process list: prefer --file or stdin)",
    schema: z.string().optional(),
  },
  file: {
    flag: "--file <path>",
    description: "read the value from this file",
    schema: z.string().optional(),
  },
  disabled: {
    flag: "--disabled",
    description: "create the version disabled",
    schema: flag,
  },
  ...attributeOptions,
} satisfies OptionTable;

export const secretShowOptions = {
  ...vaultTargetOptions,
  version: {
    flag: "--version <id>",
    description: "a version id (default: the latest)",
    schema: z.string().optional(),
  },
} satisfies OptionTable;

export const secretSetAttributesOptions = {
  ...secretShowOptions,
  enabled: {
    flag: "--enabled <true|false>",
    description: "enable or disable the version",
    schema: booleanText.optional(),
  },
  ...attributeOptions,
} satisfies OptionTable;

export const secretDeleteOptions = {
  ...vaultTargetOptions,
  wait: {
    flag: "--wait",
    description: "wait until the deletion has completed",
    schema: flag,
  },
} satisfies OptionTable;
