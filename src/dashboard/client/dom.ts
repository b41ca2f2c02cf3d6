/**
 * Tiny element builders. Every piece of data goes in as a text node or an attribute value,
 * never as markup: object, vault and target names come from users.
 */

export type Child = Node | string | number | null | undefined | false;
export type Attrs = Readonly<Record<string, string | number | boolean | undefined>>;

const SVG_NS = "http://www.w3.org/2000/svg";

function fill(node: Element, attrs: Attrs, children: readonly Child[]): void {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === "number" ? String(child) : child);
  }
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  fill(node, attrs, children);
  return node;
}

export function s<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, tag);
  fill(node, attrs, children);
  return node;
}

/** The page's fixed slots (index.html): a missing one is a bug, so fail loudly. */
export function byId(id: string): HTMLElement {
  const node = document.getElementById(id);
  if (node === null) throw new Error(`index.html has no #${id}`);
  return node;
}

/**
 * A short message next to a control that clears itself; a newer message replaces it.
 * Errors stay longer than confirmations: they need reading.
 */
const timers = new WeakMap<HTMLElement, number>();
export function flash(note: HTMLElement, text: string, kind: "ok" | "error"): void {
  const previous = timers.get(note);
  if (previous !== undefined) clearTimeout(previous);
  note.textContent = text;
  note.className = `note ${kind}`;
  timers.set(
    note,
    window.setTimeout(
      () => {
        note.textContent = "";
        note.className = "note";
      },
      kind === "error" ? 8000 : 3000,
    ),
  );
}
