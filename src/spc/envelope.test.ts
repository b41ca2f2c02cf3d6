import assert from "node:assert/strict";
import { test } from "node:test";
import { parseSecretProviderClass } from "./index.js";
import {
  classWith,
  expectOk,
  expectOnly,
  expectProblems,
  type ClassModel,
} from "./test-support/class-builder.js";

/** The manifest around the parameters: apiVersion, kind, metadata, spec, and the file itself. */

test("the valid default parses, with namespace and defaults as written", () => {
  const { spc, warnings } = expectOk(parseSecretProviderClass(classWith()));
  assert.equal(spc.name, "app-secrets");
  assert.equal(spc.namespace, "team-a");
  assert.deepEqual(warnings, []);
  assert.equal(spc.warnings, undefined);
});

const VALID: {
  name: string;
  edit: (m: ClassModel) => void;
  /** Raw edits after rendering, for what the model cannot express. */
  text?: (yaml: string) => string;
  check: (r: ReturnType<typeof expectOk>) => void;
}[] = [
  {
    name: "namespace defaults to default",
    edit: (m) => {
      delete m.metadata?.["namespace"];
    },
    check: ({ spc }) => {
      assert.equal(spc.namespace, "default");
    },
  },
  {
    name: "v1alpha1 is accepted with a deprecation warning",
    edit: (m) => (m.apiVersion = "secrets-store.csi.x-k8s.io/v1alpha1"),
    check: ({ warnings }) => {
      assert.match(warnings.join("\n"), /^apiVersion: v1alpha1 is deprecated/);
    },
  },
  {
    name: "labels and annotations are allowed on the class",
    edit: (m) => {
      m.metadata = {
        ...m.metadata,
        labels: { "app.kubernetes.io/name": "web", tier: "" },
        annotations: { "example.com/note": "anything: at all, even spaces" },
      };
    },
    check: ({ spc }) => {
      assert.equal(spc.name, "app-secrets");
    },
  },
  {
    // kubectl's YAML 1.1 reader keeps dates and 1:20-style numbers as strings
    name: "unquoted date and sexagesimal annotation values are strings, as kubectl reads them",
    edit: (m) => {
      m.metadata = {
        ...m.metadata,
        annotations: { "example.com/released": "@DATE@", "example.com/ratio": "@TIME@" },
      };
    },
    text: (t) => t.replace('"@DATE@"', "2024-04-22").replace('"@TIME@"', "1:20"),
    check: ({ spc }) => {
      assert.equal(spc.name, "app-secrets");
    },
  },
  {
    name: "fields kubectl get adds to metadata, and status, are ignored",
    edit: (m) => {
      m.metadata = {
        ...m.metadata,
        uid: "x",
        resourceVersion: "12",
        generation: 3,
        managedFields: [{}],
      };
      m["status"] = {};
    },
    check: ({ spc }) => {
      assert.equal(spc.name, "app-secrets");
    },
  },
  {
    name: "no secretObjects gives an empty list",
    edit: (m) => {
      delete m.spec.secretObjects;
    },
    check: ({ spc }) => {
      assert.deepEqual(spc.secretObjects, []);
    },
  },
];

for (const c of VALID) {
  test(`valid: ${c.name}`, () => {
    const yaml = classWith(c.edit);
    c.check(expectOk(parseSecretProviderClass(c.text === undefined ? yaml : c.text(yaml))));
  });
}

const INVALID: { name: string; edit: (m: ClassModel) => void; expected: Record<string, RegExp> }[] =
  [
    {
      name: "apiVersion of another group",
      edit: (m) => (m.apiVersion = "v1"),
      expected: { apiVersion: /must be secrets-store\.csi\.x-k8s\.io\/v1 .*not "v1"/ },
    },
    {
      name: "apiVersion missing",
      edit: (m) => {
        delete m.apiVersion;
      },
      expected: { apiVersion: /is required/ },
    },
    {
      name: "kind not SecretProviderClass",
      edit: (m) => (m.kind = "SecretProviderClassPodStatus"),
      expected: { kind: /must be SecretProviderClass, not "SecretProviderClassPodStatus"/ },
    },
    {
      name: "kind missing",
      edit: (m) => {
        delete m.kind;
      },
      expected: { kind: /is required/ },
    },
    {
      name: "metadata missing",
      edit: (m) => {
        delete m.metadata;
      },
      expected: { metadata: /is required/ },
    },
    {
      name: "metadata.name missing",
      edit: (m) => {
        delete m.metadata?.["name"];
      },
      expected: { "metadata.name": /is required/ },
    },
    {
      name: "metadata.name not a DNS subdomain",
      edit: (m) => (m.metadata = { ...m.metadata, name: "App_Secrets" }),
      expected: { "metadata.name": /DNS subdomain/ },
    },
    {
      name: "metadata.name a number",
      edit: (m) => (m.metadata = { ...m.metadata, name: 42 }),
      expected: { "metadata.name": /must be a string: quote it/ },
    },
    {
      name: "metadata.namespace not a DNS label",
      edit: (m) => (m.metadata = { ...m.metadata, namespace: "team.a" }),
      expected: { "metadata.namespace": /DNS label/ },
    },
    {
      name: "a label value that is not a string",
      edit: (m) => (m.metadata = { ...m.metadata, labels: { enabled: true } }),
      expected: { "metadata.labels.enabled": /must be a string: quote it \("true"\)/ },
    },
    {
      name: "a label value Kubernetes refuses",
      edit: (m) => (m.metadata = { ...m.metadata, labels: { tier: "front end" } }),
      expected: { "metadata.labels.tier": /label values/ },
    },
    {
      name: "an annotation key Kubernetes refuses",
      edit: (m) => (m.metadata = { ...m.metadata, annotations: { "bad key": "x" } }),
      expected: { 'metadata.annotations["bad key"]': /key "bad key"/ },
    },
    {
      name: "an unknown metadata field",
      edit: (m) => (m.metadata = { ...m.metadata, nmae: "x" }),
      expected: { "metadata.nmae": /unknown field/ },
    },
    {
      name: "an unknown top-level field",
      edit: (m) => (m["specs"] = {}),
      expected: { specs: /unknown field/ },
    },
    {
      name: "an unknown spec field",
      edit: (m) => (m.spec["secretObject"] = []),
      expected: { "spec.secretObject": /unknown field/ },
    },
    {
      name: "spec.provider of another driver",
      edit: (m) => (m.spec.provider = "gcp"),
      expected: { "spec.provider": /must be "azure".*not "gcp"/ },
    },
    {
      name: "spec.provider in the wrong case (the Azure checks still run)",
      edit: (m) => {
        m.spec.provider = "Azure";
        m.spec.parameters["keyvaultName"] = "x";
      },
      expected: { "spec.provider": /exactly "azure"/, "spec.parameters.keyvaultName": /3–24/ },
    },
    {
      name: "spec.provider missing",
      edit: (m) => {
        delete m.spec.provider;
      },
      expected: { "spec.provider": /is required/ },
    },
    {
      name: "spec.parameters missing",
      edit: (m) => {
        m.spec = { provider: "azure" } as ClassModel["spec"];
      },
      expected: { "spec.parameters": /is required/ },
    },
    {
      name: "spec.parameters a list",
      edit: (m) => {
        m.spec = { provider: "azure", parameters: ["a"] } as unknown as ClassModel["spec"];
      },
      expected: { "spec.parameters": /must be a mapping/ },
    },
    {
      name: "spec a string",
      edit: (m) => {
        m.spec = "azure" as unknown as ClassModel["spec"];
      },
      expected: { spec: /must be a mapping/ },
    },
  ];

for (const c of INVALID) {
  test(`invalid: ${c.name}`, () => {
    expectOnly(parseSecretProviderClass(classWith(c.edit)), c.expected);
  });
}

test("another provider's parameters are not judged by the Azure rules", () => {
  const text = classWith((m) => {
    m.spec.provider = "vault";
    m.spec.parameters = { roleName: "app", vaultAddress: "https://vault:8200", objects: "x" };
  });
  expectOnly(parseSecretProviderClass(text), { "spec.provider": /must be "azure"/ });
});

test("many problems across the file are reported together", () => {
  const text = classWith((m) => {
    m.kind = "Secret";
    m.metadata = { name: "Bad Name" };
    m.spec.parameters["keyvaultName"] = "a";
    m.spec.parameters["usePodIdentity"] = false;
    m.spec.parameters["colour"] = "blue";
    m.spec.parameters["objects"] = [{ objectName: "x", objectType: "secrets" }];
    m.spec.secretObjects = [{ secretName: "s", data: [] }];
  });
  expectOnly(parseSecretProviderClass(text), {
    kind: /must be SecretProviderClass/,
    "metadata.name": /DNS subdomain/,
    "spec.parameters.keyvaultName": /3–24/,
    "spec.parameters.usePodIdentity": /must be a string: quote it/,
    "spec.parameters.colour": /unknown parameter/,
    "spec.parameters.objects[0].objectType": /must be secret, key or cert/,
    "spec.secretObjects[0].type": /is required/,
    "spec.secretObjects[0].data": /at least one/,
  });
});

const header = "apiVersion: secrets-store.csi.x-k8s.io/v1\nkind: SecretProviderClass\n";

test("a multi-document file: the one SecretProviderClass is taken, others ignored with a warning", () => {
  const other = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: app\n";
  const { spc, warnings } = expectOk(
    parseSecretProviderClass(`${other}---\n${classWith()}---\n`, { source: "all.yaml" }),
  );
  assert.equal(spc.name, "app-secrets");
  assert.deepEqual(warnings, ["all.yaml: ignored 1 other document(s) in the file"]);
});

test("a multi-document file with two classes is a problem", () => {
  expectOnly(parseSecretProviderClass(`${classWith()}---\n${classWith()}`), {
    "": /holds 2 SecretProviderClass documents \(numbers 1, 2\)/,
  });
});

test("a multi-document file without a class is a problem", () => {
  expectOnly(parseSecretProviderClass("kind: A\n---\nkind: B\n"), {
    "": /none of its 2 documents/,
  });
});

const FILE_CASES: { name: string; text: string; expected: RegExp }[] = [
  { name: "empty text", text: "", expected: /is empty/ },
  { name: "only comments", text: "# nothing\n", expected: /is empty/ },
  {
    name: "a YAML syntax error",
    text: `${header}metadata: {name: x\n`,
    expected: /YAML syntax error: .*line \d+, column \d+/,
  },
  {
    name: "duplicate keys",
    text: `${header}kind: Secret\n`,
    expected: /YAML syntax error: Map keys must be unique/,
  },
  {
    name: "a scalar document",
    text: "hello\n",
    expected: /must be a SecretProviderClass mapping, not a string/,
  },
  { name: "a list document", text: "- a\n- b\n", expected: /not a list/ },
  { name: "NUL characters", text: `${header}\0\0\0`, expected: /not a text file/ },
  {
    name: "more than Kubernetes stores",
    text: `# ${"x".repeat(2 * 1024 * 1024)}\n`,
    expected: /larger than/,
  },
  {
    name: "an alias bomb",
    text: [
      "a: &a [x, x, x, x, x, x, x, x, x, x]",
      "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]",
      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]",
      "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]",
      "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]",
      "f: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]",
    ].join("\n"),
    expected: /too many aliases/,
  },
  // Each of these took the parser seconds, or aborted the process, before the depth guard.
  {
    name: "deep flow nesting",
    text: `${"[".repeat(50_000)}${"]".repeat(50_000)}`,
    expected: /nested 50000 levels deep/,
  },
  { name: "thousands of open braces", text: "{".repeat(3000), expected: /nested 3000 levels deep/ },
  {
    name: "nested flow maps and lists",
    text: "[{".repeat(200),
    expected: /nested 400 levels deep/,
  },
  {
    name: "same-line explicit keys",
    text: `${"? ".repeat(400)}x`,
    expected: /nested 401 levels deep/,
  },
  {
    name: "same-line compact lists",
    text: `${"- ".repeat(5000)}x`,
    expected: /nested 5001 levels deep/,
  },
  {
    name: "deep block nesting",
    text: Array.from({ length: 1500 }, (_, i) => `${" ".repeat(i)}a:`).join("\n"),
    expected: /nested 1500 levels deep/,
  },
  {
    name: "thousands of errors on one line",
    text: "&a ".repeat(20_000),
    expected: /… and 19989 more errors$/,
  },
];

for (const c of FILE_CASES) {
  test(`the file: ${c.name} is a problem, not a crash`, () => {
    const started = performance.now();
    const problems = expectProblems(parseSecretProviderClass(c.text));
    assert.ok(performance.now() - started < 2_000, "took more than 2 s");
    assert.ok(
      problems.some((p) => c.expected.test(p.message)),
      JSON.stringify(problems).slice(0, 500),
    );
  });
}

test("a few aliases, as people use them for shared labels, are fine", () => {
  const text = classWith().replace(
    "metadata:\n",
    "metadata:\n  labels: &l {team: a}\n  annotations: *l\n",
  );
  expectOk(parseSecretProviderClass(text));
});
