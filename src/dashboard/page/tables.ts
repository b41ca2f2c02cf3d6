import type { ObjectRow, SubscriptionRow } from "../model.js";
import { el, shortVersion } from "./dom.js";

/** The objects and subscriptions tables, rebuilt whole on each update (tens of rows). */

export function objectsTable(
  table: HTMLTableElement,
  rows: readonly ObjectRow[],
  onRefresh: (row: ObjectRow, button: HTMLButtonElement) => void,
): void {
  const head = el(
    "tr",
    {},
    ...["vault", "type", "name", "version", "updated", "targets", ""].map((h) => el("th", {}, h)),
  );
  const body = rows.map((row) => {
    const button = el("button", { type: "button" }, "Refresh");
    button.addEventListener("click", () => {
      onRefresh(row, button);
    });
    return el(
      "tr",
      {},
      el("td", {}, row.vault),
      el("td", {}, row.type),
      el("td", {}, el("strong", {}, row.name)),
      el("td", {}, el("code", { title: row.version }, shortVersion(row.version))),
      el("td", {}, row.updatedOn === undefined ? "—" : new Date(row.updatedOn).toLocaleString()),
      el("td", {}, ...row.targets.map((t) => el("div", {}, t))),
      el("td", {}, button),
    );
  });
  table.replaceChildren(
    el("thead", {}, head),
    el("tbody", {}, ...(body.length > 0 ? body : [emptyRow(7, "no object synced yet")])),
  );
}

export function subscriptionsTable(
  table: HTMLTableElement,
  rows: readonly SubscriptionRow[],
): void {
  const head = el(
    "tr",
    {},
    ...["subscription", "counted by", "delivered", "retried", "dead-lettered", "pending"].map((h) =>
      el("th", {}, h),
    ),
  );
  const dash = (n: number | undefined) => (n === undefined ? "—" : String(n));
  const body = rows.map((row) =>
    el(
      "tr",
      {},
      el("td", {}, el("strong", {}, row.name)),
      el("td", {}, row.source === "vault" ? "local vault (publisher)" : "this webhook"),
      el("td", { class: "num" }, String(row.delivered)),
      el("td", { class: "num" }, String(row.retried)),
      el("td", { class: "num" }, dash(row.deadLettered)),
      el("td", { class: "num" }, dash(row.pending)),
    ),
  );
  table.replaceChildren(
    el("thead", {}, head),
    el("tbody", {}, ...(body.length > 0 ? body : [emptyRow(6, "no delivery yet")])),
  );
}

function emptyRow(columns: number, text: string): HTMLTableRowElement {
  return el("tr", {}, el("td", { colspan: columns, class: "empty" }, text));
}
