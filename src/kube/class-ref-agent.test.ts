import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { CoreV1Api, CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { pino } from "pino";
import { runAgent } from "../cli/agent-command.js";
import { ConfigError } from "../config/index.js";
import { waitUntil } from "../eventgrid/publisher/test-support/management.js";
import type { ObjectSource } from "../keyvault/index.js";
import type { VaultFixture } from "../vault/test-support/vault-fixture.js";
import { ClassController, SPC_GROUP, SPC_PLURAL, SPC_VERSION } from "./class-controller.js";
import { ClassRefError, startClassRefAgent } from "./class-ref-agent.js";
import { startKubeTestbed, type KubeTestbed } from "./test-support/kube-testbed.js";
import { localVaultSource } from "./test-support/local-vault-source.js";

/**
 * An agent in a pod follows its class through the API: the controller reads Key Vault for the
 * cluster and records versions on the class; the agent hears of them by its watch and reads only
 * those versions, never polling Key Vault itself. A rotation is an Event on the pod.
 */

let vault: VaultFixture;
let kubeconfig: KubeConfig;
let core: CoreV1Api;
let custom: CustomObjectsApi;
let controller: ClassController;
let dir: string;
let bed: KubeTestbed;
const agentCalls: string[] = [];
const logLines: string[] = [];

const vaultSource = (calls?: string[]): ObjectSource =>
  localVaultSource(vault, calls === undefined ? {} : { calls });

before(async () => {
  bed = await startKubeTestbed();
  ({ vault, core, custom } = bed);
  kubeconfig = bed.kubeconfig;
  controller = new ClassController({
    kubeconfig,
    source: vaultSource(),
    logger: pino({ level: "silent" }),
  });
  await controller.start();
  dir = await mkdtemp(join(tmpdir(), "kvsync-class-ref-"));
});
after(async () => {
  await controller.close();
  await bed.close();
  await rm(dir, { recursive: true, force: true });
});

async function setSecret(name: string, value: string): Promise<string> {
  bed.advanceClock(10);
  return (await vault.client().setSecret(name, value)).properties.version ?? "";
}

const objectsYaml = (names: string[]) =>
  `array:\n${names.map((n) => `  - |\n    objectName: ${n}\n    objectType: secret\n`).join("")}`;

function classBody(names: string[]) {
  return {
    apiVersion: `${SPC_GROUP}/${SPC_VERSION}`,
    kind: "SecretProviderClass",
    metadata: { name: "web" },
    spec: {
      provider: "azure",
      parameters: {
        keyvaultName: "demo",
        tenantId: "00000000-0000-0000-0000-000000000000",
        objects: objectsYaml(names),
      },
    },
  };
}

const fileIn = (mount: string, name: string) =>
  readFile(join(mount, name), "utf8").catch(() => undefined);

test("the agent follows the versions its class records, and tells its pod", async () => {
  await setSecret("ref-api", "api-1");
  await custom.createNamespacedCustomObject({
    group: SPC_GROUP,
    version: SPC_VERSION,
    plural: SPC_PLURAL,
    namespace: "web",
    body: classBody(["ref-api"]),
  });
  const mount = join(dir, "web");
  const running = await startClassRefAgent({
    kubeconfig,
    classRef: { namespace: "web", name: "web" },
    mountDir: mount,
    source: vaultSource(agentCalls),
    webhook: { port: 0, host: "127.0.0.1", auth: { kind: "none" } },
    logger: pino({ level: "info" }, { write: (line: string) => logLines.push(line) }),
    pod: { namespace: "web", name: "web-7d9f" },
  });
  try {
    await waitUntil(async () => (await fileIn(mount, "ref-api")) === "api-1", "the first sync");

    const v2 = await setSecret("ref-api", "api-2");
    // Event Grid tells the controller; the controller records v2 on the class; the watch does
    // the rest.
    assert.equal(await controller.objectChanged("demo", "secret", "ref-api", v2), 1);
    await waitUntil(async () => (await fileIn(mount, "ref-api")) === "api-2", "the rotation");
    assert.deepEqual(agentCalls, ["get ref-api@latest", `get ref-api@${v2}`]);
    assert.ok(!agentCalls.some((c) => c.startsWith("list")), "no Key Vault polling per pod");

    const podEvents = async () =>
      (await core.listNamespacedEvent({ namespace: "web" })).items.filter(
        (e) => e.involvedObject.kind === "Pod" && e.involvedObject.name === "web-7d9f",
      );
    await waitUntil(async () => (await podEvents()).length === 1, "an Event on the pod");
    const rotation = (await podEvents()).at(0);
    assert.ok(rotation !== undefined);
    assert.equal(rotation.reason, "MountRotationComplete");
    assert.match(rotation.message ?? "", new RegExp(`ref-api@${v2}`));
    assert.doesNotMatch(rotation.message ?? "", /api-[12]/, "never a value");

    // The class changes (a second object): the agent starts over with it, same folder.
    await setSecret("ref-db", "db-1");
    const stored: unknown = await custom.getNamespacedCustomObject({
      group: SPC_GROUP,
      version: SPC_VERSION,
      plural: SPC_PLURAL,
      namespace: "web",
      name: "web",
    });
    const edited = structuredClone(stored) as ReturnType<typeof classBody>;
    edited.spec.parameters.objects = objectsYaml(["ref-api", "ref-db"]);
    await custom.replaceNamespacedCustomObject({
      group: SPC_GROUP,
      version: SPC_VERSION,
      plural: SPC_PLURAL,
      namespace: "web",
      name: "web",
      body: edited,
    });
    await waitUntil(async () => (await fileIn(mount, "ref-db")) === "db-1", "the new object");
    assert.equal(await fileIn(mount, "ref-api"), "api-2");
    assert.ok(!logLines.join("\n").includes("api-2"), "no value in the logs");
  } finally {
    await running.close();
  }
});

test("--from-secret: values come from the synced Secret, and the pod never reads Key Vault", async () => {
  await setSecret("ref-token", "token-1");
  const body = {
    ...classBody(["ref-token"]),
    metadata: { name: "etcd" },
    spec: {
      ...classBody(["ref-token"]).spec,
      secretObjects: [
        {
          secretName: "etcd-app",
          type: "Opaque",
          data: [{ objectName: "ref-token", key: "token" }],
        },
      ],
    },
  };
  await custom.createNamespacedCustomObject({
    group: SPC_GROUP,
    version: SPC_VERSION,
    plural: SPC_PLURAL,
    namespace: "web",
    body,
  });
  const mount = join(dir, "etcd");
  const noVault: ObjectSource = {
    get: () => Promise.reject(new Error("the pod must not read Key Vault")),
    list: () => Promise.reject(new Error("the pod must not list Key Vault")),
    listVersions: () => Promise.reject(new Error("the pod must not list Key Vault")),
  };
  await waitUntil(async () => {
    const secret = await core
      .readNamespacedSecret({ name: "etcd-app", namespace: "web" })
      .catch(() => undefined);
    return secret !== undefined;
  }, "the controller's Secret");
  const running = await startClassRefAgent({
    kubeconfig,
    classRef: { namespace: "web", name: "etcd" },
    mountDir: mount,
    fromSecret: true,
    source: noVault,
    webhook: { port: 0, host: "127.0.0.1", auth: { kind: "none" } },
    logger: pino({ level: "silent" }),
  });
  try {
    await waitUntil(async () => (await fileIn(mount, "ref-token")) === "token-1", "first sync");
    const v2 = await setSecret("ref-token", "token-2");
    await controller.objectChanged("demo", "secret", "ref-token", v2);
    await waitUntil(async () => (await fileIn(mount, "ref-token")) === "token-2", "the rotation");
  } finally {
    await running.close();
  }

  // A class whose objects no Secret holds cannot be followed this way: said up front.
  await assert.rejects(
    startClassRefAgent({
      kubeconfig,
      classRef: { namespace: "web", name: "web" },
      mountDir: join(dir, "nope"),
      fromSecret: true,
      webhook: { port: 0, host: "127.0.0.1", auth: { kind: "none" } },
      logger: pino({ level: "silent" }),
    }),
    (error: unknown) =>
      error instanceof ClassRefError &&
      /--from-secret with web\/web: ref-api: not in any secretObjects entry/.test(error.message),
  );
});

test("a class that is not there, or a wrong --class-ref, is a clear error", async () => {
  await assert.rejects(
    startClassRefAgent({
      kubeconfig,
      classRef: { namespace: "web", name: "missing" },
      mountDir: join(dir, "missing"),
      source: vaultSource(),
      webhook: { port: 0, host: "127.0.0.1", auth: { kind: "none" } },
      logger: pino({ level: "silent" }),
    }),
    (error: unknown) =>
      error instanceof ClassRefError && /web\/missing not found/.test(error.message),
  );
  const defaults = {
    webhookPort: "0",
    webhookHost: "127.0.0.1",
    dashboardHost: "127.0.0.1",
    rotationPollInterval: "2m",
    vaultData: ".kvsync/vault",
    logLevel: "silent",
    mount: join(dir, "m"),
  };
  await assert.rejects(runAgent({ ...defaults, classRef: "Web/App" }), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.match(error.problems.join("\n"), /--class-ref: must be <namespace>\/<name>/);
    return true;
  });
  await assert.rejects(
    runAgent({ ...defaults, class: "app.yaml", fromSecret: true }),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.problems.includes("--from-secret: only with --class-ref"),
  );
  await assert.rejects(
    runAgent({ ...defaults, classRef: "web/web", class: "app.yaml" }),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.problems.includes("--class-ref and --class: give one of them"),
  );
});
