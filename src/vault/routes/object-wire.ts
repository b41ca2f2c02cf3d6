import { z } from "zod";

/**
 * What Key Vault's secrets and keys have in common on the wire: the recovery fields of every
 * attributes object, epoch-second dates and tags, with the service's documented limits.
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

/** Key Vault's documented tag limits: 15 tags, names and values of at most 512 characters. */
export const TAG_LIMITS = { tags: 15, tagChars: 512 } as const;

export const epochSeconds = z.number().int().nonnegative().nullable();

export const tagsSchema = z
  .record(z.string().max(TAG_LIMITS.tagChars), z.string().max(TAG_LIMITS.tagChars))
  .refine((tags) => Object.keys(tags).length <= TAG_LIMITS.tags, {
    error: `at most ${TAG_LIMITS.tags} tags are allowed`,
  });
