import { randomBytes } from "node:crypto";

/**
 * What the secret, key and certificate tables have in common (see database.ts): an object
 * table with one row per name, keyed by the lower-cased name since Key Vault names are
 * case-insensitive, and a versions table whose highest `seq` is the object's latest version.
 * Queries over them alias the object table `o` and the versions table `v`, so that column lists
 * written by one store work in the queries built here and in the soft-delete lifecycle.
 */

export interface ObjectTables {
  objects: string;
  versions: string;
}

export interface Page<T> {
  items: T[];
  /** Cursor for the next page, absent on the last one. */
  next: string | undefined;
}

/** Key Vault version ids: 32 lower-case hex characters. */
export const newVersionId = (): string => randomBytes(16).toString("hex");

export const nameKey = (name: string): string => name.toLowerCase();

/** Each object (`o`) with its latest version (`v`). */
export const fromLatestVersion = ({ objects, versions }: ObjectTables): string => `
  FROM ${objects} o
  JOIN ${versions} v ON v.name_key = o.name_key
   AND v.seq = (SELECT MAX(seq) FROM ${versions} WHERE name_key = o.name_key)`;

/** Each object (`o`) with every one of its versions (`v`). */
export const fromAllVersions = ({ objects, versions }: ObjectTables): string =>
  `FROM ${objects} o JOIN ${versions} v ON v.name_key = o.name_key`;

/** Keyset paging: `rows` holds up to `limit + 1` rows, the extra one only to tell if more follow. */
export function pageOf<R, T>(
  rows: R[],
  limit: number,
  cursorOf: (row: R) => string,
  map: (row: R) => T,
): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items: items.map(map),
    next: rows.length > limit && last ? cursorOf(last) : undefined,
  };
}
