/**
 * The fault suite's contract. Each file in src/faults/scenarios/ exports `scenario`: an attack on
 * kvsync the way production attacks it (crashes, outages, lost or repeated events, bad input),
 * with a claim it must uphold. `run("short")` is what `npm test` runs (seconds, through a
 * `*.test.ts` beside it); `run("full")` is what `npm run test:faults` runs, bounded in time and
 * count, and written to docs/reliability.md. A scenario never throws for a broken claim: it
 * reports `held: false` with what it saw, so the report shows every failure at once.
 */

export type ScenarioSize = "short" | "full";

export interface ScenarioResult {
  /** What was attacked and how, in one line: "kill -9 of the agent mid-write, 100 times". */
  readonly attack: string;
  /** The claim checked, in one line: "the folder always holds a complete old or new set". */
  readonly claim: string;
  readonly held: boolean;
  /** Measured figures for the report: counts, latencies (ms), bounds. Never a secret value. */
  readonly figures: Readonly<Record<string, number | string>>;
  /** What the run saw when the claim did not hold, or notes worth reading when it did. */
  readonly notes?: readonly string[];
}

export interface Scenario {
  /** Short, stable id: "torn-reads", "agent-kill", "vault-outage"… */
  readonly name: string;
  run(size: ScenarioSize): Promise<ScenarioResult>;
}
