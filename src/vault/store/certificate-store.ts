import type { KeyObject } from "node:crypto";
import type Database from "better-sqlite3";
import type { KeyStore } from "./key-store.js";
import {
  fromAllVersions,
  fromLatestVersion,
  nameKey,
  newVersionId,
  pageOf,
  type ObjectTables,
  type Page,
} from "./object-table.js";
import type { SecretStore } from "./secret-store.js";
import {
  softDeleteLifecycle,
  type DeletedObjectRow,
  type SoftDeleteLifecycle,
} from "./soft-delete-lifecycle.js";
import { SecretValue } from "../../util/secret-value.js";

/**
 * The local vault's certificates: versions, their policy, soft delete and recovery. As in Key
 * Vault, each version comes with a managed key and a managed secret of the same name and
 * version, written here through the key and secret stores in the same transaction, and deleted,
 * recovered and purged together with the certificate. Pure storage, like the other stores.
 */

/** The policy as Key Vault's JSON (snake_case), without `id` and `attributes`. */
export interface StoredPolicy {
  key_props: {
    exportable: boolean;
    kty: "RSA" | "EC";
    key_size?: number | undefined;
    crv?: string | undefined;
    reuse_key: boolean;
  };
  secret_props: { contentType: string };
  x509_props: {
    subject: string;
    sans?: Record<string, string[]> | undefined;
    ekus: string[];
    key_usage: string[];
    validity_months: number;
  };
  lifetime_actions: unknown[];
  issuer: { name: string; cty?: string | undefined; cert_transparency?: boolean | undefined };
  enabled: boolean;
}

export interface CertificateAttributesInput {
  enabled?: boolean | undefined;
}

export interface NewCertificateInput {
  /** The leaf, DER. */
  cer: Buffer;
  x5t: string;
  nbf: number;
  exp: number;
  privateKey: KeyObject;
  keyOps: readonly string[];
  /** The managed secret's value and content type, made by the caller from the policy. */
  secretValue: string;
  /** The policy to keep (a new one, or the current one). */
  policy: StoredPolicy;
  tags?: Readonly<Record<string, string>> | undefined;
  attributes?: CertificateAttributesInput | undefined;
  /** The managed key's id, for the secret's `kid`. */
  kidOf: (version: string) => string;
}

export interface CertificateVersion {
  name: string;
  version: string;
  x5t: string;
  cer: Buffer;
  tags: Record<string, string>;
  enabled: boolean;
  nbf: number | undefined;
  exp: number | undefined;
  created: number;
  updated: number;
}

export interface CertificatePolicyRecord {
  name: string;
  policy: StoredPolicy;
  created: number;
  updated: number;
}

export interface DeletedCertificate {
  latest: CertificateVersion;
  policy: CertificatePolicyRecord;
  deletedDate: number;
  scheduledPurgeDate: number;
}

export interface CertificateStoreOptions {
  now: () => number;
  retentionDays: number;
  keys: KeyStore;
  secrets: SecretStore;
}

export type NewCertificateVersionListener = (version: CertificateVersion) => void;

interface VersionRow {
  seq: number;
  name: string;
  version: string;
  x5t: string;
  cer: Buffer;
  tags: string;
  enabled: number;
  nbf: number | null;
  exp: number | null;
  created: number;
  updated: number;
}

interface CertificateRow {
  name: string;
  policy: string;
  policy_created: number;
  policy_updated: number;
  operation: string | null;
  deleted_date: number | null;
  scheduled_purge_date: number | null;
}

type DeletedRow = VersionRow & CertificateRow & DeletedObjectRow;

const TABLES: ObjectTables = { objects: "certificates", versions: "certificate_versions" };
const LATEST_JOIN = fromLatestVersion(TABLES);
const ALL_VERSIONS_JOIN = fromAllVersions(TABLES);

const VERSION_COLUMNS = `v.seq, o.name, v.version, v.x5t, v.cer, v.tags, v.enabled, v.nbf, v.exp,
  v.created, v.updated`;

export class CertificateStore {
  readonly #db: Database.Database;
  readonly #options: CertificateStoreOptions;
  readonly #listeners = new Set<NewCertificateVersionListener>();
  readonly #sql;
  readonly #lifecycle: SoftDeleteLifecycle<DeletedCertificate>;

  constructor(db: Database.Database, options: CertificateStoreOptions) {
    this.#db = db;
    this.#options = options;
    this.#lifecycle = softDeleteLifecycle(db, {
      tables: TABLES,
      columns: `o.policy, o.policy_created, o.policy_updated, o.operation, ${VERSION_COLUMNS}`,
      toDeleted,
      storeOptions: options,
      dependents: {
        markDeleted(name) {
          options.keys.deleteKey(name);
          options.secrets.deleteSecret(name);
        },
        recover(name) {
          options.keys.recoverDeletedKey(name);
          options.secrets.recoverDeletedSecret(name);
        },
        purge(name) {
          options.keys.purgeDeletedKey(name);
          options.secrets.purgeDeletedSecret(name);
        },
      },
    });
    this.#sql = {
      certificate: db.prepare<[string], CertificateRow>(
        `SELECT name, policy, policy_created, policy_updated, operation, deleted_date,
         scheduled_purge_date FROM certificates WHERE name_key = ?`,
      ),
      insertCertificate: db.prepare(`INSERT INTO certificates
        (name_key, name, policy, policy_created, policy_updated) VALUES (?, ?, ?, ?, ?)`),
      setPolicy: db.prepare(
        "UPDATE certificates SET policy = ?, policy_updated = ? WHERE name_key = ?",
      ),
      setOperation: db.prepare("UPDATE certificates SET operation = ? WHERE name_key = ?"),
      insertVersion: db.prepare(`INSERT INTO certificate_versions
        (name_key, version, x5t, cer, tags, enabled, nbf, exp, created, updated)
        VALUES (@nameKey, @version, @x5t, @cer, @tags, @enabled, @nbf, @exp, @created, @updated)`),
      latest: db.prepare<[string], VersionRow>(
        `SELECT ${VERSION_COLUMNS} ${LATEST_JOIN} WHERE o.name_key = ? AND o.deleted_date IS NULL`,
      ),
      version: db.prepare<[string, string], VersionRow>(
        `SELECT ${VERSION_COLUMNS} ${ALL_VERSIONS_JOIN}
         WHERE o.name_key = ? AND v.version = ? AND o.deleted_date IS NULL`,
      ),
      updateVersion: db.prepare(`UPDATE certificate_versions SET tags = @tags,
        enabled = @enabled, updated = @updated WHERE seq = @seq`),
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

  /** Called for every new version, inside its transaction (after the key's and secret's). */
  onNewVersion(listener: NewCertificateVersionListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  state(name: string): "active" | "deleted" | undefined {
    return this.#lifecycle.state(name);
  }

  /** Adds a version with its managed key and secret; undefined if the name is deleted. */
  addVersion(name: string, input: NewCertificateInput): CertificateVersion | undefined {
    const now = this.#options.now();
    const key = nameKey(name);
    const version = newVersionId();
    const { keys, secrets } = this.#options;
    return this.#db.transaction(() => {
      const state = this.state(name);
      if (state === "deleted") return undefined;
      const policyJson = JSON.stringify(input.policy);
      if (state === undefined) this.#sql.insertCertificate.run(key, name, policyJson, now, now);
      else this.#sql.setPolicy.run(policyJson, now, key);
      const enabled = input.attributes?.enabled !== false;
      this.#sql.insertVersion.run({
        nameKey: key,
        version,
        x5t: input.x5t,
        cer: input.cer,
        tags: JSON.stringify(input.tags ?? {}),
        enabled: enabled ? 1 : 0,
        nbf: input.nbf,
        exp: input.exp,
        created: now,
        updated: now,
      });
      const attributes = { enabled, nbf: input.nbf, exp: input.exp };
      const managedKey = keys.addVersion(name, {
        privateKey: input.privateKey,
        keyOps: input.keyOps,
        tags: input.tags,
        attributes,
        managed: true,
        version,
      });
      if (!managedKey) throw new Error(`the key ${name} is deleted`);
      secrets.setSecret(name, {
        value: new SecretValue(input.secretValue),
        contentType: input.policy.secret_props.contentType,
        tags: input.tags,
        attributes,
        kid: input.kidOf(version),
        managed: true,
        version,
      });
      const created = this.getCertificate(name, version);
      if (!created) throw new Error(`version ${version} of ${name} vanished after insert`);
      for (const listener of this.#listeners) listener(created);
      return created;
    })();
  }

  getCertificate(name: string, version?: string): CertificateVersion | undefined {
    const row = version
      ? this.#sql.version.get(nameKey(name), version.toLowerCase())
      : this.#sql.latest.get(nameKey(name));
    return row && toVersion(row);
  }

  /** The policy of an active certificate. */
  getPolicy(name: string): CertificatePolicyRecord | undefined {
    const row = this.#sql.certificate.get(nameKey(name));
    if (!row || row.deleted_date !== null) return undefined;
    return toPolicy(row);
  }

  setPolicy(name: string, policy: StoredPolicy): CertificatePolicyRecord | undefined {
    if (this.state(name) !== "active") return undefined;
    this.#sql.setPolicy.run(JSON.stringify(policy), this.#options.now(), nameKey(name));
    return this.getPolicy(name);
  }

  /** The last create operation (JSON), for `GET /certificates/{name}/pending`. */
  getOperation(name: string): unknown {
    const row = this.#sql.certificate.get(nameKey(name));
    if (!row || row.deleted_date !== null || row.operation === null) return undefined;
    return JSON.parse(row.operation) as unknown;
  }

  setOperation(name: string, operation: unknown): void {
    this.#sql.setOperation.run(JSON.stringify(operation), nameKey(name));
  }

  /** Tags and `enabled` of a version; the key and secret of that version follow `enabled`. */
  updateCertificate(
    name: string,
    version: string | undefined,
    patch: { tags?: Readonly<Record<string, string>> | undefined; enabled?: boolean | undefined },
  ): CertificateVersion | undefined {
    const current = version
      ? this.#sql.version.get(nameKey(name), version.toLowerCase())
      : this.#sql.latest.get(nameKey(name));
    if (!current) return undefined;
    return this.#db.transaction(() => {
      this.#sql.updateVersion.run({
        seq: current.seq,
        tags: patch.tags === undefined ? current.tags : JSON.stringify(patch.tags),
        enabled: patch.enabled === undefined ? current.enabled : patch.enabled ? 1 : 0,
        updated: this.#options.now(),
      });
      if (patch.enabled !== undefined) {
        const attributes = { enabled: patch.enabled };
        this.#options.keys.updateKey(name, current.version, { attributes });
        this.#options.secrets.updateSecret(name, current.version, { attributes });
      }
      return this.getCertificate(name, current.version);
    })();
  }

  listCertificates(after: string | undefined, limit: number): Page<CertificateVersion> {
    const rows = this.#sql.listLatest.all(after ?? "", limit + 1);
    return pageOf(rows, limit, (row) => row.name_key, toVersion);
  }

  listCertificateVersions(
    name: string,
    after: string | undefined,
    limit: number,
  ): Page<CertificateVersion> {
    const afterSeq = after === undefined ? 0 : Number(after);
    const rows = this.#sql.listVersions.all(nameKey(name), afterSeq, limit + 1);
    return pageOf(rows, limit, (row) => String(row.seq), toVersion);
  }

  /** Soft delete of the certificate with its managed key and secret. */
  deleteCertificate(name: string): DeletedCertificate | undefined {
    return this.#lifecycle.softDelete(name);
  }

  getDeletedCertificate(name: string): DeletedCertificate | undefined {
    return this.#lifecycle.getDeleted(name);
  }

  listDeletedCertificates(after: string | undefined, limit: number): Page<DeletedCertificate> {
    return this.#lifecycle.listDeleted(after, limit);
  }

  recoverDeletedCertificate(name: string): CertificateVersion | undefined {
    return this.#lifecycle.recover(name) ? this.getCertificate(name) : undefined;
  }

  purgeDeletedCertificate(name: string): boolean {
    return this.#lifecycle.purge(name);
  }

  listExpiringCertificates(until: number): CertificateVersion[] {
    return this.#sql.latestExpiring.all(until).map(toVersion);
  }

  purgeExpired(): void {
    this.#lifecycle.purgeExpired();
  }
}

function toVersion(row: VersionRow): CertificateVersion {
  return {
    name: row.name,
    version: row.version,
    x5t: row.x5t,
    cer: row.cer,
    tags: JSON.parse(row.tags) as Record<string, string>,
    enabled: row.enabled === 1,
    nbf: row.nbf ?? undefined,
    exp: row.exp ?? undefined,
    created: row.created,
    updated: row.updated,
  };
}

function toPolicy(row: CertificateRow): CertificatePolicyRecord {
  return {
    name: row.name,
    policy: JSON.parse(row.policy) as StoredPolicy,
    created: row.policy_created,
    updated: row.policy_updated,
  };
}

function toDeleted(row: DeletedRow): DeletedCertificate {
  return {
    latest: toVersion(row),
    policy: toPolicy(row),
    deletedDate: row.deleted_date,
    scheduledPurgeDate: row.scheduled_purge_date,
  };
}
