/**
 * `npm run bench`: every benchmark in one run, on this machine, side by side. Writes
 * docs/benchmarks/report.json (every figure, its measured inputs, the machine's facts),
 * docs/benchmarks.md (generated: change bench/page.ts, not the page) and
 * docs/images/propagation.svg. The measuring code is in the other bench/*.ts modules. The
 * programs it starts (the CLI, the fake API server) run from a copy of the built tree taken at
 * the start, so that a rebuild by someone else meanwhile cannot pull dist/ from under them.
 *
 *   npm run bench                                # everything, about 10 minutes on 2 cores
 *   npm run bench -- --only propagation          # one section → docs/benchmarks/report-<section>.json
 *   npm run bench -- --render                    # the page and the chart again from report.json
 *   npm run bench -- --push-rotations 500 …      # sizes: see DEFAULTS in bench/sections.ts
 *
 * Sections: propagation, requests, throughput, footprint.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { release } from "node:os";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { format, resolveConfig } from "prettier";
import { propagationSvg } from "./chart.js";
import { chartSeries, renderPage } from "./page.js";
import {
  DEFAULTS,
  SECTIONS,
  runFootprint,
  runPropagation,
  runRequests,
  runThroughput,
  requestModels,
  simulate,
  type Params,
  type Report,
  type Section,
} from "./sections.js";
import { machineFacts, otherWorkMeter, ownCpuSeconds, root, snapshotPrograms } from "./support.js";

const { values } = parseArgs({
  options: {
    only: { type: "string" },
    render: { type: "boolean", default: false },
    ...Object.fromEntries(
      Object.entries(DEFAULTS).map(([k, v]) => [k, { type: "string" as const, default: v }]),
    ),
  },
});
const params = Object.fromEntries(
  Object.entries(DEFAULTS).map(([k, v]) => {
    const given = (values as Record<string, unknown>)[k];
    return [k, typeof given === "string" ? given : v];
  }),
) as Params;

const started = performance.now();
const log = (text: string) => {
  process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(0)} s] ${text}\n`);
};

async function write(relative: string, text: string): Promise<void> {
  const out = resolve(root, relative);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, text);
}

async function renderAll(report: Report): Promise<void> {
  // Formatted as `prettier --check .` (npm run lint) wants it.
  const page = resolve(root, "docs/benchmarks.md");
  const options = (await resolveConfig(page)) ?? {};
  await write(
    "docs/benchmarks.md",
    await format(renderPage(report), { ...options, filepath: page }),
  );
  const p = report.propagation;
  if (p?.samples !== undefined) {
    await write(
      "docs/images/propagation.svg",
      propagationSvg(
        "Propagation: SetSecret → new content readable",
        chartSeries({ ...p, samples: p.samples }),
        `${report.date.slice(0, 10)} · ${report.machine.cores} cores · Node ${report.machine.node} · ` +
          "measured: push, 1 s poll · simulated: 2 min models",
      ),
    );
  }
}

if (values.render) {
  const report = JSON.parse(
    await readFile(resolve(root, "docs/benchmarks/report.json"), "utf8"),
  ) as Report;
  const p = report.propagation;
  if (p !== undefined) {
    p.samples = simulate(p.raw, p.simulatedRotations, p.csi.podsPerNode).samples;
  }
  if (report.requests !== undefined) {
    report.requests = requestModels(
      report.requests.measured,
      report.parameters["model-pods"].split(",").map(Number),
    );
  }
  await renderAll(report);
  process.stdout.write("docs/benchmarks.md and docs/images/propagation.svg rendered again\n");
} else {
  const only = values.only;
  if (only !== undefined && !(SECTIONS as readonly string[]).includes(only)) {
    throw new Error(`--only takes one of ${SECTIONS.join(", ")}`);
  }
  const date = new Date().toISOString();
  const facts = machineFacts();
  const sectionSeconds: Report["sectionSeconds"] = {};
  const sectionOtherWorkCores: Report["sectionOtherWorkCores"] = {};
  const timed = async <T>(name: Section, run: () => Promise<T>): Promise<T | undefined> => {
    if (only !== undefined && only !== name) return undefined;
    const t = performance.now();
    // Every process a section starts has exited when it returns: its CPU is in ownCpuSeconds.
    const meter = await otherWorkMeter();
    const own0 = await ownCpuSeconds();
    const result = await run();
    sectionOtherWorkCores[name] = await meter((await ownCpuSeconds()) - own0);
    sectionSeconds[name] = Math.round((performance.now() - t) / 1000);
    return result;
  };
  // Others build in this tree while we run: the programs we start come from a copy.
  const dropSnapshot = await snapshotPrograms();
  let propagation, requests, throughput, footprint;
  try {
    propagation = await timed("propagation", () => runPropagation(params, log));
    requests = await timed("requests", () => runRequests(params, log));
    throughput = await timed("throughput", () => runThroughput(params, log));
    footprint = await timed("footprint", () => runFootprint(params, log));
  } finally {
    await dropSnapshot();
  }
  const changed = Object.entries(DEFAULTS)
    .filter(([k, v]) => params[k as keyof Params] !== v)
    .map(([k]) => ` --${k} ${params[k as keyof Params]}`)
    .join("");
  const extra = `${only === undefined ? "" : ` --only ${only}`}${changed}`;
  const report: Report = {
    title: "kvsync benchmarks",
    command: `npm run bench${extra === "" ? "" : ` --${extra}`}`,
    date,
    finishedAt: new Date().toISOString(),
    totalSeconds: Math.round((performance.now() - started) / 1000),
    sectionSeconds,
    sectionOtherWorkCores,
    machine: {
      ...facts,
      kernel: release(),
      loadAverageAtEnd: machineFacts().loadAverage,
      note:
        "everything on loopback on this one machine: the vault, the agents or the controller, the " +
        "fake API server and the load generator share its cores with each other and with " +
        "whatever else runs on it (the load averages say how busy it was)",
    },
    parameters: params,
    commands: Object.fromEntries(
      SECTIONS.map((section) => [section, `npm run bench -- --only ${section}${changed}`]),
    ) as Record<Section, string>,
    ...(propagation === undefined ? {} : { propagation }),
    ...(requests === undefined ? {} : { requests }),
    ...(throughput === undefined ? {} : { throughput }),
    ...(footprint === undefined ? {} : { footprint }),
  };
  const jsonFile =
    only === undefined ? "docs/benchmarks/report.json" : `docs/benchmarks/report-${only}.json`;
  // The simulated rotations are redone from their measured inputs (--render): not stored.
  const { samples: _samples, ...storedPropagation } = report.propagation ?? {};
  await write(
    jsonFile,
    JSON.stringify(
      report.propagation === undefined ? report : { ...report, propagation: storedPropagation },
      null,
      2,
    ) + "\n",
  );
  if (only === undefined) await renderAll(report);
  process.stdout.write(
    `${only === undefined ? "docs/benchmarks.md, docs/images/propagation.svg, " : ""}${jsonFile} ` +
      `written; ${report.totalSeconds} s\n`,
  );
}
