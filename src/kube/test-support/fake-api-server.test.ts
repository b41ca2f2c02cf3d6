import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  CustomObjectsApi,
  KubeConfig,
  makeInformer,
  type KubernetesObject,
} from "@kubernetes/client-node";
import { waitUntil } from "../../eventgrid/publisher/test-support/management.js";
import { startFakeApiServer, type FakeApiServer } from "./fake-api-server.js";

/**
 * The fake API server honours what controllers depend on, checked through client-node's own
 * informer: list-then-watch, a 410 Gone after compaction forcing a relist, and no event lost
 * across it.
 */

const GROUP = "secrets-store.csi.x-k8s.io";
const PATH = `/apis/${GROUP}/v1/secretproviderclasses`;
let server: FakeApiServer;
let config: KubeConfig;

before(async () => {
  server = await startFakeApiServer();
  config = new KubeConfig();
  config.loadFromString(server.kubeconfig);
});
after(() => server.close());

const create = (api: CustomObjectsApi, namespace: string, name: string) =>
  api.createNamespacedCustomObject({
    group: GROUP,
    version: "v1",
    namespace,
    plural: "secretproviderclasses",
    body: { apiVersion: `${GROUP}/v1`, kind: "SecretProviderClass", metadata: { name }, spec: {} },
  });

test("an informer lists, watches, and relists after 410 Gone without losing a change", async () => {
  const api = config.makeApiClient(CustomObjectsApi);
  await create(api, "a", "first");
  const informer = makeInformer<KubernetesObject>(config, PATH, () =>
    api.listClusterCustomObject({ group: GROUP, version: "v1", plural: "secretproviderclasses" }),
  );
  const seen = new Set<string>();
  informer.on("add", (o) => seen.add(`${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`));
  await informer.start();
  try {
    await waitUntil(() => seen.has("a/first"), "the listed object");
    await create(api, "b", "second");
    await waitUntil(() => seen.has("b/second"), "the watched object");

    // Disconnected, a change lands and history is compacted: the informer's resourceVersion is
    // now too old, so its next watch gets 410 Gone and it must relist to see the change.
    const lists = () => server.requests.filter((r) => r === `GET ${PATH}`).length;
    const watches = () => server.requests.filter((r) => r === `GET ${PATH} (watch)`).length;
    const watchesBefore = watches();
    const before = lists();
    const watchesDown = server.dropWatches();
    await create(api, "c", "made-while-disconnected");
    server.compact();
    watchesDown.reconnect();
    await waitUntil(() => seen.has("c/made-while-disconnected"), "the object from the relist");
    assert.equal(lists(), before + 1, "a relist after the 410");
    // The new watch follows the relist, asynchronously.
    await waitUntil(() => watches() >= watchesBefore + 2, "the refused watch, then a new one");
  } finally {
    await informer.stop();
  }
});

test("a write with a stale resourceVersion is a 409 Conflict", async () => {
  const api = config.makeApiClient(CustomObjectsApi);
  const created = (await create(api, "a", "versioned")) as KubernetesObject;
  const body = { ...created, spec: { changed: true } };
  await api.replaceNamespacedCustomObject({
    group: GROUP,
    version: "v1",
    namespace: "a",
    plural: "secretproviderclasses",
    name: "versioned",
    body,
  });
  await assert.rejects(
    api.replaceNamespacedCustomObject({
      group: GROUP,
      version: "v1",
      namespace: "a",
      plural: "secretproviderclasses",
      name: "versioned",
      body,
    }),
    (error: unknown) => (error as { code?: number }).code === 409,
  );
});
