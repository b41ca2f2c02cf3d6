import type { Rotation, Trigger } from "../model.js";
import { h, s } from "./dom.js";
import { clock, duration, shortVersion } from "./format.js";

/**
 * Propagation (first hop → first swap) of the last rotations, oldest on the left. A log scale:
 * a push takes tens of ms and a poll can take minutes, and both must stay readable.
 */

const W = 560;
const H = 230;
const M = { left: 58, right: 14, top: 12, bottom: 30 };
/** Log scales have no zero: anything faster reads as 0.1 ms. */
const FLOOR_MS = 0.1;

type Group = "push" | "poll" | "other";
const groupOf = (t: Trigger | undefined): Group =>
  t === "push" ? "push" : t === "poll" ? "poll" : "other";
const GROUP_LABEL: Record<Group, string> = { push: "push", poll: "poll", other: "manual/start" };

interface Point {
  readonly rotation: Rotation;
  readonly ms: number;
}

export function latencyChart(
  rotations: readonly Rotation[],
  onSelect: (id: string) => void,
): HTMLElement {
  const points: Point[] = [];
  for (const rotation of [...rotations].reverse()) {
    if (rotation.propagationMs !== undefined) points.push({ rotation, ms: rotation.propagationMs });
  }
  return h(
    "figure",
    { class: "latency", "data-testid": "latency-chart" },
    points.length === 0
      ? h("p", { class: "empty" }, "No propagation measured yet.")
      : plot(points, onSelect),
    legend(points),
  );
}

function plot(points: readonly Point[], onSelect: (id: string) => void): SVGSVGElement {
  const values = points.map((p) => Math.max(p.ms, FLOOR_MS));
  let lo = Math.floor(Math.log10(Math.min(...values)));
  let hi = Math.ceil(Math.log10(Math.max(...values)));
  if (hi - lo < 2) {
    // At least two decades, so a lone point or a tight cluster does not fill the whole height.
    lo = Math.min(lo, hi - 2);
    hi = lo + 2;
  }
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const y = (ms: number) =>
    M.top + plotH - ((Math.log10(Math.max(ms, FLOOR_MS)) - lo) / (hi - lo)) * plotH;
  const x = (i: number) =>
    points.length === 1
      ? M.left + plotW / 2
      : M.left + 10 + (i * (plotW - 20)) / (points.length - 1);

  const svg = s("svg", {
    class: "latency-svg",
    viewBox: `0 0 ${W} ${H}`,
    width: W,
    height: H,
    role: "img",
    "aria-label": "propagation of the last rotations, in ms, log scale",
  });
  for (const ms of ticks(lo, hi)) {
    const major = Number.isInteger(Math.log10(ms));
    svg.append(
      s("line", {
        class: major ? "grid" : "grid minor",
        x1: M.left,
        x2: W - M.right,
        y1: y(ms),
        y2: y(ms),
      }),
      s(
        "text",
        { class: "axis", x: M.left - 6, y: y(ms) + 4, "text-anchor": "end" },
        tickLabel(ms),
      ),
    );
  }
  svg.append(
    s("line", { class: "axis-line", x1: M.left, x2: M.left, y1: M.top, y2: M.top + plotH }),
    s("line", {
      class: "axis-line",
      x1: M.left,
      x2: W - M.right,
      y1: M.top + plotH,
      y2: M.top + plotH,
    }),
    s("text", { class: "axis", x: M.left, y: H - 8 }, "older"),
    s("text", { class: "axis", x: W - M.right, y: H - 8, "text-anchor": "end" }, "newer"),
    s(
      "text",
      { class: "axis", x: M.left + plotW / 2, y: H - 8, "text-anchor": "middle" },
      `last ${points.length} rotations`,
    ),
  );
  points.forEach((p, i) => {
    const r = p.rotation;
    const at = r.hops[0] === undefined ? "" : ` · ${clock(r.hops[0].at)}`;
    const dot = s(
      "circle",
      { class: `point point-${groupOf(r.trigger)}`, cx: x(i), cy: y(p.ms), r: 5 },
      s(
        "title",
        {},
        `${r.name} ${shortVersion(r.version)} · ${r.trigger ?? "in flight"} · ${duration(p.ms)}${at}`,
      ),
    );
    dot.addEventListener("click", () => {
      onSelect(r.id);
    });
    svg.append(dot);
  });
  return svg;
}

/** Each decade, plus 2× and 5× when the range is short enough for them to fit. */
function ticks(lo: number, hi: number): number[] {
  const steps = hi - lo <= 2 ? [1, 2, 5] : [1];
  const out: number[] = [];
  for (let e = lo; e <= hi; e++) {
    for (const m of steps) if (e < hi || m === 1) out.push(m * 10 ** e);
  }
  return out;
}

function tickLabel(ms: number): string {
  if (ms >= 1000) return `${ms / 1000} s`;
  return `${Number(ms.toPrecision(2))} ms`;
}

/** The colors, and the median of each group: the push-against-poll figure at a glance. */
function legend(points: readonly Point[]): HTMLElement {
  const groups: Group[] = ["push", "poll", "other"];
  return h(
    "figcaption",
    { class: "legend" },
    ...groups.map((g) => {
      const ms = points.filter((p) => groupOf(p.rotation.trigger) === g).map((p) => p.ms);
      return h(
        "span",
        { class: "legend-item" },
        h("span", { class: `swatch point-${g}` }),
        GROUP_LABEL[g],
        ms.length === 0
          ? null
          : h(
              "span",
              { class: "muted", title: `median of ${ms.length}` },
              `median ${duration(median(ms))}`,
            ),
      );
    }),
  );
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] ?? 0;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] ?? upper) + upper) / 2;
}
