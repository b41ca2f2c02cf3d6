/**
 * Triggers only enqueue; one worker syncs. Requests for a target that is already waiting merge
 * into one (so a burst of events, a poll and a manual refresh cost one sync), and a request that
 * arrives while its target is being synced waits for the next turn, because the running sync may
 * have read the state before the trigger's change.
 */

export type TriggerKind = "start" | "push" | "poll" | "manual";

export interface SyncRequest {
  readonly targetId: string;
  /** Every trigger that asked, first one first: the first one labels the sync in metrics. */
  readonly triggers: readonly TriggerKind[];
  /** Re-list versions of history objects (something may have changed in Key Vault). */
  readonly relist: boolean;
  /** Earliest event time (epoch ms) this sync answers, for the propagation histogram. */
  readonly since?: number;
}

export function mergeRequests(waiting: SyncRequest | undefined, next: SyncRequest): SyncRequest {
  if (waiting === undefined) return next;
  const triggers = [...waiting.triggers];
  for (const t of next.triggers) if (!triggers.includes(t)) triggers.push(t);
  const times = [waiting.since, next.since].filter((t): t is number => t !== undefined);
  return {
    targetId: waiting.targetId,
    triggers,
    relist: waiting.relist || next.relist,
    ...(times.length === 0 ? {} : { since: Math.min(...times) }),
  };
}

export class TriggerQueue {
  readonly #waiting = new Map<string, SyncRequest>();
  readonly #run: (request: SyncRequest) => Promise<void>;
  #worker: Promise<void> | undefined;
  #closed = false;

  constructor(run: (request: SyncRequest) => Promise<void>) {
    this.#run = run;
  }

  push(request: SyncRequest): void {
    if (this.#closed) return;
    this.#waiting.set(
      request.targetId,
      mergeRequests(this.#waiting.get(request.targetId), request),
    );
    this.#worker ??= this.#drain();
  }

  /** Resolves when nothing is waiting or running. */
  async idle(): Promise<void> {
    while (this.#worker !== undefined) await this.#worker;
  }

  close(): void {
    this.#closed = true;
    this.#waiting.clear();
  }

  async #drain(): Promise<void> {
    try {
      for (;;) {
        const next = this.#waiting.entries().next();
        if (next.done === true) return;
        const [targetId, request] = next.value;
        this.#waiting.delete(targetId);
        await this.#run(request); // run() reports its own failures; it must not throw
      }
    } finally {
      this.#worker = undefined;
    }
  }
}
