import type { DashboardState, ObjectRow, Rotation, SubscriptionRow } from "../model.js";
import { forgetRemovedObjects, refreshCell, setSecretForm } from "./actions.js";
import { fetchState, openStream, type StreamStatus } from "./api.js";
import { byId, h } from "./dom.js";
import { latencyChart } from "./latency-chart.js";
import { rotationList } from "./rotation-list.js";
import { sequenceView } from "./sequence-diagram.js";
import { objectsTable, subscriptionsTable } from "./tables.js";

/**
 * The dashboard page: holds what the server last said and redraws the section that changed.
 * The stream is the source of truth; GET /api/state only fills the page until its first message.
 */

/** As the server keeps: the last 50, newest first. */
const MAX_ROTATIONS = 50;

const slots = {
  live: byId("live"),
  ready: byId("ready"),
  mode: byId("mode"),
  sequence: byId("sequence-slot"),
  history: byId("history-slot"),
  latency: byId("latency-slot"),
  objects: byId("objects-slot"),
  setSecret: byId("set-secret-slot"),
  deliveries: byId("deliveries-slot"),
};

let rotations: Rotation[] = [];
let canSetSecrets = false;
/** The rotation drawn large; undefined follows the newest as they arrive. */
let selectedId: string | undefined;
let streamSpoke = false;
/** The stream re-sends the counts every second: redraw only when they changed. */
let lastSubscriptions = "";
const form = setSecretForm();

function applyState(state: DashboardState): void {
  rotations = state.rotations.slice(0, MAX_ROTATIONS);
  canSetSecrets = state.canSetSecrets;
  showReady(state.ready);
  slots.mode.hidden = !state.canSetSecrets;
  renderRotations();
  applyObjects(state.objects);
  applySubscriptions(state.subscriptions);
}

/** Replace by id where it is, or add it as the newest. */
function applyRotation(rotation: Rotation): void {
  const index = rotations.findIndex((r) => r.id === rotation.id);
  if (index >= 0) rotations[index] = rotation;
  else rotations = [rotation, ...rotations].slice(0, MAX_ROTATIONS);
  renderRotations();
}

function applyObjects(rows: readonly ObjectRow[]): void {
  forgetRemovedObjects(rows);
  slots.objects.replaceChildren(objectsTable(rows, refreshCell));
  form.update(rows);
  slots.setSecret.replaceChildren(...(canSetSecrets ? [form.element] : []));
}

function applySubscriptions(rows: readonly SubscriptionRow[]): void {
  const json = JSON.stringify(rows);
  if (json === lastSubscriptions) return;
  lastSubscriptions = json;
  slots.deliveries.replaceChildren(subscriptionsTable(rows));
}

function renderRotations(): void {
  const latest = rotations[0];
  const shown = rotations.find((r) => r.id === selectedId) ?? latest;
  if (shown === latest) selectedId = undefined; // back to following the newest
  slots.sequence.replaceChildren(
    shown === undefined
      ? h(
          "p",
          { class: "empty big" },
          canSetSecrets
            ? "No rotation yet. Set a new value below (Objects) and watch it travel."
            : "No rotation yet. Add a new version of a secret in Key Vault and watch it travel.",
        )
      : sequenceView(shown, shown === latest),
  );
  slots.history.replaceChildren(rotationList(rotations, shown?.id, select));
  slots.latency.replaceChildren(latencyChart(rotations, select));
}

function select(id: string): void {
  selectedId = id;
  renderRotations();
  slots.sequence.scrollIntoView({ behavior: "smooth", block: "nearest" });
}

function showReady(ready: boolean): void {
  slots.ready.textContent = ready ? "ready" : "starting…";
  slots.ready.className = ready ? "pill ok" : "pill warn";
  slots.ready.title = ready ? "the first sync is done" : "the agent's first sync is not done yet";
}

const STATUS_TEXT: Record<StreamStatus, string> = {
  connecting: "connecting…",
  live: "live",
  reconnecting: "reconnecting…",
};

function showStatus(status: StreamStatus): void {
  slots.live.textContent = STATUS_TEXT[status];
  slots.live.className = `live ${status}`;
}

openStream({
  state(state) {
    streamSpoke = true;
    applyState(state);
  },
  rotation: applyRotation,
  objects: applyObjects,
  subscriptions: applySubscriptions,
  status: showStatus,
});

fetchState()
  .then((state) => {
    // The stream's first message is as new or newer: never draw an older state over it.
    if (!streamSpoke) applyState(state);
  })
  .catch(() => {
    // The stream says the same once it connects; the indicator already shows it is not live.
  });
