import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import {
  SpcError,
  formatProblems,
  loadSecretProviderClass,
  parseSecretProviderClass,
} from "./index.js";
import { classWith, expectProblems } from "./test-support/class-builder.js";

/** Reading files, and the one message the CLI prints before exiting with code 2. */

let dir = "";
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "kvsync-spc-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, content: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

test("formatProblems: one message, a header naming the source, one line per problem with its path", () => {
  const message = formatProblems(
    [
      { path: "metadata.name", message: "is required" },
      { path: "spec.parameters.objects[1].objectAlias", message: "must not contain '..'" },
      { path: "", message: "ignored" },
    ],
    "spc.yaml",
  );
  assert.equal(
    message,
    [
      "spc.yaml: invalid SecretProviderClass (3 problems):",
      "  metadata.name: is required",
      "  spec.parameters.objects[1].objectAlias: must not contain '..'",
      "  (file): ignored",
    ].join("\n"),
  );
  assert.equal(
    formatProblems([{ path: "kind", message: "x" }]),
    "SecretProviderClass: invalid SecretProviderClass (1 problem):\n  kind: x",
  );
});

test("formatProblems lists every problem of a real parse", () => {
  const problems = expectProblems(
    parseSecretProviderClass(
      classWith((m) =>
        Object.assign(m.spec.parameters, { keyvaultName: "x", usePodIdentity: true }),
      ),
    ),
  );
  assert.deepEqual(problems.map((p) => p.path).sort(), [
    "spec.parameters.keyvaultName",
    "spec.parameters.usePodIdentity",
  ]);
  const lines = formatProblems(problems, "a.yaml").split("\n");
  assert.deepEqual(
    lines.slice(1),
    problems.map((p) => `  ${p.path}: ${p.message}`),
  );
});

test("SpcError carries the problems and the formatted message", () => {
  const problems = [{ path: "kind", message: "is required: SecretProviderClass" }];
  const error = new SpcError(problems, "x.yaml");
  assert.ok(error instanceof Error);
  assert.equal(error.name, "SpcError");
  assert.deepEqual(error.problems, problems);
  assert.equal(error.message, formatProblems(problems, "x.yaml"));
});

test("loadSecretProviderClass reads a valid file; warnings name the file", async () => {
  const path = await file(
    "ok.yaml",
    classWith((m) => (m.spec.parameters["resourceGroup"] = "rg")),
  );
  const spc = await loadSecretProviderClass(path);
  assert.equal(spc.name, "app-secrets");
  assert.deepEqual(spc.warnings, [
    `${path}: spec.parameters.resourceGroup: ignored by the Azure provider (and by kvsync)`,
  ]);
});

test("loadSecretProviderClass passes parse options on", async () => {
  const path = await file(
    "no-tenant.yaml",
    classWith((m) => delete m.spec.parameters["tenantID"]),
  );
  assert.equal((await loadSecretProviderClass(path)).tenantId, undefined);
  await assert.rejects(loadSecretProviderClass(path, { requireTenant: true }), (error: unknown) => {
    assert.ok(error instanceof SpcError);
    assert.deepEqual(
      error.problems.map((p) => p.path),
      ["spec.parameters.tenantID"],
    );
    return true;
  });
});

const FAILURES: { name: string; content: string | Buffer | undefined; expected: RegExp }[] = [
  {
    name: "an invalid class",
    content: classWith((m) => (m.kind = "Secret")),
    expected: /^ {2}kind: must be SecretProviderClass/m,
  },
  { name: "a missing file", content: undefined, expected: /^ {2}\(file\): does not exist$/m },
  {
    name: "a binary file",
    content: Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3]),
    expected: /not UTF-8 text/,
  },
  { name: "a file of NULs", content: Buffer.alloc(64), expected: /not a text file/ },
  {
    name: "an oversized file",
    content: Buffer.alloc(2 * 1024 * 1024, 0x61),
    expected: /more than Kubernetes stores/,
  },
];

for (const c of FAILURES) {
  test(`loadSecretProviderClass throws SpcError for ${c.name}`, async () => {
    const path =
      c.content === undefined ? join(dir, "missing.yaml") : await file(`${c.name}.yaml`, c.content);
    await assert.rejects(loadSecretProviderClass(path), (error: unknown) => {
      assert.ok(error instanceof SpcError, String(error));
      assert.equal(error.source, path);
      assert.ok(error.message.startsWith(`${path}: invalid SecretProviderClass`));
      assert.match(error.message, c.expected);
      return true;
    });
  });
}

test("loadSecretProviderClass honours an aborted signal", async () => {
  const path = await file("abort.yaml", classWith());
  await assert.rejects(loadSecretProviderClass(path, { signal: AbortSignal.abort() }), {
    name: "AbortError",
  });
});

test("a UTF-8 byte order mark is accepted", async () => {
  const path = await file("bom.yaml", `\uFEFF${classWith()}`);
  assert.equal((await loadSecretProviderClass(path)).name, "app-secrets");
});
