import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { KubeConfig } from "@kubernetes/client-node";
import { pino } from "pino";
import { waitUntil } from "../eventgrid/publisher/test-support/management.js";
import { LeaderElector } from "./leader-election.js";
import { startFakeApiServer, type FakeApiServer } from "./test-support/fake-api-server.js";

/**
 * Two replicas, one Lease: exactly one leads; when the leader dies without a word, the other
 * takes over once the lease has expired, not before; a leader that stops hands over at once.
 */

let api: FakeApiServer;
let kubeconfig: KubeConfig;
const LEASE_MS = 600;
const RENEW_MS = 100;

before(async () => {
  api = await startFakeApiServer();
  kubeconfig = new KubeConfig();
  kubeconfig.loadFromString(api.kubeconfig);
});
after(() => api.close());

function replica(identity: string, log: string[], name: string) {
  const elector = new LeaderElector({
    kubeconfig,
    namespace: "kvsync",
    name,
    identity,
    leaseDurationMs: LEASE_MS,
    renewMs: RENEW_MS,
    logger: pino({ level: "silent" }),
    onStartedLeading: () => log.push(`${identity} leads`),
    onStoppedLeading: () => log.push(`${identity} stops`),
  });
  elector.start();
  return elector;
}

const rounds = (name: string) =>
  api.requests.filter(
    (r) => r === `GET /apis/coordination.k8s.io/v1/namespaces/kvsync/leases/${name}`,
  ).length;

test("one leader; a silent death is taken over once the lease expires, not before", async () => {
  const log: string[] = [];
  const a = replica("a", log, "silent");
  await waitUntil(() => a.leading, "a leads");
  const b = replica("b", log, "silent");
  const before = rounds("silent");
  await waitUntil(() => rounds("silent") > before + 10, "several rounds of both");
  assert.equal(b.leading, false, "no second leader while a renews");

  // a stops renewing without a word, as a killed process would.
  await a.stop({ release: false });
  const diedAt = Date.now();
  await waitUntil(() => b.leading, "b takes over", 5_000);
  assert.ok(Date.now() - diedAt >= LEASE_MS - RENEW_MS - 50, "not before the lease expired");
  assert.deepEqual(log, ["a leads", "a stops", "b leads"]);
  await b.stop();
});

test("a leader that stops releases the lease; the other leads next", async () => {
  const log: string[] = [];
  const a = replica("a", log, "graceful");
  await waitUntil(() => a.leading, "a leads");
  const b = replica("b", log, "graceful");
  await a.stop();
  await waitUntil(() => b.leading, "b takes over");
  assert.deepEqual(log, ["a leads", "a stops", "b leads"]);
  await b.stop();
});
