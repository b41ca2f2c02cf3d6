import type { DashboardState, ObjectRow, Rotation } from "../model.js";
import { follow, refresh, setSecret } from "./api.js";
import { byId, el } from "./dom.js";
import { latencyChart } from "./latency-chart.js";
import { historyItem, sequenceDiagram } from "./sequence-diagram.js";
import { objectsTable, subscriptionsTable } from "./tables.js";

/**
 * The dashboard page: follows the server's stream and redraws what changed. The newest rotation
 * is drawn large unless the user picked an older one from the list.
 */

const MAX_ROTATIONS = 50;
let rotations: Rotation[] = [];
let objects: readonly ObjectRow[] = [];
let pinned: string | undefined;

function drawRotations(): void {
  const shown = rotations.find((r) => r.id === pinned) ?? rotations[0];
  byId("rotation").replaceChildren(
    shown === undefined
      ? el("p", { class: "empty" }, "No rotation yet: set a new value of a synced secret.")
      : sequenceDiagram(shown),
  );
  byId("history").replaceChildren(
    ...rotations.map((r) =>
      historyItem(r, r.id === shown?.id, () => {
        pinned = r.id === rotations[0]?.id ? undefined : r.id;
        drawRotations();
      }),
    ),
  );
  byId("latency").replaceChildren(latencyChart(rotations));
}

function drawObjects(): void {
  objectsTable(byId("objects", HTMLTableElement), objects, (row, button) => {
    button.disabled = true;
    refresh(row.vault, row.name)
      .catch((error: unknown) => {
        button.title = error instanceof Error ? error.message : "refresh failed";
      })
      .finally(() => {
        button.disabled = false;
      });
  });
  const select = byId("set-object", HTMLSelectElement);
  const chosen = select.value;
  select.replaceChildren(
    ...objects.map((o) =>
      el("option", { value: JSON.stringify([o.vault, o.name]) }, `${o.vault}/${o.name}`),
    ),
  );
  if (chosen !== "") select.value = chosen;
}

function applyState(state: DashboardState): void {
  rotations = [...state.rotations];
  objects = state.objects;
  byId("set-form").hidden = !state.canSetSecrets;
  const ready = byId("ready");
  ready.textContent = state.ready ? "synced" : "first sync…";
  ready.className = `badge ${state.ready ? "on" : "off"}`;
  drawRotations();
  drawObjects();
  subscriptionsTable(byId("subscriptions", HTMLTableElement), state.subscriptions);
}

function upsert(rotation: Rotation): void {
  const at = rotations.findIndex((r) => r.id === rotation.id);
  if (at >= 0) rotations[at] = rotation;
  else rotations = [rotation, ...rotations].slice(0, MAX_ROTATIONS);
  drawRotations();
}

/** Dev mode's form: the value is sent, the field cleared, and only the version is shown. */
function wireSetForm(): void {
  const form = byId("set-form", HTMLFormElement);
  const input = byId("set-value", HTMLInputElement);
  const status = byId("set-status");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const [vault, name] = JSON.parse(
      byId("set-object", HTMLSelectElement).value || "[]",
    ) as string[];
    const value = input.value;
    input.value = "";
    if (vault === undefined || name === undefined || value === "") return;
    status.textContent = "setting…";
    setSecret(vault, name, value).then(
      (version) => {
        status.textContent = `new version ${version.slice(0, 8)}`;
      },
      (error: unknown) => {
        status.textContent = error instanceof Error ? error.message : "failed";
      },
    );
  });
}

wireSetForm();
follow({
  connection: (live) => {
    const badge = byId("live");
    badge.textContent = live ? "live" : "reconnecting…";
    badge.className = `badge ${live ? "on" : "off"}`;
  },
  state: applyState,
  rotation: upsert,
  objects: (rows) => {
    objects = rows;
    drawObjects();
  },
  subscriptions: (rows) => {
    subscriptionsTable(byId("subscriptions", HTMLTableElement), rows);
  },
});
