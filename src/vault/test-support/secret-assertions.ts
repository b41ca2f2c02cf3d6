import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { RestError } from "@azure/core-rest-pipeline";

/**
 * Assertions for vault tests that never print a secret value: a failing comparison names the
 * secret and the lengths, and an SDK error is reduced to its status and code (a RestError's
 * request may carry the value it tried to set).
 */

/** Distinct, recognisable test values, remembered so logs can be searched for them. */
export class TestValues {
  readonly used = new Set<string>();

  next(label: string): string {
    const value = `${label}-${randomBytes(12).toString("hex")}`;
    this.used.add(value);
    return value;
  }

  /** Registers a value made elsewhere (a large or unusual one). */
  add(value: string): string {
    this.used.add(value);
    return value;
  }

  /**
   * The first used value found in `text`, even in part, described without showing it. Each value
   * starts with a random part, so its first 40 characters are enough to spot it (and searching
   * for a whole 25 KB value is needlessly slow).
   */
  leakIn(text: string): string | undefined {
    for (const value of this.used) {
      if (text.includes(value.slice(0, 40))) {
        return `a value of ${value.length} chars starting "${value.slice(0, 4)}"`;
      }
    }
    return undefined;
  }
}

export function assertValue(actual: string | undefined, expected: string, what: string): void {
  const got = actual === undefined ? "no value" : `${actual.length} chars`;
  assert.ok(
    actual === expected,
    `${what}: value differs (expected ${expected.length} chars, got ${got})`,
  );
}

/** Awaits `call`, which must fail with a RestError of this status and code. */
export async function assertRestError(
  call: Promise<unknown>,
  statusCode: number,
  code: string,
  what: string,
): Promise<RestError> {
  let caught: unknown;
  try {
    await call;
  } catch (error) {
    caught = error;
  }
  if (!(caught instanceof RestError)) {
    const kind =
      caught === undefined
        ? "it succeeded"
        : `got ${(caught as Error).name}: ${(caught as Error).message}`;
    assert.fail(`${what}: expected RestError ${statusCode} ${code}, but ${kind}`);
  }
  assert.ok(
    caught.statusCode === statusCode && caught.code === code,
    `${what}: expected ${statusCode} ${code}, got ${caught.statusCode} ${caught.code}: ${caught.message}`,
  );
  return caught;
}
