import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";

/**
 * Opens the local vault's SQLite file in `<dataDir>/vault.db` (":memory:" for tests).
 *
 * WAL with synchronous=NORMAL: a transaction is durable once its commit returns, against a crash
 * or kill -9 of this process (the WAL is in the OS page cache); only a power loss may lose the
 * last commits, which is the right trade for a development vault.
 */
export function openDatabase(dataDir: string): Database.Database {
  let file = ":memory:";
  if (dataDir !== ":memory:") {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    file = join(dataDir, "vault.db");
  }
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
  migrate(db);
  return db;
}

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE secrets (
     name_key TEXT PRIMARY KEY,            -- lower-cased: Key Vault names are case-insensitive
     name TEXT NOT NULL,                   -- as first written, used in ids
     deleted_date INTEGER,                 -- null while active
     scheduled_purge_date INTEGER
   );
   CREATE TABLE secret_versions (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,  -- creation order: the highest is "latest"
     name_key TEXT NOT NULL REFERENCES secrets(name_key) ON DELETE CASCADE,
     version TEXT NOT NULL,
     value TEXT NOT NULL,
     content_type TEXT,
     tags TEXT NOT NULL,
     enabled INTEGER NOT NULL,
     nbf INTEGER,
     exp INTEGER,
     created INTEGER NOT NULL,
     updated INTEGER NOT NULL,
     kid TEXT,
     managed INTEGER NOT NULL DEFAULT 0,
     UNIQUE (name_key, version)
   );
   CREATE INDEX secret_versions_by_name ON secret_versions (name_key, seq);`,
  // Keys: the same shape as secrets, with the key material in place of the value. The public
  // half is kept as JWK text so that reads and lists never parse a private key.
  `CREATE TABLE keys (
     name_key TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     deleted_date INTEGER,
     scheduled_purge_date INTEGER
   );
   CREATE TABLE key_versions (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     name_key TEXT NOT NULL REFERENCES keys(name_key) ON DELETE CASCADE,
     version TEXT NOT NULL,
     kty TEXT NOT NULL,                    -- RSA | EC (software keys only: a Standard vault)
     key_ops TEXT NOT NULL,                -- JSON array
     public_jwk TEXT NOT NULL,             -- JSON: n, e or crv, x, y (base64url)
     private_key BLOB NOT NULL,            -- PKCS#8 DER
     tags TEXT NOT NULL,
     enabled INTEGER NOT NULL,
     nbf INTEGER,
     exp INTEGER,
     created INTEGER NOT NULL,
     updated INTEGER NOT NULL,
     exportable INTEGER NOT NULL DEFAULT 0,
     managed INTEGER NOT NULL DEFAULT 0,   -- backs a certificate
     UNIQUE (name_key, version)
   );
   CREATE INDEX key_versions_by_name ON key_versions (name_key, seq);`,
  // Certificates: each version has a managed key and a managed secret of the same name and
  // version (in the tables above). The policy is per certificate, kept as its wire JSON.
  `CREATE TABLE certificates (
     name_key TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     policy TEXT NOT NULL,                 -- JSON: key_props, secret_props, x509_props, …
     policy_created INTEGER NOT NULL,
     policy_updated INTEGER NOT NULL,
     operation TEXT,                       -- JSON: the last create operation, for /pending
     deleted_date INTEGER,
     scheduled_purge_date INTEGER
   );
   CREATE TABLE certificate_versions (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     name_key TEXT NOT NULL REFERENCES certificates(name_key) ON DELETE CASCADE,
     version TEXT NOT NULL,
     x5t TEXT NOT NULL,                    -- base64url SHA-1 of the DER
     cer BLOB NOT NULL,                    -- the leaf certificate, DER
     tags TEXT NOT NULL,
     enabled INTEGER NOT NULL,
     nbf INTEGER,
     exp INTEGER,
     created INTEGER NOT NULL,
     updated INTEGER NOT NULL,
     UNIQUE (name_key, version)
   );
   CREATE INDEX certificate_versions_by_name ON certificate_versions (name_key, seq);`,
];

function migrate(db: Database.Database): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  for (let i = current; i < MIGRATIONS.length; i++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[i] ?? "");
      db.pragma(`user_version = ${i + 1}`);
    })();
  }
}

/** Small key/value settings that must survive restarts: tenant id, signing and backup keys. */
export function metaValue(db: Database.Database, key: string, create: () => string): string {
  const row = db.prepare("SELECT value FROM meta WHERE key = ?").get(key) as
    { value: string } | undefined;
  if (row) return row.value;
  const value = create();
  db.prepare("INSERT INTO meta (key, value) VALUES (?, ?)").run(key, value);
  return value;
}
