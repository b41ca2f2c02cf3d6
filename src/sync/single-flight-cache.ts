/**
 * A bounded cache with single-flight loading: concurrent asks for one key share one promise, a
 * success is kept (least recently used evicted first), a failure is forgotten so the next ask
 * tries again. This is what makes "one Key Vault read per (vault, type, name, version)" hold
 * however many targets and triggers want the same version at once.
 */
export class SingleFlightCache<T> {
  readonly #values = new Map<string, T>();
  readonly #inFlight = new Map<string, Promise<T>>();
  readonly #maxEntries: number;

  constructor(maxEntries = 1000) {
    if (maxEntries < 1) throw new Error("maxEntries must be at least 1");
    this.#maxEntries = maxEntries;
  }

  get size(): number {
    return this.#values.size;
  }

  peek(key: string): T | undefined {
    return this.#values.get(key);
  }

  set(key: string, value: T): void {
    this.#values.delete(key);
    this.#values.set(key, value);
    while (this.#values.size > this.#maxEntries) {
      const oldest = this.#values.keys().next();
      if (oldest.done === true) break;
      this.#values.delete(oldest.value);
    }
  }

  /** The cached value, the load already running, or a new load whose success is cached. */
  get(key: string, load: () => Promise<T>): Promise<T> {
    if (this.#values.has(key)) {
      const value = this.#values.get(key) as T;
      this.set(key, value); // refresh its place in the LRU order
      return Promise.resolve(value);
    }
    return this.share(key, load, (value) => {
      this.set(key, value);
    });
  }

  /** The load running for `key`, if one is. */
  inFlight(key: string): Promise<T> | undefined {
    return this.#inFlight.get(key);
  }

  /** Single flight without caching the result under `key` (e.g. "latest", which moves). */
  share(key: string, load: () => Promise<T>, onValue?: (value: T) => void): Promise<T> {
    const running = this.#inFlight.get(key);
    if (running !== undefined) return running;
    const promise = (async () => {
      try {
        const value = await load();
        onValue?.(value);
        return value;
      } finally {
        this.#inFlight.delete(key);
      }
    })();
    this.#inFlight.set(key, promise);
    return promise;
  }
}
