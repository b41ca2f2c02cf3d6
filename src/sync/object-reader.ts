import type { FetchedObject, ObjectSource, ObjectType } from "../keyvault/index.js";
import { versionKey } from "./object-key.js";
import { SingleFlightCache } from "./single-flight-cache.js";

/**
 * Reads objects through the version cache: a version is read from Key Vault once and then served
 * from memory; "latest" is never cached (it moves) but concurrent asks share one read, whose
 * answer is then cached under the version it turned out to be; a version asked for while such a
 * read is running waits for it first. Shared reads run under the reader's own signal (the agent's
 * lifetime), not any one caller's.
 */
export class ObjectReader {
  readonly #source: ObjectSource;
  readonly #cache: SingleFlightCache<FetchedObject>;
  readonly #signal: AbortSignal;

  constructor(source: ObjectSource, signal: AbortSignal, maxEntries = 1000) {
    this.#source = source;
    this.#signal = signal;
    this.#cache = new SingleFlightCache(maxEntries);
  }

  read(
    vault: string,
    type: ObjectType,
    name: string,
    version: string | undefined,
  ): Promise<FetchedObject> {
    if (version === undefined) {
      return this.#cache.share(
        versionKey(vault, type, name, undefined),
        () => this.#source.get(vault, type, name, undefined, this.#signal),
        (found) => {
          this.#cache.set(versionKey(vault, type, name, found.version), found);
        },
      );
    }
    return this.#cache.get(versionKey(vault, type, name, version), async () => {
      // A read of "latest" already on its way may be this very version: wait for it rather than
      // read the same version twice.
      const latest = this.#cache.inFlight(versionKey(vault, type, name, undefined));
      if (latest !== undefined) {
        const found = await latest.catch(() => undefined);
        if (found?.version === version) return found;
      }
      return this.#source.get(vault, type, name, version, this.#signal);
    });
  }
}
