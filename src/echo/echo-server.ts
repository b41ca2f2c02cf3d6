import { createEchoApp, type EchoAppOptions } from "./echo-app.js";

/** Starts the echo on a port (0 picks a free one); loopback unless told otherwise. */

export interface EchoServerOptions extends EchoAppOptions {
  port?: number;
  host?: string;
}

export interface RunningEcho {
  url: string;
  close(): Promise<void>;
}

export const DEFAULT_ECHO_PORT = 8081;
export const DEFAULT_ECHO_HOST = "127.0.0.1";

export async function startEcho(options: EchoServerOptions = {}): Promise<RunningEcho> {
  const { port = DEFAULT_ECHO_PORT, host = DEFAULT_ECHO_HOST, ...appOptions } = options;
  const app = createEchoApp(appOptions);
  await app.listen({ port, host });
  const address = app.server.address();
  const actualPort = typeof address === "object" && address !== null ? address.port : port;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${actualPort}`,
    close: () => app.close(),
  };
}
