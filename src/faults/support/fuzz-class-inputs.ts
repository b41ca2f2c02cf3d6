import fc from "fast-check";
import { stringify } from "yaml";
import { renderClass, type ClassModel } from "../../spc/test-support/class-builder.js";

/**
 * Inputs for fuzzing SecretProviderClass parsing. Three kinds:
 *
 * - valid classes built from a model, sometimes with faults injected at known field paths: the
 *   model says what must parse and which paths the problems must name;
 * - text mutations of valid classes, hostile YAML (alias bombs, self-referencing aliases, deep
 *   nesting, inputs past the size limit, many documents) and random documents: anything goes,
 *   but the parser must answer with a result, never a throw;
 * - raw bytes (invalid UTF-8 among them) for loadSecretProviderClass.
 */

export interface ObjectFields {
  objectName: string;
  objectType: string;
  objectAlias?: string;
  objectVersion?: string;
  objectVersionHistory?: number | string;
  objectEncoding?: string;
  objectFormat?: string;
  filePermission?: string;
  [unknownField: string]: unknown;
}

/** A fault: the model edit and the path its problem must be reported at. */
export interface Fault {
  readonly path: string;
  readonly what: string;
  /** An edit outside the Azure provider (a non-azure provider): its parameters go unchecked. */
  readonly leavesAzure?: boolean;
  /** Breaks the object list, so secretObjects' file references go unchecked. */
  readonly breaksObjects?: boolean;
  /** A reference to a file no object writes: only checked against a clean object list. */
  readonly needsObjects?: boolean;
  readonly apply: (model: ClassModel) => void;
}

export interface ModelCase {
  readonly kind: "model";
  readonly model: ClassModel;
  readonly faults: readonly Fault[];
  readonly text: string;
}

export interface TextCase {
  readonly kind: "text";
  /** Where the text came from, for the report. */
  readonly origin: string;
  readonly text: string;
  /** Also written to a file and read with loadSecretProviderClass. */
  readonly viaFile: boolean;
}

export interface BytesCase {
  readonly kind: "bytes";
  readonly origin: string;
  readonly bytes: Uint8Array;
}

export type ClassCase = ModelCase | TextCase | BytesCase;

// ---- valid models -------------------------------------------------------------------------

const dnsLabel = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,14}[a-z0-9])?$/);
const vaultName = fc.stringMatching(/^[A-Za-z0-9][-A-Za-z0-9]{2,22}$/);
const guid = fc.uuid();
const kvName = fc.stringMatching(/^[0-9A-Za-z-]{1,20}$/);
/** File names as aliases: letters, digits, dots, '-', '_', a few non-ASCII, never '..'. */
const alias = fc
  .stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.é-]{0,30}$/)
  .filter((s) => !s.includes(".."));
const mixedCase = (values: readonly string[]) =>
  fc.constantFrom(...values).chain((v) => fc.mixedCase(fc.constant(v)));

const objectFields: fc.Arbitrary<ObjectFields> = fc
  .record(
    {
      objectName: kvName,
      objectType: fc.constantFrom("secret", "key", "cert"),
      objectAlias: alias,
      objectVersion: fc.oneof(
        fc.stringMatching(/^[0-9a-f]{32}$/),
        mixedCase(["latest"]),
        fc.constant(""),
      ),
      objectVersionHistory: fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constant("2")),
      objectEncoding: mixedCase(["utf-8", "hex", "base64"]),
      objectFormat: mixedCase(["pem", "pfx"]),
      filePermission: fc.stringMatching(/^0?[0-7]{3}$/),
    },
    { requiredKeys: ["objectName", "objectType"] },
  )
  .map((o) => {
    // The provider allows encodings and pfx only for secrets.
    if (o.objectType !== "secret") {
      delete o.objectEncoding;
      if (o.objectFormat?.toLowerCase() === "pfx") delete o.objectFormat;
    }
    return o;
  });

/** Objects with distinct file names: the provider would write one over the other. */
const objectList = fc.array(objectFields, { minLength: 1, maxLength: 5 }).map((list) =>
  list.map((o, i) => ({
    ...o,
    objectName: `${o.objectName}-${i}`,
    ...(o.objectAlias === undefined ? {} : { objectAlias: `${o.objectAlias}-${i}` }),
  })),
);

/** Files an object writes, as secretObjects name them. */
export function filesOf(o: ObjectFields): string[] {
  const name = o.objectAlias ?? o.objectName;
  const history = Number(o.objectVersionHistory ?? 0);
  return history <= 1 ? [name] : Array.from({ length: history }, (_, i) => `${name}/${i}`);
}

const identity = fc.oneof(
  fc.record({ clientID: guid }),
  fc.record({ clientID: guid, usePodIdentity: fc.constantFrom("false", "0", "F") }),
  fc.record({ useVMManagedIdentity: fc.constantFrom("true", "1", "True") }),
  fc.record({ useVMManagedIdentity: fc.constant("true"), userAssignedIdentityID: guid }),
  fc.record({ clientID: guid, useAzureTokenProxy: fc.constant("true") }),
);

const classModel: fc.Arbitrary<ClassModel> = fc
  .record({
    name: fc.oneof(
      dnsLabel,
      fc.tuple(dnsLabel, dnsLabel).map(([a, b]) => `${a}.${b}`),
    ),
    namespace: fc.option(dnsLabel, { nil: undefined }),
    keyvaultName: vaultName,
    tenant: fc.option(guid, { nil: undefined }),
    cloudName: fc.option(mixedCase(["AzurePublicCloud", "AzureChinaCloud", "AzureCloud"]), {
      nil: undefined,
    }),
    identity,
    objects: objectList,
    secrets: fc.array(
      fc.record({ tls: fc.boolean(), picks: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }) }),
      {
        maxLength: 2,
      },
    ),
    v1alpha1: fc.boolean(),
  })
  .map((m) => {
    const files = m.objects.flatMap(filesOf);
    const secretObjects = m.secrets.map((s, k) => {
      const picked = [...new Set(s.picks.map((p) => files[p % files.length] ?? ""))];
      return {
        secretName: `secret-${k}`,
        type: s.tls ? "kubernetes.io/tls" : "Opaque",
        data: (s.tls ? picked.slice(0, 2) : picked).map((objectName, j) => ({
          objectName,
          key: s.tls ? ["tls.crt", "tls.key"][j] : `key-${j}.txt`,
        })),
      };
    });
    return {
      apiVersion: `secrets-store.csi.x-k8s.io/${m.v1alpha1 ? "v1alpha1" : "v1"}`,
      kind: "SecretProviderClass",
      metadata: {
        name: m.name,
        ...(m.namespace === undefined ? {} : { namespace: m.namespace }),
      },
      spec: {
        provider: "azure",
        parameters: {
          keyvaultName: m.keyvaultName,
          ...(m.tenant === undefined ? {} : { tenantID: m.tenant }),
          ...(m.cloudName === undefined ? {} : { cloudName: m.cloudName }),
          ...m.identity,
          objects: m.objects,
        },
        ...(secretObjects.length === 0 ? {} : { secretObjects }),
      },
    } satisfies ClassModel;
  });

// ---- faults at known paths ----------------------------------------------------------------

const set =
  (path: readonly (string | number)[], value: unknown) =>
  (model: ClassModel): void => {
    let node = model as unknown as Record<string | number, unknown>;
    for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
    const last = path.at(-1) as string | number;
    if (value === undefined) Reflect.deleteProperty(node, last);
    else node[last] = value;
  };

const objectsOf = (model: ClassModel): ObjectFields[] =>
  model.spec.parameters["objects"] as ObjectFields[];

/** Faults that fit this model (its object and secretObjects indexes). */
function faultsFor(model: ClassModel): Fault[] {
  const faults: Fault[] = [
    ...["", "Upper-Case", "-x", "a_b", "a".repeat(254), 5].map((v) => ({
      path: "metadata.name",
      what: `metadata.name ${describeValue(v)}`,
      apply: set(["metadata", "name"], v),
    })),
    ...["UPPER", "a.b", "x".repeat(64)].map((v) => ({
      path: "metadata.namespace",
      what: `metadata.namespace ${describeValue(v)}`,
      apply: set(["metadata", "namespace"], v),
    })),
    ...["v1", "secrets-store.csi.x-k8s.io/v2", 1].map((v) => ({
      path: "apiVersion",
      what: `apiVersion ${describeValue(v)}`,
      apply: set(["apiVersion"], v),
    })),
    ...["Secret", "secretproviderclass"].map((v) => ({
      path: "kind",
      what: `kind ${describeValue(v)}`,
      apply: set(["kind"], v),
    })),
    ...["gcp", 3].map((v) => ({
      path: "spec.provider",
      what: `spec.provider ${describeValue(v)}`,
      leavesAzure: true,
      apply: set(["spec", "provider"], v),
    })),
    { path: "extra", what: "unknown top-level field", apply: set(["extra"], "x") },
    { path: "spec.extra", what: "unknown spec field", apply: set(["spec", "extra"], 1) },
    {
      path: "metadata.extra",
      what: "unknown metadata field",
      apply: set(["metadata", "extra"], 1),
    },
    ...["ab", "x".repeat(25), "bad_name!", "${keyvault_name}", 5].map((v) => ({
      path: "spec.parameters.keyvaultName",
      what: `keyvaultName ${describeValue(v)}`,
      apply: set(["spec", "parameters", "keyvaultName"], v),
    })),
    ...["not a tenant!", "a/b"].map((v) => ({
      path: "spec.parameters.tenantID",
      what: `tenantID ${describeValue(v)}`,
      apply: set(["spec", "parameters", "tenantID"], v),
    })),
    {
      path: "spec.parameters.cloudName",
      what: "cloudName Mars",
      apply: set(["spec", "parameters", "cloudName"], "Mars"),
    },
    ...["maybe", "yes", true].map((v) => ({
      path: "spec.parameters.usePodIdentity",
      what: `usePodIdentity ${describeValue(v)}`,
      apply: set(["spec", "parameters", "usePodIdentity"], v),
    })),
    {
      path: "spec.parameters.keyVaultName",
      what: "misspelt parameter keyVaultName",
      apply: set(["spec", "parameters", "keyVaultName"], "x"),
    },
  ];
  const objects = objectsOf(model);
  objects.forEach((o, i) => {
    const at = (field: string) => `spec.parameters.objects[${i}].${field}`;
    const field = (name: string, values: readonly unknown[], extra: Partial<Fault> = {}) =>
      values.map((v) => ({
        path: at(name),
        what: `objects[${i}].${name} ${describeValue(v)}`,
        breaksObjects: true,
        ...extra,
        apply: (m: ClassModel) => {
          (objectsOf(m)[i] as Record<string, unknown>)[name] = v;
        },
      }));
    faults.push(
      ...field("objectType", ["Secret", "certificate", "", "secrets"]),
      ...field("objectEncoding", ["utf-16", "binary", "base-64"]),
      ...field("objectFormat", ["der", "p12"]),
      ...field("filePermission", ["0999", "rw-r--r--", "01000", "-1", "0o644"]),
      ...field("objectVersionHistory", ["-1", "1.5", "3000000000", "many"]),
      ...field("objectname", ["x"]),
      ...field("objectAlias", ["../x", "a/b", ".", "é".repeat(128)]),
    );
    if (o.objectType !== "secret") {
      faults.push(...field("objectEncoding", ["hex"]), ...field("objectFormat", ["pfx"]));
    }
    if (i > 0) {
      const first = objects[0];
      if (first !== undefined) {
        faults.push({
          path: at("objectAlias"),
          what: `objects[${i}] writes the same file as objects[0]`,
          breaksObjects: true,
          apply: (m) => {
            objectsOf(m)[i] = { ...o, objectAlias: first.objectAlias ?? first.objectName };
          },
        });
      }
    }
  });
  const secretObjects = (model.spec.secretObjects ?? []) as { data: unknown[] }[];
  secretObjects.forEach((_, k) => {
    const base = ["spec", "secretObjects", k];
    faults.push(
      {
        path: `spec.secretObjects[${k}].secretName`,
        what: `secretObjects[${k}].secretName UPPER`,
        apply: set([...base, "secretName"], "UPPER"),
      },
      {
        path: `spec.secretObjects[${k}].type`,
        what: `secretObjects[${k}].type empty`,
        apply: set([...base, "type"], ""),
      },
      {
        path: `spec.secretObjects[${k}].data[0].key`,
        what: `secretObjects[${k}].data[0].key "bad key!"`,
        apply: set([...base, "data", 0, "key"], "bad key!"),
      },
      {
        path: `spec.secretObjects[${k}].data[0].objectName`,
        what: `secretObjects[${k}].data[0].objectName names no file`,
        needsObjects: true,
        apply: set([...base, "data", 0, "objectName"], "no-such-file-written"),
      },
    );
  });
  return faults;
}

/** Faults on distinct targets (one per object, one per secretObjects entry, one per field). */
function target(path: string): string {
  return /^spec\.(parameters\.objects|secretObjects)\[\d+\]/.exec(path)?.[0] ?? path;
}

/**
 * The paths a parse must report for these faults. Outside the Azure provider the parameters go
 * unchecked; with a broken object list the file references of secretObjects go unchecked; and a
 * duplicate-file fault needs objects[0] built.
 */
export function expectedPaths(faults: readonly Fault[]): string[] {
  const leftAzure = faults.some((f) => f.leavesAzure === true);
  const objectsBroken = faults.some((f) => f.breaksObjects === true);
  const firstObjectFaulty = faults.some((f) => f.path.startsWith("spec.parameters.objects[0]."));
  return faults
    .filter((f) => !(leftAzure && f.path.startsWith("spec.parameters.")))
    .filter((f) => !((leftAzure || objectsBroken) && f.needsObjects === true))
    .filter((f) => !(firstObjectFaulty && f.what.includes("same file as objects[0]")))
    .map((f) => f.path);
}

export const modelCase: fc.Arbitrary<ModelCase> = classModel.chain((model) => {
  const catalogue = faultsFor(model);
  return fc
    .oneof(
      { weight: 2, arbitrary: fc.constant<Fault[]>([]) },
      {
        weight: 5,
        arbitrary: fc.uniqueArray(fc.constantFrom(...catalogue), {
          minLength: 1,
          maxLength: 3,
          selector: (f) => target(f.path),
        }),
      },
    )
    .map((faults) => {
      const edited = structuredClone(model);
      for (const fault of faults) fault.apply(edited);
      return { kind: "model" as const, model: edited, faults, text: renderClass(edited) };
    });
});

// ---- text mutations, hostile YAML, random documents ---------------------------------------

const TOKENS = [
  "\n",
  "  ",
  "\t",
  "- ",
  ": ",
  "? ",
  "{",
  "}",
  "[",
  "]",
  ",",
  "&a ",
  "*a",
  "&a [*a]",
  "&b {k: *b}",
  "<<: *a\n",
  "!!binary aGVsbG8=",
  "!!set {a, b}",
  "!!omap [a: 1]",
  "!!timestamp 2001-12-14",
  "!!float .nan",
  "!!int 0x1F",
  "!foo ",
  "|",
  "|-",
  ">",
  '"',
  "'",
  "#",
  "---\n",
  "...\n",
  "%YAML 1.1\n",
  "~",
  "null",
  "yes",
  "no",
  "on",
  "0440",
  "1e3",
  ".inf",
  "-1",
  "99999999999999999999",
  "\uFEFF",
  "\uD800",
  "😀",
  "${x}",
  "..",
  "/",
  "objectType: Secret\n",
  "objectEncoding: hex\n",
  "filePermission: 0999\n",
  "objectVersionHistory: -1\n",
  "array:\n",
  "  - |\n",
  "secretObjects:\n",
  "data: []",
];

type Mutation = (text: string) => string;

const at = (text: string, fraction: number): number => Math.floor(fraction * (text.length + 1));

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(...TOKENS)).map(
    ([f, token]) =>
      (t: string) =>
        t.slice(0, at(t, f)) + token + t.slice(at(t, f)),
  ),
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.nat({ max: 40 })).map(
    ([f, n]) =>
      (t: string) =>
        t.slice(0, at(t, f)) + t.slice(at(t, f) + n + 1),
  ),
  fc
    .tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.string({ unit: "binary", maxLength: 8 }))
    .map(
      ([f, s]) =>
        (t: string) =>
          t.slice(0, at(t, f)) + s + t.slice(at(t, f)),
    ),
  // Replace a value after a colon.
  fc.tuple(fc.nat(), fc.constantFrom(...TOKENS)).map(([n, token]) => (t: string) => {
    const colons = [...t.matchAll(/: ?[^\n]*/g)];
    const m = colons[n % Math.max(1, colons.length)];
    return m?.index === undefined
      ? t
      : `${t.slice(0, m.index)}: ${token}${t.slice(m.index + m[0].length)}`;
  }),
  // Indent or dedent, duplicate or swap lines.
  fc
    .tuple(fc.nat(), fc.nat(), fc.constantFrom("indent", "dedent", "duplicate", "swap"))
    .map(([i, j, op]) => (t: string) => {
      const lines = t.split("\n");
      const a = i % lines.length;
      const b = j % lines.length;
      const line = lines[a] ?? "";
      if (op === "indent") lines[a] = ` ${line}`;
      else if (op === "dedent") lines[a] = line.replace(/^ /, "");
      else if (op === "duplicate") lines.splice(b, 0, line);
      else [lines[a], lines[b]] = [lines[b] ?? "", line];
      return lines.join("\n");
    }),
  fc.double({ min: 0, max: 1, noNaN: true }).map((f) => (t: string) => t.slice(0, at(t, f))),
);

/** A valid class as text: what mutations and hostile splices start from. */
const validText = classModel.map((model) => renderClass(model));

const mutatedCase: fc.Arbitrary<TextCase> = fc
  .tuple(validText, fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.nat({ max: 9 }))
  .map(([base, mutations, roll]) => ({
    kind: "text",
    origin: `mutated class (${mutations.length} edits)`,
    text: mutations.reduce((t, m) => m(t), base),
    // One in ten also goes through a file, for loadSecretProviderClass.
    viaFile: roll === 0,
  }));

/** Billion laughs: each level doubles the aliases of the one before. */
function aliasBomb(levels: number, indent = ""): string {
  const lines = [`${indent}a0: &a0 ["lol", "lol"]`];
  for (let i = 1; i < levels; i++) {
    lines.push(`${indent}a${i}: &a${i} [*a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}]`);
  }
  return lines.join("\n");
}

/** A valid class with `text` spliced in at one of its lines (a top-level field or deeper). */
const splice = (text: string, extra: string, fraction: number): string => {
  const lines = text.split("\n");
  lines.splice(Math.floor(fraction * lines.length), 0, extra);
  return lines.join("\n");
};

const hostileCase: fc.Arbitrary<TextCase> = fc
  .tuple(
    validText,
    fc.double({ min: 0, max: 1, noNaN: true }),
    fc.integer({ min: 2, max: 30 }),
    fc.constantFrom(
      "alias bomb at the top",
      "alias bomb in objects",
      "self-referencing alias in apiVersion",
      "self-referencing alias in kind",
      "self-referencing alias in metadata",
      "self-referencing alias in parameters",
      "self-referencing alias in objects",
      "self-referencing alias in secretObjects",
      "deep flow nesting",
      "deep block nesting",
      "deep nesting in objects",
      "past the size limit",
      "a huge value",
      "a huge key",
      "many documents",
      "many classes",
      "NUL",
      "BOM and CRLF",
      "tabs",
    ),
  )
  .map(([text, fraction, n, origin]) => ({
    kind: "text" as const,
    origin,
    text: hostile(origin, text, fraction, n),
    viaFile: false,
  }));

function hostile(origin: string, text: string, fraction: number, n: number): string {
  const huge = (size: number) => "x".repeat(size);
  switch (origin) {
    case "alias bomb at the top":
      return `${aliasBomb(Math.min(n, 12))}\n${text}`;
    case "alias bomb in objects":
      return text.replace(/array:\n/, `${aliasBomb(Math.min(n, 12), "      ")}\n      array:\n`);
    case "self-referencing alias in apiVersion":
      return text.replace(/^apiVersion: .*$/m, "apiVersion: &loop [*loop]");
    case "self-referencing alias in kind":
      return text.replace(/^kind: .*$/m, "kind: &loop { again: *loop }");
    case "self-referencing alias in metadata":
      return text.replace(/^metadata:/m, "metadata: &loop\n  self: *loop");
    case "self-referencing alias in parameters":
      return text.replace(/^ {2}parameters:/m, "  parameters:\n    loop: &loop [*loop]");
    case "self-referencing alias in objects":
      return text.replace(/array:\n/, "loop: &loop [*loop]\n      array:\n");
    case "self-referencing alias in secretObjects":
      return text.includes("secretObjects:")
        ? text.replace(/^ {2}secretObjects:\n/m, "  secretObjects: &loop\n    - *loop\n")
        : `${text}\n  secretObjects: &loop [*loop]\n`;
    case "deep flow nesting":
      return splice(text, `deep: ${"[".repeat(n * 40)}${"]".repeat(n * 40)}`, fraction);
    case "deep block nesting":
      return splice(
        text,
        Array.from({ length: n * 4 }, (_, i) => `${"  ".repeat(i)}k${i}:`).join("\n"),
        fraction,
      );
    case "deep nesting in objects":
      return text.replace(
        /array:\n/,
        `deep: ${"{a: ".repeat(n * 5)}1${"}".repeat(n * 5)}\n      array:\n`,
      );
    case "past the size limit":
      return `${text}\n# ${huge(1.5 * 1024 * 1024)}\n`;
    case "a huge value": {
      // One field's value, chosen by `fraction`, made far longer than any real one.
      const fields = [/^(apiVersion): .*$/m, /^(kind): .*$/m, /^( {2}provider): .*$/m];
      fields.push(/^( {4}keyvaultName): .*$/m, /^( {4}cloudName): .*$/m, /^( +objectType): .*$/m);
      const field = fields[Math.floor(fraction * fields.length)] ?? /^(kind): .*$/m;
      return text.replace(field, `$1: ${huge(n * 5_000)}`);
    }
    case "a huge key":
      return splice(text, `"${huge(n * 10_000)}": 1`, 0.01);
    case "many documents":
      return `${"---\nx: 1\n".repeat(n * 30)}---\n${text}`;
    case "many classes":
      return `${text}\n---\n${text}`;
    case "NUL":
      return splice(text, "\0", fraction);
    case "BOM and CRLF":
      return `\uFEFF${text.replaceAll("\n", "\r\n")}`;
    default:
      return text.replace(/^( {2})+/gm, (s) => "\t".repeat(s.length / 2));
  }
}

/** Random YAML documents (any JSON value, rendered) and random text. */
const randomCase: fc.Arbitrary<TextCase> = fc.oneof(
  fc.jsonValue({ maxDepth: 5 }).map((v) => ({
    kind: "text" as const,
    origin: "random document",
    text: stringify(v),
    viaFile: false,
  })),
  fc.string({ unit: "binary", maxLength: 300 }).map((s) => ({
    kind: "text" as const,
    origin: "random text",
    text: s,
    viaFile: false,
  })),
  fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }).map((tokens) => ({
    kind: "text" as const,
    origin: "random tokens",
    text: tokens.join(""),
    viaFile: false,
  })),
);

/** Bytes for loadSecretProviderClass: a valid class broken by invalid UTF-8, or random bytes. */
const bytesCase: fc.Arbitrary<BytesCase> = fc.oneof(
  fc
    .tuple(
      validText,
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.constantFrom(
        [0xff],
        [0xc3, 0x28],
        [0xc0, 0xaf],
        [0xed, 0xa0, 0x80],
        [0xf4, 0x90, 0x80, 0x80],
        [0xe2, 0x82],
      ),
    )
    .map(([text, fraction, bad]) => {
      const bytes = Buffer.from(text, "utf8");
      const i = Math.floor(fraction * bytes.length);
      return {
        kind: "bytes" as const,
        origin: `invalid UTF-8 (${bad.map((b) => b.toString(16)).join(" ")})`,
        bytes: Buffer.concat([bytes.subarray(0, i), Buffer.from(bad), bytes.subarray(i)]),
      };
    }),
  fc
    .uint8Array({ maxLength: 200 })
    .map((bytes) => ({ kind: "bytes" as const, origin: "random bytes", bytes })),
);

export const classCase: fc.Arbitrary<ClassCase> = fc.oneof(
  { weight: 45, arbitrary: modelCase },
  { weight: 30, arbitrary: mutatedCase },
  { weight: 10, arbitrary: randomCase },
  { weight: 3, arbitrary: hostileCase },
  { weight: 2, arbitrary: bytesCase },
);

function describeValue(value: unknown): string {
  if (typeof value !== "string") return JSON.stringify(value);
  return value.length > 20
    ? `"${value.slice(0, 8)}…" (${value.length} chars)`
    : JSON.stringify(value);
}

/** One line for the report: the case's kind and origin, and the start of its text. */
export function describeCase(c: ClassCase): string {
  switch (c.kind) {
    case "model":
      return c.faults.length === 0
        ? `a valid class of ${(c.model.spec.parameters["objects"] as unknown[]).length} object(s)`
        : `a class with ${c.faults.map((f) => f.what).join(", ")}`;
    case "text": {
      const start = JSON.stringify(c.text.slice(0, 160));
      return `${c.origin}${c.viaFile ? " (via a file)" : ""}, ${c.text.length} chars: ${start}`;
    }
    case "bytes":
      return `${c.origin}, ${c.bytes.length} bytes`;
  }
}
