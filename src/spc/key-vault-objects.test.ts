import assert from "node:assert/strict";
import { test } from "node:test";
import { parseSecretProviderClass, type SpcObject } from "./index.js";
import {
  VERSION,
  classWith,
  expectOk,
  expectOnly,
  firstObject,
  renderObjects,
  type ClassModel,
  type ObjectModel,
} from "./test-support/class-builder.js";

/** The `objects` parameter: both YAML levels, every field, and the rules across objects. */

const O = "spec.parameters.objects";

/** Edit the first object's fields. */
const first =
  (edit: (o: Record<string, unknown>) => void) =>
  (m: ClassModel): void => {
    edit(firstObject(m));
  };

/** Replace the object list; secretObjects are dropped so they cannot add noise. */
const objects =
  (items: ObjectModel[]) =>
  (m: ClassModel): void => {
    m.spec.parameters["objects"] = items;
    delete m.spec.secretObjects;
  };

const DEFAULTS: Omit<SpcObject, "objectName" | "fileName"> = {
  objectType: "secret",
  versionHistory: 0,
  encoding: "utf-8",
  format: "pem",
  fileMode: 0o644,
};

test("the default objects parse with the provider's defaults", () => {
  const { spc } = expectOk(parseSecretProviderClass(classWith()));
  assert.deepEqual(spc.objects, [
    { ...DEFAULTS, objectName: "db-pass", fileName: "db-pass" },
    { ...DEFAULTS, objectName: "api-key", fileName: "api.key" },
  ]);
});

/** `undefined` means the field must be absent. */
type Expected = { [K in keyof SpcObject]?: SpcObject[K] | undefined };

const VALID: {
  name: string;
  edit: (m: ClassModel) => void;
  expected: Expected;
  warning?: RegExp;
}[] = [
  {
    name: "objectType key (flagged, not refused)",
    edit: first((o) => (o["objectType"] = "key")),
    expected: { objectType: "key" },
  },
  {
    name: "objectType cert (flagged, not refused)",
    edit: first((o) => (o["objectType"] = "cert")),
    expected: { objectType: "cert" },
  },
  {
    name: "objectVersion empty is latest",
    edit: first((o) => (o["objectVersion"] = "")),
    expected: { objectVersion: undefined },
  },
  {
    name: "objectVersion latest",
    edit: first((o) => (o["objectVersion"] = "latest")),
    expected: { objectVersion: undefined },
  },
  {
    name: "objectVersion LATEST",
    edit: first((o) => (o["objectVersion"] = "LATEST")),
    expected: { objectVersion: undefined },
  },
  {
    name: "objectVersion pinned",
    edit: first((o) => (o["objectVersion"] = VERSION)),
    expected: { objectVersion: VERSION },
  },
  {
    name: "objectVersion unlike Key Vault's warns but passes, as the provider passes it on",
    edit: first((o) => (o["objectVersion"] = "v2")),
    expected: { objectVersion: "v2" },
    warning: /objects\[0\]\.objectVersion: Key Vault versions are 32 hex characters/,
  },
  {
    name: "objectVersion of digits only keeps its text",
    edit: objects([
      "objectName: a\nobjectType: secret\nobjectVersion: 12345678901234567890123456789012\n",
    ]),
    expected: { objectVersion: "12345678901234567890123456789012" },
  },
  {
    name: "objectAlias names the file",
    edit: first((o) => (o["objectAlias"] = "db.password")),
    expected: { fileName: "db.password" },
  },
  {
    name: "objectAlias empty falls back to objectName",
    edit: first((o) => (o["objectAlias"] = "")),
    expected: { fileName: "db-pass" },
  },
  {
    name: "objectAlias of 255 bytes",
    edit: first((o) => (o["objectAlias"] = "a".repeat(255))),
    expected: { fileName: "a".repeat(255) },
  },
  {
    name: "objectAlias may start with a dot",
    edit: first((o) => (o["objectAlias"] = ".env")),
    expected: { fileName: ".env" },
  },
  {
    name: "objectVersionHistory 0",
    edit: first((o) => (o["objectVersionHistory"] = 0)),
    expected: { versionHistory: 0 },
  },
  {
    name: "objectVersionHistory 1",
    edit: first((o) => (o["objectVersionHistory"] = 1)),
    expected: { versionHistory: 1 },
  },
  {
    name: "objectVersionHistory 5",
    edit: first((o) => (o["objectVersionHistory"] = 5)),
    expected: { versionHistory: 5 },
  },
  {
    name: "objectVersionHistory quoted is read, with the provider's refusal as a warning",
    edit: first((o) => (o["objectVersionHistory"] = "3")),
    expected: { versionHistory: 3 },
    warning: /objectVersionHistory: the Azure provider rejects a quoted number/,
  },
  {
    name: "objectEncoding utf-8",
    edit: first((o) => (o["objectEncoding"] = "utf-8")),
    expected: { encoding: "utf-8" },
  },
  {
    name: "objectEncoding hex",
    edit: first((o) => (o["objectEncoding"] = "hex")),
    expected: { encoding: "hex" },
  },
  {
    name: "objectEncoding Base64 (any case)",
    edit: first((o) => (o["objectEncoding"] = "Base64")),
    expected: { encoding: "base64" },
  },
  {
    name: "objectFormat pem",
    edit: first((o) => (o["objectFormat"] = "pem")),
    expected: { format: "pem" },
  },
  {
    name: "objectFormat PFX with a secret",
    edit: first((o) => (o["objectFormat"] = "PFX")),
    expected: { format: "pfx" },
  },
  {
    name: "objectFormat pem with a cert",
    edit: first((o) => Object.assign(o, { objectType: "cert", objectFormat: "pem" })),
    expected: { format: "pem", objectType: "cert" },
  },
  {
    name: 'filePermission "0440"',
    edit: first((o) => (o["filePermission"] = "0440")),
    expected: { fileMode: 0o440 },
  },
  {
    name: 'filePermission "440"',
    edit: first((o) => (o["filePermission"] = "440")),
    expected: { fileMode: 0o440 },
  },
  {
    name: 'filePermission "0777"',
    edit: first((o) => (o["filePermission"] = "0777")),
    expected: { fileMode: 0o777 },
  },
  {
    name: 'filePermission "0"',
    edit: first((o) => (o["filePermission"] = "0")),
    expected: { fileMode: 0 },
  },
  {
    name: "filePermission 0440 unquoted is still octal text, as go-yaml hands it to a string",
    edit: objects(["objectName: a\nobjectType: secret\nfilePermission: 0440\n"]),
    expected: { fileMode: 0o440 },
  },
  {
    name: "values are whitespace-trimmed",
    edit: objects(['objectName: " db-pass "\nobjectType: " secret"\nobjectAlias: "pw "\n']),
    expected: { objectName: "db-pass", fileName: "pw" },
  },
  {
    name: "a number as objectName is its text",
    edit: objects(["objectName: 1234\nobjectType: secret\n"]),
    expected: { objectName: "1234", fileName: "1234" },
  },
  {
    name: "an objectName Key Vault would not accept warns",
    edit: first((o) => (o["objectName"] = "db_pass")),
    expected: { objectName: "db_pass" },
    warning: /objects\[0\]\.objectName: Key Vault names are 1–127 letters, digits and '-'/,
  },
];

for (const c of VALID) {
  test(`valid: ${c.name}`, () => {
    const model = (m: ClassModel): void => {
      delete m.spec.secretObjects;
      c.edit(m);
    };
    const { spc, warnings } = expectOk(parseSecretProviderClass(classWith(model)));
    const object = spc.objects[0];
    assert.ok(object !== undefined);
    for (const [key, value] of Object.entries(c.expected)) {
      assert.deepEqual(object[key as keyof SpcObject], value, key);
    }
    if (c.expected.objectVersion === undefined && "objectVersion" in c.expected) {
      assert.equal("objectVersion" in object, false);
    }
    if (c.warning === undefined) assert.deepEqual(warnings, []);
    else assert.match(warnings.join("\n"), c.warning);
  });
}

const INVALID: { name: string; edit: (m: ClassModel) => void; expected: Record<string, RegExp> }[] =
  [
    {
      name: "objectName missing",
      edit: first((o) => delete o["objectName"]),
      expected: { [`${O}[0].objectName`]: /is required/ },
    },
    {
      name: "objectName empty",
      edit: first((o) => (o["objectName"] = " ")),
      expected: { [`${O}[0].objectName`]: /is required/ },
    },
    {
      name: "objectName a list",
      edit: first((o) => (o["objectName"] = ["a"])),
      expected: { [`${O}[0].objectName`]: /must be a single value, not a list/ },
    },
    {
      name: "objectName with a slash (it is the file name)",
      edit: first((o) => (o["objectName"] = "a/b")),
      expected: { [`${O}[0].objectName`]: /must be a file name, without '\/'/ },
    },
    {
      name: "objectType missing",
      edit: first((o) => delete o["objectType"]),
      expected: { [`${O}[0].objectType`]: /is required: secret, key or cert/ },
    },
    {
      name: "objectType capitalised (the provider compares exactly)",
      edit: first((o) => (o["objectType"] = "Secret")),
      expected: { [`${O}[0].objectType`]: /must be secret, key or cert, in lower case.*"Secret"/ },
    },
    {
      name: "objectType certificate",
      edit: first((o) => (o["objectType"] = "certificate")),
      expected: { [`${O}[0].objectType`]: /must be secret, key or cert/ },
    },
    {
      name: "objectAlias with a slash",
      edit: first((o) => (o["objectAlias"] = "dir/file")),
      expected: { [`${O}[0].objectAlias`]: /without '\/'/ },
    },
    {
      name: "objectAlias absolute",
      edit: first((o) => (o["objectAlias"] = "/etc/passwd")),
      expected: { [`${O}[0].objectAlias`]: /without '\/'/ },
    },
    {
      name: "objectAlias ..",
      edit: first((o) => (o["objectAlias"] = "..")),
      expected: { [`${O}[0].objectAlias`]: /must not contain '\.\.'/ },
    },
    {
      name: "objectAlias ..data",
      edit: first((o) => (o["objectAlias"] = "..data")),
      expected: { [`${O}[0].objectAlias`]: /must not contain '\.\.'/ },
    },
    {
      name: "objectAlias a..b",
      edit: first((o) => (o["objectAlias"] = "a..b")),
      expected: { [`${O}[0].objectAlias`]: /must not contain '\.\.'/ },
    },
    {
      name: "objectAlias .",
      edit: first((o) => (o["objectAlias"] = ".")),
      expected: { [`${O}[0].objectAlias`]: /not '\.'/ },
    },
    {
      name: "objectAlias of 256 bytes",
      edit: first((o) => (o["objectAlias"] = "a".repeat(256))),
      expected: { [`${O}[0].objectAlias`]: /at most 255 bytes/ },
    },
    {
      name: "objectAlias of 128 two-byte characters",
      edit: first((o) => (o["objectAlias"] = "é".repeat(128))),
      expected: { [`${O}[0].objectAlias`]: /at most 255 bytes/ },
    },
    {
      name: "objectVersionHistory negative",
      edit: first((o) => (o["objectVersionHistory"] = -1)),
      expected: { [`${O}[0].objectVersionHistory`]: /whole number ≥ 0/ },
    },
    {
      name: "objectVersionHistory fractional",
      edit: first((o) => (o["objectVersionHistory"] = 1.5)),
      expected: { [`${O}[0].objectVersionHistory`]: /whole number ≥ 0/ },
    },
    {
      name: "objectVersionHistory a word",
      edit: first((o) => (o["objectVersionHistory"] = "all")),
      expected: { [`${O}[0].objectVersionHistory`]: /whole number ≥ 0/ },
    },
    {
      name: "objectVersionHistory beyond int32",
      edit: first((o) => (o["objectVersionHistory"] = 2 ** 31)),
      expected: { [`${O}[0].objectVersionHistory`]: /at most 2147483647/ },
    },
    {
      name: "objectEncoding utf8",
      edit: first((o) => (o["objectEncoding"] = "utf8")),
      expected: { [`${O}[0].objectEncoding`]: /must be utf-8 or hex or base64/ },
    },
    {
      name: "objectEncoding with a cert",
      edit: first((o) => Object.assign(o, { objectType: "cert", objectEncoding: "base64" })),
      expected: { [`${O}[0].objectEncoding`]: /only allowed with objectType secret, not cert/ },
    },
    {
      name: "objectEncoding utf-8 with a key (the provider refuses any encoding)",
      edit: first((o) => Object.assign(o, { objectType: "key", objectEncoding: "utf-8" })),
      expected: { [`${O}[0].objectEncoding`]: /only allowed with objectType secret, not key/ },
    },
    {
      name: "objectFormat der",
      edit: first((o) => (o["objectFormat"] = "der")),
      expected: { [`${O}[0].objectFormat`]: /must be pem or pfx/ },
    },
    {
      name: "objectFormat pfx with a cert",
      edit: first((o) => Object.assign(o, { objectType: "cert", objectFormat: "pfx" })),
      expected: {
        [`${O}[0].objectFormat`]: /pfx is only allowed with objectType secret, not cert/,
      },
    },
    {
      name: "filePermission with an 8",
      edit: first((o) => (o["filePermission"] = "0648")),
      expected: { [`${O}[0].filePermission`]: /octal file mode/ },
    },
    {
      name: "filePermission 1000",
      edit: first((o) => (o["filePermission"] = "1000")),
      expected: { [`${O}[0].filePermission`]: /at most 0777/ },
    },
    {
      name: "filePermission 04755",
      edit: first((o) => (o["filePermission"] = "04755")),
      expected: { [`${O}[0].filePermission`]: /at most 0777/ },
    },
    {
      name: "filePermission symbolic",
      edit: first((o) => (o["filePermission"] = "rw-r--r--")),
      expected: { [`${O}[0].filePermission`]: /octal file mode/ },
    },
    {
      name: "filePermission negative",
      edit: first((o) => (o["filePermission"] = "-1")),
      expected: { [`${O}[0].filePermission`]: /octal file mode/ },
    },
    {
      name: "an unknown field",
      edit: first((o) => (o["objectNotAfter"] = "2025-01-01")),
      expected: {
        [`${O}[0].objectNotAfter`]: /unknown field; the fields are objectName, objectType/,
      },
    },
    {
      name: "a field in the wrong case",
      edit: first((o) => (o["objectalias"] = "x")),
      expected: { [`${O}[0].objectalias`]: /did you mean objectAlias\?/ },
    },
    {
      name: "several problems in one object, all reported",
      edit: first((o) =>
        Object.assign(o, {
          objectType: "cert",
          objectEncoding: "hex",
          objectFormat: "pfx",
          objectAlias: "../x",
          filePermission: "9",
          extra: 1,
        }),
      ),
      expected: {
        [`${O}[0].objectEncoding`]: /only allowed with objectType secret/,
        [`${O}[0].objectFormat`]: /pfx is only allowed/,
        [`${O}[0].objectAlias`]: /without '\/'/,
        [`${O}[0].filePermission`]: /octal/,
        [`${O}[0].extra`]: /unknown field/,
      },
    },
  ];

for (const c of INVALID) {
  test(`invalid: ${c.name}`, () => {
    const model = (m: ClassModel): void => {
      delete m.spec.secretObjects;
      c.edit(m);
    };
    expectOnly(parseSecretProviderClass(classWith(model)), c.expected);
  });
}

// ---- across objects -------------------------------------------------------------------------

test("two objects writing the same file: a problem on the later, naming the earlier", () => {
  const text = classWith(
    objects([
      { objectName: "db-pass", objectType: "secret" },
      { objectName: "other", objectType: "secret" },
      { objectName: "db-pass", objectType: "key" },
    ]),
  );
  expectOnly(parseSecretProviderClass(text), {
    [`${O}[2].objectName`]:
      /writes the same file "db-pass" as objects\[0\]; give one an objectAlias/,
  });
});

test("an alias colliding with another object's name is a problem on the alias", () => {
  const text = classWith(
    objects([
      { objectName: "db-pass", objectType: "secret" },
      { objectName: "db-pass-v2", objectType: "secret", objectAlias: "db-pass" },
    ]),
  );
  expectOnly(parseSecretProviderClass(text), {
    [`${O}[1].objectAlias`]: /same file "db-pass" as objects\[0\]/,
  });
});

test("file names are case-sensitive, so Db-Pass and db-pass coexist", () => {
  const text = classWith(
    objects([
      { objectName: "db-pass", objectType: "secret" },
      { objectName: "db-pass", objectType: "secret", objectAlias: "Db-Pass" },
    ]),
  );
  assert.deepEqual(
    expectOk(parseSecretProviderClass(text)).spc.objects.map((o) => o.fileName),
    ["db-pass", "Db-Pass"],
  );
});

test("the same object twice under different aliases is fine", () => {
  const text = classWith(
    objects([
      { objectName: "db-pass", objectType: "secret", objectAlias: "a" },
      { objectName: "db-pass", objectType: "secret", objectAlias: "b" },
    ]),
  );
  expectOk(parseSecretProviderClass(text));
});

// ---- the two YAML levels --------------------------------------------------------------------

const rawObjects =
  (text: string) =>
  (m: ClassModel): void => {
    m.spec.parameters["objects"] = text;
    delete m.spec.secretObjects;
  };

const SHAPES: { name: string; objects: string; expected: Record<string, RegExp> }[] = [
  {
    name: "no array key",
    objects: "objects:\n  - objectName: a\n",
    expected: { [O]: /unknown key "objects"|has no `array:` list/ },
  },
  {
    name: "array not a list",
    objects: "array: objectName\n",
    expected: { [O]: /`array:` must be a list/ },
  },
  { name: "an empty array", objects: "array: []\n", expected: { [O]: /`array:` is empty/ } },
  {
    name: "a scalar instead of YAML with array",
    objects: "db-pass\n",
    expected: { [O]: /must be YAML with an `array:` list/ },
  },
  {
    name: "a syntax error in objects",
    objects: "array:\n  - |\n    a: b\n - c: [\n",
    expected: {
      [O]: /YAML syntax error \(lines counted within objects\): .* at line \d+, column \d+/,
    },
  },
  {
    name: "an item written as a mapping, without `- |`",
    objects: "array:\n  - objectName: a\n    objectType: secret\n",
    expected: { [`${O}[0]`]: /must be a YAML text .*write `- \|` and indent/ },
  },
  {
    name: "an item that is a number",
    objects: "array:\n  - 42\n",
    expected: { [`${O}[0]`]: /start the item with `- \|`/ },
  },
  {
    name: "a syntax error inside one object names the object",
    objects: renderObjects([
      { objectName: "a", objectType: "secret" },
      "objectName: b\nobjectType: [secret\n",
    ]),
    expected: { [`${O}[1]`]: /^YAML syntax error in object 1: .* at line \d+, column \d+$/ },
  },
  {
    name: "duplicate fields inside an object",
    objects: renderObjects(["objectName: a\nobjectName: b\nobjectType: secret\n"]),
    expected: { [`${O}[0]`]: /YAML syntax error in object 0: Map keys must be unique/ },
  },
  {
    name: "an object that is a list",
    objects: renderObjects(["- objectName: a\n"]),
    expected: { [`${O}[0]`]: /must be a mapping of object fields/ },
  },
  {
    name: "an empty item",
    objects: "array:\n  - |\n    objectName: a\n    objectType: secret\n  -\n",
    expected: { [`${O}[1].objectName`]: /is required/, [`${O}[1].objectType`]: /is required/ },
  },
  {
    name: "an unknown key beside array",
    objects: `${renderObjects([{ objectName: "a", objectType: "secret" }])}arrays: []\n`,
    expected: { [O]: /unknown key "arrays": only `array:` is read/ },
  },
  {
    name: "an alias bomb inside objects",
    objects:
      "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\narray: *c\n",
    expected: { [O]: /too many aliases/ },
  },
  {
    // The depth guard counts brackets in block scalars too, so the file is refused before this.
    name: "deep nesting inside one object",
    objects: renderObjects([`objectName: ${"[".repeat(5000)}\nobjectType: secret\n`]),
    expected: { "": /nested 5000 levels deep/ },
  },
];

for (const c of SHAPES) {
  test(`objects: ${c.name}`, () => {
    expectOnly(parseSecretProviderClass(classWith(rawObjects(c.objects))), c.expected);
  });
}

test("problems in several objects are reported together, each at its own path", () => {
  const text = classWith(
    objects([
      { objectName: "a", objectType: "secret" },
      { objectType: "secret" },
      { objectName: "c", objectType: "Cert" },
      "objectName: d\nobjectType: secret\nfilePermission: 999\n",
    ]),
  );
  expectOnly(parseSecretProviderClass(text), {
    [`${O}[1].objectName`]: /is required/,
    [`${O}[2].objectType`]: /lower case/,
    [`${O}[3].filePermission`]: /octal/,
  });
});

test("the objects keep their order", () => {
  const names = ["z", "a", "m"];
  const text = classWith(
    objects(names.map((objectName) => ({ objectName, objectType: "secret" }))),
  );
  assert.deepEqual(
    expectOk(parseSecretProviderClass(text)).spc.objects.map((o) => o.objectName),
    names,
  );
});
