import assert from "node:assert/strict";
import { test } from "node:test";
import { parseSecretProviderClass, type SecretObjectSpec } from "./index.js";
import { classWith, expectOk, expectOnly, type ClassModel } from "./test-support/class-builder.js";

/** spec.secretObjects: shape, Kubernetes' rules, and references to the files the class writes. */

const S = "spec.secretObjects";

/** The default class has objects db-pass (file db-pass) and api-key (file api.key). */
const secrets =
  (items: unknown) =>
  (m: ClassModel): void => {
    m.spec.secretObjects = items;
  };

const withHistory =
  (n: number, items: unknown) =>
  (m: ClassModel): void => {
    m.spec.parameters["objects"] = [
      { objectName: "db-pass", objectType: "secret", objectAlias: "pw", objectVersionHistory: n },
    ];
    m.spec.secretObjects = items;
  };

const one = (data: unknown, extra: Record<string, unknown> = {}) => [
  { secretName: "app", type: "Opaque", data, ...extra },
];

test("the default secretObjects parse, with empty labels and annotations", () => {
  const { spc } = expectOk(parseSecretProviderClass(classWith()));
  assert.deepEqual(spc.secretObjects, [
    {
      secretName: "app",
      type: "Opaque",
      labels: {},
      annotations: {},
      data: [{ objectName: "db-pass", key: "password" }],
    },
  ] satisfies SecretObjectSpec[]);
});

const VALID: { name: string; edit: (m: ClassModel) => void; expected: SecretObjectSpec[] }[] = [
  {
    name: "a reference by alias, labels and annotations",
    edit: secrets(
      one([{ objectName: "api.key", key: "API_KEY" }], {
        labels: { "app.kubernetes.io/name": "web" },
        annotations: { "example.com/owner": "team a" },
      }),
    ),
    expected: [
      {
        secretName: "app",
        type: "Opaque",
        labels: { "app.kubernetes.io/name": "web" },
        annotations: { "example.com/owner": "team a" },
        data: [{ objectName: "api.key", key: "API_KEY" }],
      },
    ],
  },
  {
    name: "a kubernetes.io/tls Secret mapping one file to both keys",
    edit: secrets([
      {
        secretName: "tls",
        type: "kubernetes.io/tls",
        data: [
          { objectName: "db-pass", key: "tls.key" },
          { objectName: "db-pass", key: "tls.crt" },
        ],
      },
    ]),
    expected: [
      {
        secretName: "tls",
        type: "kubernetes.io/tls",
        labels: {},
        annotations: {},
        data: [
          { objectName: "db-pass", key: "tls.key" },
          { objectName: "db-pass", key: "tls.crt" },
        ],
      },
    ],
  },
  {
    name: "version history files <alias>/0 and <alias>/4",
    edit: withHistory(
      5,
      one([
        { objectName: "pw/0", key: "current" },
        { objectName: "pw/4", key: "oldest" },
      ]),
    ),
    expected: [
      {
        secretName: "app",
        type: "Opaque",
        labels: {},
        annotations: {},
        data: [
          { objectName: "pw/0", key: "current" },
          { objectName: "pw/4", key: "oldest" },
        ],
      },
    ],
  },
  {
    name: "several Secrets",
    edit: secrets([
      { secretName: "a", type: "Opaque", data: [{ objectName: "db-pass", key: "x" }] },
      { secretName: "b", type: "Opaque", data: [{ objectName: "db-pass", key: "x" }] },
    ]),
    expected: ["a", "b"].map((secretName) => ({
      secretName,
      type: "Opaque",
      labels: {},
      annotations: {},
      data: [{ objectName: "db-pass", key: "x" }],
    })),
  },
  { name: "an empty list", edit: secrets([]), expected: [] },
  { name: "null (the key without a value)", edit: secrets(null), expected: [] },
];

for (const c of VALID) {
  test(`valid: ${c.name}`, () => {
    assert.deepEqual(
      expectOk(parseSecretProviderClass(classWith(c.edit))).spc.secretObjects,
      c.expected,
    );
  });
}

const INVALID: { name: string; edit: (m: ClassModel) => void; expected: Record<string, RegExp> }[] =
  [
    { name: "not a list", edit: secrets({ secretName: "a" }), expected: { [S]: /must be a list/ } },
    {
      name: "secretName missing",
      edit: secrets([{ type: "Opaque", data: [{ objectName: "db-pass", key: "k" }] }]),
      expected: { [`${S}[0].secretName`]: /is required/ },
    },
    {
      name: "secretName not a DNS subdomain",
      edit: secrets(one([{ objectName: "db-pass", key: "k" }], { secretName: "App_Secret" })),
      expected: { [`${S}[0].secretName`]: /DNS subdomain/ },
    },
    {
      name: "type missing",
      edit: secrets([{ secretName: "a", data: [{ objectName: "db-pass", key: "k" }] }]),
      expected: { [`${S}[0].type`]: /is required/ },
    },
    {
      name: "type empty",
      edit: secrets(one([{ objectName: "db-pass", key: "k" }], { type: "" })),
      expected: { [`${S}[0].type`]: /is required: Opaque/ },
    },
    {
      name: "data missing",
      edit: secrets([{ secretName: "a", type: "Opaque" }]),
      expected: { [`${S}[0].data`]: /is required/ },
    },
    {
      name: "data empty",
      edit: secrets(one([])),
      expected: { [`${S}[0].data`]: /at least one \{objectName, key\}/ },
    },
    {
      name: "data objectName missing",
      edit: secrets(one([{ key: "k" }])),
      expected: { [`${S}[0].data[0].objectName`]: /is required/ },
    },
    {
      name: "data key missing",
      edit: secrets(one([{ objectName: "db-pass" }])),
      expected: { [`${S}[0].data[0].key`]: /is required/ },
    },
    {
      name: "data key with a slash",
      edit: secrets(one([{ objectName: "db-pass", key: "a/b" }])),
      expected: { [`${S}[0].data[0].key`]: /only letters, digits, '-', '_' and '\.'/ },
    },
    {
      name: "data key ..",
      edit: secrets(one([{ objectName: "db-pass", key: "..a" }])),
      expected: { [`${S}[0].data[0].key`]: /start with '\.\.'/ },
    },
    {
      name: "data key a number",
      edit: secrets(one([{ objectName: "db-pass", key: 1 }])),
      expected: { [`${S}[0].data[0].key`]: /must be a string: quote it/ },
    },
    {
      name: "a duplicate data key",
      edit: secrets(
        one([
          { objectName: "db-pass", key: "k" },
          { objectName: "api.key", key: "k" },
        ]),
      ),
      expected: { [`${S}[0].data[1].key`]: /duplicates data\[0\]\.key "k"/ },
    },
    {
      name: "a kubernetes.io/tls Secret with another key",
      edit: secrets(one([{ objectName: "db-pass", key: "ca.crt" }], { type: "kubernetes.io/tls" })),
      expected: { [`${S}[0].data[0].key`]: /takes only tls\.crt and tls\.key/ },
    },
    {
      name: "a reference to no file",
      edit: secrets(one([{ objectName: "db-password", key: "k" }])),
      expected: {
        [`${S}[0].data[0].objectName`]:
          /no object writes "db-password"; the class writes: db-pass, api\.key/,
      },
    },
    {
      name: "a reference by objectName when the object has an alias",
      edit: secrets(one([{ objectName: "api-key", key: "k" }])),
      expected: { [`${S}[0].data[0].objectName`]: /no object writes "api-key"/ },
    },
    {
      name: "a reference to a version-history folder",
      edit: withHistory(3, one([{ objectName: "pw", key: "k" }])),
      expected: {
        [`${S}[0].data[0].objectName`]:
          /"pw" is a folder \(objectVersionHistory 3\); name a version file such as "pw\/0"/,
      },
    },
    {
      name: "a version index beyond the history",
      edit: withHistory(3, one([{ objectName: "pw/3", key: "k" }])),
      expected: { [`${S}[0].data[0].objectName`]: /objectVersionHistory 3 writes pw\/0 to pw\/2/ },
    },
    {
      name: "a version index on a single file",
      edit: withHistory(1, one([{ objectName: "pw/0", key: "k" }])),
      expected: { [`${S}[0].data[0].objectName`]: /pw is a single file/ },
    },
    {
      name: "two entries for the same Secret",
      edit: secrets([
        ...one([{ objectName: "db-pass", key: "a" }]),
        ...one([{ objectName: "db-pass", key: "b" }]),
      ]),
      expected: { [`${S}[1].secretName`]: /already built by secretObjects\[0\]/ },
    },
    {
      name: "an unknown field in an entry",
      edit: secrets(one([{ objectName: "db-pass", key: "k" }], { immutable: true })),
      expected: { [`${S}[0].immutable`]: /unknown field/ },
    },
    {
      name: "an unknown field in data",
      edit: secrets(one([{ objectName: "db-pass", key: "k", path: "x" }])),
      expected: { [`${S}[0].data[0].path`]: /unknown field/ },
    },
    {
      name: "a label value that is not a string",
      edit: secrets(one([{ objectName: "db-pass", key: "k" }], { labels: { v: 2 } })),
      expected: { [`${S}[0].labels.v`]: /must be a string: quote it/ },
    },
    {
      name: "an entry with problems still has its data checked",
      edit: secrets(one([{ objectName: "nope", key: "k" }], { labels: "x" })),
      expected: {
        [`${S}[0].labels`]: /must be a mapping/,
        [`${S}[0].data[0].objectName`]: /no object writes "nope"/,
      },
    },
  ];

for (const c of INVALID) {
  test(`invalid: ${c.name}`, () => {
    expectOnly(parseSecretProviderClass(classWith(c.edit)), c.expected);
  });
}

test("references are not checked while the objects have problems (they would all look wrong)", () => {
  const text = classWith((m) => {
    m.spec.parameters["objects"] = [{ objectName: "db-pass", objectType: "sekret" }];
    m.spec.secretObjects = one([{ objectName: "db-pass", key: "k" }]);
  });
  expectOnly(parseSecretProviderClass(text), {
    "spec.parameters.objects[0].objectType": /must be secret/,
  });
});
