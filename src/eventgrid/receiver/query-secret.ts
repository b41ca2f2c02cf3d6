import { createHash, timingSafeEqual } from "node:crypto";

/**
 * The `?code=<secret>` check. Every configured secret is compared (old and new during a
 * rotation), each in constant time over SHA-256 digests so lengths leak nothing, and without an
 * early exit so the time does not tell which one matched.
 */
export function createQuerySecretCheck(secrets: readonly string[]): (code: unknown) => boolean {
  if (secrets.length === 0 || secrets.some((secret) => secret === "")) {
    throw new Error("auth.secrets must list at least one non-empty secret");
  }
  const digests = secrets.map(digest);
  return (code) => {
    if (typeof code !== "string") return false;
    const candidate = digest(code);
    let matched = false;
    for (const expected of digests) matched = timingSafeEqual(candidate, expected) || matched;
    return matched;
  };
}

const digest = (text: string): Buffer => createHash("sha256").update(text, "utf8").digest();
