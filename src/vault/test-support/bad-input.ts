import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { pino, type Logger } from "pino";
import { keyVaultErrorCode, rawRequest, type RawRequest, type RawResponse } from "./raw-request.js";
import type { VaultFixture } from "./vault-fixture.js";

/**
 * What the bad-input tests share: they send requests the SDK never would, expect Key Vault's
 * error shape back, and read the vault's log for anything it must not have written.
 */

/** An info-level logger whose every write lands in `log`, for the tests to search. */
export function loggerInto(log: string[]): Logger {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      log.push(chunk.toString("utf8"));
      done();
    },
  });
  return pino({ level: "info" }, stream);
}

/** Method and path, never the body: a secret's body holds its value. */
export const describeRequest = (request: RawRequest): string =>
  `${request.method ?? "GET"} ${request.path.slice(0, 80)}`;

/** The request must be refused with this status (and code, if given) in Key Vault's shape. */
export async function assertRefused(
  fixture: VaultFixture,
  request: RawRequest,
  status: number,
  code?: string,
  describe: (request: RawRequest) => string = describeRequest,
): Promise<RawResponse> {
  const response = await rawRequest(fixture, request);
  assert.equal(response.status, status, describe(request));
  const actualCode = keyVaultErrorCode(response);
  if (code !== undefined) assert.equal(actualCode, code, describe(request));
  assert.equal(response.headers["content-type"], "application/json; charset=utf-8");
  return response;
}

/** The building blocks of random requests, drawn from a seeded generator so runs replay. */
export function randomPicker(random: () => number): {
  pick: <T>(items: readonly T[]) => T;
  /** Up to `maxLength` printable ASCII characters. */
  junk: (maxLength: number) => string;
} {
  return {
    pick: <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T,
    junk: (maxLength) =>
      Array.from({ length: Math.floor(random() * maxLength) }, () =>
        String.fromCharCode(32 + Math.floor(random() * 95)),
      ).join(""),
  };
}
