import type { ObjectListing } from "../keyvault/index.js";

/**
 * The cheap poll's decision: of the names we follow in one vault, which ones to read again.
 *  - Key Vault lists an `updated` time other than the one we hold: a new version.
 *  - The same `updated`, but the held version is not settled: Key Vault's times have whole
 *    seconds and its listings no version, so a second version made in the same second as the
 *    held one lists the very same time. Once that second is over, one read of "latest" settles
 *    it for good (see `settles`).
 * Names missing from the listing (deleted) are left alone: their files keep the last good content.
 */

export interface HeldListing {
  readonly updatedOn: Date | undefined;
  /** A read of "latest" that started after the version's second was over returned it. */
  readonly settled: boolean;
}

/**
 * The second of `updated`, then one more for the clock difference between this machine and Key
 * Vault: a read of "latest" that starts later has seen every version made in that second.
 */
export const SETTLE_AFTER_MS = 2_000;

export const settles = (readStartedAt: number, updatedOn: Date | undefined): boolean =>
  updatedOn !== undefined && readStartedAt >= updatedOn.getTime() + SETTLE_AFTER_MS;

export function changedObjects(
  listing: readonly ObjectListing[],
  followed: ReadonlySet<string>,
  held: (name: string) => HeldListing | undefined,
  now: number,
): string[] {
  const changed: string[] = [];
  for (const entry of listing) {
    const name = entry.name.toLowerCase();
    if (!followed.has(name) || !entry.enabled) continue;
    const known = held(name);
    const listed = entry.updatedOn?.getTime();
    if (known?.updatedOn === undefined || listed !== known.updatedOn.getTime()) {
      changed.push(name);
    } else if (!known.settled && settles(now, known.updatedOn)) {
      changed.push(name);
    }
  }
  return changed.sort();
}
