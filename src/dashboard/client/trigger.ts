import type { Trigger } from "../model.js";
import { h } from "./dom.js";

/** What caught a rotation, as a colored badge (the colors live in style.css). */

const MEANING: Record<Trigger, string> = {
  push: "caught by an Event Grid event",
  poll: "found by the periodic poll",
  manual: "found by a refresh asked for by hand",
  start: "found by the agent's first sync",
};

export function triggerBadge(trigger: Trigger | undefined): HTMLElement {
  if (trigger === undefined) {
    return h(
      "span",
      { class: "badge trigger-none", title: "no target has swapped it in yet" },
      "in flight",
    );
  }
  return h("span", { class: `badge trigger-${trigger}`, title: MEANING[trigger] }, trigger);
}
