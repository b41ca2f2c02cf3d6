import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { z } from "zod";
import { SecretValue } from "../../util/secret-value.js";
import type { SecretVersion } from "./secret-store.js";

/**
 * Backup blobs, opaque to clients as in Key Vault: the secret's versions as JSON, sealed with
 * AES-256-GCM under this vault's own backup key, then base64url. Like a real backup it restores
 * only into the vault that made it, and it never holds a value in the clear.
 */

const FORMAT = "kvsync-secret-backup/1";
const IV_BYTES = 12;
const TAG_BYTES = 16;

const versionSchema = z.object({
  name: z.string(),
  version: z.string(),
  value: z.string(),
  contentType: z.string().optional(),
  tags: z.record(z.string(), z.string()),
  enabled: z.boolean(),
  nbf: z.number().optional(),
  exp: z.number().optional(),
  created: z.number(),
  updated: z.number(),
  kid: z.string().optional(),
  managed: z.boolean(),
});
const backupSchema = z.object({
  format: z.literal(FORMAT),
  versions: z.array(versionSchema).min(1),
});

export function sealBackup(key: Buffer, versions: readonly SecretVersion[]): string {
  const plain = JSON.stringify({
    format: FORMAT,
    versions: versions.map((v) => ({ ...v, value: v.value.reveal() })),
  });
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const sealed = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString("base64url");
}

/** The versions in a blob, or undefined if it is not a backup this vault made. */
export function openBackup(key: Buffer, blob: string): SecretVersion[] | undefined {
  const raw = Buffer.from(blob, "base64url");
  if (raw.length <= IV_BYTES + TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, IV_BYTES));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    const plain = Buffer.concat([
      decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)),
      decipher.final(),
    ]).toString("utf8");
    const parsed = backupSchema.safeParse(JSON.parse(plain));
    if (!parsed.success) return undefined;
    return parsed.data.versions.map((v) => ({
      ...v,
      value: new SecretValue(v.value),
      contentType: v.contentType,
      nbf: v.nbf,
      exp: v.exp,
      kid: v.kid,
    }));
  } catch {
    return undefined; // wrong key, tampered or truncated: all mean "not a backup of ours"
  }
}
