import type { z } from "zod";
import { quote } from "./kube-schemas.js";

/**
 * Problems found in a SecretProviderClass, each tied to the path of the field that caused it, and
 * the collector that gathers them so a parse reports everything wrong at once, never just the
 * first thing.
 */

export interface Problem {
  /** `spec.parameters.objects[1].objectAlias`, `metadata.name`…; "" for the file as a whole. */
  readonly path: string;
  readonly message: string;
}

export type PathSegment = string | number;

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `["spec", "secretObjects", 0, "data"]` → `spec.secretObjects[0].data`; odd keys in ["…"]. */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = "";
  for (const segment of segments) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) out += out === "" ? segment : `.${segment}`;
    else out += `[${quote(segment)}]`;
  }
  return out;
}

export function joinPath(base: string, ...segments: readonly PathSegment[]): string {
  const rest = formatPath(segments);
  if (base === "") return rest;
  return rest.startsWith("[") || rest === "" ? base + rest : `${base}.${rest}`;
}

/** One message listing every problem, one per line, ready for the CLI to print before exit 2. */
export function formatProblems(
  problems: readonly Problem[],
  source = "SecretProviderClass",
): string {
  const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
  const lines = problems.map((p) => `  ${p.path === "" ? "(file)" : p.path}: ${p.message}`);
  return [`${source}: invalid SecretProviderClass (${count}):`, ...lines].join("\n");
}

export class SpcError extends Error {
  readonly problems: readonly Problem[];
  readonly source: string;

  constructor(problems: readonly Problem[], source = "SecretProviderClass") {
    super(formatProblems(problems, source));
    this.name = "SpcError";
    this.problems = problems;
    this.source = source;
  }
}

/** Collects problems and warnings while a class is checked. */
export class Findings {
  readonly problems: Problem[] = [];
  readonly warnings: Problem[] = [];

  problem(path: string, message: string): void {
    this.problems.push({ path, message });
  }

  warn(path: string, message: string): void {
    this.warnings.push({ path, message });
  }

  /** Zod issues become problems under `base`; each unknown key becomes its own problem. */
  issues(base: string, issues: readonly z.core.$ZodIssue[]): void {
    for (const issue of issues) {
      const at = joinPath(base, ...issue.path.map(toSegment));
      if (issue.code === "unrecognized_keys") {
        for (const key of issue.keys) this.problem(joinPath(at, key), "unknown field");
      } else {
        this.problem(at, issue.message);
      }
    }
  }

  get ok(): boolean {
    return this.problems.length === 0;
  }
}

function toSegment(key: PropertyKey): PathSegment {
  return typeof key === "symbol" ? String(key) : key;
}
