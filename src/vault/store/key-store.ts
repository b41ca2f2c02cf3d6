import type { KeyObject } from "node:crypto";
import type Database from "better-sqlite3";
import {
  keyTypeOf,
  privateKeyDer,
  privateKeyFromDer,
  publicJwkOf,
  type KeyType,
  type PublicJwk,
} from "../key-material.js";
import {
  fromAllVersions,
  fromLatestVersion,
  nameKey,
  newVersionId,
  pageOf,
  type ObjectTables,
  type Page,
} from "./object-table.js";
import {
  softDeleteLifecycle,
  type DeletedObjectRow,
  type SoftDeleteLifecycle,
} from "./soft-delete-lifecycle.js";

/**
 * The local vault's keys: versions, soft delete and recovery, in the same SQLite database as the
 * secrets and with the same rules (case-insensitive names, keyset paging, one transaction per
 * change). Pure storage, like the secret store: `undefined` means "not there", and Key Vault's
 * wording is the routes' business. Reads return the public half only; the private key (PKCS#8
 * DER on disk) comes out through `privateKey()` alone.
 */

export interface KeyAttributesInput {
  enabled?: boolean | undefined;
  nbf?: number | null | undefined;
  exp?: number | null | undefined;
}

export interface NewKeyInput {
  privateKey: KeyObject;
  keyOps: readonly string[];
  tags?: Readonly<Record<string, string>> | undefined;
  attributes?: KeyAttributesInput | undefined;
  /** True for the key behind a certificate. */
  managed?: boolean | undefined;
  /** The version id; a certificate's key shares its certificate's. */
  version?: string | undefined;
}

export interface UpdateKeyInput {
  keyOps?: readonly string[] | undefined;
  tags?: Readonly<Record<string, string>> | undefined;
  attributes?: KeyAttributesInput | undefined;
}

export interface KeyVersion {
  name: string;
  version: string;
  kty: KeyType;
  keyOps: string[];
  publicJwk: PublicJwk;
  tags: Record<string, string>;
  enabled: boolean;
  nbf: number | undefined;
  exp: number | undefined;
  created: number;
  updated: number;
  /** Always false here: exportable keys need a release policy, which a Standard vault lacks. */
  exportable: boolean;
  managed: boolean;
}

export interface DeletedKey {
  latest: KeyVersion;
  deletedDate: number;
  scheduledPurgeDate: number;
}

export interface KeyStoreOptions {
  /** Epoch seconds; injected so tests control time. */
  now: () => number;
  /** Soft-delete retention, 7–90 days. */
  retentionDays: number;
}

export type NewKeyVersionListener = (version: KeyVersion) => void;

interface VersionRow {
  seq: number;
  name: string;
  version: string;
  kty: string;
  key_ops: string;
  public_jwk: string;
  tags: string;
  enabled: number;
  nbf: number | null;
  exp: number | null;
  created: number;
  updated: number;
  exportable: number;
  managed: number;
}

type DeletedRow = VersionRow & DeletedObjectRow;

const TABLES: ObjectTables = { objects: "keys", versions: "key_versions" };
const LATEST_JOIN = fromLatestVersion(TABLES);
const ALL_VERSIONS_JOIN = fromAllVersions(TABLES);

const VERSION_COLUMNS = `v.seq, o.name, v.version, v.kty, v.key_ops, v.public_jwk, v.tags,
  v.enabled, v.nbf, v.exp, v.created, v.updated, v.exportable, v.managed`;

export class KeyStore {
  readonly #db: Database.Database;
  readonly #options: KeyStoreOptions;
  readonly #listeners = new Set<NewKeyVersionListener>();
  readonly #sql;
  readonly #lifecycle: SoftDeleteLifecycle<DeletedKey>;

  constructor(db: Database.Database, options: KeyStoreOptions) {
    this.#db = db;
    this.#options = options;
    this.#lifecycle = softDeleteLifecycle(db, {
      tables: TABLES,
      columns: VERSION_COLUMNS,
      toDeleted,
      storeOptions: options,
    });
    this.#sql = {
      insertKey: db.prepare("INSERT INTO keys (name_key, name) VALUES (?, ?)"),
      insertVersion: db.prepare(`INSERT INTO key_versions
        (name_key, version, kty, key_ops, public_jwk, private_key, tags, enabled, nbf, exp,
         created, updated, exportable, managed)
        VALUES (@nameKey, @version, @kty, @keyOps, @publicJwk, @privateKey, @tags, @enabled, @nbf,
         @exp, @created, @updated, 0, @managed)`),
      latest: db.prepare<[string], VersionRow>(
        `SELECT ${VERSION_COLUMNS} ${LATEST_JOIN} WHERE o.name_key = ? AND o.deleted_date IS NULL`,
      ),
      version: db.prepare<[string, string], VersionRow>(
        `SELECT ${VERSION_COLUMNS} ${ALL_VERSIONS_JOIN}
         WHERE o.name_key = ? AND v.version = ? AND o.deleted_date IS NULL`,
      ),
      privateKey: db.prepare<[string, string], { private_key: Buffer }>(
        `SELECT v.private_key ${ALL_VERSIONS_JOIN}
         WHERE o.name_key = ? AND v.version = ? AND o.deleted_date IS NULL`,
      ),
      updateVersion: db.prepare(`UPDATE key_versions SET key_ops = @keyOps, tags = @tags,
        enabled = @enabled, nbf = @nbf, exp = @exp, updated = @updated WHERE seq = @seq`),
      listLatest: db.prepare<[string, number], VersionRow & { name_key: string }>(
        `SELECT o.name_key, ${VERSION_COLUMNS} ${LATEST_JOIN}
         WHERE o.deleted_date IS NULL AND o.name_key > ? ORDER BY o.name_key LIMIT ?`,
      ),
      listVersions: db.prepare<[string, number, number], VersionRow>(
        `SELECT ${VERSION_COLUMNS} ${ALL_VERSIONS_JOIN}
         WHERE o.name_key = ? AND o.deleted_date IS NULL AND v.seq > ? ORDER BY v.seq LIMIT ?`,
      ),
      latestExpiring: db.prepare<[number], VersionRow>(
        `SELECT ${VERSION_COLUMNS} ${LATEST_JOIN}
         WHERE o.deleted_date IS NULL AND v.exp IS NOT NULL AND v.exp <= ? ORDER BY v.exp`,
      ),
    };
  }

  /**
   * Called for every new version (create and import; never recover) inside its transaction: a
   * listener must be synchronous and may only write to the same database.
   */
  onNewVersion(listener: NewKeyVersionListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** "active" | "deleted" | undefined (never existed, or purged). */
  state(name: string): "active" | "deleted" | undefined {
    return this.#lifecycle.state(name);
  }

  /**
   * Adds a version (a new key or a new version of one). Undefined if the name is deleted: key
   * generation is asynchronous, so the caller's earlier check may be stale by now.
   */
  addVersion(name: string, input: NewKeyInput): KeyVersion | undefined {
    const now = this.#options.now();
    const key = nameKey(name);
    const version = input.version ?? newVersionId();
    return this.#db.transaction(() => {
      const state = this.state(name);
      if (state === "deleted") return undefined;
      if (state === undefined) this.#sql.insertKey.run(key, name);
      this.#sql.insertVersion.run({
        nameKey: key,
        version,
        kty: keyTypeOf(input.privateKey),
        keyOps: JSON.stringify(input.keyOps),
        publicJwk: JSON.stringify(publicJwkOf(input.privateKey)),
        privateKey: privateKeyDer(input.privateKey),
        tags: JSON.stringify(input.tags ?? {}),
        enabled: input.attributes?.enabled === false ? 0 : 1,
        nbf: input.attributes?.nbf ?? null,
        exp: input.attributes?.exp ?? null,
        created: now,
        updated: now,
        managed: input.managed === true ? 1 : 0,
      });
      const created = this.getKey(name, version);
      if (!created) throw new Error(`version ${version} of ${name} vanished after insert`);
      // Inside the transaction: what listeners write (event deliveries) commits with the version.
      for (const listener of this.#listeners) listener(created);
      return created;
    })();
  }

  /** A version of an active key; no version means the latest. */
  getKey(name: string, version?: string): KeyVersion | undefined {
    const row = version
      ? this.#sql.version.get(nameKey(name), version.toLowerCase())
      : this.#sql.latest.get(nameKey(name));
    return row && toVersion(row);
  }

  /** The private key of a version of an active key, for key operations. */
  privateKey(name: string, version: string): KeyObject | undefined {
    const row = this.#sql.privateKey.get(nameKey(name), version.toLowerCase());
    return row && privateKeyFromDer(row.private_key);
  }

  /** Changes what Key Vault lets you change on a version: never its key material. */
  updateKey(
    name: string,
    version: string | undefined,
    patch: UpdateKeyInput,
  ): KeyVersion | undefined {
    const current = version
      ? this.#sql.version.get(nameKey(name), version.toLowerCase())
      : this.#sql.latest.get(nameKey(name));
    if (!current) return undefined;
    const attributes = patch.attributes ?? {};
    this.#sql.updateVersion.run({
      seq: current.seq,
      keyOps: patch.keyOps === undefined ? current.key_ops : JSON.stringify(patch.keyOps),
      tags: patch.tags === undefined ? current.tags : JSON.stringify(patch.tags),
      enabled: attributes.enabled === undefined ? current.enabled : attributes.enabled ? 1 : 0,
      nbf: attributes.nbf === undefined ? current.nbf : attributes.nbf,
      exp: attributes.exp === undefined ? current.exp : attributes.exp,
      updated: this.#options.now(),
    });
    return this.getKey(name, current.version);
  }

  /** The latest version of each active key, in name order. */
  listKeys(after: string | undefined, limit: number): Page<KeyVersion> {
    const rows = this.#sql.listLatest.all(after ?? "", limit + 1);
    return pageOf(rows, limit, (row) => row.name_key, toVersion);
  }

  listKeyVersions(name: string, after: string | undefined, limit: number): Page<KeyVersion> {
    const afterSeq = after === undefined ? 0 : Number(after);
    const rows = this.#sql.listVersions.all(nameKey(name), afterSeq, limit + 1);
    return pageOf(rows, limit, (row) => String(row.seq), toVersion);
  }

  /** Soft delete: every version goes with the name, recoverable until the purge date. */
  deleteKey(name: string): DeletedKey | undefined {
    return this.#lifecycle.softDelete(name);
  }

  getDeletedKey(name: string): DeletedKey | undefined {
    return this.#lifecycle.getDeleted(name);
  }

  listDeletedKeys(after: string | undefined, limit: number): Page<DeletedKey> {
    return this.#lifecycle.listDeleted(after, limit);
  }

  recoverDeletedKey(name: string): KeyVersion | undefined {
    return this.#lifecycle.recover(name) ? this.getKey(name) : undefined;
  }

  purgeDeletedKey(name: string): boolean {
    return this.#lifecycle.purge(name);
  }

  /** The current version of each active key that expires by `until` (epoch seconds). */
  listExpiringKeys(until: number): KeyVersion[] {
    return this.#sql.latestExpiring.all(until).map(toVersion);
  }

  /** Key Vault purges a deleted key by itself once its retention has passed. */
  purgeExpired(): void {
    this.#lifecycle.purgeExpired();
  }
}

function toVersion(row: VersionRow): KeyVersion {
  return {
    name: row.name,
    version: row.version,
    kty: row.kty === "EC" ? "EC" : "RSA",
    keyOps: JSON.parse(row.key_ops) as string[],
    publicJwk: JSON.parse(row.public_jwk) as PublicJwk,
    tags: JSON.parse(row.tags) as Record<string, string>,
    enabled: row.enabled === 1,
    nbf: row.nbf ?? undefined,
    exp: row.exp ?? undefined,
    created: row.created,
    updated: row.updated,
    exportable: row.exportable === 1,
    managed: row.managed === 1,
  };
}

function toDeleted(row: DeletedRow): DeletedKey {
  return {
    latest: toVersion(row),
    deletedDate: row.deleted_date,
    scheduledPurgeDate: row.scheduled_purge_date,
  };
}
