import { z } from "zod";
import type { DeletedSecret, SecretVersion } from "../store/index.js";
import { SecretValue } from "../../util/secret-value.js";
import {
  deletedFields,
  epochSeconds,
  TAG_LIMITS,
  tagsSchema,
  versionAttributes,
  type RecoveryPolicy,
} from "./object-wire.js";

export type { RecoveryPolicy } from "./object-wire.js";

/**
 * Key Vault's JSON for secrets (SecretBundle, SecretItem, DeletedSecretBundle) and the request
 * bodies it accepts. Field names and shapes follow the REST spec, since the SDK reads them as is.
 */

const secretUrl = (origin: string, v: SecretVersion, withVersion: boolean): string =>
  `${origin}/secrets/${v.name}${withVersion ? `/${v.version}` : ""}`;

function common(v: SecretVersion, policy: RecoveryPolicy) {
  return {
    ...(v.contentType === undefined ? {} : { contentType: v.contentType }),
    attributes: versionAttributes(v, policy),
    tags: v.tags,
    ...(v.kid === undefined ? {} : { kid: v.kid }),
    ...(v.managed ? { managed: true } : {}),
  };
}

/** SecretBundle; the value only where Key Vault returns it (set and get, not update). */
export function secretBundle(
  origin: string,
  v: SecretVersion,
  policy: RecoveryPolicy,
  withValue: boolean,
) {
  return {
    ...(withValue ? { value: v.value.reveal() } : {}),
    id: secretUrl(origin, v, true),
    ...common(v, policy),
  };
}

/** SecretItem in `GET /secrets` (id without version) and `/versions` (with). */
export function secretItem(
  origin: string,
  v: SecretVersion,
  policy: RecoveryPolicy,
  withVersion: boolean,
) {
  return { id: secretUrl(origin, v, withVersion), ...common(v, policy) };
}

export function deletedSecretBundle(origin: string, d: DeletedSecret, policy: RecoveryPolicy) {
  return {
    ...secretBundle(origin, d.latest, policy, false),
    ...deletedFields(origin, "deletedsecrets", d),
  };
}

export function deletedSecretItem(origin: string, d: DeletedSecret, policy: RecoveryPolicy) {
  return {
    ...secretItem(origin, d.latest, policy, false),
    ...deletedFields(origin, "deletedsecrets", d),
  };
}

// ---- request bodies -------------------------------------------------------------------------

/** Key Vault's documented limits: 25 KB values, 255-char content types, 15 tags of ≤ 512 chars. */
export const LIMITS = {
  valueBytes: 25 * 1024,
  contentTypeChars: 255,
  ...TAG_LIMITS,
} as const;

const attributesSchema = z.object({
  enabled: z.boolean().optional(),
  nbf: epochSeconds.optional(),
  exp: epochSeconds.optional(),
});

export const setSecretBody = z.object({
  value: z
    .string({ error: "value is required and must be a string" })
    .refine((v) => Buffer.byteLength(v, "utf8") <= LIMITS.valueBytes, {
      error: `the value exceeds the maximum of ${LIMITS.valueBytes} bytes`,
    })
    .transform((v) => new SecretValue(v)),
  contentType: z.string().max(LIMITS.contentTypeChars).optional(),
  tags: tagsSchema.optional(),
  attributes: attributesSchema.optional(),
});

export const updateSecretBody = z.object({
  contentType: z.string().max(LIMITS.contentTypeChars).optional(),
  tags: tagsSchema.optional(),
  attributes: attributesSchema.optional(),
});

export const restoreSecretBody = z.object({
  value: z.string({ error: "value (the backup blob) is required" }).min(1),
});
