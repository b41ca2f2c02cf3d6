import type { ObjectRow, SubscriptionRow } from "../model.js";
import { h, type Child } from "./dom.js";
import { dateTime, shortVersion } from "./format.js";

/** The objects and the Event Grid delivery counts, as plain tables. */

type Cell = Child | { readonly content: Child; readonly class: string };

function table(
  className: string,
  headers: readonly (readonly [string, string?])[],
  rows: readonly (readonly Cell[])[],
  empty: string,
): HTMLTableElement {
  const cell = (c: Cell) =>
    c !== null && typeof c === "object" && "content" in c
      ? h("td", { class: c.class }, c.content)
      : h("td", {}, c);
  return h(
    "table",
    { class: className },
    h(
      "thead",
      {},
      h("tr", {}, ...headers.map(([label, cls]) => h("th", { scope: "col", class: cls }, label))),
    ),
    h(
      "tbody",
      {},
      ...(rows.length === 0
        ? [h("tr", {}, h("td", { class: "empty", colspan: headers.length }, empty))]
        : rows.map((row) => h("tr", {}, ...row.map(cell)))),
    ),
  );
}

/** `action(row)` gives the last cell (the Refresh button): the caller keeps it across renders. */
export function objectsTable(
  rows: readonly ObjectRow[],
  action: (row: ObjectRow) => Node,
): HTMLTableElement {
  return table(
    "objects",
    [["Vault"], ["Type"], ["Name"], ["Version"], ["Updated"], ["Targets"], ["", "actions"]],
    rows.map((row) => [
      row.vault,
      row.type,
      { content: row.name, class: "name" },
      h("code", { title: row.version }, shortVersion(row.version)),
      row.updatedOn === undefined
        ? "—"
        : h("span", { title: row.updatedOn, class: "num" }, dateTime(row.updatedOn)),
      row.targets.length === 0
        ? "—"
        : h("ul", { class: "targets" }, ...row.targets.map((t) => h("li", {}, t))),
      { content: action(row), class: "actions" },
    ]),
    "No object synced yet.",
  );
}

const SOURCE: Record<SubscriptionRow["source"], string> = {
  vault: "counted by the local vault's publisher",
  receiver: "as received by this agent's webhook",
};

export function subscriptionsTable(rows: readonly SubscriptionRow[]): HTMLTableElement {
  const count = (n: number | undefined) => ({ content: n ?? "—", class: "num" });
  return table(
    "subscriptions",
    [
      ["Subscription"],
      ["Source"],
      ["Delivered", "num"],
      ["Retried", "num"],
      ["Dead-lettered", "num"],
      ["Pending", "num"],
    ],
    rows.map((row) => [
      { content: row.name, class: "name" },
      h("span", { title: SOURCE[row.source] }, row.source),
      count(row.delivered),
      count(row.retried),
      count(row.deadLettered),
      count(row.pending),
    ]),
    "No delivery yet.",
  );
}
