import type Database from "better-sqlite3";
import type { Logger } from "pino";
import type { KeyVaultEventType } from "../eventgrid/wire/index.js";

/**
 * NearExpiry (30 days before `exp`) and Expired (at `exp`) for the current version of each
 * secret and key, as Key Vault raises them from a periodic scan: once per version and kind,
 * remembered in the database so a restart does not repeat them. They fire for disabled versions
 * too, as in Azure. Keys use the same 30 days: Azure's KeyNearExpiry follows a rotation policy's
 * Notify action, and the local vault has no rotation policies, so it keeps the documented default.
 */

export const NEAR_EXPIRY_SECONDS = 30 * 86_400;

/** The event types of each kind of object the scan watches. */
const EXPIRY_EVENTS = {
  Secret: {
    near: "Microsoft.KeyVault.SecretNearExpiry",
    expired: "Microsoft.KeyVault.SecretExpired",
  },
  Key: {
    near: "Microsoft.KeyVault.KeyNearExpiry",
    expired: "Microsoft.KeyVault.KeyExpired",
  },
  Certificate: {
    near: "Microsoft.KeyVault.CertificateNearExpiry",
    expired: "Microsoft.KeyVault.CertificateExpired",
  },
} as const satisfies Record<string, { near: KeyVaultEventType; expired: KeyVaultEventType }>;

export type ExpiryObjectType = keyof typeof EXPIRY_EVENTS;
export type ExpiryEventType =
  (typeof EXPIRY_EVENTS)[ExpiryObjectType][keyof (typeof EXPIRY_EVENTS)[ExpiryObjectType]];

/** What the scan needs of a version, secret or key alike. */
export interface ExpiringVersion {
  name: string;
  version: string;
  nbf: number | undefined;
  exp: number | undefined;
  created: number;
}

export interface ExpiryNotice<V extends ExpiringVersion = ExpiringVersion> {
  type: ExpiryEventType;
  objectType: ExpiryObjectType;
  version: V;
}

/** One kind of object to watch: the current versions that expire by `until` (epoch seconds). */
export interface ExpirySource {
  objectType: ExpiryObjectType;
  listExpiring(until: number): readonly ExpiringVersion[];
}

/**
 * Which notices are due now, given those already sent (keys `<version>:<type>`: a certificate's
 * key and secret share its version id, but never an event type).
 */
export function dueExpiryNotices<V extends ExpiringVersion>(
  candidates: readonly V[],
  now: number,
  sent: (key: string) => boolean,
  objectType: ExpiryObjectType = "Secret",
): ExpiryNotice<V>[] {
  const { near, expired } = EXPIRY_EVENTS[objectType];
  const due: ExpiryNotice<V>[] = [];
  for (const version of candidates) {
    if (version.exp === undefined) continue;
    if (now >= version.exp - NEAR_EXPIRY_SECONDS && !sent(`${version.version}:${near}`))
      due.push({ type: near, objectType, version });
    if (now >= version.exp && !sent(`${version.version}:${expired}`))
      due.push({ type: expired, objectType, version });
  }
  return due;
}

export class ExpiryScheduler {
  readonly #db: Database.Database;
  readonly #sources: readonly ExpirySource[];
  readonly #emit: (notice: ExpiryNotice) => void;
  readonly #now: () => number;
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;
  readonly #sql;

  constructor(options: {
    db: Database.Database;
    sources: readonly ExpirySource[];
    now: () => number;
    logger: Logger;
    emit: (notice: ExpiryNotice) => void;
  }) {
    this.#db = options.db;
    this.#sources = options.sources;
    this.#emit = options.emit;
    this.#now = options.now;
    this.#logger = options.logger;
    options.db.exec(
      `CREATE TABLE IF NOT EXISTS expiry_notices (notice TEXT PRIMARY KEY, sent_at INTEGER NOT NULL)`,
    );
    this.#sql = {
      sent: options.db.prepare<[string], { notice: string }>(
        "SELECT notice FROM expiry_notices WHERE notice = ?",
      ),
      record: options.db.prepare(
        "INSERT OR IGNORE INTO expiry_notices (notice, sent_at) VALUES (?, ?)",
      ),
    };
  }

  /** Scans now and then every `intervalMs` (Azure's scan is periodic too). */
  start(intervalMs: number): void {
    this.scan();
    this.#timer = setInterval(() => this.scan(), intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  scan(): number {
    const now = this.#now();
    const sent = (key: string) => this.#sql.sent.get(key) !== undefined;
    const due = this.#sources.flatMap((source) =>
      dueExpiryNotices(
        source.listExpiring(now + NEAR_EXPIRY_SECONDS),
        now,
        sent,
        source.objectType,
      ),
    );
    for (const notice of due) {
      // Event and "sent" mark commit together: a crash never loses or doubles a notice.
      this.#db.transaction(() => {
        this.#emit(notice);
        this.#sql.record.run(`${notice.version.version}:${notice.type}`, now);
      })();
      this.#logger.info(
        {
          object: notice.objectType,
          name: notice.version.name,
          version: notice.version.version,
          type: notice.type,
        },
        "expiry event",
      );
    }
    return due.length;
  }
}
