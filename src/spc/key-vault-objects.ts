import { z } from "zod";
import { errorMap, quote } from "./kube-schemas.js";
import { joinPath, type Findings } from "./problem.js";
import type { SpcObject } from "./types.js";
import { mappingFields, readYamlDocument, type FieldText } from "./yaml-text.js";

/**
 * The `objects` parameter: a YAML text whose `array:` lists YAML texts, one per Key Vault object
 * (reference §2). Both levels are read as the provider reads them (go-yaml v3, fields trimmed,
 * empty = unset), checked field by field, then for rules across fields and objects.
 */

const BASE = "spec.parameters.objects";
const DEFAULT_FILE_MODE = 0o644;
const INT32_MAX = 2 ** 31 - 1;

const lowerEnum = <const T extends readonly [string, ...string[]]>(values: T, what: string) =>
  z
    .string()
    .transform((s) => s.toLowerCase())
    .pipe(z.enum(values, { error: `must be ${values.join(" or ")} (${what})` }));

/** One schema per field, over the field's trimmed text. */
const FIELDS = {
  objectName: z.string(),
  objectType: z.enum(["secret", "key", "cert"], {
    error: (iss) =>
      `must be secret, key or cert, in lower case as the provider compares it, not ${quote(iss.input)}`,
  }),
  objectVersion: z.string(),
  objectAlias: z.string(),
  objectVersionHistory: z
    .string()
    .regex(/^\+?[0-9]+$/, "must be a whole number ≥ 0")
    .transform(Number)
    .refine((n) => n <= INT32_MAX, `must be at most ${INT32_MAX}`),
  objectEncoding: lowerEnum(["utf-8", "hex", "base64"], "how the secret's value is encoded"),
  objectFormat: lowerEnum(["pem", "pfx"], "the certificate format"),
  filePermission: z
    .string()
    .regex(/^[0-7]+$/, 'must be an octal file mode such as "0440"')
    .transform((s) => parseInt(s, 8))
    .refine((mode) => mode <= 0o777, "must be at most 0777"),
} satisfies Record<string, z.ZodType<unknown, string>>;

type Fields = { -readonly [K in keyof typeof FIELDS]?: z.output<(typeof FIELDS)[K]> };

/** The objects, or undefined when any problem was found in them. */
export function parseObjects(text: string, findings: Findings): SpcObject[] | undefined {
  const before = findings.problems.length;
  const items = readArray(text, findings);
  if (items === undefined) return undefined;
  const objects = items.map((item, i) => parseObject(item, i, findings));
  checkDuplicateFiles(objects, findings);
  if (findings.problems.length > before) return undefined;
  return objects.filter((o): o is ParsedObject => o !== undefined).map((o) => o.object);
}

/** The `array:` items as texts. */
function readArray(text: string, findings: Findings): (string | undefined)[] | undefined {
  const read = readYamlDocument(text, "go-yaml-v3");
  if (!read.ok) {
    for (const m of read.messages)
      findings.problem(BASE, `YAML syntax error (lines counted within objects): ${m}`);
    return undefined;
  }
  const value = read.documents[0]?.value;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    findings.problem(
      BASE,
      "must be YAML with an `array:` list, each item a `- |` text of object fields",
    );
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (key !== "array")
      findings.problem(BASE, `unknown key ${quote(key)}: only \`array:\` is read`);
  }
  const array = (value as Record<string, unknown>)["array"];
  if (!Array.isArray(array)) {
    findings.problem(
      BASE,
      array === undefined ? "has no `array:` list" : "`array:` must be a list",
    );
    return undefined;
  }
  if (array.length === 0) {
    findings.problem(BASE, "`array:` is empty: list at least one object");
    return undefined;
  }
  return array.map((item: unknown, i) => {
    if (typeof item === "string") return item;
    if (item === null) return "";
    const hint =
      typeof item === "object"
        ? "write `- |` and indent the object's fields under it"
        : "start the item with `- |`";
    findings.problem(joinPath(BASE, i), `must be a YAML text holding the object's fields: ${hint}`);
    return undefined;
  });
}

interface ParsedObject {
  readonly object: SpcObject;
  /** Where the file name came from, for problems about it. */
  readonly fileNamePath: string;
}

function parseObject(
  text: string | undefined,
  index: number,
  findings: Findings,
): ParsedObject | undefined {
  if (text === undefined) return undefined;
  const path = joinPath(BASE, index);
  const read = readYamlDocument(text, "go-yaml-v3");
  if (!read.ok) {
    for (const m of read.messages)
      findings.problem(path, `YAML syntax error in object ${index}: ${m}`);
    return undefined;
  }
  const doc = read.documents[0];
  const value: unknown = doc?.value;
  if (
    doc === undefined ||
    (value !== null && (typeof value !== "object" || Array.isArray(value)))
  ) {
    findings.problem(path, "must be a mapping of object fields (objectName: …, objectType: …)");
    return undefined;
  }
  const { fields, complete } = readFields(mappingFields(doc.doc), path, findings);
  // Cross-field rules still run on what was readable, so their problems show up too.
  const object = buildObject(fields, path, findings);
  return complete ? object : undefined;
}

function readFields(
  raw: ReadonlyMap<string, FieldText>,
  path: string,
  findings: Findings,
): { fields: Fields; complete: boolean } {
  const fields: Record<string, unknown> = {};
  const failed = new Set<string>();
  for (const [key, field] of raw) {
    const at = joinPath(path, key);
    if (!Object.hasOwn(FIELDS, key)) {
      findings.problem(at, unknownField(key));
      failed.add(key);
    } else if (field.kind === "nested") {
      findings.problem(at, `must be a single value, not ${field.found}`);
      failed.add(key);
    } else if (field.text.trim() !== "") {
      const schema: z.ZodType<unknown, string> = FIELDS[key as keyof typeof FIELDS];
      const result = schema.safeParse(field.text.trim(), { error: errorMap });
      if (result.success) fields[key] = result.data;
      else {
        findings.issues(at, result.error.issues);
        failed.add(key);
      }
      if (result.success && key === "objectVersionHistory" && field.wasString) {
        findings.warn(
          at,
          "the Azure provider rejects a quoted number here; write it without quotes",
        );
      }
    }
  }
  for (const key of ["objectName", "objectType"] as const) {
    if (fields[key] !== undefined || failed.has(key)) continue;
    findings.problem(
      joinPath(path, key),
      key === "objectType" ? "is required: secret, key or cert" : "is required",
    );
    failed.add(key);
  }
  return { fields, complete: failed.size === 0 };
}

function unknownField(key: string): string {
  const near = Object.keys(FIELDS).find((k) => k.toLowerCase() === key.toLowerCase());
  return near === undefined
    ? `unknown field; the fields are ${Object.keys(FIELDS).join(", ")}`
    : `unknown field; did you mean ${near}? (names are case-sensitive)`;
}

function buildObject(fields: Fields, path: string, findings: Findings): ParsedObject | undefined {
  const { objectName, objectType } = fields;
  if (objectName === undefined || objectType === undefined) return undefined;
  const before = findings.problems.length;
  if (fields.objectEncoding !== undefined && objectType !== "secret") {
    findings.problem(
      joinPath(path, "objectEncoding"),
      `only allowed with objectType secret, not ${objectType}`,
    );
  }
  if (fields.objectFormat === "pfx" && objectType !== "secret") {
    findings.problem(
      joinPath(path, "objectFormat"),
      `pfx is only allowed with objectType secret, not ${objectType}`,
    );
  }
  if (!/^[0-9A-Za-z-]{1,127}$/.test(objectName)) {
    findings.warn(
      joinPath(path, "objectName"),
      "Key Vault names are 1–127 letters, digits and '-'; this one will not be found",
    );
  }
  const objectVersion = checkVersion(
    fields.objectVersion,
    joinPath(path, "objectVersion"),
    findings,
  );
  const alias = fields.objectAlias;
  const fileName = alias ?? objectName;
  const fileNamePath = joinPath(path, alias === undefined ? "objectName" : "objectAlias");
  const fileProblem = fileNameProblem(fileName);
  if (fileProblem !== undefined) findings.problem(fileNamePath, fileProblem);
  if (findings.problems.length > before) return undefined;
  return {
    fileNamePath,
    object: {
      objectName,
      objectType,
      ...(objectVersion === undefined ? {} : { objectVersion }),
      fileName,
      versionHistory: fields.objectVersionHistory ?? 0,
      encoding: fields.objectEncoding ?? "utf-8",
      format: fields.objectFormat ?? "pem",
      fileMode: fields.filePermission ?? DEFAULT_FILE_MODE,
    },
  };
}

/** The provider passes versions through to Key Vault unchecked, so a bad one only warns. */
function checkVersion(
  version: string | undefined,
  path: string,
  findings: Findings,
): string | undefined {
  if (version === undefined || version.toLowerCase() === "latest") return undefined;
  if (!/^[0-9a-fA-F]{32}$/.test(version)) {
    findings.warn(path, "Key Vault versions are 32 hex characters; this one will not be found");
  }
  return version;
}

/**
 * A file name in the mount: one path component (the driver links only the top one), relative,
 * free of `..` anywhere (the provider's own test), within the 255-byte name limit.
 */
function fileNameProblem(name: string): string | undefined {
  if (name === "") return "must not be empty";
  if (name.includes("/")) return "must be a file name, without '/'";
  if (name === ".") return "must be a file name, not '.'";
  if (name.includes("..")) return "must not contain '..'";
  if (name.includes("\0")) return "must not contain a NUL character";
  if (Buffer.byteLength(name, "utf8") > 255) return "must be at most 255 bytes";
  return undefined;
}

function checkDuplicateFiles(
  objects: readonly (ParsedObject | undefined)[],
  findings: Findings,
): void {
  const seen = new Map<string, number>();
  objects.forEach((parsed, i) => {
    if (parsed === undefined) return;
    const first = seen.get(parsed.object.fileName);
    if (first === undefined) seen.set(parsed.object.fileName, i);
    else {
      findings.problem(
        parsed.fileNamePath,
        `writes the same file ${quote(parsed.object.fileName)} as objects[${first}]; give one an objectAlias`,
      );
    }
  });
}
