import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

/**
 * An in-process Kubernetes API server for tests, reached over HTTP on 127.0.0.1 through
 * @kubernetes/client-node and a kubeconfig, as a real cluster is. It keeps the semantics the
 * controller relies on, and only those:
 *  - one resourceVersion counter; every write bumps it; a PUT with a stale
 *    metadata.resourceVersion is 409 Conflict; a POST of an existing name is 409 AlreadyExists;
 *  - list returns the collection's resourceVersion; watch from a resourceVersion replays what
 *    happened after it, then streams; a resourceVersion older than the compacted history gets an
 *    ERROR event with a 410 Gone Status (the client must relist); BOOKMARK events on request;
 *  - deleting an object deletes its dependents (ownerReferences by uid), as the garbage
 *    collector does in the background;
 *  - metadata.generation starts at 1 and moves only when something besides metadata and status
 *    changes, as for custom resources;
 *  - list and watch honour `fieldSelector=metadata.name=<name>` (what a one-object informer uses);
 *  - `fail()` makes chosen requests answer an error status, as an overloaded API server does;
 *  - any resource path works: /api/v1/… and /apis/<group>/<version>/…, namespaced or not.
 */

type KubeObject = {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    ownerReferences?: { uid: string }[];
    [key: string]: unknown;
  };
  [key: string]: unknown;
};

interface Change {
  readonly rv: number;
  readonly collection: string;
  readonly type: "ADDED" | "MODIFIED" | "DELETED";
  readonly object: KubeObject;
}

interface Route {
  /** e.g. "apis/secrets-store.csi.x-k8s.io/v1/secretproviderclasses" */
  readonly collection: string;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
}

export interface FakeApiServer {
  readonly url: string;
  /** A kubeconfig for client-node's KubeConfig.loadFromString. */
  readonly kubeconfig: string;
  /** Every request, "METHOD path" (a watch: "GET path (watch)"), for tests that count calls. */
  readonly requests: string[];
  /**
   * The next `times` requests whose "METHOD path" matches answer `code` (a Status, reason
   * InternalError, TooManyRequests or ServiceUnavailable) without being carried out.
   */
  fail(match: RegExp, code: number, times: number): void;
  /** Forget history up to now: watches from older resourceVersions get 410 Gone. */
  compact(): void;
  /**
   * Ends every open watch, as an API server restart would, and holds new ones until
   * `reconnect()`: what happens meanwhile is seen only through the watch's replay or a relist.
   */
  dropWatches(): { reconnect(): void };
  get(collection: string, namespace: string | undefined, name: string): KubeObject | undefined;
  list(collection: string): KubeObject[];
  close(): Promise<void>;
}

const TOKEN = "fake-api-server-token";

export async function startFakeApiServer(): Promise<FakeApiServer> {
  const objects = new Map<string, KubeObject>();
  const history: Change[] = [];
  const watches = new Set<ServerResponse>();
  const requests: string[] = [];
  let rv = 1;
  let compactedAt = 0;
  let held: (() => void)[] | undefined;
  const faults: { match: RegExp; code: number; left: number }[] = [];

  const key = (collection: string, namespace: string | undefined, name: string) =>
    `${collection}|${namespace ?? ""}|${name}`;

  function record(collection: string, type: Change["type"], object: KubeObject): void {
    const change = { rv: Number(object.metadata.resourceVersion), collection, type, object };
    history.push(change);
    for (const watch of watches) (watch as WatchResponse).offer?.(change);
  }

  function remove(collection: string, stored: KubeObject): void {
    objects.delete(key(collection, stored.metadata.namespace, stored.metadata.name));
    const gone = structuredClone(stored);
    gone.metadata.resourceVersion = String(++rv);
    record(collection, "DELETED", gone);
    // Garbage collection: dependents of a deleted owner go too.
    const uid = stored.metadata.uid;
    for (const [k, dependent] of [...objects]) {
      if (dependent.metadata.ownerReferences?.some((o) => o.uid === uid) !== true) continue;
      const [depCollection = ""] = k.split("|");
      remove(depCollection, dependent);
    }
  }

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      send(res, 500, status(500, "InternalError", String(error)));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const isWatch = url.searchParams.get("watch") === "true";
    const call = `${req.method ?? ""} ${url.pathname}${isWatch ? " (watch)" : ""}`;
    requests.push(call);
    const fault = faults.find((f) => f.left > 0 && f.match.test(call));
    if (fault !== undefined && !isWatch) {
      fault.left--;
      const reason = { 429: "TooManyRequests", 503: "ServiceUnavailable" }[fault.code];
      send(res, fault.code, status(fault.code, reason ?? "InternalError", "injected failure"));
      return;
    }
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      send(res, 401, status(401, "Unauthorized", "Unauthorized"));
      return;
    }
    const route = parseRoute(url.pathname);
    if (route === undefined) {
      send(res, 404, status(404, "NotFound", `no route ${url.pathname}`));
      return;
    }
    const { collection, namespace, name } = route;
    const method = req.method ?? "GET";
    const onlyName = nameSelected(url.searchParams);
    if (method === "GET" && name === undefined) {
      if (url.searchParams.get("watch") === "true") {
        const open = () => {
          watch(res, route, url.searchParams);
        };
        if (held === undefined) open();
        else held.push(open);
        return;
      }
      const prefix = namespace === undefined ? `${collection}|` : `${collection}|${namespace}|`;
      const items = [...objects]
        .filter(([k]) => k.startsWith(prefix))
        .map(([, o]) => o)
        .filter((o) => onlyName === undefined || o.metadata.name === onlyName);
      send(res, 200, {
        kind: "List",
        apiVersion: "v1",
        metadata: { resourceVersion: String(rv) },
        items,
      });
      return;
    }
    if (method === "POST" && name === undefined) {
      const body = (await readJson(req)) as KubeObject;
      const objectName = body.metadata.name;
      if (objects.has(key(collection, namespace, objectName))) {
        send(res, 409, status(409, "AlreadyExists", `${objectName} already exists`));
        return;
      }
      const created = stamp(body, namespace, randomUUID());
      created.metadata.generation = 1;
      objects.set(key(collection, namespace, objectName), created);
      record(collection, "ADDED", created);
      send(res, 201, created);
      return;
    }
    if (name === undefined) {
      send(res, 405, status(405, "MethodNotAllowed", method));
      return;
    }
    const stored = objects.get(key(collection, namespace, name));
    if (stored === undefined) {
      send(res, 404, status(404, "NotFound", `${collection} "${name}" not found`));
      return;
    }
    if (method === "GET") {
      send(res, 200, stored);
      return;
    }
    if (method === "PUT") {
      const body = (await readJson(req)) as KubeObject;
      const given = body.metadata.resourceVersion;
      if (given !== undefined && given !== stored.metadata.resourceVersion) {
        send(
          res,
          409,
          status(
            409,
            "Conflict",
            `the object has been modified; please apply your changes to the latest version`,
          ),
        );
        return;
      }
      const updated = stamp(body, namespace, stored.metadata.uid ?? randomUUID(), stored);
      updated.metadata.generation =
        Number(stored.metadata.generation ?? 1) + (sameSpec(stored, updated) ? 0 : 1);
      objects.set(key(collection, namespace, name), updated);
      record(collection, "MODIFIED", updated);
      send(res, 200, updated);
      return;
    }
    if (method === "DELETE") {
      remove(collection, stored);
      send(res, 200, status(200, "Success", "deleted"));
      return;
    }
    send(res, 405, status(405, "MethodNotAllowed", method));
  }

  function stamp(
    body: KubeObject,
    namespace: string | undefined,
    uid: string,
    previous?: KubeObject,
  ): KubeObject {
    const object = structuredClone(body);
    object.metadata = {
      ...object.metadata,
      ...(namespace === undefined ? {} : { namespace }),
      uid,
      resourceVersion: String(++rv),
      creationTimestamp: previous?.metadata.creationTimestamp ?? new Date().toISOString(),
    };
    return object;
  }

  type WatchResponse = ServerResponse & { offer?: (change: Change) => void };

  function watch(res: WatchResponse, route: Route, params: URLSearchParams): void {
    const from = Number(params.get("resourceVersion") ?? rv);
    res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
    res.flushHeaders(); // a watch with nothing to say yet still answers at once
    const write = (event: unknown) => res.write(`${JSON.stringify(event)}\n`);
    if (from < compactedAt) {
      write({
        type: "ERROR",
        object: status(410, "Expired", `too old resource version: ${from} (${compactedAt})`),
      });
      res.end();
      return;
    }
    const onlyName = nameSelected(params);
    const matches = (change: Change) =>
      change.collection === route.collection &&
      (route.namespace === undefined || change.object.metadata.namespace === route.namespace) &&
      (onlyName === undefined || change.object.metadata.name === onlyName);
    for (const change of history) {
      if (change.rv > from && matches(change)) write({ type: change.type, object: change.object });
    }
    res.offer = (change) => {
      if (matches(change)) write({ type: change.type, object: change.object });
    };
    if (params.get("allowWatchBookmarks") === "true") {
      write({
        type: "BOOKMARK",
        object: { kind: "Bookmark", metadata: { resourceVersion: String(rv) } },
      });
    }
    watches.add(res);
    res.on("close", () => watches.delete(res));
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    kubeconfig: kubeconfigFor(url),
    requests,
    fail(match, code, times) {
      faults.push({ match, code, left: times });
    },
    compact() {
      compactedAt = rv + 1;
      history.length = 0;
    },
    dropWatches() {
      for (const watch of watches) watch.end();
      watches.clear();
      held ??= [];
      return {
        reconnect() {
          const waiting = held ?? [];
          held = undefined;
          for (const open of waiting) open();
        },
      };
    },
    get: (collection, namespace, name) => objects.get(key(collection, namespace, name)),
    list: (collection) =>
      [...objects].filter(([k]) => k.startsWith(`${collection}|`)).map(([, o]) => o),
    async close() {
      for (const watch of watches) watch.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}

/** /api/v1/[namespaces/{ns}/]{resource}[/{name}] and /apis/{group}/{version}/… alike. */
function parseRoute(path: string): Route | undefined {
  const parts = path.split("/").filter((p) => p !== "");
  const prefixLength = parts[0] === "api" ? 2 : parts[0] === "apis" ? 3 : 0;
  if (prefixLength === 0 || (parts[0] === "api" && parts[1] !== "v1")) return undefined;
  const prefix = parts.slice(0, prefixLength);
  let rest = parts.slice(prefixLength);
  let namespace: string | undefined;
  if (rest[0] === "namespaces" && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name] = rest;
  if (resource === undefined || rest.length > 2) return undefined;
  return { collection: [...prefix, resource].join("/"), namespace, name };
}

/** `metadata.name=<name>` of a fieldSelector; other selectors are not needed here. */
function nameSelected(params: URLSearchParams): string | undefined {
  const selector = params.get("fieldSelector");
  if (selector === null || selector === "") return undefined;
  const match = /^metadata\.name=([^,]+)$/.exec(selector);
  if (match?.[1] === undefined) throw new Error(`unsupported fieldSelector ${selector}`);
  return match[1];
}

/** Whether two versions of an object differ only in metadata and status (no new generation). */
function sameSpec(a: KubeObject, b: KubeObject): boolean {
  const { metadata: _a, status: _as, ...restA } = a;
  const { metadata: _b, status: _bs, ...restB } = b;
  return JSON.stringify(restA) === JSON.stringify(restB);
}

function status(code: number, reason: string, message: string) {
  return {
    kind: "Status",
    apiVersion: "v1",
    status: code < 400 ? "Success" : "Failure",
    code,
    reason,
    message,
  };
}

function send(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
}

function kubeconfigFor(url: string): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    // client-node only speaks plain HTTP with this flag set; there is no TLS to verify here.
    clusters: [{ name: "fake", cluster: { server: url, "insecure-skip-tls-verify": true } }],
    users: [{ name: "fake", user: { token: TOKEN } }],
    contexts: [{ name: "fake", context: { cluster: "fake", user: "fake" } }],
    "current-context": "fake",
  });
}
