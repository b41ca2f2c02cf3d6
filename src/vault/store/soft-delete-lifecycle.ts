import type Database from "better-sqlite3";
import {
  fromLatestVersion,
  nameKey,
  pageOf,
  type ObjectTables,
  type Page,
} from "./object-table.js";

/**
 * Key Vault's soft delete, the same for secrets, keys and certificates: a deleted object keeps
 * its name and every version, and can be recovered, until it is purged by hand or by itself once
 * its retention has passed. The object table's `deleted_date` and `scheduled_purge_date` are
 * null while it is active; purging deletes its row and the versions go with it (ON DELETE
 * CASCADE).
 */

export interface DeletedObjectRow {
  name_key: string;
  deleted_date: number;
  scheduled_purge_date: number;
}

/** Objects that are deleted, recovered and purged with this one: a certificate's key and secret. */
export interface Dependents {
  markDeleted(name: string): void;
  recover(name: string): void;
  purge(name: string): void;
}

export interface SoftDeleteOptions<Row extends DeletedObjectRow, Deleted> {
  tables: ObjectTables;
  /** The columns `toDeleted` reads besides name_key and the dates, in terms of `o` and `v`. */
  columns: string;
  toDeleted: (row: Row) => Deleted;
  /** Read on each use, as the store reads its own options. */
  storeOptions: { now: () => number; retentionDays: number };
  dependents?: Dependents | undefined;
}

export interface SoftDeleteLifecycle<Deleted> {
  /** Undefined if the name never existed or was purged. */
  state(name: string): "active" | "deleted" | undefined;
  /** Undefined unless the object is active. */
  softDelete(name: string): Deleted | undefined;
  getDeleted(name: string): Deleted | undefined;
  listDeleted(after: string | undefined, limit: number): Page<Deleted>;
  /** False unless the object is deleted. */
  recover(name: string): boolean;
  /** False unless the object is deleted. */
  purge(name: string): boolean;
  purgeExpired(): void;
}

export function softDeleteLifecycle<Row extends DeletedObjectRow, Deleted>(
  db: Database.Database,
  { tables, columns, toDeleted, storeOptions, dependents }: SoftDeleteOptions<Row, Deleted>,
): SoftDeleteLifecycle<Deleted> {
  const { objects } = tables;
  const deletedRows = `SELECT o.name_key, o.deleted_date, o.scheduled_purge_date, ${columns}
    ${fromLatestVersion(tables)}`;
  const sql = {
    dates: db.prepare<
      [string],
      { deleted_date: number | null; scheduled_purge_date: number | null }
    >(`SELECT deleted_date, scheduled_purge_date FROM ${objects} WHERE name_key = ?`),
    markDeleted: db.prepare(
      `UPDATE ${objects} SET deleted_date = ?, scheduled_purge_date = ? WHERE name_key = ?`,
    ),
    deleted: db.prepare<[string], Row>(
      `${deletedRows} WHERE o.name_key = ? AND o.deleted_date IS NOT NULL`,
    ),
    listDeleted: db.prepare<[string, number], Row>(
      `${deletedRows} WHERE o.deleted_date IS NOT NULL AND o.name_key > ? ORDER BY o.name_key LIMIT ?`,
    ),
    recover: db.prepare(
      `UPDATE ${objects} SET deleted_date = NULL, scheduled_purge_date = NULL WHERE name_key = ?`,
    ),
    purge: db.prepare(`DELETE FROM ${objects} WHERE name_key = ?`),
    purgeExpired: db.prepare(
      `DELETE FROM ${objects} WHERE deleted_date IS NOT NULL AND scheduled_purge_date <= ?`,
    ),
    expired: db.prepare<[number], { name: string }>(
      `SELECT name FROM ${objects} WHERE deleted_date IS NOT NULL AND scheduled_purge_date <= ?`,
    ),
  };

  // A single statement needs no transaction of its own, but wrapping it in one lets the
  // dependents' changes share it; nested in a caller's transaction it becomes a savepoint.
  const purgeNow = db.transaction((name: string): void => {
    sql.purge.run(nameKey(name));
    dependents?.purge(name);
  });
  const markDeleted = db.transaction((name: string): void => {
    const now = storeOptions.now();
    sql.markDeleted.run(now, now + storeOptions.retentionDays * 86_400, nameKey(name));
    dependents?.markDeleted(name);
  });
  const recover = db.transaction((name: string): void => {
    sql.recover.run(nameKey(name));
    dependents?.recover(name);
  });

  const purgeExpired = (): void => {
    // One statement, unless each purge must reach the dependents too.
    if (!dependents) {
      sql.purgeExpired.run(storeOptions.now());
      return;
    }
    for (const { name } of sql.expired.all(storeOptions.now())) purgeNow(name);
  };

  const getDeleted = (name: string): Deleted | undefined => {
    purgeExpired();
    const row = sql.deleted.get(nameKey(name));
    return row && toDeleted(row);
  };

  const state = (name: string): "active" | "deleted" | undefined => {
    const row = sql.dates.get(nameKey(name));
    if (!row) return undefined;
    if (row.deleted_date === null) return "active";
    // Past its purge date the object is gone, even if nothing has listed deleted objects since:
    // purge it now, so that its name is free for set, create and restore.
    if (row.scheduled_purge_date !== null && row.scheduled_purge_date <= storeOptions.now()) {
      purgeNow(name);
      return undefined;
    }
    return "deleted";
  };

  return {
    state,

    softDelete(name) {
      if (state(name) !== "active") return undefined;
      markDeleted(name);
      return getDeleted(name);
    },

    getDeleted,

    listDeleted(after, limit) {
      purgeExpired();
      const rows = sql.listDeleted.all(after ?? "", limit + 1);
      return pageOf(rows, limit, (row) => row.name_key, toDeleted);
    },

    recover(name) {
      if (!getDeleted(name)) return false;
      recover(name);
      return true;
    },

    purge(name) {
      if (!getDeleted(name)) return false;
      purgeNow(name);
      return true;
    },

    purgeExpired,
  };
}
