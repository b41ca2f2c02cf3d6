/**
 * The echo's memory: the last `capacity` requests in a ring, each with a sequence number so that
 * a reconnecting page (SSE Last-Event-ID) gets only what it missed. Listeners hear every new
 * record and every clear.
 */

export interface EchoRecord {
  /** 1, 2, 3… in arrival order; never reused, even after a clear. */
  seq: number;
  /** ISO 8601, when the request arrived. */
  time: string;
  method: string;
  /** As sent, without the query. */
  path: string;
  /** In order, repeats kept; credentials redacted. */
  query: [string, string][];
  /** In order and original case, repeats kept; credentials redacted. */
  headers: [string, string][];
  /** The body as text, pretty-printed if it is JSON; cut at BODY_TEXT_LIMIT characters. */
  body: string;
  bodyBytes: number;
  json: boolean;
  truncated: boolean;
  /** What the echo answered, and why if it was not a plain 200. */
  reply: { status: number; note?: string };
}

export type LogEvent = { kind: "added"; record: EchoRecord } | { kind: "cleared" };

export const DEFAULT_CAPACITY = 500;

export class RequestLog {
  readonly #ring: (EchoRecord | undefined)[];
  /** Index of the next write. */
  #next = 0;
  #seq = 0;
  readonly #listeners = new Set<(event: LogEvent) => void>();

  constructor(readonly capacity: number = DEFAULT_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(
        `the echo's capacity must be a whole number of at least 1, not ${capacity}`,
      );
    }
    this.#ring = new Array<EchoRecord | undefined>(capacity).fill(undefined);
  }

  add(fields: Omit<EchoRecord, "seq">): EchoRecord {
    const record: EchoRecord = { seq: ++this.#seq, ...fields };
    this.#ring[this.#next] = record;
    this.#next = (this.#next + 1) % this.capacity;
    this.#emit({ kind: "added", record });
    return record;
  }

  /** Newest first. */
  list(): EchoRecord[] {
    const records: EchoRecord[] = [];
    for (let i = 1; i <= this.capacity; i++) {
      const record = this.#ring[(this.#next - i + this.capacity) % this.capacity];
      if (record === undefined) break;
      records.push(record);
    }
    return records;
  }

  /** Records after `seq`, oldest first: what a reconnecting stream missed. */
  since(seq: number): EchoRecord[] {
    return this.list()
      .filter((record) => record.seq > seq)
      .reverse();
  }

  /** The last sequence number given out (0 before the first request). */
  get lastSeq(): number {
    return this.#seq;
  }

  clear(): void {
    this.#ring.fill(undefined);
    this.#next = 0;
    this.#emit({ kind: "cleared" });
  }

  subscribe(listener: (event: LogEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(event: LogEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // one broken stream must not stop the others, nor the request being recorded
      }
    }
  }
}
