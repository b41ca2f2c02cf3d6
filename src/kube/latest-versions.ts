import type { FetchedObject, ObjectSource, ObjectType } from "../keyvault/index.js";
import { objectKey, settles, type FollowedListing, type ObjectReader } from "../sync/index.js";
import { compareToHeld, preciseEventTime, type VersionStamp } from "../sync/version-order.js";

/**
 * The controller's one answer, for the whole cluster, to "which version is latest?" per
 * (vault, type, object). However many classes follow an object and whenever their syncs run, they all
 * sync the version held here, and the reader fetches each version from Key Vault once:
 *  - an Event Grid event names the new version: that version is read (the one read it costs)
 *    and held if it is newer, with no read of "latest";
 *  - an object nobody has asked about yet is read once (concurrent asks share the read);
 *  - the resync lists each vault (names and times, no values) and forgets only the objects whose
 *    `updated` time moved, or whose version no late enough read of "latest" has settled (a
 *    same-second successor lists the same time), so only those are read again.
 * A late or duplicated event never moves an object back (version-order.ts decides).
 */

interface Held extends VersionStamp {
  readonly updatedOn: Date | undefined;
  /** A read of "latest" made after the version's second was over returned it (changed-objects.ts). */
  readonly settled: boolean;
}

export class LatestVersions {
  readonly #reader: ObjectReader;
  readonly #held = new Map<string, Held>();
  readonly #resolving = new Map<string, Promise<string>>();
  /** Objects with an event being read: the resync leaves them to it. */
  readonly #announcing = new Map<string, number>();

  constructor(reader: ObjectReader) {
    this.#reader = reader;
  }

  /** The version to sync for an object that follows "latest". */
  version(vault: string, type: ObjectType, name: string): Promise<string> {
    const key = objectKey(vault, type, name);
    const held = this.#held.get(key);
    if (held !== undefined) return Promise.resolve(held.version);
    let resolving = this.#resolving.get(key);
    if (resolving === undefined) {
      const startedAt = Date.now();
      resolving = this.#reader
        .read(vault, type, name, undefined)
        .then(async (fetched) => {
          // An event may have landed while we read: keep whichever is newer.
          const settled = settles(startedAt, fetched.updatedOn);
          await this.#offer(vault, type, name, stampOf(fetched, undefined, settled), true);
          return this.#held.get(key)?.version ?? fetched.version;
        })
        .finally(() => this.#resolving.delete(key));
      this.#resolving.set(key, resolving);
    }
    return resolving;
  }

  /**
   * An event announced `version`: read it (the one read this version costs the cluster) and hold
   * it when it is newer than the version held. Returns whether the held version moved.
   */
  async announce(
    vault: string,
    type: ObjectType,
    name: string,
    version: string,
    eventTime: string | undefined,
  ): Promise<boolean> {
    const key = objectKey(vault, type, name);
    this.#announcing.set(key, (this.#announcing.get(key) ?? 0) + 1);
    try {
      const fetched = await this.#reader.read(vault, type, name, version);
      const precise = eventTime === undefined ? undefined : preciseEventTime(eventTime);
      return await this.#offer(vault, type, name, stampOf(fetched, precise, false), false);
    } finally {
      const left = (this.#announcing.get(key) ?? 1) - 1;
      if (left === 0) this.#announcing.delete(key);
      else this.#announcing.set(key, left);
    }
  }

  /**
   * The cheap resync: list each vault once and forget the objects whose latest `updated` time is
   * later than the one held, so that their next sync reads them again. Only later: a listing
   * taken before an event's version was held is older news, not a change. Returns the objects
   * forgotten, as objectKeys.
   */
  async recheck(
    followed: readonly FollowedListing[],
    source: ObjectSource,
    signal: AbortSignal,
  ): Promise<string[]> {
    const forgotten: string[] = [];
    for (const { vault, type, names } of followed) {
      const listing = await source.list(vault, type, signal);
      for (const entry of listing) {
        if (!names.has(entry.name.toLowerCase()) || !entry.enabled) continue;
        const key = objectKey(vault, type, entry.name);
        const held = this.#held.get(key);
        const listed = entry.updatedOn?.getTime();
        if (held?.updatedOn === undefined || listed === undefined) continue;
        const moved = listed > held.updatedOn.getTime();
        // A version made in the same second as the held one lists the same time (see
        // changed-objects.ts): until a read of "latest" has settled it, read it once more.
        const unsettled =
          listed === held.updatedOn.getTime() &&
          !held.settled &&
          settles(Date.now(), held.updatedOn);
        if ((!moved && !unsettled) || this.#announcing.has(key)) continue;
        this.#held.delete(key);
        forgotten.push(key);
      }
    }
    return forgotten;
  }

  async #offer(
    vault: string,
    type: ObjectType,
    name: string,
    candidate: Held,
    isLatest: boolean,
  ): Promise<boolean> {
    const key = objectKey(vault, type, name);
    const held = this.#held.get(key);
    const order = compareToHeld(candidate, held);
    if (order === "same" || order === "older") {
      if (order === "same" && held !== undefined) {
        this.#held.set(key, {
          ...held,
          eventTime: held.eventTime ?? candidate.eventTime,
          settled: held.settled || candidate.settled,
        });
      }
      return false;
    }
    if (order === "tie" && !isLatest) {
      // Two versions made in the same second, and no event time to tell them apart: Key Vault's
      // own "latest" settles it (a read only this rare case costs).
      const latest = await this.#reader.read(vault, type, name, undefined);
      if (latest.version !== candidate.version) return false;
    }
    this.#held.set(key, candidate);
    return true;
  }
}

function stampOf(fetched: FetchedObject, eventTime: string | undefined, settled: boolean): Held {
  return {
    version: fetched.version,
    createdOn: fetched.createdOn,
    updatedOn: fetched.updatedOn,
    eventTime,
    settled,
  };
}
