import {
  CSRF_HEADER,
  type DashboardState,
  type ObjectRow,
  type Rotation,
  type StreamEvents,
  type SubscriptionRow,
} from "../model.js";

/**
 * Talks to the dashboard's server (same origin): the state, the live stream and the two
 * actions. Actions carry the token the server printed into the page, so another site open in
 * the same browser cannot send them.
 */

/** An action the server refused: its `{"error": "..."}` message, ready to show. */
export class ApiError extends Error {}

export async function fetchState(): Promise<DashboardState> {
  const response = await fetch("/api/state", { headers: { accept: "application/json" } });
  if (!response.ok) throw new ApiError(await errorMessage(response));
  return (await response.json()) as DashboardState;
}

export type StreamStatus = "connecting" | "live" | "reconnecting";

export interface StreamHandlers {
  readonly state: (state: DashboardState) => void;
  readonly rotation: (rotation: Rotation) => void;
  readonly objects: (objects: readonly ObjectRow[]) => void;
  readonly subscriptions: (subscriptions: readonly SubscriptionRow[]) => void;
  readonly status: (status: StreamStatus) => void;
}

/** After the browser gives up on a stream (a non-2xx answer, say), try again this late. */
const REOPEN_MS = 5000;

/**
 * EventSource reconnects by itself after a dropped connection; the server then opens with the
 * whole state again, so nothing is lost. Only when the browser closes the stream for good do we
 * open a new one ourselves.
 */
export function openStream(handlers: StreamHandlers): void {
  handlers.status("connecting");
  const source = new EventSource("/api/stream");
  const on = <K extends keyof StreamEvents>(event: K, handle: (data: StreamEvents[K]) => void) => {
    source.addEventListener(event, (message: MessageEvent<string>) => {
      let data: StreamEvents[K];
      try {
        data = JSON.parse(message.data) as StreamEvents[K];
      } catch {
        return; // a torn message: the next state or rotation will carry the news
      }
      handle(data);
    });
  };
  on("state", (state) => {
    handlers.status("live");
    handlers.state(state);
  });
  on("rotation", handlers.rotation);
  on("objects", handlers.objects);
  on("subscriptions", handlers.subscriptions);
  source.addEventListener("open", () => {
    handlers.status("live");
  });
  source.addEventListener("error", () => {
    handlers.status("reconnecting");
    if (source.readyState === EventSource.CLOSED) {
      window.setTimeout(() => {
        openStream(handlers);
      }, REOPEN_MS);
    }
  });
}

/** Refresh one object now (the server answers 202 at once; the result arrives on the stream). */
export async function refreshObject(vault: string, type: string, name: string): Promise<void> {
  await post("/api/refresh", { vault, type, name });
}

/** Dev mode: a new value in the local vault. Returns the new version id, never the value. */
export async function setSecretValue(vault: string, name: string, value: string): Promise<string> {
  const answer = (await post(`/api/secrets/${encodeURIComponent(name)}`, { vault, value })) as {
    version?: unknown;
  } | null;
  return typeof answer?.version === "string" ? answer.version : "";
}

async function post(path: string, body: Readonly<Record<string, string>>): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        [CSRF_HEADER]: csrfToken(),
      },
      body: JSON.stringify(body),
    });
  } catch {
    // Not the browser's message: it can be vague, and it is the server that is away.
    throw new ApiError("the dashboard server did not answer");
  }
  if (!response.ok) throw new ApiError(await errorMessage(response));
  const text = await response.text();
  return text === "" ? null : (JSON.parse(text) as unknown);
}

function csrfToken(): string {
  return document.querySelector<HTMLMetaElement>('meta[name="kvsync-csrf"]')?.content ?? "";
}

/** The server's `{"error"}` message, or the HTTP status when the body is something else. */
async function errorMessage(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: unknown } | null;
    if (typeof body?.error === "string" && body.error !== "") return body.error;
  } catch {
    // not JSON: fall through to the status line
  }
  return `HTTP ${response.status} ${response.statusText}`.trim();
}
