import assert from "node:assert/strict";
import { test } from "node:test";
import { renderSecret } from "./index.js";

test("utf-8 writes the value as is", () => {
  assert.equal(renderSecret("s", "héllo\n", "utf-8").toString("utf8"), "héllo\n");
});

test("hex and base64 are decoded, so binary content round-trips", () => {
  const bytes = Buffer.from([0, 1, 2, 250, 255]);
  assert.deepEqual(renderSecret("s", bytes.toString("hex"), "hex"), bytes);
  assert.deepEqual(renderSecret("s", bytes.toString("base64"), "base64"), bytes);
  assert.deepEqual(renderSecret("s", bytes.toString("base64url"), "base64"), bytes);
  assert.deepEqual(renderSecret("s", `${bytes.toString("base64")}\n`, "base64"), bytes);
});

test("a value that does not decode is an error naming the object", () => {
  assert.throws(() => renderSecret("db-pass", "xyz", "hex"), /cannot render db-pass: .*not hex/);
  assert.throws(() => renderSecret("db-pass", "a", "base64"), /not base64/);
  assert.throws(() => renderSecret("db-pass", "not base64!", "base64"), /not base64/);
});
