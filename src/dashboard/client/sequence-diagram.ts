import type { Hop, Participant, Rotation } from "../model.js";
import { h, s } from "./dom.js";
import { clock, delta, duration, shortVersion } from "./format.js";
import { triggerBadge } from "./trigger.js";

/**
 * One rotation drawn as a sequence diagram: a lifeline per participant and an arrow per hop,
 * in order, with the time since the previous hop in a gutter on the right. SVG in viewBox units
 * that scale with the page. Colors live in style.css, by class: the page's CSP allows no inline
 * style.
 */

const COLUMNS: readonly (readonly [Participant, string])[] = [
  ["user", "User"],
  ["keyvault", "Key Vault"],
  ["eventgrid", "Event Grid"],
  ["agent", "Agent"],
  ["files", "Files"],
  ["app", "App"],
];

const WIDTH = 1180;
const FIRST_X = 70;
const STEP = 160;
const BOX_W = 120;
const BOX_H = 34;
const FIRST_ROW_Y = 84;
const ROW_H = 44;
/** Right of the last lifeline: the time since the previous hop, and the hop's own duration. */
const TIME_X = 975;
const TOOK_X = WIDTH - 4;
const DIAGRAM_RIGHT = TIME_X - 20;
/** Labels longer than this are cut (the full text is in the tooltip). */
const MAX_LABEL = 80;
/** Rough width of a 12px character, to keep a centered label inside the drawing. */
const CHAR_W = 6.4;
const HEAD = 8;

const columnX = (p: Participant) => {
  const index = COLUMNS.findIndex(([id]) => id === p);
  return FIRST_X + STEP * Math.max(index, 0);
};

export function sequenceView(rotation: Rotation, isLatest: boolean): HTMLElement {
  return h(
    "article",
    { class: "sequence", "data-testid": "sequence", "data-rotation-id": rotation.id },
    header(rotation, isLatest),
    diagram(rotation),
  );
}

function header(r: Rotation, isLatest: boolean): HTMLElement {
  const first = r.hops[0];
  const facts = [
    `${r.type} in vault ${r.vault}`,
    `${r.hops.length} ${r.hops.length === 1 ? "hop" : "hops"}`,
    first === undefined ? undefined : `first hop ${clock(first.at)}`,
  ].filter((fact) => fact !== undefined);
  return h(
    "header",
    { class: "sequence-head" },
    h(
      "div",
      { class: "sequence-title" },
      h("span", { class: "object-name" }, r.name),
      triggerBadge(r.trigger),
      h("code", { class: "version", title: r.version }, shortVersion(r.version)),
      isLatest ? null : h("span", { class: "earlier-hint" }, "earlier rotation"),
      h(
        "span",
        { class: "propagation", title: "first hop → first swap into the files" },
        "propagation ",
        h("strong", {}, r.propagationMs === undefined ? "—" : duration(r.propagationMs)),
      ),
    ),
    // The full version id as text too: it is what one greps logs and Key Vault for.
    h(
      "div",
      { class: "sequence-facts" },
      facts.join(" · "),
      " · version ",
      h("code", { class: "version-full" }, r.version),
    ),
  );
}

function diagram(r: Rotation): SVGSVGElement {
  const rows = Math.max(r.hops.length, 1);
  const height = FIRST_ROW_Y + (rows - 1) * ROW_H + 30;
  const used = new Set(r.hops.flatMap((hop) => [hop.from, hop.to]));
  const svg = s("svg", {
    class: "sequence-svg",
    viewBox: `0 0 ${WIDTH} ${height}`,
    width: WIDTH,
    height,
    role: "img",
    "aria-label": `${r.name}: ${r.hops.map((hop) => hop.label).join(", then ")}`,
  });
  for (const [id, label] of COLUMNS) {
    const x = columnX(id);
    svg.append(
      s(
        "g",
        { class: used.has(id) ? "actor" : "actor idle", "data-participant": id },
        s("line", { class: "lifeline", x1: x, x2: x, y1: 10 + BOX_H, y2: height - 6 }),
        s("rect", { x: x - BOX_W / 2, y: 10, width: BOX_W, height: BOX_H, rx: 6 }),
        s("text", { x, y: 10 + BOX_H / 2 + 4.5, "text-anchor": "middle" }, label),
      ),
    );
  }
  svg.append(
    s("text", { class: "gutter-head", x: TIME_X, y: 31 }, "since previous"),
    s("text", { class: "gutter-head", x: TOOK_X, y: 31, "text-anchor": "end" }, "took"),
  );
  if (r.hops.length === 0) {
    svg.append(
      s(
        "text",
        { class: "empty", x: DIAGRAM_RIGHT / 2, y: FIRST_ROW_Y, "text-anchor": "middle" },
        "no hop seen yet",
      ),
    );
  }
  r.hops.forEach((hop, i) => {
    const previous = r.hops[i - 1];
    svg.append(hopArrow(hop, FIRST_ROW_Y + i * ROW_H, previous));
  });
  return svg;
}

function hopArrow(hop: Hop, y: number, previous: Hop | undefined): SVGGElement {
  const x1 = columnX(hop.from);
  const x2 = columnX(hop.to);
  const dir = x2 >= x1 ? 1 : -1;
  const label = hop.label.length > MAX_LABEL ? `${hop.label.slice(0, MAX_LABEL - 1)}…` : hop.label;
  // Centered over the arrow, but kept inside the drawing when the label is wider than the span.
  const half = (label.length * CHAR_W) / 2;
  const labelX = Math.min(Math.max((x1 + x2) / 2, half + 4), DIAGRAM_RIGHT - half);
  const since = previous === undefined ? clock(hop.at) : delta(hop.at - previous.at);
  const tooltip = [
    `${hop.kind}: ${hop.label}`,
    `at ${clock(hop.at)}`,
    hop.durationMs === undefined ? undefined : `took ${duration(hop.durationMs)}`,
  ].filter((line) => line !== undefined);
  return s(
    "g",
    { class: `hop hop-${hop.kind}`, "data-hop": hop.kind },
    s("title", {}, tooltip.join("\n")),
    s("circle", { cx: x1, cy: y, r: 3 }),
    s("line", { x1, x2: x2 - dir * HEAD, y1: y, y2: y }),
    s("polygon", {
      points: `${x2},${y} ${x2 - dir * HEAD},${y - 4.5} ${x2 - dir * HEAD},${y + 4.5}`,
    }),
    s("text", { class: "hop-label", x: labelX, y: y - 8, "text-anchor": "middle" }, label),
    s(
      "text",
      { class: previous === undefined ? "hop-time first" : "hop-time", x: TIME_X, y: y + 4 },
      since,
    ),
    hop.durationMs === undefined
      ? null
      : s(
          "text",
          { class: "hop-took", x: TOOK_X, y: y + 4, "text-anchor": "end" },
          duration(hop.durationMs),
        ),
  );
}
