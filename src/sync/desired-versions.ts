import type { VersionProperties } from "../keyvault/index.js";

/** Pure decisions about which versions a target should hold. */

/**
 * objectVersionHistory (reference §3): enabled versions, newest first by created time, starting
 * at the pinned version when there is one, at most `count`. Ties keep Key Vault's listing order
 * reversed (later listed = newer), which is the best the one-second `created` allows.
 */
export function selectHistory(
  versions: readonly VersionProperties[],
  count: number,
  pinned: string | undefined,
): string[] {
  const enabled = versions
    .map((v, index) => ({ v, index }))
    .filter(({ v }) => v.enabled)
    .sort(
      (a, b) =>
        (b.v.createdOn?.getTime() ?? 0) - (a.v.createdOn?.getTime() ?? 0) || b.index - a.index,
    )
    .map(({ v }) => v.version);
  const start = pinned === undefined ? 0 : enabled.indexOf(pinned);
  if (start < 0) return [];
  return enabled.slice(start, start + Math.max(1, count));
}

/** Versions per object, in the class's object order. */
export type DesiredVersions = readonly (readonly string[])[];

export function sameVersions(a: DesiredVersions, b: DesiredVersions | undefined): boolean {
  if (b === undefined || a.length !== b.length) return false;
  return a.every((versions, i) => {
    const other = b[i];
    return (
      other !== undefined &&
      versions.length === other.length &&
      versions.every((v, j) => v === other[j])
    );
  });
}
