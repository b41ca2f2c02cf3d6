/**
 * Where a process's CPU went, from a V8 `.cpuprofile` (`node --cpu-prof`): the share of busy
 * samples by package or Node subsystem, and the functions with the most self time. A native
 * frame (no script) counts for the script that called it: a TLS write is TLS's.
 */
import { relative } from "node:path";
import { fileURLToPath } from "node:url";

export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    hitCount?: number;
    children?: number[];
  }[];
}

const SERVER_PACKAGES = new Set([
  "fastify",
  "find-my-way",
  "avvio",
  "light-my-request",
  "fast-json-stringify",
  "fast-querystring",
  "secure-json-parse",
  "abstract-logging",
  "process-warning",
  "toad-cache",
  "rfdc",
]);

function categoryOf(url: string, root: string): string | undefined {
  if (url === "") return undefined;
  const path = url.startsWith("file://") ? fileURLToPath(url) : url;
  if (path.startsWith("node:")) {
    const name = path.slice("node:".length);
    if (/tls|crypto/.test(name)) return "Node: TLS and crypto";
    if (/http/.test(name)) return "Node: HTTP";
    if (/(^|\/)fs/.test(name)) return "Node: file system";
    if (/net|stream|socket/.test(name)) return "Node: sockets and streams";
    if (/modules\/|vm$/.test(name)) return "Node: loading modules (start-up)";
    if (/task_queues|async_hooks|timers|promise/.test(name)) {
      return "Node: promises, timers, async hooks";
    }
    return "Node: other internals";
  }
  const at = path.lastIndexOf("node_modules/");
  if (at >= 0) {
    const parts = path.slice(at + "node_modules/".length).split("/");
    const first = parts[0] ?? "";
    const pkg = first.startsWith("@") ? `${first}/${parts[1] ?? ""}` : first;
    if (pkg.startsWith("@azure/") || pkg.startsWith("@typespec/")) return "Azure SDK";
    if (SERVER_PACKAGES.has(pkg) || pkg.startsWith("@fastify/")) return "fastify (webhook)";
    if (pkg.startsWith("pino") || pkg === "sonic-boom" || pkg === "thread-stream") return "pino";
    return pkg;
  }
  if (path.startsWith(root)) return "kvsync's own code";
  return "other";
}

export function summarizeCpuProfile(profile: CpuProfile, root: string) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const categoryCache = new Map<number, string>();
  const category = (id: number): string => {
    const cached = categoryCache.get(id);
    if (cached !== undefined) return cached;
    const node = byId.get(id);
    const name = node?.callFrame.functionName ?? "";
    let found: string;
    if (name === "(garbage collector)") found = "garbage collection";
    else if (name === "(program)") found = "V8 and native, no script on the stack";
    else {
      const own = categoryOf(node?.callFrame.url ?? "", root);
      const up = parent.get(id);
      found = own ?? (up === undefined ? "other" : category(up));
    }
    categoryCache.set(id, found);
    return found;
  };
  let busy = 0;
  const shares = new Map<string, number>();
  const functions = new Map<string, { hits: number; category: string }>();
  for (const n of profile.nodes) {
    const hits = n.hitCount ?? 0;
    const name = n.callFrame.functionName;
    if (hits === 0 || name === "(idle)" || name === "(root)") continue;
    busy += hits;
    const c = category(n.id);
    shares.set(c, (shares.get(c) ?? 0) + hits);
    const url = n.callFrame.url;
    const file = url.startsWith("file://") ? relative(root, fileURLToPath(url)) : url;
    const label = `${name === "" ? "(anonymous)" : name}${file === "" ? "" : ` ${file.replace(/^node_modules\//, "")}:${n.callFrame.lineNumber + 1}`}`;
    const entry = functions.get(label) ?? { hits: 0, category: c };
    entry.hits += hits;
    functions.set(label, entry);
  }
  const pct = (hits: number) => Math.round((hits / Math.max(1, busy)) * 1000) / 10;
  const sorted = [...shares].sort((a, b) => b[1] - a[1]);
  const major = sorted.filter(([, hits]) => pct(hits) >= 2);
  const minor = sorted.filter(([, hits]) => pct(hits) < 2).reduce((s, [, hits]) => s + hits, 0);
  return {
    busySamples: busy,
    byCategoryPercent: [
      ...major.map(([name, hits]) => ({ name, percent: pct(hits) })),
      ...(minor > 0 ? [{ name: "the rest (each under 2 %)", percent: pct(minor) }] : []),
    ],
    topFunctions: [...functions]
      .sort((a, b) => b[1].hits - a[1].hits)
      .slice(0, 8)
      .map(([name, f]) => ({ name, category: f.category, percent: pct(f.hits) })),
  };
}
