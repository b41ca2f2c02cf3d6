import { z } from "zod";

/**
 * What Key Vault's secrets, keys and certificates have in common on the wire: the attributes
 * object with its recovery fields, the fields of a deleted object, epoch-second dates and tags,
 * with the service's documented limits.
 */

export interface RecoveryPolicy {
  retentionDays: number;
  purgeProtection: boolean;
}

/** `recoveryLevel` and `recoverableDays`, as every attributes object carries them. */
export function recoveryAttributes({ retentionDays, purgeProtection }: RecoveryPolicy) {
  const base = retentionDays < 90 ? "CustomizedRecoverable" : "Recoverable";
  return {
    recoveryLevel: purgeProtection ? base : `${base}+Purgeable`,
    recoverableDays: retentionDays,
  };
}

interface VersionDates {
  enabled: boolean;
  nbf: number | undefined;
  exp: number | undefined;
  created: number;
  updated: number;
}

/** A version's `attributes`; the dates it lacks are left out, not sent as null. */
export function versionAttributes(v: VersionDates, policy: RecoveryPolicy) {
  return {
    enabled: v.enabled,
    ...(v.nbf === undefined ? {} : { nbf: v.nbf }),
    ...(v.exp === undefined ? {} : { exp: v.exp }),
    created: v.created,
    updated: v.updated,
    ...recoveryAttributes(policy),
  };
}

interface DeletedObject {
  latest: { name: string };
  deletedDate: number;
  scheduledPurgeDate: number;
}

/** What a Deleted…Bundle or Deleted…Item adds to its object's JSON. */
export function deletedFields(
  origin: string,
  collection: "deletedsecrets" | "deletedkeys" | "deletedcertificates",
  d: DeletedObject,
) {
  return {
    recoveryId: `${origin}/${collection}/${d.latest.name}`,
    deletedDate: d.deletedDate,
    scheduledPurgeDate: d.scheduledPurgeDate,
  };
}

/** Key Vault's documented tag limits: 15 tags, names and values of at most 512 characters. */
export const TAG_LIMITS = { tags: 15, tagChars: 512 } as const;

export const epochSeconds = z.number().int().nonnegative().nullable();

export const tagsSchema = z
  .record(z.string().max(TAG_LIMITS.tagChars), z.string().max(TAG_LIMITS.tagChars))
  .refine((tags) => Object.keys(tags).length <= TAG_LIMITS.tags, {
    error: `at most ${TAG_LIMITS.tags} tags are allowed`,
  });
