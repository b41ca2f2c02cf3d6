import type { Rotation } from "../model.js";
import { h } from "./dom.js";
import { clock, duration, shortVersion } from "./format.js";
import { triggerBadge } from "./trigger.js";

/**
 * The other rotations, newest first, one compact line each; a click draws that one large.
 * The one already drawn is left out, so each rotation id appears once on the page.
 */
export function rotationList(
  rotations: readonly Rotation[],
  shownId: string | undefined,
  onSelect: (id: string) => void,
): HTMLElement {
  const others = rotations.filter((r) => r.id !== shownId);
  if (others.length === 0) {
    return h(
      "p",
      { class: "empty" },
      rotations.length === 0 ? "None yet." : "No other rotation yet.",
    );
  }
  return h(
    "ol",
    { class: "rotation-list" },
    ...others.map((r) => {
      const button = h(
        "button",
        { type: "button", class: "rotation-item", "data-rotation-id": r.id, title: `show ${r.id}` },
        h("span", { class: "when" }, r.hops[0] === undefined ? "—" : clock(r.hops[0].at)),
        h("span", { class: "name" }, r.name),
        h("code", { class: "version", title: r.version }, shortVersion(r.version)),
        triggerBadge(r.trigger),
        h("span", { class: "ms" }, r.propagationMs === undefined ? "—" : duration(r.propagationMs)),
      );
      button.addEventListener("click", () => {
        onSelect(r.id);
      });
      return h("li", {}, button);
    }),
  );
}
