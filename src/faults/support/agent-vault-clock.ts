/**
 * The local vault's clock for a scenario (VaultServerOptions.now, epoch seconds). Key Vault dates
 * versions to the second; real rotations of one secret are seconds apart, so a scenario that
 * rotates many times a second steps this clock forward by a second per rotation instead of
 * waiting. It can also be frozen, to make two versions in one second on purpose.
 */
export class VaultClock {
  #offset = 0;
  #frozen: number | undefined;

  /** For `startVaultFixture({ now })`. */
  readonly now = (): number => this.#frozen ?? Math.floor(Date.now() / 1000) + this.#offset;

  /**
   * This machine's time in step with the vault's (epoch ms), for the agent's `now`: the agent
   * compares it with Key Vault's times, which a real vault dates from the same wall clock.
   */
  readonly nowMs = (): number => Date.now() + this.#offset * 1000;

  /** The next version is dated at least one second after every earlier one. */
  step(): void {
    if (this.#frozen !== undefined) this.thaw();
    else this.#offset += 1;
  }

  /** Versions made from now on share this second, until `thaw`. */
  freeze(): void {
    this.#frozen = this.now();
  }

  /** Time moves again, from the second after the frozen one. */
  thaw(): void {
    if (this.#frozen === undefined) return;
    this.#offset = this.#frozen + 1 - Math.floor(Date.now() / 1000);
    this.#frozen = undefined;
  }
}
