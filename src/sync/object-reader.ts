import type { FetchedSecret, ObjectSource } from "../keyvault/index.js";
import { versionKey } from "./object-key.js";
import { SingleFlightCache } from "./single-flight-cache.js";

/**
 * Reads secrets through the version cache: a version is read from Key Vault once and then served
 * from memory; "latest" is never cached (it moves) but concurrent asks share one read, whose
 * answer is then cached under the version it turned out to be; a version asked for while such a
 * read is running waits for it first. Shared reads run under the
 * reader's own signal (the agent's lifetime), not any one caller's.
 */
export class SecretReader {
  readonly #source: ObjectSource;
  readonly #cache: SingleFlightCache<FetchedSecret>;
  readonly #signal: AbortSignal;

  constructor(source: ObjectSource, signal: AbortSignal, maxEntries = 1000) {
    this.#source = source;
    this.#signal = signal;
    this.#cache = new SingleFlightCache(maxEntries);
  }

  read(vault: string, name: string, version: string | undefined): Promise<FetchedSecret> {
    if (version === undefined) {
      return this.#cache.share(
        versionKey(vault, name, undefined),
        () => this.#source.getSecret(vault, name, undefined, this.#signal),
        (secret) => {
          this.#cache.set(versionKey(vault, name, secret.version), secret);
        },
      );
    }
    return this.#cache.get(versionKey(vault, name, version), async () => {
      // A read of "latest" already on its way may be this very version: wait for it rather than
      // read the same version twice.
      const latest = this.#cache.inFlight(versionKey(vault, name, undefined));
      if (latest !== undefined) {
        const found = await latest.catch(() => undefined);
        if (found?.version === version) return found;
      }
      return this.#source.getSecret(vault, name, version, this.#signal);
    });
  }
}
