/**
 * `npm run test:faults`: every scenario of src/faults/scenarios/ at full size, one after another
 * (they share the machine's cores), then docs/reliability.md and docs/reliability.json. Exits 1
 * when a claim did not hold, so the suite can gate a release.
 *
 *   npm run test:faults -- [--only agent-kill,torn-reads] [--size short]
 */
import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type { Scenario, ScenarioResult, ScenarioSize } from "./scenario.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");

const { values } = parseArgs({
  options: {
    only: { type: "string" },
    size: { type: "string", default: "full" },
    out: { type: "string", default: "docs/reliability.md" },
  },
});
const size: ScenarioSize = values.size === "short" ? "short" : "full";
const only = values.only === undefined ? undefined : new Set(values.only.split(","));

interface Ran {
  name: string;
  durationMs: number;
  result: ScenarioResult;
}

const scenarioDir = join(here, "scenarios");
const files = (await readdir(scenarioDir))
  .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
  .sort();
const ran: Ran[] = [];
for (const file of files) {
  const { scenario } = (await import(pathToFileURL(join(scenarioDir, file)).href)) as {
    scenario?: Scenario;
  };
  if (scenario === undefined || (only !== undefined && !only.has(scenario.name))) continue;
  process.stdout.write(`${scenario.name} (${size})… `);
  const started = performance.now();
  let result: ScenarioResult;
  try {
    result = await scenario.run(size);
  } catch (error) {
    result = {
      attack: scenario.name,
      claim: "runs to the end",
      held: false,
      figures: {},
      notes: [
        `the scenario itself failed: ${error instanceof Error ? error.message : String(error)}`,
      ],
    };
  }
  const durationMs = Math.round(performance.now() - started);
  process.stdout.write(
    `${result.held ? "held" : "DID NOT HOLD"} in ${(durationMs / 1000).toFixed(1)} s\n`,
  );
  ran.push({ name: scenario.name, durationMs, result });
}

// With --only, the other scenarios keep their last rows: the page always covers the whole suite.
const out = resolve(root, values.out);
if (only !== undefined) {
  const previous = await readFile(out.replace(/\.md$/, ".json"), "utf8").then(
    (text) => (JSON.parse(text) as { scenarios?: Ran[] }).scenarios ?? [],
    () => [],
  );
  ran.push(...previous.filter((r) => !only.has(r.name)));
  ran.sort((a, b) => a.name.localeCompare(b.name));
}

const facts = {
  date: new Date().toISOString().slice(0, 10),
  cores: cpus().length,
  cpu: cpus()[0]?.model.trim() ?? "unknown",
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  size,
};
await mkdir(dirname(out), { recursive: true });
await writeFile(
  out.replace(/\.md$/, ".json"),
  `${JSON.stringify({ facts, scenarios: ran }, null, 2)}\n`,
);
await writeFile(out, report(ran));
console.log(`wrote ${values.out}`);
process.exitCode = ran.every((r) => r.result.held) ? 0 : 1;

function report(rows: readonly Ran[]): string {
  const held = rows.filter((r) => r.result.held).length;
  const lines = [
    "# Reliability",
    "",
    "The fault suite attacks kvsync the way production will, and checks after each attack that",
    "nothing was lost, nothing rolled back and nothing crashed. This page is written by",
    "`npm run test:faults` (the full size, bounded in time and count); a short form of every",
    "scenario runs inside `npm test`.",
    "",
    `Run on ${facts.date}: ${facts.cores} cores (${facts.cpu}), ${facts.memoryGiB} GiB, Node.js ${facts.node}, loopback only, size \`${size}\`.`,
    `**${held} of ${rows.length} claims held.**`,
    "",
    "| scenario | attack | claim | held | figures | time |",
    "| --- | --- | --- | --- | --- | --- |",
    ...rows.map(
      (r) =>
        `| \`${r.name}\` | ${cell(r.result.attack)} | ${cell(r.result.claim)} | ${r.result.held ? "yes" : "**no**"} | ${cell(
          Object.entries(r.result.figures)
            .map(([k, v]) => `${k}: ${typeof v === "number" ? v.toLocaleString("en-US") : v}`)
            .join("; "),
        )} | ${(r.durationMs / 1000).toFixed(1)} s |`,
    ),
    "",
  ];
  const noted = rows.filter((r) => (r.result.notes ?? []).length > 0);
  if (noted.length > 0) {
    lines.push("## Notes", "");
    for (const r of noted) {
      lines.push(`### \`${r.name}\``, "", ...(r.result.notes ?? []).map((n) => `- ${n}`), "");
    }
  }
  lines.push(
    "Reproduce: `npm run test:faults` (all), `npm run test:faults -- --only <name>` (one),",
    "`npm run test:faults -- --size short` (the `npm test` sizes).",
    "",
  );
  return lines.join("\n");
}

function cell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}
