import type { ObjectRow } from "../model.js";
import { refreshObject, setSecretValue } from "./api.js";
import { flash, h } from "./dom.js";
import { shortVersion } from "./format.js";

/**
 * The page's two actions. Their elements are made once and kept while the object exists, so a
 * table redrawn by the stream keeps a button's pending state and its message.
 */

const objectKey = (row: Pick<ObjectRow, "vault" | "type" | "name">) =>
  `${row.vault.toLowerCase()}/${row.type}/${row.name.toLowerCase()}`;

const refreshCells = new Map<string, HTMLElement>();

/** The Refresh button (and its message) of one object row. */
export function refreshCell(row: ObjectRow): HTMLElement {
  const key = objectKey(row);
  const known = refreshCells.get(key);
  if (known !== undefined) return known;
  const note = h("span", { class: "note", role: "status" });
  const button = h(
    "button",
    { type: "button", title: `sync ${row.name} from ${row.vault} now` },
    "Refresh",
  );
  button.addEventListener("click", () => {
    button.disabled = true;
    refreshObject(row.vault, row.type, row.name)
      .then(() => {
        flash(note, "refreshing…", "ok");
      })
      .catch((error: unknown) => {
        flash(note, message(error), "error");
      })
      .finally(() => {
        button.disabled = false;
      });
  });
  const cell = h("span", { class: "action" }, button, note);
  refreshCells.set(key, cell);
  return cell;
}

/** Drops the cells of objects that are gone. */
export function forgetRemovedObjects(rows: readonly ObjectRow[]): void {
  const present = new Set(rows.map(objectKey));
  for (const key of refreshCells.keys()) if (!present.has(key)) refreshCells.delete(key);
}

export interface SetSecretForm {
  readonly element: HTMLElement;
  update(rows: readonly ObjectRow[]): void;
}

/**
 * Dev mode: set a new value of a secret in the local vault, so a rotation travels the real
 * path. The value only ever lives in the input: it is cleared once sent, and neither shown nor
 * logged anywhere else.
 */
export function setSecretForm(): SetSecretForm {
  const select = h("select", { name: "object", "aria-label": "secret", required: true });
  const input = h("input", {
    type: "password",
    name: "value",
    placeholder: "new value",
    autocomplete: "off",
    spellcheck: "false",
    "aria-label": "new value",
    required: true,
  });
  const button = h("button", { type: "submit", class: "primary" }, "Set new value");
  const note = h("span", { class: "note", role: "status" });
  const form = h(
    "form",
    { class: "set-secret" },
    h("span", { class: "form-label" }, "Set a secret in the local vault:"),
    select,
    input,
    button,
    note,
  );
  let rows: readonly ObjectRow[] = [];
  let busy = false;
  form.addEventListener("submit", (event) => {
    // The page's CSP forbids form posts anyway: the value goes as JSON with the token.
    event.preventDefault();
    const row = rows[Number(select.value)];
    const value = input.value;
    if (row === undefined || value === "" || busy) return;
    busy = true;
    button.disabled = true;
    input.value = "";
    setSecretValue(row.vault, row.name, value)
      .then((version) => {
        flash(note, version === "" ? "set" : `set: version ${shortVersion(version)}`, "ok");
      })
      .catch((error: unknown) => {
        flash(note, message(error), "error");
      })
      .finally(() => {
        busy = false;
        button.disabled = rows.length === 0;
      });
  });
  return {
    element: form,
    update(next) {
      // Only secrets can be set; keep the choice when the list is redrawn.
      const chosen = rows[Number(select.value)];
      rows = next.filter((row) => row.type.toLowerCase() === "secret");
      select.replaceChildren(
        ...rows.map((row, i) => h("option", { value: i }, `${row.vault} / ${row.name}`)),
      );
      const keep =
        chosen === undefined ? -1 : rows.findIndex((row) => objectKey(row) === objectKey(chosen));
      if (keep >= 0) select.value = String(keep);
      const none = rows.length === 0;
      select.disabled = none;
      input.disabled = none;
      button.disabled = none || busy;
    },
  };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : "failed";
}
