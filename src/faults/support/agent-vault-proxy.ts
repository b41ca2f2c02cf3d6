import { Agent, createServer, request, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { preciseNow } from "./agent-readers.js";

/**
 * An HTTPS proxy in front of the local vault that can fail the way a vault or its network fails,
 * below the agent's own retry loop (so every attempt the backoff makes crosses it and is counted):
 *  - "unreachable": the port refuses connections (the listener is closed, open ones dropped);
 *  - "status": every request answered with that status (429 with Retry-After, 500…);
 *  - "reset": every request's connection dropped without an answer.
 * It serves the vault's own certificate (valid for 127.0.0.1), so the agent trusts it with the
 * vault's CA, exactly as it trusts the vault.
 */

export type VaultFault =
  | { readonly kind: "none" }
  | { readonly kind: "unreachable" }
  | { readonly kind: "status"; readonly status: number; readonly retryAfterSeconds?: number }
  | { readonly kind: "reset" };

export interface ProxiedRequest {
  /** Epoch ms (preciseNow) when the request arrived. */
  readonly at: number;
  readonly path: string;
  /** A Key Vault API call (secrets, keys, certificates), not the token endpoint. */
  readonly keyVault: boolean;
  /** "forwarded", the status it was answered with, or "reset". */
  readonly answer: string;
}

export interface VaultProxy {
  readonly url: string;
  readonly requests: readonly ProxiedRequest[];
  setFault(fault: VaultFault): Promise<void>;
  close(): Promise<void>;
}

export interface VaultProxyOptions {
  /** The vault's URL. */
  target: string;
  /** PEM: the vault's CA (to reach it), and its server certificate and key (to serve). */
  ca: string;
  cert: string;
  key: string;
}

const KEY_VAULT_PATH = /^\/(secrets|keys|certificates|deleted)/;

export async function startVaultProxy(options: VaultProxyOptions): Promise<VaultProxy> {
  const requests: ProxiedRequest[] = [];
  const upstream = new Agent({ keepAlive: true, ca: options.ca });
  let fault: VaultFault = { kind: "none" };
  const record = (req: IncomingMessage, answer: string) => {
    const path = req.url ?? "/";
    requests.push({ at: preciseNow(), path, keyVault: KEY_VAULT_PATH.test(path), answer });
  };
  const server: Server = createServer(
    { cert: options.cert, key: options.key },
    (req: IncomingMessage, res: ServerResponse) => {
      switch (fault.kind) {
        case "none":
          record(req, "forwarded");
          forward(req, res, options.target, upstream);
          return;
        case "status":
          record(req, String(fault.status));
          answerWith(res, fault.status, fault.retryAfterSeconds);
          return;
        case "reset":
        case "unreachable": // a request already on its way when the port closed
          record(req, "reset");
          req.socket.destroy();
          return;
      }
    },
  );
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  const port = await listen(server, 0);
  return {
    url: `https://127.0.0.1:${port}`,
    requests,
    async setFault(next) {
      const wasUnreachable = fault.kind === "unreachable";
      fault = next;
      if (next.kind === "unreachable" && !wasUnreachable) {
        const closed = new Promise((resolve) => server.close(resolve));
        for (const socket of sockets) socket.destroy();
        await closed;
      } else if (next.kind !== "unreachable" && wasUnreachable) {
        await listen(server, port);
      }
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      if (server.listening) await new Promise((resolve) => server.close(resolve));
      upstream.destroy();
    },
  };
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      const address = server.address();
      resolve(typeof address === "object" && address !== null ? address.port : port);
    });
  });
}

/** A Key Vault-shaped error answer. */
function answerWith(res: ServerResponse, status: number, retryAfterSeconds?: number): void {
  const code = status === 429 ? "Throttled" : "InternalServerError";
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    ...(retryAfterSeconds === undefined ? {} : { "retry-after": String(retryAfterSeconds) }),
  });
  res.end(JSON.stringify({ error: { code, message: `injected ${status}` } }));
}

function forward(req: IncomingMessage, res: ServerResponse, target: string, agent: Agent): void {
  const upstream = request(
    new URL(req.url ?? "/", target),
    { method: req.method ?? "GET", headers: { ...req.headers, host: new URL(target).host }, agent },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on("error", () => {
    req.socket.destroy();
  });
  req.pipe(upstream);
}
