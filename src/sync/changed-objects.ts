import type { ObjectListing } from "../keyvault/index.js";

/**
 * The cheap poll's decision: of the names we follow in one vault, which ones Key Vault lists
 * with an `updated` time other than the one we hold. Names missing from the listing (deleted)
 * are left alone: their files keep the last good content.
 */
export function changedObjects(
  listing: readonly ObjectListing[],
  followed: ReadonlySet<string>,
  heldUpdatedOn: (name: string) => Date | undefined,
): string[] {
  const changed: string[] = [];
  for (const entry of listing) {
    const name = entry.name.toLowerCase();
    if (!followed.has(name) || !entry.enabled) continue;
    const held = heldUpdatedOn(name);
    if (held === undefined || entry.updatedOn?.getTime() !== held.getTime()) changed.push(name);
  }
  return changed.sort();
}
