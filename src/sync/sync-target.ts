import type { ObjectType } from "../keyvault/index.js";
import type { SecretProviderClass, SpcObject } from "../spc/index.js";

/** A class and the folder its files go to; the unit that one sync makes consistent. */
export interface SyncTargetSpec {
  readonly spc: SecretProviderClass;
  readonly mountDir: string;
}

/** Whether the object follows Key Vault's latest (and so is refreshed by events and polls). */
export const followsLatest = (object: SpcObject): boolean =>
  object.objectVersion === undefined || object.versionHistory > 1;

/** One listing the poll makes: a vault's objects of one type, and the names followed in it. */
export interface FollowedListing {
  readonly vault: string;
  readonly type: ObjectType;
  /** Lower-cased object names. */
  readonly names: ReadonlySet<string>;
}

/** The listings that cover every followed object of the classes: one per (vault, type). */
export function followedListings(
  classes: readonly { spc: SecretProviderClass }[],
): FollowedListing[] {
  const listings = new Map<string, { vault: string; type: ObjectType; names: Set<string> }>();
  for (const { spc } of classes) {
    for (const object of spc.objects) {
      if (!followsLatest(object)) continue;
      const id = `${spc.keyvaultName.toLowerCase()}/${object.objectType}`;
      let listing = listings.get(id);
      if (listing === undefined) {
        listing = { vault: spc.keyvaultName, type: object.objectType, names: new Set() };
        listings.set(id, listing);
      }
      listing.names.add(object.objectName.toLowerCase());
    }
  }
  return [...listings.values()];
}
