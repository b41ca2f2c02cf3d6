import type { Hop, Participant, Rotation } from "../model.js";
import { clock, duration, el, shortVersion, svg } from "./dom.js";

/**
 * One rotation as the seed's sequence diagrams draw it: a column per participant, an arrow per
 * hop in order, and on the right the time of each hop since the one before it.
 */

const COLUMNS: readonly [Participant, string][] = [
  ["user", "User"],
  ["keyvault", "Key Vault"],
  ["eventgrid", "Event Grid"],
  ["agent", "kvsync agent"],
  ["files", "Files"],
  ["app", "App"],
];
const WIDTH = 900;
const LEFT = 60;
const STEP = 132;
const TOP = 44;
const ROW = 42;
const TIMES_X = LEFT + STEP * (COLUMNS.length - 1) + 60;

const x = (p: Participant) => LEFT + STEP * COLUMNS.findIndex(([id]) => id === p);

export function sequenceDiagram(rotation: Rotation): HTMLElement {
  const height = TOP + ROW * (rotation.hops.length + 1);
  const drawing = svg("svg", {
    viewBox: `0 0 ${WIDTH} ${height}`,
    class: "sequence",
    role: "img",
    "aria-label": `rotation of ${rotation.name} to version ${rotation.version}`,
  });
  drawing.append(
    svg(
      "defs",
      {},
      svg(
        "marker",
        {
          id: "arrow",
          viewBox: "0 0 10 10",
          refX: 9,
          refY: 5,
          markerWidth: 7,
          markerHeight: 7,
          orient: "auto-start-reverse",
        },
        svg("path", { d: "M0,0 L10,5 L0,10 z", class: "arrowhead" }),
      ),
    ),
  );
  for (const [id, label] of COLUMNS) {
    drawing.append(
      svg("text", { x: x(id), y: 18, class: "participant", "text-anchor": "middle" }, label),
      svg("line", { x1: x(id), y1: 28, x2: x(id), y2: height - 8, class: "lifeline" }),
    );
  }
  drawing.append(svg("text", { x: TIMES_X, y: 18, class: "participant" }, "time"));
  rotation.hops.forEach((hop, i) => {
    drawing.append(hopArrow(hop, rotation.hops[i - 1], TOP + ROW * i + 18));
  });
  return el(
    "div",
    { "data-testid": "sequence", "data-rotation-id": rotation.id, class: "diagram" },
    header(rotation),
    drawing,
  );
}

function header(rotation: Rotation): HTMLElement {
  return el(
    "div",
    { class: "diagram-header" },
    el("strong", {}, rotation.name),
    el("span", { class: "muted" }, ` in ${rotation.vault} · version `),
    el("code", { class: "version" }, rotation.version),
    " ",
    triggerBadge(rotation.trigger),
    el(
      "span",
      { class: "propagation" },
      rotation.propagationMs === undefined
        ? "in flight…"
        : `${duration(rotation.propagationMs)} to the files`,
    ),
  );
}

export function triggerBadge(trigger: Rotation["trigger"]): HTMLElement {
  return el("span", { class: `badge trigger ${trigger ?? "pending"}` }, trigger ?? "…");
}

function hopArrow(hop: Hop, previous: Hop | undefined, y: number): SVGGElement {
  const from = x(hop.from);
  const to = x(hop.to);
  const self = from === to;
  const group = svg("g", { "data-hop": hop.kind, class: `hop ${hop.kind}` });
  group.append(
    svg("line", {
      x1: from,
      y1: y,
      x2: self ? from + 30 : to,
      y2: y,
      class: "arrow",
      "marker-end": "url(#arrow)",
    }),
    svg(
      "text",
      { x: (from + to) / 2, y: y - 7, class: "hop-label", "text-anchor": "middle" },
      svg("title", {}, hop.label),
      fit(hop.label, Math.abs(to - from) + 100),
    ),
  );
  const since =
    previous === undefined ? clock(hop.at) : `+${duration(Math.max(0, hop.at - previous.at))}`;
  const took = hop.durationMs === undefined ? "" : ` (${duration(hop.durationMs)})`;
  group.append(svg("text", { x: TIMES_X, y: y + 4, class: "hop-time" }, since + took));
  return group;
}

export function historyItem(
  rotation: Rotation,
  selected: boolean,
  onSelect: () => void,
): HTMLElement {
  const item = el(
    "li",
    { "data-rotation-id": rotation.id, class: selected ? "selected" : undefined },
    el("span", { class: "when" }, rotation.hops[0] === undefined ? "" : clock(rotation.hops[0].at)),
    el("strong", {}, rotation.name),
    el("code", { title: rotation.version }, shortVersion(rotation.version)),
    triggerBadge(rotation.trigger),
    el(
      "span",
      { class: "muted" },
      rotation.propagationMs === undefined ? "" : duration(rotation.propagationMs),
    ),
  );
  item.addEventListener("click", onSelect);
  return item;
}

/** About 6.5 px a character at the label's size: cut long labels, the full text is the title. */
function fit(label: string, widthPx: number): string {
  const max = Math.max(12, Math.floor(widthPx / 6.5));
  return label.length <= max ? label : `${label.slice(0, max - 1)}…`;
}
