import assert from "node:assert/strict";
import { test } from "node:test";
import { parseSecretProviderClass, type ParseResult } from "./index.js";
import { classWith } from "./test-support/class-builder.js";
import { seededRandom as prng } from "../test-support/seeded-random.js";

/**
 * Property: whatever the text, parsing returns (never throws), and the answer is either a class
 * or a non-empty list of problems with messages. Mutations start from valid classes so most
 * inputs get deep into the checks; a seeded PRNG keeps failures reproducible.
 */

const TOKENS = [
  "\n",
  "  ",
  "    ",
  "\t",
  "- ",
  ": ",
  ":",
  "? ",
  "{",
  "}",
  "[",
  "]",
  ",",
  "&a ",
  "*a",
  "&b [*a, *a]",
  "!!binary ",
  "!!str ",
  "!foo ",
  "|",
  "|-",
  ">",
  '"',
  "'",
  "#",
  "---\n",
  "...\n",
  "%YAML 1.2\n",
  "~",
  "null",
  "yes",
  "no",
  "on",
  "true",
  "0440",
  "0x1F",
  "1e3",
  ".inf",
  "-1",
  "99999999999999999999",
  "\u0000",
  "\uFEFF",
  "\uD800",
  "é",
  "😀",
  "${x}",
  "..",
  "/",
  "objectName: ",
  "objectType: secret\n",
  "objectAlias: ",
  "objectVersionHistory: ",
  "filePermission: ",
  "array:\n",
  "  - |\n",
  "<<: *a\n",
  "keyvaultName: ",
  "usePodIdentity: ",
  "secretObjects:\n",
  "data: []",
  "x".repeat(300),
];

type Rng = () => number;
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;
const at = (rng: Rng, text: string): number => Math.floor(rng() * (text.length + 1));

const MUTATIONS: ((text: string, rng: Rng) => string)[] = [
  (t, r) => {
    const i = at(r, t);
    return t.slice(0, i) + t.slice(i + 1 + Math.floor(r() * 20));
  },
  (t, r) => {
    const i = at(r, t);
    return t.slice(0, i) + pick(r, TOKENS) + t.slice(i);
  },
  (t, r) => {
    const i = at(r, t);
    return t.slice(0, i) + String.fromCharCode(Math.floor(r() * 0x3000)) + t.slice(i + 1);
  },
  (t, r) => {
    const lines = t.split("\n");
    const i = Math.floor(r() * lines.length);
    lines.splice(i, 0, lines[Math.floor(r() * lines.length)] ?? "");
    return lines.join("\n");
  },
  (t, r) => {
    const lines = t.split("\n");
    const i = Math.floor(r() * lines.length);
    const j = Math.floor(r() * lines.length);
    [lines[i], lines[j]] = [lines[j] ?? "", lines[i] ?? ""];
    return lines.join("\n");
  },
  (t, r) => {
    const lines = t.split("\n");
    const i = Math.floor(r() * lines.length);
    const line = lines[i] ?? "";
    lines[i] = r() < 0.5 ? ` ${line}` : line.replace(/^ /, "");
    return lines.join("\n");
  },
  (t, r) => {
    // replace a value after a colon
    const matches = [...t.matchAll(/: ?([^\n]*)/g)];
    const m = matches.length === 0 ? undefined : pick(r, matches);
    if (m?.index === undefined) return t;
    return t.slice(0, m.index) + ": " + pick(r, TOKENS) + t.slice(m.index + m[0].length);
  },
  (t, r) => t.slice(0, at(r, t)),
];

function randomString(rng: Rng): string {
  const length = Math.floor(rng() * 200);
  let out = "";
  for (let i = 0; i < length; i++) {
    out +=
      rng() < 0.3
        ? pick(rng, TOKENS)
        : String.fromCharCode(Math.floor(rng() * (rng() < 0.8 ? 128 : 0x10000)));
  }
  return out;
}

function checkResult(result: ParseResult, input: string): void {
  const context = `input: ${JSON.stringify(input.slice(0, 400))}`;
  if (result.ok) {
    assert.ok(result.spc.objects.length > 0, context);
    assert.match(result.spc.vaultUrl, /^https:\/\/[-A-Za-z0-9]{3,24}\./, context);
    for (const w of result.warnings) assert.ok(typeof w === "string" && w.length > 0, context);
  } else {
    assert.ok(result.problems.length > 0, context);
    for (const p of result.problems) {
      assert.equal(typeof p.path, "string", context);
      assert.ok(typeof p.message === "string" && p.message.trim().length > 0, context);
    }
  }
}

const BASES = [
  classWith(),
  classWith((m) => {
    m.spec.parameters["cloudName"] = "AzureChinaCloud";
    m.spec.parameters["objects"] = [
      {
        objectName: "cert",
        objectType: "secret",
        objectFormat: "pfx",
        objectEncoding: "base64",
        filePermission: "0440",
      },
      { objectName: "db-pass", objectType: "secret", objectAlias: "pw", objectVersionHistory: 3 },
    ];
    m.spec.secretObjects = [
      {
        secretName: "tls",
        type: "kubernetes.io/tls",
        data: [{ objectName: "cert", key: "tls.crt" }],
      },
      {
        secretName: "pw",
        type: "Opaque",
        labels: { a: "b" },
        data: [{ objectName: "pw/0", key: "p" }],
      },
    ];
  }),
];

test("property: mutated classes and random strings never throw and always explain themselves", () => {
  const rng = prng(0x5eed);
  let ok = 0;
  let deep = 0;
  const runs = 3000;
  for (let run = 0; run < runs; run++) {
    let input: string;
    if (run % 10 === 9) input = randomString(rng);
    else {
      input = pick(rng, BASES);
      const count = 1 + Math.floor(rng() * 3);
      for (let i = 0; i < count; i++) input = pick(rng, MUTATIONS)(input, rng);
    }
    let result: ParseResult;
    try {
      result = parseSecretProviderClass(input, { source: "fuzz.yaml" });
    } catch (error) {
      assert.fail(`threw ${String(error)} on input: ${JSON.stringify(input)}`);
    }
    checkResult(result, input);
    if (result.ok) ok++;
    else if (result.problems.some((p) => p.path.startsWith("spec.parameters.objects["))) deep++;
  }
  // The mutations must reach every level, or this property says little.
  assert.ok(ok > runs * 0.02, `only ${ok} valid results`);
  assert.ok(deep > runs * 0.05, `only ${deep} results with problems inside objects`);
});

test("a self-referencing YAML alias and a huge value are problems with short messages, never a crash", () => {
  const circular = parseSecretProviderClass(
    "apiVersion: secrets-store.csi.x-k8s.io/v1\nkind: &loop { again: *loop }\nmetadata: {name: x}\nspec: {provider: azure, parameters: {}}\n",
  );
  assert.equal(circular.ok, false);
  const huge = parseSecretProviderClass(
    `apiVersion: secrets-store.csi.x-k8s.io/v1\nkind: ${"x".repeat(100_000)}\nmetadata: {name: x}\nspec: {provider: azure, parameters: {}}\n`,
  );
  assert.ok(!huge.ok);
  for (const problem of huge.problems)
    assert.ok(problem.message.length < 300, problem.message.slice(0, 80));
});
