import type Database from "better-sqlite3";
import type { Logger } from "pino";
import type { KeyVaultEventType } from "../eventgrid/wire/index.js";
import type { SecretStore, SecretVersion } from "./store/index.js";

/**
 * SecretNearExpiry (30 days before `exp`) and SecretExpired (at `exp`) for the current version
 * of each secret, as Key Vault raises them from a periodic scan: once per version and kind,
 * remembered in the database so a restart does not repeat them. They fire for disabled versions
 * too, as in Azure.
 */

export const NEAR_EXPIRY_SECONDS = 30 * 86_400;

export interface ExpiryNotice {
  type: Extract<
    KeyVaultEventType,
    "Microsoft.KeyVault.SecretNearExpiry" | "Microsoft.KeyVault.SecretExpired"
  >;
  version: SecretVersion;
}

/** Which notices are due now, given those already sent (keys `<version>:<type>`). */
export function dueExpiryNotices(
  candidates: readonly SecretVersion[],
  now: number,
  sent: (key: string) => boolean,
): ExpiryNotice[] {
  const due: ExpiryNotice[] = [];
  for (const version of candidates) {
    if (version.exp === undefined) continue;
    const near = "Microsoft.KeyVault.SecretNearExpiry" as const;
    const expired = "Microsoft.KeyVault.SecretExpired" as const;
    if (now >= version.exp - NEAR_EXPIRY_SECONDS && !sent(`${version.version}:${near}`))
      due.push({ type: near, version });
    if (now >= version.exp && !sent(`${version.version}:${expired}`))
      due.push({ type: expired, version });
  }
  return due;
}

export class ExpiryScheduler {
  readonly #db: Database.Database;
  readonly #store: SecretStore;
  readonly #emit: (notice: ExpiryNotice) => void;
  readonly #now: () => number;
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;
  readonly #sql;

  constructor(options: {
    db: Database.Database;
    store: SecretStore;
    now: () => number;
    logger: Logger;
    emit: (notice: ExpiryNotice) => void;
  }) {
    this.#db = options.db;
    this.#store = options.store;
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
    const due = dueExpiryNotices(
      this.#store.listExpiringSecrets(now + NEAR_EXPIRY_SECONDS),
      now,
      (key) => this.#sql.sent.get(key) !== undefined,
    );
    for (const notice of due) {
      // Event and "sent" mark commit together: a crash never loses or doubles a notice.
      this.#db.transaction(() => {
        this.#emit(notice);
        this.#sql.record.run(`${notice.version.version}:${notice.type}`, now);
      })();
      this.#logger.info(
        { secret: notice.version.name, version: notice.version.version, type: notice.type },
        "expiry event",
      );
    }
    return due.length;
  }
}
