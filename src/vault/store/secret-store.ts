import type Database from "better-sqlite3";
import { SecretValue } from "../../util/secret-value.js";
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
 * The local vault's secrets: versions, soft delete, recovery and backups, in SQLite.
 * Pure storage: it returns `undefined` for "not there" and leaves Key Vault's error wording to
 * the routes. Every multi-row change runs in one transaction, so a kill -9 leaves either the old
 * or the new state.
 */

export interface SecretAttributesInput {
  enabled?: boolean | undefined;
  nbf?: number | null | undefined;
  exp?: number | null | undefined;
}

export interface SetSecretInput {
  value: SecretValue;
  contentType?: string | undefined;
  tags?: Readonly<Record<string, string>> | undefined;
  attributes?: SecretAttributesInput | undefined;
  kid?: string | undefined;
  managed?: boolean | undefined;
  /** The version id; a certificate's secret shares its certificate's. */
  version?: string | undefined;
}

export interface UpdateSecretInput {
  contentType?: string | undefined;
  tags?: Readonly<Record<string, string>> | undefined;
  attributes?: SecretAttributesInput | undefined;
}

export interface SecretVersion {
  name: string;
  version: string;
  value: SecretValue;
  contentType: string | undefined;
  tags: Record<string, string>;
  enabled: boolean;
  nbf: number | undefined;
  exp: number | undefined;
  created: number;
  updated: number;
  kid: string | undefined;
  managed: boolean;
}

export interface DeletedSecret {
  latest: SecretVersion;
  deletedDate: number;
  scheduledPurgeDate: number;
}

export interface SecretStoreOptions {
  /** Epoch seconds; injected so tests control time. */
  now: () => number;
  /** Soft-delete retention, 7–90 days. */
  retentionDays: number;
}

export type NewVersionListener = (version: SecretVersion) => void;

interface VersionRow {
  seq: number;
  name: string;
  version: string;
  value: string;
  content_type: string | null;
  tags: string;
  enabled: number;
  nbf: number | null;
  exp: number | null;
  created: number;
  updated: number;
  kid: string | null;
  managed: number;
}

type DeletedRow = VersionRow & DeletedObjectRow;

const TABLES: ObjectTables = { objects: "secrets", versions: "secret_versions" };
const LATEST_JOIN = fromLatestVersion(TABLES);
const ALL_VERSIONS_JOIN = fromAllVersions(TABLES);

const VERSION_COLUMNS = `v.seq, o.name, v.version, v.value, v.content_type, v.tags, v.enabled,
  v.nbf, v.exp, v.created, v.updated, v.kid, v.managed`;

export class SecretStore {
  readonly #db: Database.Database;
  readonly #options: SecretStoreOptions;
  readonly #listeners = new Set<NewVersionListener>();
  readonly #sql;
  readonly #lifecycle: SoftDeleteLifecycle<DeletedSecret>;

  constructor(db: Database.Database, options: SecretStoreOptions) {
    this.#db = db;
    this.#options = options;
    this.#lifecycle = softDeleteLifecycle(db, {
      tables: TABLES,
      columns: VERSION_COLUMNS,
      toDeleted,
      storeOptions: options,
    });
    this.#sql = {
      secret: db.prepare<[string], { name: string }>("SELECT name FROM secrets WHERE name_key = ?"),
      insertSecret: db.prepare("INSERT INTO secrets (name_key, name) VALUES (?, ?)"),
      insertVersion: db.prepare(`INSERT INTO secret_versions
        (name_key, version, value, content_type, tags, enabled, nbf, exp, created, updated, kid, managed)
        VALUES (@nameKey, @version, @value, @contentType, @tags, @enabled, @nbf, @exp, @created, @updated, @kid, @managed)`),
      latest: db.prepare<[string], VersionRow>(
        `SELECT ${VERSION_COLUMNS} ${LATEST_JOIN} WHERE o.name_key = ? AND o.deleted_date IS NULL`,
      ),
      version: db.prepare<[string, string], VersionRow>(
        `SELECT ${VERSION_COLUMNS} ${ALL_VERSIONS_JOIN}
         WHERE o.name_key = ? AND v.version = ? AND o.deleted_date IS NULL`,
      ),
      updateVersion: db.prepare(`UPDATE secret_versions SET content_type = @contentType,
        tags = @tags, enabled = @enabled, nbf = @nbf, exp = @exp, updated = @updated WHERE seq = @seq`),
      listLatest: db.prepare<[string, number], VersionRow & { name_key: string }>(
        `SELECT o.name_key, ${VERSION_COLUMNS} ${LATEST_JOIN}
         WHERE o.deleted_date IS NULL AND o.name_key > ? ORDER BY o.name_key LIMIT ?`,
      ),
      listVersions: db.prepare<[string, number, number], VersionRow>(
        `SELECT ${VERSION_COLUMNS} ${ALL_VERSIONS_JOIN}
         WHERE o.name_key = ? AND o.deleted_date IS NULL AND v.seq > ? ORDER BY v.seq LIMIT ?`,
      ),
      allVersions: db.prepare<[string], VersionRow>(
        `SELECT ${VERSION_COLUMNS} ${ALL_VERSIONS_JOIN}
         WHERE o.name_key = ? AND o.deleted_date IS NULL ORDER BY v.seq`,
      ),
      latestExpiring: db.prepare<[number], VersionRow>(
        `SELECT ${VERSION_COLUMNS} ${LATEST_JOIN}
         WHERE o.deleted_date IS NULL AND v.exp IS NOT NULL AND v.exp <= ? ORDER BY v.exp`,
      ),
    };
  }

  /**
   * Called for every new version (set; never restore or recover) inside its transaction: a
   * listener must be synchronous and may only write to the same database.
   */
  onNewVersion(listener: NewVersionListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** "active" | "deleted" | undefined (never existed, or purged). */
  state(name: string): "active" | "deleted" | undefined {
    return this.#lifecycle.state(name);
  }

  /** Adds a version; the caller has checked the name is not deleted. */
  setSecret(name: string, input: SetSecretInput): SecretVersion {
    const now = this.#options.now();
    const key = nameKey(name);
    const version = input.version ?? newVersionId();
    return this.#db.transaction(() => {
      if (!this.#sql.secret.get(key)) this.#sql.insertSecret.run(key, name);
      this.#sql.insertVersion.run({
        nameKey: key,
        version,
        value: input.value.reveal(),
        contentType: input.contentType ?? null,
        tags: JSON.stringify(input.tags ?? {}),
        enabled: input.attributes?.enabled === false ? 0 : 1,
        nbf: input.attributes?.nbf ?? null,
        exp: input.attributes?.exp ?? null,
        created: now,
        updated: now,
        kid: input.kid ?? null,
        managed: input.managed === true ? 1 : 0,
      });
      const created = this.getSecret(name, version);
      if (!created) throw new Error(`version ${version} of ${name} vanished after insert`);
      // Inside the transaction: what listeners write (event deliveries) commits with the version.
      for (const listener of this.#listeners) listener(created);
      return created;
    })();
  }

  /** A version of an active secret; no version means the latest. */
  getSecret(name: string, version?: string): SecretVersion | undefined {
    const row = version
      ? this.#sql.version.get(nameKey(name), version.toLowerCase())
      : this.#sql.latest.get(nameKey(name));
    return row && toVersion(row);
  }

  /** Changes what Key Vault lets you change on a version: never its value. */
  updateSecret(name: string, version: string | undefined, patch: UpdateSecretInput) {
    const current = version
      ? this.#sql.version.get(nameKey(name), version.toLowerCase())
      : this.#sql.latest.get(nameKey(name));
    if (!current) return undefined;
    const attributes = patch.attributes ?? {};
    this.#sql.updateVersion.run({
      seq: current.seq,
      contentType: patch.contentType === undefined ? current.content_type : patch.contentType,
      tags: patch.tags === undefined ? current.tags : JSON.stringify(patch.tags),
      enabled: attributes.enabled === undefined ? current.enabled : attributes.enabled ? 1 : 0,
      nbf: attributes.nbf === undefined ? current.nbf : attributes.nbf,
      exp: attributes.exp === undefined ? current.exp : attributes.exp,
      updated: this.#options.now(),
    });
    return this.getSecret(name, current.version);
  }

  /** The latest version of each active secret, in name order. */
  listSecrets(after: string | undefined, limit: number): Page<SecretVersion> {
    const rows = this.#sql.listLatest.all(after ?? "", limit + 1);
    return pageOf(rows, limit, (row) => row.name_key, toVersion);
  }

  listSecretVersions(name: string, after: string | undefined, limit: number): Page<SecretVersion> {
    const afterSeq = after === undefined ? 0 : Number(after);
    const rows = this.#sql.listVersions.all(nameKey(name), afterSeq, limit + 1);
    return pageOf(rows, limit, (row) => String(row.seq), toVersion);
  }

  /** Soft delete: every version goes with the name, recoverable until the purge date. */
  deleteSecret(name: string): DeletedSecret | undefined {
    return this.#lifecycle.softDelete(name);
  }

  getDeletedSecret(name: string): DeletedSecret | undefined {
    return this.#lifecycle.getDeleted(name);
  }

  listDeletedSecrets(after: string | undefined, limit: number): Page<DeletedSecret> {
    return this.#lifecycle.listDeleted(after, limit);
  }

  recoverDeletedSecret(name: string): SecretVersion | undefined {
    return this.#lifecycle.recover(name) ? this.getSecret(name) : undefined;
  }

  purgeDeletedSecret(name: string): boolean {
    return this.#lifecycle.purge(name);
  }

  /** The current version of each active secret that expires by `until` (epoch seconds). */
  listExpiringSecrets(until: number): SecretVersion[] {
    return this.#sql.latestExpiring.all(until).map(toVersion);
  }

  /** Every version of an active secret, oldest first, for backups. */
  exportSecret(name: string): SecretVersion[] {
    return this.#sql.allVersions.all(nameKey(name)).map(toVersion);
  }

  /** Re-creates a secret with all its versions, ids and dates as they were. */
  importSecret(versions: readonly SecretVersion[]): SecretVersion | undefined {
    const first = versions[0];
    if (!first) return undefined;
    const key = nameKey(first.name);
    this.#db.transaction(() => {
      this.#sql.insertSecret.run(key, first.name);
      for (const v of versions) {
        this.#sql.insertVersion.run({
          nameKey: key,
          version: v.version,
          value: v.value.reveal(),
          contentType: v.contentType ?? null,
          tags: JSON.stringify(v.tags),
          enabled: v.enabled ? 1 : 0,
          nbf: v.nbf ?? null,
          exp: v.exp ?? null,
          created: v.created,
          updated: v.updated,
          kid: v.kid ?? null,
          managed: v.managed ? 1 : 0,
        });
      }
    })();
    return this.getSecret(first.name);
  }

  /** Key Vault purges a deleted secret by itself once its retention has passed. */
  purgeExpired(): void {
    this.#lifecycle.purgeExpired();
  }
}

function toVersion(row: VersionRow): SecretVersion {
  return {
    name: row.name,
    version: row.version,
    value: new SecretValue(row.value),
    contentType: row.content_type ?? undefined,
    tags: JSON.parse(row.tags) as Record<string, string>,
    enabled: row.enabled === 1,
    nbf: row.nbf ?? undefined,
    exp: row.exp ?? undefined,
    created: row.created,
    updated: row.updated,
    kid: row.kid ?? undefined,
    managed: row.managed === 1,
  };
}

function toDeleted(row: DeletedRow): DeletedSecret {
  return {
    latest: toVersion(row),
    deletedDate: row.deleted_date,
    scheduledPurgeDate: row.scheduled_purge_date,
  };
}
