/**
 * The de-duplication window: the most recently seen event keys, least recently seen evicted
 * first. Event Grid delivers at least once, so a redelivered event (same source and id) is
 * acknowledged and dropped while it is still in the window.
 */
export class RecentIds {
  readonly #keys = new Set<string>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`dedupeSize must be a whole number of at least 1, not ${capacity}`);
    }
  }

  /** True if `key` was seen within the window; records it as the most recent either way. */
  checkAndAdd(key: string): boolean {
    const seen = this.#keys.delete(key);
    this.#keys.add(key);
    if (this.#keys.size > this.capacity) {
      const oldest = this.#keys.values().next();
      if (oldest.done !== true) this.#keys.delete(oldest.value);
    }
    return seen;
  }

  get size(): number {
    return this.#keys.size;
  }
}
