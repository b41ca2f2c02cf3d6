import { z } from "zod";
import type { KeyType } from "../key-material.js";
import type { DeletedKey, KeyVersion } from "../store/index.js";
import {
  deletedFields,
  epochSeconds,
  tagsSchema,
  versionAttributes,
  type RecoveryPolicy,
} from "./object-wire.js";

/**
 * Key Vault's JSON for keys (KeyBundle with its JsonWebKey, KeyItem, DeletedKeyBundle,
 * DeletedKeyItem) and the request bodies of create, import and update, with the REST spec's
 * snake_case names (`key_ops`, `key_size`, `crv`) and its odd `Hsm`. Only public key parts ever
 * leave: n and e for RSA, crv, x and y for EC.
 */

function attributes(v: KeyVersion, policy: RecoveryPolicy) {
  return { ...versionAttributes(v, policy), exportable: v.exportable };
}

const keyUrl = (origin: string, v: KeyVersion, withVersion: boolean): string =>
  `${origin}/keys/${v.name}${withVersion ? `/${v.version}` : ""}`;

/** The JsonWebKey of a bundle: its `kid` always names the version. */
function jsonWebKey(origin: string, v: KeyVersion) {
  return { kid: keyUrl(origin, v, true), kty: v.kty, key_ops: v.keyOps, ...v.publicJwk };
}

const managed = (v: KeyVersion) => (v.managed ? { managed: true } : {});

export function keyBundle(origin: string, v: KeyVersion, policy: RecoveryPolicy) {
  return {
    key: jsonWebKey(origin, v),
    attributes: attributes(v, policy),
    tags: v.tags,
    ...managed(v),
  };
}

/** KeyItem in `GET /keys` (kid without version) and `/versions` (with): `kid`, never `id`. */
export function keyItem(
  origin: string,
  v: KeyVersion,
  policy: RecoveryPolicy,
  withVersion: boolean,
) {
  return {
    kid: keyUrl(origin, v, withVersion),
    attributes: attributes(v, policy),
    tags: v.tags,
    ...managed(v),
  };
}

export function deletedKeyBundle(origin: string, d: DeletedKey, policy: RecoveryPolicy) {
  return { ...keyBundle(origin, d.latest, policy), ...deletedFields(origin, "deletedkeys", d) };
}

export function deletedKeyItem(origin: string, d: DeletedKey, policy: RecoveryPolicy) {
  return {
    ...keyItem(origin, d.latest, policy, false),
    ...deletedFields(origin, "deletedkeys", d),
  };
}

// ---- request bodies -------------------------------------------------------------------------

export const KEY_OPERATIONS = [
  "encrypt",
  "decrypt",
  "sign",
  "verify",
  "wrapKey",
  "unwrapKey",
  "import",
  "export",
] as const;

/** What Key Vault gives a key when the request names no operations. */
export const DEFAULT_KEY_OPS: Record<KeyType, readonly string[]> = {
  RSA: ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"],
  EC: ["sign", "verify"],
};

const keyOpsSchema = z
  .array(z.enum(KEY_OPERATIONS, { error: `key_ops are ${KEY_OPERATIONS.join(", ")}` }))
  .max(KEY_OPERATIONS.length * 2)
  .transform((ops) => [...new Set(ops)]);

const keyAttributesSchema = z.object({
  enabled: z.boolean().optional(),
  nbf: epochSeconds.optional(),
  exp: epochSeconds.optional(),
  exportable: z.boolean().optional(),
});

/** Key parts: base64url (padding tolerated), at most an 8192-bit number's worth. */
const keyPart = z
  .string()
  .max(2048)
  .regex(/^[A-Za-z0-9_-]*={0,2}$/, { error: "must be base64url" });

const ktySchema = z.string({ error: "kty is required and must be a string" }).max(32);
const crvSchema = z.string().max(32);

const jsonWebKeySchema = z.object(
  {
    kid: z.string().max(2048).optional(),
    kty: ktySchema,
    key_ops: keyOpsSchema.optional(),
    n: keyPart.optional(),
    e: keyPart.optional(),
    d: keyPart.optional(),
    dp: keyPart.optional(),
    dq: keyPart.optional(),
    qi: keyPart.optional(),
    p: keyPart.optional(),
    q: keyPart.optional(),
    k: keyPart.optional(),
    key_hsm: keyPart.optional(),
    crv: crvSchema.optional(),
    x: keyPart.optional(),
    y: keyPart.optional(),
  },
  { error: "key (a JsonWebKey object) is required" },
);

export const createKeyBody = z.object({
  kty: ktySchema,
  key_size: z.number().int().optional(),
  // Accepted and ignored, as Key Vault does for software keys: they always use 65537.
  public_exponent: z.number().int().positive().optional(),
  key_ops: keyOpsSchema.optional(),
  attributes: keyAttributesSchema.optional(),
  tags: tagsSchema.optional(),
  crv: crvSchema.optional(),
  release_policy: z.unknown().optional(),
});

export const importKeyBody = z.object({
  Hsm: z.boolean().optional(),
  key: jsonWebKeySchema,
  attributes: keyAttributesSchema.optional(),
  tags: tagsSchema.optional(),
  release_policy: z.unknown().optional(),
});

export const updateKeyBody = z.object({
  key_ops: keyOpsSchema.optional(),
  attributes: keyAttributesSchema.optional(),
  tags: tagsSchema.optional(),
  release_policy: z.unknown().optional(),
});
