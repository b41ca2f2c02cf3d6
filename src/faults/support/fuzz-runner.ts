import fc from "fast-check";

/**
 * Runs a fast-check property for a fault scenario. A scenario reports every broken claim at
 * once, so the run does not stop at the first failing case: each case's violations are collected
 * by kind. Then the first case of each kind is replayed from its seed and path and shrunk by
 * fast-check, within a time bound, into a small reproduction for the report. Unhandled
 * rejections during the run are collected too (an uncaught exception still ends the process).
 */

export interface Violation {
  /** Coarse and stable ("5xx", "not JSON"…): violations are grouped by it. */
  readonly kind: string;
  /** What this case showed; never a secret value. */
  readonly detail: string;
}

export interface FuzzPlan<T> {
  readonly arbitrary: fc.Arbitrary<T>;
  /**
   * One case: what went wrong, or nothing. Throwing counts as a violation of its own. `phase`
   * tells the main run from the replays of shrinking, which should not count in figures.
   */
  readonly check: (
    input: T,
    phase: "run" | "shrink",
  ) => Promise<readonly Violation[]> | readonly Violation[];
  readonly numRuns: number;
  readonly seed: number;
  /** The main run stops here even if numRuns is not reached (reported as interrupted). */
  readonly timeLimitMs: number;
  /** For shrinking the first case of each kind of violation, shared by all kinds. */
  readonly shrinkTimeLimitMs: number;
  /** A one-line description of an input for the report. */
  readonly describe: (input: T) => string;
}

export interface ViolationSummary {
  count: number;
  /** The first case's detail and input. */
  detail: string;
  input: string;
  /** The shrunk reproduction, when shrinking reproduced the violation. */
  shrunk?: string;
}

export interface FuzzOutcome {
  readonly runs: number;
  readonly seed: number;
  readonly interrupted: boolean;
  readonly ms: number;
  readonly violations: ReadonlyMap<string, ViolationSummary>;
  /** Unhandled rejections (and uncaught exceptions seen before a crash). */
  readonly processErrors: readonly string[];
}

const MAX_SHRUNK_KINDS = 4;

export async function runFuzz<T>(plan: FuzzPlan<T>): Promise<FuzzOutcome> {
  const started = performance.now();
  const watch = watchProcess();
  const violations = new Map<string, ViolationSummary & { index: number }>();
  let runs = 0;
  try {
    const property = fc.asyncProperty(plan.arbitrary, async (input) => {
      const index = runs++;
      for (const v of await checkSafely(plan, input, "run")) {
        const seen = violations.get(v.kind);
        if (seen) seen.count++;
        else
          violations.set(v.kind, {
            count: 1,
            detail: v.detail,
            input: plan.describe(input),
            index,
          });
      }
      return true;
    });
    const details = await fc.check(property, {
      numRuns: plan.numRuns,
      seed: plan.seed,
      // Stopping at the bound is reported (interrupted), not a failure of the property.
      plugins: [fc.interruptAfterTimeLimit(plan.timeLimitMs, { failOnInterrupt: false })],
    });
    const kinds = [...violations].slice(0, MAX_SHRUNK_KINDS);
    for (const [kind, summary] of kinds) {
      const budget = Math.floor(plan.shrinkTimeLimitMs / kinds.length);
      const shrunk = await shrink(plan, kind, summary.index, budget);
      if (shrunk !== undefined) summary.shrunk = shrunk;
    }
    return {
      runs,
      seed: plan.seed,
      interrupted: details.interrupted,
      ms: Math.round(performance.now() - started),
      violations,
      processErrors: watch.errors,
    };
  } finally {
    watch.stop();
  }
}

async function checkSafely<T>(
  plan: FuzzPlan<T>,
  input: T,
  phase: "run" | "shrink",
): Promise<readonly Violation[]> {
  try {
    return await plan.check(input, phase);
  } catch (error) {
    return [{ kind: "the check threw", detail: errorText(error) }];
  }
}

/** Replays case `index` of the run and lets fast-check shrink it while `kind` still shows. */
async function shrink<T>(
  plan: FuzzPlan<T>,
  kind: string,
  index: number,
  timeLimitMs: number,
): Promise<string | undefined> {
  const property = fc.asyncProperty(plan.arbitrary, async (input) =>
    (await checkSafely(plan, input, "shrink")).every((v) => v.kind !== kind),
  );
  const details = await fc.check<[T]>(property, {
    seed: plan.seed,
    path: String(index),
    plugins: [fc.interruptAfterTimeLimit(timeLimitMs)],
  });
  const example = details.counterexample?.[0];
  return details.failed && example !== undefined ? plan.describe(example) : undefined;
}

function watchProcess(): { errors: string[]; stop: () => void } {
  const errors: string[] = [];
  const onRejection = (reason: unknown) => {
    errors.push(`unhandled rejection: ${errorText(reason)}`);
  };
  const onException = (error: Error, origin: string) => {
    // The process is about to die: say why on stderr, since no report will be written.
    process.stderr.write(`fault scenario: ${origin}: ${errorText(error)}\n`);
    errors.push(`${origin}: ${errorText(error)}`);
  };
  process.on("unhandledRejection", onRejection);
  process.on("uncaughtExceptionMonitor", onException);
  return {
    errors,
    stop() {
      process.off("unhandledRejection", onRejection);
      process.off("uncaughtExceptionMonitor", onException);
    },
  };
}

export function errorText(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return oneLine(text, 300);
}

/** A single line of at most `max` characters, for reports. */
export function oneLine(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}… (${flat.length} chars)` : flat;
}

/** The report's notes for a fuzz run: one per kind of violation, with its reproduction. */
export function violationNotes(outcome: FuzzOutcome): string[] {
  const notes = [...outcome.violations].map(
    ([kind, v]) =>
      `${kind}: ${v.count} case(s); first: ${v.detail} — input: ${v.input}` +
      (v.shrunk === undefined ? "" : `; shrunk: ${v.shrunk}`),
  );
  notes.push(...outcome.processErrors.slice(0, 5));
  if (outcome.interrupted) {
    notes.push(`stopped by the time bound after ${outcome.runs} cases`);
  }
  notes.push(
    `replay: fast-check seed ${outcome.seed} (the scenario takes FUZZ_SEED=${outcome.seed} from the environment)`,
  );
  return notes;
}

/**
 * FUZZ_SEED from the environment (to replay a reported run), else: the short size (inside
 * `npm test`) replays the scenario's fixed seed so CI is reproducible, and the full size
 * explores a fresh seed on every run.
 */
export function fuzzSeed(size: "short" | "full", fixed: number): number {
  const fromEnv = Number(process.env["FUZZ_SEED"]);
  if (process.env["FUZZ_SEED"] !== undefined && Number.isSafeInteger(fromEnv)) return fromEnv;
  return size === "short" ? fixed : Math.floor(Math.random() * 2 ** 31);
}
