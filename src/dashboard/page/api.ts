import { CSRF_HEADER, type DashboardState, type StreamEvents } from "../model.js";

/** The dashboard server's API: the live stream, and the two actions with the page's token. */

const token = document.querySelector<HTMLMetaElement>('meta[name="kvsync-csrf"]')?.content ?? "";

export type StreamHandlers = {
  [K in keyof StreamEvents]: (data: StreamEvents[K]) => void;
} & { connection: (live: boolean) => void };

/** EventSource reconnects by itself; the server sends the whole state first on each connect. */
export function follow(handlers: StreamHandlers): void {
  const source = new EventSource("/api/stream");
  source.onopen = () => {
    handlers.connection(true);
  };
  source.onerror = () => {
    handlers.connection(false);
  };
  const on = <K extends keyof StreamEvents>(name: K, handle: (data: StreamEvents[K]) => void) => {
    source.addEventListener(name, (event) => {
      handle(JSON.parse((event as MessageEvent<string>).data) as StreamEvents[K]);
    });
  };
  on("state", handlers.state);
  on("rotation", handlers.rotation);
  on("objects", handlers.objects);
  on("subscriptions", handlers.subscriptions);
}

export async function getState(): Promise<DashboardState> {
  const response = await fetch("/api/state");
  return (await response.json()) as DashboardState;
}

export async function refresh(vault: string, name: string): Promise<void> {
  await post("/api/refresh", { vault, name });
}

/** Dev only. The value goes to the server and nowhere else; the answer is the version. */
export async function setSecret(vault: string, name: string, value: string): Promise<string> {
  const answer = (await post(`/api/secrets/${encodeURIComponent(name)}`, { vault, value })) as {
    version: string;
  };
  return answer.version;
}

async function post(url: string, body: unknown): Promise<unknown> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", [CSRF_HEADER]: token },
    body: JSON.stringify(body),
  });
  const answer = (await response.json().catch(() => ({}))) as { error?: string };
  if (!response.ok) throw new Error(answer.error ?? `HTTP ${response.status}`);
  return answer;
}
