import assert from "node:assert/strict";
import { test } from "node:test";
import { inspect } from "node:util";
import { SecretValue } from "./secret-value.js";

test("a SecretValue never prints its plaintext", () => {
  const value = new SecretValue("hunter2");
  assert.equal(value.reveal(), "hunter2");
  for (const printed of [
    String(value),
    [value].join(""),
    JSON.stringify({ value }),
    inspect({ value }),
  ]) {
    assert.doesNotMatch(printed, /hunter2/);
    assert.match(printed, /\[redacted\]/);
  }
});

test("byteLength counts UTF-8 bytes, not characters", () => {
  assert.equal(new SecretValue("é").byteLength, 2);
});
