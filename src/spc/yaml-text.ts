import {
  isAlias,
  isMap,
  isScalar,
  LineCounter,
  parseAllDocuments,
  parseDocument,
  type Document,
  type DocumentOptions,
  type ParseOptions,
  type SchemaOptions,
  type YAMLError,
} from "yaml";

/**
 * YAML reading that never throws: syntax errors, alias bombs, runaway nesting and oversized input
 * all come back as messages. Two dialects, as the real consumers read them: kubectl reads the
 * manifest as YAML 1.1 (so `yes` and `0440` are not strings there), the Azure provider reads the
 * `objects` texts with go-yaml v3, which is close to YAML 1.2's core schema.
 */

/** etcd's default request limit; Kubernetes refuses larger objects anyway. */
export const MAX_BYTES = 1.5 * 1024 * 1024;
/** Far above any real class, far below what an alias bomb needs. */
const MAX_ALIAS_COUNT = 100;
/**
 * Real manifests nest a dozen levels. The parser recurses per level and slows down sharply on
 * nested flow collections and same-line indicators (`[{[{…`, `? ? ? …`): seconds at a few
 * hundred levels, and a V8 abort (not a catchable error) around a few thousand `{`.
 */
const MAX_DEPTH = 64;
const MAX_MESSAGES = 10;

export type Dialect = "kubernetes" | "go-yaml-v3";

export interface YamlDocument {
  readonly value: unknown;
  readonly doc: Document;
}

export type YamlOutcome =
  | { readonly ok: true; readonly documents: readonly YamlDocument[] }
  | { readonly ok: false; readonly messages: readonly string[] };

type Options = ParseOptions & DocumentOptions & SchemaOptions;

// No source excerpts in messages: building one per error is quadratic on hostile input.
const COMMON: Options = { prettyErrors: false, logLevel: "error" };

const TIMESTAMP = "tag:yaml.org,2002:timestamp";

const DIALECTS: Record<Dialect, Options> = {
  // go-yaml v2 (behind sigs.k8s.io/yaml) keeps timestamps and sexagesimals as strings.
  kubernetes: {
    ...COMMON,
    version: "1.1",
    customTags: (tags) =>
      tags.filter((t) => {
        const id = typeof t === "string" ? t : t.tag;
        const format = typeof t === "string" ? undefined : t.format;
        return id !== TIMESTAMP && format !== "TIME";
      }),
  },
  "go-yaml-v3": { ...COMMON, version: "1.2" },
};

/** All documents of a stream (empty ones dropped), or the reasons it could not be read. */
export function readYamlStream(text: string, dialect: Dialect): YamlOutcome {
  return guarded(text, (lineCounter) => {
    const docs = parseAllDocuments(text, { ...DIALECTS[dialect], lineCounter });
    return toOutcome(Array.from(docs), lineCounter);
  });
}

/** Exactly one document (a missing one reads as null). */
export function readYamlDocument(text: string, dialect: Dialect): YamlOutcome {
  return guarded(text, (lineCounter) => {
    const doc = parseDocument(text, { ...DIALECTS[dialect], lineCounter });
    return toOutcome([doc], lineCounter, true);
  });
}

function guarded(text: string, read: (lineCounter: LineCounter) => YamlOutcome): YamlOutcome {
  const depth = nestingDepth(text);
  if (depth > MAX_DEPTH) {
    return {
      ok: false,
      messages: [`is nested ${depth} levels deep; at most ${MAX_DEPTH} are read`],
    };
  }
  try {
    return read(new LineCounter());
  } catch (error) {
    // The parser recurses; pathological nesting can exhaust the stack.
    const reason = error instanceof RangeError ? "it is nested too deeply" : String(error);
    return { ok: false, messages: [`cannot be read as YAML: ${reason}`] };
  }
}

function toOutcome(
  documents: readonly Document.Parsed[],
  lineCounter: LineCounter,
  keepEmpty = false,
): YamlOutcome {
  const errors = documents.flatMap((doc) => doc.errors);
  if (errors.length > 0) {
    const messages = errors.slice(0, MAX_MESSAGES).map((e) => describeError(e, lineCounter));
    if (errors.length > MAX_MESSAGES)
      messages.push(`… and ${errors.length - MAX_MESSAGES} more errors`);
    return { ok: false, messages };
  }
  const out: YamlDocument[] = [];
  for (const doc of documents) {
    try {
      const value: unknown = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
      // A stray `---` or a comment-only document holds nothing.
      if (!keepEmpty && (value === null || value === undefined)) continue;
      out.push({ doc, value });
    } catch (error) {
      if (error instanceof ReferenceError) {
        return { ok: false, messages: [`too many aliases (*refs); at most ${MAX_ALIAS_COUNT}`] };
      }
      throw error;
    }
  }
  return { ok: true, documents: out };
}

function describeError(error: YAMLError, lineCounter: LineCounter): string {
  const { line, col } = lineCounter.linePos(error.pos[0]);
  const message = (error.message.split("\n", 1)[0] ?? "").replace(/:$/, "");
  return `${message} at line ${line}, column ${col}`;
}

/**
 * A cheap upper bound on nesting, before the parser sees the text: open flow brackets, plus per
 * line the stack of deeper indentations and the indicators (`- `, `? `, `: `) that open it.
 * Brackets inside strings count too; balanced ones cost nothing.
 */
function nestingDepth(text: string): number {
  let flow = 0;
  let max = 0;
  const indents: number[] = [];
  for (const line of text.split("\n")) {
    const indent = line.length - line.trimStart().length;
    if (indent < line.length) {
      while (indents.length > 0 && (indents.at(-1) ?? 0) >= indent) indents.pop();
      indents.push(indent);
      const compact = /^(?:[-?:](?:[ \t]+|$))*/.exec(line.slice(indent))?.[0] ?? "";
      const indicators = compact.replace(/[ \t]/g, "").length;
      max = Math.max(max, indents.length + indicators);
    }
    for (let i = 0; i < line.length; i++) {
      const c = line.charCodeAt(i);
      if (c === 0x5b || c === 0x7b) max = Math.max(max, ++flow);
      else if ((c === 0x5d || c === 0x7d) && flow > 0) flow--;
    }
  }
  return max;
}

export type FieldText =
  | { readonly kind: "text"; readonly text: string; readonly wasString: boolean }
  | { readonly kind: "nested"; readonly found: string };

/**
 * The top-level fields of a mapping document as go-yaml v3 hands them to a string field: a
 * scalar's source text (`0440` stays "0440", not 440 or 288), null as "". Lists and mappings
 * come back as `nested`.
 */
export function mappingFields(doc: Document): Map<string, FieldText> {
  const fields = new Map<string, FieldText>();
  if (!isMap(doc.contents)) return fields;
  for (const pair of doc.contents.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    let node: unknown = pair.value;
    if (isAlias(node)) node = node.resolve(doc);
    if (node === null || node === undefined) {
      fields.set(key, { kind: "text", text: "", wasString: false });
    } else if (isScalar(node)) {
      const value = node.value;
      if (value === null) fields.set(key, { kind: "text", text: "", wasString: false });
      else if (typeof value === "string")
        fields.set(key, { kind: "text", text: value, wasString: true });
      else
        fields.set(key, { kind: "text", text: node.source ?? scalarText(value), wasString: false });
    } else {
      fields.set(key, { kind: "nested", found: isMap(node) ? "a mapping" : "a list" });
    }
  }
  return fields;
}

function scalarText(value: unknown): string {
  return typeof value === "number" || typeof value === "boolean" || typeof value === "bigint"
    ? String(value)
    : "";
}
