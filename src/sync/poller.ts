/**
 * Runs the poll every interval, never two at once: the next wait starts when a poll ends. Timers
 * are injected so that tests drive it without real time.
 */

export const DEFAULT_POLL_INTERVAL_MS = 2 * 60_000;

export interface Timers {
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface PollerOptions {
  intervalMs: number;
  poll: () => Promise<void>;
  timers?: Timers;
}

const realTimers: Timers = {
  setTimeout: (run, ms) => setTimeout(run, ms).unref(),
  clearTimeout: (handle) => {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

export class Poller {
  readonly #options: PollerOptions;
  readonly #timers: Timers;
  #handle: unknown;
  #stopped = false;

  constructor(options: PollerOptions) {
    this.#options = options;
    this.#timers = options.timers ?? realTimers;
  }

  start(): void {
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#handle !== undefined) this.#timers.clearTimeout(this.#handle);
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#handle = this.#timers.setTimeout(() => {
      // poll() reports its own failures; the catch only keeps the loop alive.
      this.#options
        .poll()
        .catch(() => undefined)
        .finally(() => {
          this.#schedule();
        });
    }, this.#options.intervalMs);
  }
}
