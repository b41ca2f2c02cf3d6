/**
 * The in-process fake Kubernetes API server of the tests, in a process of its own for the
 * controller benchmark, so that it does not share an event loop with what is measured. Prints
 * its kubeconfig (one JSON line) and serves until killed.
 */
import { startFakeApiServer } from "../src/kube/test-support/fake-api-server.js";

const server = await startFakeApiServer();
process.stdout.write(`${server.kubeconfig}\n`);
process.on("SIGTERM", () => {
  void server.close().then(() => process.exit(0));
});
