/**
 * docs/images/propagation.svg: the cumulative distribution of propagation latency (SetSecret →
 * new content readable) on a log time axis, one line per model. Plain SVG text, no dependency.
 */

export interface ChartSeries {
  label: string;
  /** Milliseconds, any order. */
  samples: readonly number[];
  color: string;
  dashed?: boolean;
  thin?: boolean;
  /** Line width, px (default 2.5, thin 1.5). */
  width?: number;
}

const W = 760;
const H = 480;
/** The legend sits under the x axis' title, in two columns. */
const LEGEND_ROWS = 3;
const M = { left: 64, right: 24, top: 56, bottom: 64 + LEGEND_ROWS * 18 + 8 };
const X_MIN_MS = 0.5;
const X_MAX_MS = 300_000;

const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const x = (ms: number) => {
  const clamped = Math.min(X_MAX_MS, Math.max(X_MIN_MS, ms));
  const f =
    (Math.log10(clamped) - Math.log10(X_MIN_MS)) / (Math.log10(X_MAX_MS) - Math.log10(X_MIN_MS));
  return M.left + f * (W - M.left - M.right);
};
const y = (fraction: number) => M.top + (1 - fraction) * (H - M.top - M.bottom);
const n1 = (v: number) => v.toFixed(1);
const widthOf = (s: ChartSeries) => s.width ?? (s.thin === true ? 1.5 : 2.5);

/** A step line through ~400 quantiles of the samples. */
function cdfPath(samples: readonly number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const points: string[] = [];
  const steps = Math.min(400, sorted.length);
  let lastX: number | undefined;
  for (let k = 1; k <= steps; k++) {
    const index = Math.min(sorted.length - 1, Math.ceil((k / steps) * sorted.length) - 1);
    const px = x(sorted[index] ?? 0);
    const py = y((index + 1) / sorted.length);
    if (lastX === undefined) points.push(`M${n1(px)},${n1(y(0))}`);
    // Up the step at this x, then along to the next sample.
    points.push(`L${n1(px)},${n1(py)}`);
    lastX = px;
  }
  return points.join("");
}

export function propagationSvg(
  title: string,
  series: readonly ChartSeries[],
  note: string,
): string {
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${M.left}" y="22" font-size="15" font-weight="600" fill="#1f2328">${esc(title)}</text>`,
    `<text x="${M.left}" y="40" fill="#59636e">${esc(note)}</text>`,
  );
  // Grid and axes.
  const ticks: [number, string][] = [
    [1, "1 ms"],
    [10, "10 ms"],
    [100, "100 ms"],
    [1_000, "1 s"],
    [10_000, "10 s"],
    // 1 min has a line but no label: it would run into 2 min's on a log scale.
    [60_000, ""],
    [120_000, "2 min"],
  ];
  for (const [ms, label] of ticks) {
    parts.push(
      `<line x1="${n1(x(ms))}" y1="${y(1)}" x2="${n1(x(ms))}" y2="${y(0)}" stroke="#d1d9e0" stroke-width="1"/>`,
    );
    if (label !== "") {
      parts.push(
        `<text x="${n1(x(ms))}" y="${y(0) + 18}" text-anchor="middle" fill="#59636e">${label}</text>`,
      );
    }
  }
  for (const [f, label] of [
    [0, "0"],
    [0.25, "25 %"],
    [0.5, "50 %"],
    [0.75, "75 %"],
    [1, "100 %"],
  ] as const) {
    parts.push(
      `<line x1="${M.left}" y1="${n1(y(f))}" x2="${W - M.right}" y2="${n1(y(f))}" stroke="#d1d9e0" stroke-width="1"/>`,
      `<text x="${M.left - 8}" y="${n1(y(f) + 4)}" text-anchor="end" fill="#59636e">${label}</text>`,
    );
  }
  // p99: where the tail is read.
  parts.push(
    `<line x1="${M.left}" y1="${n1(y(0.99))}" x2="${W - M.right}" y2="${n1(y(0.99))}" stroke="#8c959f" stroke-width="1" stroke-dasharray="2 3"/>`,
    `<text x="${M.left + 6}" y="${n1(y(0.99) + 13)}" fill="#59636e">p99</text>`,
  );
  parts.push(
    `<line x1="${M.left}" y1="${y(0)}" x2="${W - M.right}" y2="${y(0)}" stroke="#59636e"/>`,
    `<line x1="${M.left}" y1="${y(0)}" x2="${M.left}" y2="${y(1)}" stroke="#59636e"/>`,
    `<text x="${(M.left + W - M.right) / 2}" y="${y(0) + 40}" text-anchor="middle" fill="#1f2328">SetSecret response → new content readable (log scale)</text>`,
    `<text transform="translate(16 ${(y(0) + y(1)) / 2}) rotate(-90)" text-anchor="middle" fill="#1f2328">rotations visible</text>`,
  );
  // Lines in the order given (later ones on top), then the legend under the axis.
  for (const s of series) {
    parts.push(
      `<path d="${cdfPath(s.samples)}" fill="none" stroke="${s.color}" stroke-width="${widthOf(s)}"${s.dashed === true ? ' stroke-dasharray="6 4"' : ""}/>`,
    );
  }
  series.forEach((s, i) => {
    const lx = M.left + Math.floor(i / LEGEND_ROWS) * 330;
    const ly = y(0) + 66 + (i % LEGEND_ROWS) * 18;
    parts.push(
      `<line x1="${lx}" y1="${ly - 4}" x2="${lx + 24}" y2="${ly - 4}" stroke="${s.color}" stroke-width="${widthOf(s)}"${s.dashed === true ? ' stroke-dasharray="6 4"' : ""}/>`,
      `<text x="${lx + 32}" y="${ly}" fill="#1f2328">${esc(s.label)}</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}
