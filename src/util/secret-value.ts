import { inspect } from "node:util";

const REDACTED = "[redacted]";

/**
 * A secret's plaintext, wrapped so it cannot leak by accident: string conversion, JSON,
 * `util.inspect` (and so console.log and pino) all print "[redacted]". Only `reveal()` gives the
 * value, which makes every place that needs it easy to find and review.
 */
export class SecretValue {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  get byteLength(): number {
    return Buffer.byteLength(this.#value, "utf8");
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}
