import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  loadSecretProviderClass,
  parseSecretProviderClass,
  SpcError,
  type ParseResult,
  type SecretProviderClass,
} from "../../spc/index.js";
import type { Scenario, ScenarioResult, ScenarioSize } from "../scenario.js";
import {
  classCase,
  describeCase,
  expectedPaths,
  filesOf,
  type ClassCase,
  type ModelCase,
  type ObjectFields,
} from "../support/fuzz-class-inputs.js";
import {
  errorText,
  fuzzSeed,
  oneLine,
  runFuzz,
  violationNotes,
  type Violation,
} from "../support/fuzz-runner.js";

/**
 * Property-based fuzzing of SecretProviderClass reading (src/spc): valid classes, the same with
 * faults at known fields, text mutations, hostile YAML and random documents and bytes.
 * parseSecretProviderClass is documented never to throw, whatever the input, and to report
 * every problem with the path of its field; loadSecretProviderClass throws SpcError and nothing
 * else. Valid classes must parse, to what the class says.
 */

/** Case counts, bounded in time too on a shared machine (the report says if a bound cut in). */
const SIZES = {
  short: { numRuns: 2_000, timeLimitMs: 12_000, shrinkTimeLimitMs: 3_000 },
  full: { numRuns: 30_000, timeLimitMs: 140_000, shrinkTimeLimitMs: 20_000 },
} as const;

/** A message is read by a person in a terminal: echoing a megabyte of input is not clear. */
export const MAX_MESSAGE_CHARS = 4_096;
/** Far beyond any parse of a legal input (1.5 MB at most); a hang is a broken claim too. */
const SLOW_MS = 10_000;

/** `a.b[0]["odd key"]`, as formatPath writes paths; "" is the file as a whole. */
const SEGMENT = String.raw`(?:[A-Za-z_][A-Za-z0-9_-]*|\[\d+\]|\["(?:[^"\\]|\\.)*"\])`;
const PATH = new RegExp(
  String.raw`^(?:${SEGMENT}(?:\.[A-Za-z_][A-Za-z0-9_-]*|\[\d+\]|\["(?:[^"\\]|\\.)*"\])*)?$`,
);

/** The problems that are about the file as a whole, so rightly have no field path. */
const FILE_LEVEL = [
  /^YAML syntax error/,
  /^is empty/,
  /^is not a text file/,
  /^is larger than/,
  /^is \d+ bytes/,
  /^none of its \d+ documents/,
  /^holds \d+ SecretProviderClass documents/,
  /^must be a SecretProviderClass mapping/,
  /^does not exist/,
  /^cannot be read/,
  /^is not UTF-8 text/,
];

export const scenario: Scenario = { name: "fuzz-class-files", run };

interface Tally {
  models: number;
  validParsed: number;
  faultyRefusedAtPath: number;
  texts: number;
  loads: number;
  ok: number;
  problems: number;
  maxMs: number;
}

async function run(size: ScenarioSize): Promise<ScenarioResult> {
  const plan = SIZES[size];
  const dir = await mkdtemp(join(tmpdir(), "kvsync-fault-class-files-"));
  const tally = newTally();
  let file = 0;
  try {
    const outcome = await runFuzz({
      arbitrary: classCase,
      numRuns: plan.numRuns,
      seed: fuzzSeed(size, 0x6b76_6366),
      timeLimitMs: plan.timeLimitMs,
      shrinkTimeLimitMs: plan.shrinkTimeLimitMs,
      describe: describeCase,
      // Shrinking replays cases: they are checked, but count in a throwaway tally.
      check: (c, phase) =>
        checkCase(c, phase === "run" ? tally : newTally(), () => join(dir, `class-${file++}.yaml`)),
    });
    const held = outcome.violations.size === 0 && outcome.processErrors.length === 0;
    return {
      attack: `fast-check: ${outcome.runs.toLocaleString("en-US")} SecretProviderClass files (valid classes, faults at known fields, text mutations, alias bombs and self-references, deep nesting, oversize and multi-document inputs, random YAML and bytes) through parseSecretProviderClass and loadSecretProviderClass`,
      claim:
        "parsing never throws (loading throws only SpcError), every problem has a clear message (one line, at most 4 KiB) at a well-formed field path (empty only for file-level problems) naming the faulty field, and valid classes parse to what they say",
      held,
      figures: {
        cases: outcome.runs,
        "valid classes parsed as written": tally.validParsed,
        "faulty classes refused at the faulty field": tally.faultyRefusedAtPath,
        "model cases": tally.models,
        "text and byte cases": tally.texts,
        "read through a file": tally.loads,
        "results ok": tally.ok,
        "problems reported": tally.problems,
        "slowest parse ms": Math.round(tally.maxMs),
        "kinds of violation": outcome.violations.size,
        seed: outcome.seed,
        "run ms": outcome.ms,
      },
      notes: violationNotes(outcome),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function newTally(): Tally {
  return {
    models: 0,
    validParsed: 0,
    faultyRefusedAtPath: 0,
    texts: 0,
    loads: 0,
    ok: 0,
    problems: 0,
    maxMs: 0,
  };
}

async function checkCase(c: ClassCase, tally: Tally, nextFile: () => string): Promise<Violation[]> {
  const violations: Violation[] = [];
  if (c.kind === "bytes") {
    tally.texts++;
    violations.push(...(await checkLoad(c.bytes, nextFile(), tally)));
    return violations;
  }
  const parsed = timedParse(c.text, tally);
  if ("threw" in parsed) return [{ kind: "parse threw", detail: parsed.threw }];
  violations.push(...checkResult(parsed.result, parsed.ms));
  if (c.kind === "model") {
    tally.models++;
    violations.push(...checkModel(c, parsed.result, tally));
  } else {
    tally.texts++;
    if (c.viaFile) violations.push(...(await checkLoad(Buffer.from(c.text), nextFile(), tally)));
  }
  return violations;
}

function timedParse(
  text: string,
  tally: Tally,
): { result: ParseResult; ms: number } | { threw: string } {
  const started = performance.now();
  let result: ParseResult;
  try {
    result = parseSecretProviderClass(text, { source: "fuzz.yaml" });
  } catch (error) {
    return { threw: errorText(error) };
  }
  const ms = performance.now() - started;
  tally.maxMs = Math.max(tally.maxMs, ms);
  if (result.ok) tally.ok++;
  else tally.problems += result.problems.length;
  return { result, ms };
}

/** What every result must be, whatever the input. */
export function checkResult(result: ParseResult, elapsedMs = 0): Violation[] {
  const violations: Violation[] = [];
  if (elapsedMs > SLOW_MS) violations.push({ kind: "slow", detail: `${Math.round(elapsedMs)} ms` });
  if (result.ok) {
    const { spc } = result;
    if (spc.objects.length === 0 || !/^https:\/\/[-A-Za-z0-9]{3,24}\./.test(spc.vaultUrl)) {
      violations.push({ kind: "accepted an unusable class", detail: oneLine(JSON.stringify(spc)) });
    }
    for (const warning of result.warnings) {
      if (typeof warning !== "string" || warning.trim() === "") {
        violations.push({ kind: "empty warning", detail: JSON.stringify(warning) });
      }
    }
    return violations;
  }
  if (result.problems.length === 0) {
    violations.push({ kind: "refused without a problem", detail: "problems: []" });
  }
  for (const problem of result.problems) violations.push(...checkProblem(problem));
  return violations;
}

/** Typed loosely on purpose: what arrives at run time is what is checked. */
export function checkProblem(problem: {
  readonly path: unknown;
  readonly message: unknown;
}): Violation[] {
  const { path, message } = problem;
  const where = `at ${oneLine(shown(path), 80)}: ${oneLine(shown(message), 120)}`;
  if (typeof path !== "string" || typeof message !== "string" || message.trim() === "") {
    return [{ kind: "problem without a message", detail: where }];
  }
  const violations: Violation[] = [];
  if (message.length > MAX_MESSAGE_CHARS) {
    violations.push({
      // One kind per field (indexes aside), so the report names every field that echoes.
      kind: `message longer than 4 KiB at ${path.replace(/\[\d+\]/g, "[i]") || "(file)"}`,
      detail: `${message.length} chars ${where}`,
    });
  }
  if (message.includes("\n") || message.includes("[object ")) {
    violations.push({ kind: "message not one clear line", detail: where });
  }
  if (!PATH.test(path)) violations.push({ kind: "malformed path", detail: where });
  if (path === "" && !FILE_LEVEL.some((pattern) => pattern.test(message))) {
    violations.push({ kind: "field problem without a path", detail: where });
  }
  return violations;
}

/** JSON text of a value, "undefined" included (JSON.stringify returns undefined for it). */
function shown(value: unknown): string {
  return value === undefined ? "undefined" : JSON.stringify(value);
}

/** A class built from a model: valid ones parse to the model, faulty ones name each field. */
export function checkModel(c: ModelCase, result: ParseResult, tally?: Tally): Violation[] {
  if (c.faults.length === 0) {
    if (!result.ok) {
      return [
        {
          kind: "valid class refused",
          detail: result.problems.map((p) => `${p.path}: ${oneLine(p.message, 100)}`).join("; "),
        },
      ];
    }
    const mismatch = differences(c, result.spc);
    if (mismatch.length > 0) return [{ kind: "valid class misread", detail: mismatch.join("; ") }];
    if (tally) tally.validParsed++;
    return [];
  }
  const what = c.faults.map((f) => f.what).join(", ");
  if (result.ok) return [{ kind: "faulty class accepted", detail: what }];
  const paths = new Set(result.problems.map((p) => p.path));
  const missing = expectedPaths(c.faults).filter((path) => !paths.has(path));
  if (missing.length > 0) {
    return [
      {
        kind: "problem not at the faulty field",
        detail: `${what}: nothing at ${missing.join(", ")}; problems at ${[...paths].join(", ")}`,
      },
    ];
  }
  if (tally) tally.faultyRefusedAtPath++;
  return [];
}

/** What the parsed class should be, read off the model the text was rendered from. */
function differences(c: ModelCase, spc: SecretProviderClass): string[] {
  const { metadata, spec } = c.model;
  const out: string[] = [];
  const expect = (what: string, got: unknown, want: unknown) => {
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      out.push(`${what}: got ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
    }
  };
  expect("name", spc.name, metadata?.["name"]);
  expect("namespace", spc.namespace, metadata?.["namespace"] ?? "default");
  expect("keyvaultName", spc.keyvaultName, spec.parameters["keyvaultName"]);
  const objects = spec.parameters["objects"] as ObjectFields[];
  expect("objects", spc.objects.length, objects.length);
  objects.forEach((o, i) => {
    const got = spc.objects[i];
    const version = o.objectVersion;
    expect(`objects[${i}]`, got, {
      objectName: o.objectName,
      objectType: o.objectType,
      ...(version === undefined || version === "" || version.toLowerCase() === "latest"
        ? {}
        : { objectVersion: version }),
      fileName: o.objectAlias ?? o.objectName,
      versionHistory: Number(o.objectVersionHistory ?? 0),
      encoding: (o.objectEncoding ?? "utf-8").toLowerCase(),
      format: (o.objectFormat ?? "pem").toLowerCase(),
      fileMode: o.filePermission === undefined ? 0o644 : parseInt(o.filePermission, 8),
    });
  });
  const secretObjects = (spec.secretObjects ?? []) as { data: unknown[] }[];
  expect("secretObjects", spc.secretObjects.length, secretObjects.length);
  const files = new Set(objects.flatMap(filesOf));
  for (const so of spc.secretObjects) {
    for (const d of so.data) {
      if (!files.has(d.objectName)) out.push(`secretObjects names ${d.objectName}, not written`);
    }
  }
  return out;
}

/** loadSecretProviderClass resolves with a class or rejects with SpcError, never else. */
async function checkLoad(bytes: Uint8Array, file: string, tally: Tally): Promise<Violation[]> {
  tally.loads++;
  await writeFile(file, bytes);
  try {
    const spc = await loadSecretProviderClass(file);
    return spc.objects.length > 0
      ? []
      : [{ kind: "accepted an unusable class", detail: "loaded a class with no objects" }];
  } catch (error) {
    if (!(error instanceof SpcError)) {
      return [{ kind: "load threw something other than SpcError", detail: errorText(error) }];
    }
    if (error.problems.length === 0) {
      return [{ kind: "refused without a problem", detail: "SpcError with no problems" }];
    }
    return error.problems.flatMap(checkProblem);
  }
}
