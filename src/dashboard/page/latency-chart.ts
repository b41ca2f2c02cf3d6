import type { Rotation, Trigger } from "../model.js";
import { duration, svg, el } from "./dom.js";

/**
 * Propagation of the last rotations, oldest on the left: one dot each, coloured by trigger, on a
 * log scale (push lands in milliseconds, poll in seconds or minutes; one linear axis would flatten
 * one of them).
 */

const WIDTH = 900;
const HEIGHT = 180;
const PAD = { left: 56, right: 12, top: 10, bottom: 24 };
const TRIGGERS: readonly Trigger[] = ["push", "poll", "manual"];

export function latencyChart(rotations: readonly Rotation[]): HTMLElement {
  const points = [...rotations]
    .reverse()
    .filter((r): r is Rotation & { propagationMs: number } => r.propagationMs !== undefined);
  const chart = svg("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: "latency" });
  const legend = el(
    "div",
    { class: "legend" },
    ...TRIGGERS.map((t) => el("span", { class: `badge trigger ${t}` }, t)),
  );
  const wrapper = el("div", { "data-testid": "latency-chart" }, legend, chart);
  if (points.length === 0) {
    chart.append(
      svg(
        "text",
        { x: WIDTH / 2, y: HEIGHT / 2, "text-anchor": "middle", class: "muted" },
        "no rotation yet",
      ),
    );
    return wrapper;
  }
  const values = points.map((p) => Math.max(0.1, p.propagationMs));
  const low = Math.log10(Math.min(1, ...values));
  const high = Math.log10(Math.max(100, ...values)) + 0.1;
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const y = (ms: number) =>
    PAD.top + plotH * (1 - (Math.log10(Math.max(0.1, ms)) - low) / (high - low));
  const x = (i: number) =>
    PAD.left + (points.length === 1 ? plotW / 2 : (plotW * i) / (points.length - 1));
  for (let decade = Math.ceil(low); decade <= high; decade++) {
    const ms = 10 ** decade;
    chart.append(
      svg("line", { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(ms), y2: y(ms), class: "grid" }),
      svg(
        "text",
        { x: PAD.left - 6, y: y(ms) + 4, "text-anchor": "end", class: "axis" },
        duration(ms),
      ),
    );
  }
  points.forEach((p, i) => {
    chart.append(
      svg(
        "circle",
        { cx: x(i), cy: y(p.propagationMs), r: 5, class: `dot ${p.trigger ?? "pending"}` },
        svg(
          "title",
          {},
          `${p.name} ${p.version.slice(0, 8)}: ${duration(p.propagationMs)} (${p.trigger ?? "?"})`,
        ),
      ),
    );
  });
  return wrapper;
}
