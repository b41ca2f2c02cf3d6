/**
 * Never roll back: whether a version we just learned of replaces the one held as latest. Key
 * Vault's `created` has one-second resolution, so two versions made in the same second compare
 * equal; that is a "tie", which only Key Vault's own "latest" can settle.
 */

export interface VersionStamp {
  readonly version: string;
  readonly createdOn: Date | undefined;
}

export type Ordering = "newer" | "older" | "same" | "tie";

export function compareToHeld(candidate: VersionStamp, held: VersionStamp | undefined): Ordering {
  if (held === undefined) return "newer";
  if (candidate.version === held.version) return "same";
  const a = candidate.createdOn?.getTime();
  const b = held.createdOn?.getTime();
  if (a === undefined || b === undefined || a === b) return "tie";
  return a > b ? "newer" : "older";
}
