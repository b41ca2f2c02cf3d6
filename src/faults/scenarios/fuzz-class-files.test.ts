import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { parseSecretProviderClass } from "../../spc/index.js";
import { modelCase } from "../support/fuzz-class-inputs.js";
import { checkModel, checkProblem, MAX_MESSAGE_CHARS, scenario } from "./fuzz-class-files.js";

test("fuzz-class-files (short): SecretProviderClass parsing holds its claims", async () => {
  const result = await scenario.run("short");
  assert.ok(
    result.held,
    [result.claim, JSON.stringify(result.figures), ...(result.notes ?? [])].join("\n"),
  );
});

// The oracles must be able to fail, or a run that "held" proves nothing.

test("a field problem without a path, or an unclear message, is a violation", () => {
  const kinds = (path: string, message: string) =>
    checkProblem({ path, message }).map((v) => v.kind);
  assert.deepEqual(kinds("spec.parameters.objects[0].objectType", "must be secret"), []);
  assert.deepEqual(kinds("", "YAML syntax error: bad at line 1, column 1"), []);
  assert.deepEqual(kinds("", "must be a string"), ["field problem without a path"]);
  assert.deepEqual(kinds("kind", "x".repeat(MAX_MESSAGE_CHARS + 1)), [
    "message longer than 4 KiB at kind",
  ]);
  assert.deepEqual(kinds("kind", "two\nlines"), ["message not one clear line"]);
  assert.deepEqual(kinds("spec..x", "odd"), ["malformed path"]);
});

test("a faulty class accepted, or refused at another field, is a violation", () => {
  const [faulty] = fc.sample(
    modelCase.filter((c) => c.faults.length > 0),
    { numRuns: 1, seed: 1 },
  );
  const [valid] = fc.sample(
    modelCase.filter((c) => c.faults.length === 0),
    { numRuns: 1, seed: 1 },
  );
  assert.ok(faulty && valid);
  const accepted = parseSecretProviderClass(valid.text);
  assert.deepEqual(checkModel(valid, accepted), []);
  assert.deepEqual(
    checkModel(faulty, accepted).map((v) => v.kind),
    ["faulty class accepted"],
  );
  const elsewhere = { ok: false as const, problems: [{ path: "elsewhere", message: "no" }] };
  assert.deepEqual(
    checkModel(faulty, elsewhere).map((v) => v.kind),
    ["problem not at the faulty field"],
  );
  assert.deepEqual(
    checkModel(valid, elsewhere).map((v) => v.kind),
    ["valid class refused"],
  );
});
