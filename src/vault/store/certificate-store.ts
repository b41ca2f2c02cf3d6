import type { KeyObject } from "node:crypto";
import type Database from "better-sqlite3";
import type { KeyStore } from "./key-store.js";
import { newVersionId, type Page, type SecretStore } from "./secret-store.js";
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

interface DeletedRow extends VersionRow {
  name_key: string;
  deleted_date: number;
  scheduled_purge_date: number;
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

const nameKey = (name: string): string => name.toLowerCase();

const LATEST_JOIN = `
  FROM certificates c
  JOIN certificate_versions v ON v.name_key = c.name_key
   AND v.seq = (SELECT MAX(seq) FROM certificate_versions WHERE name_key = c.name_key)`;

const VERSION_COLUMNS = `v.seq, c.name, v.version, v.x5t, v.cer, v.tags, v.enabled, v.nbf, v.exp,
  v.created, v.updated`;

export class CertificateStore {
  readonly #db: Database.Database;
  readonly #options: CertificateStoreOptions;
  readonly #listeners = new Set<NewCertificateVersionListener>();
  readonly #sql;

  constructor(db: Database.Database, options: CertificateStoreOptions) {
    this.#db = db;
    this.#options = options;
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
        `SELECT ${VERSION_COLUMNS} ${LATEST_JOIN} WHERE c.name_key = ? AND c.deleted_date IS NULL`,
      ),
      version: db.prepare<[string, string], VersionRow>(
        `SELECT ${VERSION_COLUMNS} FROM certificates c
         JOIN certificate_versions v ON v.name_key = c.name_key
         WHERE c.name_key = ? AND v.version = ? AND c.deleted_date IS NULL`,
      ),
      updateVersion: db.prepare(`UPDATE certificate_versions SET tags = @tags,
        enabled = @enabled, updated = @updated WHERE seq = @seq`),
      listLatest: db.prepare<[string, number], VersionRow & { name_key: string }>(
        `SELECT c.name_key, ${VERSION_COLUMNS} ${LATEST_JOIN}
         WHERE c.deleted_date IS NULL AND c.name_key > ? ORDER BY c.name_key LIMIT ?`,
      ),
      listVersions: db.prepare<[string, number, number], VersionRow>(
        `SELECT ${VERSION_COLUMNS} FROM certificates c
         JOIN certificate_versions v ON v.name_key = c.name_key
         WHERE c.name_key = ? AND c.deleted_date IS NULL AND v.seq > ? ORDER BY v.seq LIMIT ?`,
      ),
      markDeleted: db.prepare(
        "UPDATE certificates SET deleted_date = ?, scheduled_purge_date = ? WHERE name_key = ?",
      ),
      deleted: db.prepare<[string], DeletedRow & CertificateRow>(
        `SELECT c.name_key, c.deleted_date, c.scheduled_purge_date, c.policy, c.policy_created,
         c.policy_updated, c.operation, ${VERSION_COLUMNS} ${LATEST_JOIN}
         WHERE c.name_key = ? AND c.deleted_date IS NOT NULL`,
      ),
      listDeleted: db.prepare<[string, number], DeletedRow & CertificateRow>(
        `SELECT c.name_key, c.deleted_date, c.scheduled_purge_date, c.policy, c.policy_created,
         c.policy_updated, c.operation, ${VERSION_COLUMNS} ${LATEST_JOIN}
         WHERE c.deleted_date IS NOT NULL AND c.name_key > ? ORDER BY c.name_key LIMIT ?`,
      ),
      recover: db.prepare(
        "UPDATE certificates SET deleted_date = NULL, scheduled_purge_date = NULL WHERE name_key = ?",
      ),
      purge: db.prepare("DELETE FROM certificates WHERE name_key = ?"),
      latestExpiring: db.prepare<[number], VersionRow>(
        `SELECT ${VERSION_COLUMNS} ${LATEST_JOIN}
         WHERE c.deleted_date IS NULL AND v.exp IS NOT NULL AND v.exp <= ? ORDER BY v.exp`,
      ),
      expired: db.prepare<[number], { name: string }>(
        "SELECT name FROM certificates WHERE deleted_date IS NOT NULL AND scheduled_purge_date <= ?",
      ),
    };
  }

  /** Called for every new version, inside its transaction (after the key's and secret's). */
  onNewVersion(listener: NewCertificateVersionListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  state(name: string): "active" | "deleted" | undefined {
    const row = this.#sql.certificate.get(nameKey(name));
    if (!row) return undefined;
    if (row.deleted_date === null) return "active";
    if (row.scheduled_purge_date !== null && row.scheduled_purge_date <= this.#options.now()) {
      this.#purgeAll(name);
      return undefined;
    }
    return "deleted";
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
    if (this.state(name) !== "active") return undefined;
    const now = this.#options.now();
    this.#db.transaction(() => {
      this.#sql.markDeleted.run(now, now + this.#options.retentionDays * 86_400, nameKey(name));
      this.#options.keys.deleteKey(name);
      this.#options.secrets.deleteSecret(name);
    })();
    return this.getDeletedCertificate(name);
  }

  getDeletedCertificate(name: string): DeletedCertificate | undefined {
    this.purgeExpired();
    const row = this.#sql.deleted.get(nameKey(name));
    return row && toDeleted(row);
  }

  listDeletedCertificates(after: string | undefined, limit: number): Page<DeletedCertificate> {
    this.purgeExpired();
    const rows = this.#sql.listDeleted.all(after ?? "", limit + 1);
    return pageOf(rows, limit, (row) => row.name_key, toDeleted);
  }

  recoverDeletedCertificate(name: string): CertificateVersion | undefined {
    if (!this.getDeletedCertificate(name)) return undefined;
    this.#db.transaction(() => {
      this.#sql.recover.run(nameKey(name));
      this.#options.keys.recoverDeletedKey(name);
      this.#options.secrets.recoverDeletedSecret(name);
    })();
    return this.getCertificate(name);
  }

  purgeDeletedCertificate(name: string): boolean {
    if (!this.getDeletedCertificate(name)) return false;
    this.#purgeAll(name);
    return true;
  }

  listExpiringCertificates(until: number): CertificateVersion[] {
    return this.#sql.latestExpiring.all(until).map(toVersion);
  }

  purgeExpired(): void {
    for (const { name } of this.#sql.expired.all(this.#options.now())) this.#purgeAll(name);
  }

  #purgeAll(name: string): void {
    this.#db.transaction(() => {
      this.#sql.purge.run(nameKey(name));
      this.#options.keys.purgeDeletedKey(name);
      this.#options.secrets.purgeDeletedSecret(name);
    })();
  }
}

function pageOf<R, T>(
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

function toDeleted(row: DeletedRow & CertificateRow): DeletedCertificate {
  return {
    latest: toVersion(row),
    policy: toPolicy(row),
    deletedDate: row.deleted_date,
    scheduledPurgeDate: row.scheduled_purge_date,
  };
}
