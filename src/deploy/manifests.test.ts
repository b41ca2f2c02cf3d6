// What a reviewer of the install relies on, checked on the files themselves: deploy/ (kustomize
// base, components, Helm chart values) and examples/kubernetes. Rendering with kubectl and helm
// runs only where they are installed; everything else reads files and needs no cluster.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { z } from "zod";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DEPLOY = join(ROOT, "deploy");
const CHART = join(DEPLOY, "helm", "kvsync");
const TEMPLATES = join(CHART, "templates");
const EXAMPLE_POD = join(ROOT, "examples", "kubernetes", "agent-sidecar-pod.yaml");
const EXAMPLE_CLASS = join(ROOT, "examples", "kubernetes", "secret-provider-class.yaml");

const LABELS = { "app.kubernetes.io/name": "kvsync", "app.kubernetes.io/component": "controller" };

// ---- loading ------------------------------------------------------------------------------------

interface Doc {
  file: string;
  value: unknown;
}

/** Every YAML file under dir, except Helm templates (Go templates are not YAML until rendered). */
function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return path === TEMPLATES ? [] : yamlFiles(path);
    return /\.ya?ml$/.test(entry.name) ? [path] : [];
  });
}

/** Every YAML error met while loading, reported by the first test rather than at import. */
const yamlErrors: string[] = [];

function parseYaml(text: string, where: string): unknown[] {
  const values: unknown[] = [];
  for (const doc of parseAllDocuments(text)) {
    yamlErrors.push(...doc.errors.map((e) => `${where}: ${e.message}`));
    const value: unknown = doc.toJS();
    if (value !== null && value !== undefined) values.push(value);
  }
  return values;
}

function load(file: string): Doc[] {
  return parseYaml(readFileSync(file, "utf8"), relative(ROOT, file)).map((value) => ({
    file: relative(ROOT, file),
    value,
  }));
}

const StringMap = z.record(z.string(), z.string());
const Meta = z.object({
  name: z.string(),
  namespace: z.string().optional(),
  labels: StringMap.optional(),
  annotations: StringMap.optional(),
});
const Object_ = z.object({ apiVersion: z.string(), kind: z.string(), metadata: Meta });
type K8sObject = z.infer<typeof Object_>;

/** The Kubernetes objects among docs (kustomizations and values files are not). */
function objects(docs: Doc[]): (K8sObject & { raw: unknown; file: string })[] {
  return docs.flatMap(({ file, value }) => {
    const parsed = Object_.safeParse(value);
    return parsed.success ? [{ ...parsed.data, raw: value, file }] : [];
  });
}

function only<T extends { kind: string }>(items: T[], kind: string): T {
  const found = items.filter((item) => item.kind === kind);
  assert.equal(found.length, 1, `exactly one ${kind}`);
  return found[0] as T;
}

const deployDocs = yamlFiles(DEPLOY).flatMap(load);
/** The kustomize base's objects: deploy/ without the Helm chart. */
const baseObjects = objects(deployDocs.filter((d) => !d.file.startsWith("deploy/helm/")));

// ---- shapes of what is checked ------------------------------------------------------------------

const Probe = z.object({
  httpGet: z.object({ path: z.string(), port: z.union([z.string(), z.number()]) }),
});
const SecurityContext = z.object({
  runAsNonRoot: z.boolean().optional(),
  runAsUser: z.number().optional(),
  readOnlyRootFilesystem: z.boolean().optional(),
  allowPrivilegeEscalation: z.boolean().optional(),
  capabilities: z.object({ drop: z.array(z.string()).optional() }).optional(),
  seccompProfile: z.object({ type: z.string() }).optional(),
});
const EnvVar = z.object({
  name: z.string(),
  valueFrom: z.object({ fieldRef: z.object({ fieldPath: z.string() }).optional() }).optional(),
});
const Container = z.object({
  name: z.string(),
  image: z.string(),
  args: z.array(z.string()).optional(),
  env: z.array(EnvVar).optional(),
  restartPolicy: z.string().optional(),
  ports: z.array(z.object({ name: z.string().optional(), containerPort: z.number() })).optional(),
  livenessProbe: Probe.optional(),
  readinessProbe: Probe.optional(),
  startupProbe: Probe.optional(),
  resources: z.object({ requests: StringMap.optional(), limits: StringMap.optional() }).optional(),
  securityContext: SecurityContext.optional(),
  volumeMounts: z
    .array(z.object({ name: z.string(), mountPath: z.string(), readOnly: z.boolean().optional() }))
    .optional(),
});
type Container = z.infer<typeof Container>;
const PodSpec = z.object({
  serviceAccountName: z.string().optional(),
  securityContext: SecurityContext.optional(),
  initContainers: z.array(Container).optional(),
  containers: z.array(Container),
  volumes: z
    .array(
      z.object({
        name: z.string(),
        emptyDir: z.object({ medium: z.string().optional() }).optional(),
      }),
    )
    .optional(),
});
const Deployment = z.object({
  spec: z.object({
    replicas: z.number(),
    selector: z.object({ matchLabels: StringMap }),
    template: z.object({ metadata: z.object({ labels: StringMap }), spec: PodSpec }),
  }),
});
const Rule = z.object({
  apiGroups: z.array(z.string()),
  resources: z.array(z.string()),
  verbs: z.array(z.string()),
  resourceNames: z.array(z.string()).optional(),
});
type Rule = z.infer<typeof Rule>;
const RoleLike = z.object({ rules: z.array(Rule) });
const Binding = z.object({
  roleRef: z.object({ kind: z.string(), name: z.string() }),
  subjects: z.array(z.object({ kind: z.string(), name: z.string(), namespace: z.string() })),
});

function controllerDeployment() {
  return Deployment.parse(only(baseObjects, "Deployment").raw);
}

function isSubset(labels: Record<string, string>, of: Record<string, string>): boolean {
  return Object.entries(labels).every(([key, value]) => of[key] === value);
}

function allows(rules: Rule[], group: string, resource: string, verb: string): boolean {
  return rules.some(
    (r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb),
  );
}

// ---- files --------------------------------------------------------------------------------------

test("every YAML file under deploy/ and examples/kubernetes parses (Helm templates excepted)", () => {
  load(EXAMPLE_POD);
  load(EXAMPLE_CLASS);
  assert.deepEqual(yamlErrors, []);
  assert.ok(deployDocs.length > 10, "deploy/ has manifests");
});

test("kustomizations list files that exist, and every manifest is listed by one", () => {
  const listed = new Set<string>();
  const kustomizations = yamlFiles(DEPLOY).filter(
    (f) => f.endsWith("kustomization.yaml") && !f.startsWith(CHART),
  );
  assert.ok(kustomizations.length >= 3);
  for (const file of kustomizations) {
    const k = z
      .object({
        resources: z.array(z.string()).default([]),
        components: z.array(z.string()).default([]),
      })
      .parse(load(file)[0]?.value);
    const dir = join(file, "..");
    for (const entry of [...k.resources, ...k.components]) {
      const path = join(dir, entry);
      assert.ok(existsSync(path), `${relative(ROOT, file)} lists ${entry}, which does not exist`);
      listed.add(path);
      if (!entry.endsWith(".yaml")) {
        assert.ok(existsSync(join(path, "kustomization.yaml")), `${entry} is a kustomization`);
      }
    }
  }
  const manifests = yamlFiles(DEPLOY).filter(
    (f) => !f.startsWith(CHART) && !f.endsWith("kustomization.yaml"),
  );
  for (const file of manifests) {
    assert.ok(listed.has(file), `${relative(ROOT, file)} is in no kustomization`);
  }
});

test("every object of the base carries kvsync's labels", () => {
  for (const o of baseObjects) {
    assert.ok(isSubset(LABELS, o.metadata.labels ?? {}), `${o.file}: ${o.kind} ${o.metadata.name}`);
  }
});

// ---- RBAC ---------------------------------------------------------------------------------------

test("RBAC: no wildcards anywhere, and the controller cannot list, watch or delete Secrets", () => {
  const exampleObjects = objects(load(EXAMPLE_POD));
  const roles = [...baseObjects, ...exampleObjects].filter(
    (o) => o.kind === "Role" || o.kind === "ClusterRole",
  );
  assert.ok(roles.length >= 3);
  for (const role of roles) {
    for (const rule of RoleLike.parse(role.raw).rules) {
      const all = [
        ...rule.apiGroups,
        ...rule.resources,
        ...rule.verbs,
        ...(rule.resourceNames ?? []),
      ];
      assert.ok(!all.some((s) => s.includes("*")), `${role.file}: ${role.metadata.name} has "*"`);
    }
  }
  const clusterRole = RoleLike.parse(only(baseObjects, "ClusterRole").raw).rules;
  for (const verb of ["list", "watch", "delete", "deletecollection", "patch"]) {
    assert.ok(!allows(clusterRole, "", "secrets", verb), `secrets: ${verb}`);
  }
});

test("RBAC: the controller may do all it does", () => {
  const clusterRole = RoleLike.parse(only(baseObjects, "ClusterRole").raw).rules;
  const needs: [string, string, string[]][] = [
    ["secrets-store.csi.x-k8s.io", "secretproviderclasses", ["get", "list", "watch", "update"]],
    ["", "secrets", ["get", "create", "update"]],
    ["", "events", ["create", "patch"]],
    ["apps", "deployments", ["list", "update"]],
    ["apps", "statefulsets", ["list", "update"]],
    ["apps", "daemonsets", ["list", "update"]],
  ];
  for (const [group, resource, verbs] of needs) {
    for (const verb of verbs)
      assert.ok(allows(clusterRole, group, resource, verb), resource + verb);
  }
  const lease = RoleLike.parse(only(baseObjects, "Role").raw).rules;
  for (const verb of ["get", "create", "update"]) {
    assert.ok(allows(lease, "coordination.k8s.io", "leases", verb), `leases: ${verb}`);
  }
  const account = only(baseObjects, "ServiceAccount").metadata;
  for (const kind of ["ClusterRoleBinding", "RoleBinding"]) {
    const binding = Binding.parse(only(baseObjects, kind).raw);
    assert.deepEqual(binding.subjects, [
      { kind: "ServiceAccount", name: account.name, namespace: account.namespace },
    ]);
  }
});

// ---- Deployment, PDB, Service, Ingress ----------------------------------------------------------

test("Deployment: resources, probes on the named port, locked-down security context", () => {
  const { spec } = controllerDeployment();
  assert.ok(spec.replicas >= 2, "replicas for leader election");
  assert.ok(isSubset(spec.selector.matchLabels, spec.template.metadata.labels));
  assert.equal(spec.template.metadata.labels["azure.workload.identity/use"], "true");
  const pod = spec.template.spec;
  assert.equal(pod.serviceAccountName, only(baseObjects, "ServiceAccount").metadata.name);
  assert.equal(pod.securityContext?.seccompProfile?.type, "RuntimeDefault");
  for (const c of pod.containers) {
    checkContainer(c, pod.securityContext);
    assert.equal(c.args?.[0], "controller");
    assert.equal(c.args[c.args.indexOf("--webhook-host") + 1], "0.0.0.0");
    const namespace = c.env?.find((e) => e.name === "POD_NAMESPACE");
    assert.equal(namespace?.valueFrom?.fieldRef?.fieldPath, "metadata.namespace");
  }
});

function checkContainer(c: Container, pod: z.infer<typeof SecurityContext> | undefined): void {
  for (const kind of ["requests", "limits"] as const) {
    const set = c.resources?.[kind] ?? {};
    assert.ok(set.cpu && set.memory, `${c.name}: ${kind} cpu and memory`);
  }
  const portNames = (c.ports ?? []).map((p) => p.name);
  for (const [probe, path] of [
    [c.livenessProbe, "/healthz"],
    [c.readinessProbe, "/readyz"],
  ] as const) {
    assert.equal(probe?.httpGet.path, path, `${c.name}: probe path`);
    assert.ok(portNames.includes(String(probe.httpGet.port)), `${c.name}: probe on a named port`);
  }
  const sc = c.securityContext;
  assert.equal(sc?.runAsNonRoot ?? pod?.runAsNonRoot, true, `${c.name}: runAsNonRoot`);
  assert.equal(sc?.readOnlyRootFilesystem, true, `${c.name}: readOnlyRootFilesystem`);
  assert.equal(sc.allowPrivilegeEscalation, false, `${c.name}: allowPrivilegeEscalation`);
  assert.ok(sc.capabilities?.drop?.includes("ALL"), `${c.name}: drops ALL capabilities`);
}

test("the PDB and the Service select the Deployment's pods; the Service targets its port", () => {
  const { spec } = controllerDeployment();
  const podLabels = spec.template.metadata.labels;
  const pdb = z
    .object({
      spec: z.object({ minAvailable: z.number(), selector: z.object({ matchLabels: StringMap }) }),
    })
    .parse(only(baseObjects, "PodDisruptionBudget").raw);
  assert.ok(isSubset(pdb.spec.selector.matchLabels, podLabels), "PDB selects the pods");
  assert.ok(pdb.spec.minAvailable < spec.replicas, "a node can still be drained");

  const service = z
    .object({
      spec: z.object({
        selector: StringMap,
        ports: z.array(
          z.object({ name: z.string(), targetPort: z.union([z.string(), z.number()]) }),
        ),
      }),
    })
    .parse(only(baseObjects, "Service").raw);
  assert.ok(isSubset(service.spec.selector, podLabels), "Service selects the pods");
  const ports = spec.template.spec.containers.flatMap((c) => c.ports ?? []);
  for (const { targetPort } of service.spec.ports) {
    assert.ok(
      ports.some((p) => p.name === targetPort || p.containerPort === targetPort),
      `targetPort ${String(targetPort)} is a container port`,
    );
  }

  const ingress = z
    .object({
      spec: z.object({
        tls: z.array(z.object({ secretName: z.string() })).min(1),
        rules: z.array(
          z.object({
            http: z.object({
              paths: z.array(
                z.object({
                  path: z.string(),
                  backend: z.object({
                    service: z.object({ name: z.string(), port: z.object({ name: z.string() }) }),
                  }),
                }),
              ),
            }),
          }),
        ),
      }),
    })
    .parse(only(baseObjects, "Ingress").raw);
  const paths = ingress.spec.rules.flatMap((r) => r.http.paths);
  assert.deepEqual(
    paths.map((p) => p.path),
    ["/api/events"],
  );
  for (const { backend } of paths) {
    assert.equal(backend.service.name, only(baseObjects, "Service").metadata.name);
    assert.ok(service.spec.ports.some((p) => p.name === backend.service.port.name));
  }
});

test("the CRD is the CSI driver's v1 SecretProviderClass, the same in kustomize and Helm", () => {
  const crds = objects(deployDocs).filter((o) => o.kind === "CustomResourceDefinition");
  assert.equal(crds.length, 2);
  const [base, chart] = crds.map((o) =>
    z
      .object({
        metadata: Meta,
        spec: z.object({
          group: z.string(),
          names: z.object({ plural: z.string() }),
          versions: z.array(z.object({ name: z.string(), storage: z.boolean() })),
        }),
      })
      .parse(o.raw),
  );
  assert.ok(base && chart);
  assert.equal(base.spec.group, "secrets-store.csi.x-k8s.io");
  assert.equal(base.spec.names.plural, "secretproviderclasses");
  assert.equal(base.spec.versions.find((v) => v.storage)?.name, "v1");
  const specs = crds.map((o) => (o.raw as { spec: unknown }).spec);
  assert.deepEqual(specs[0], specs[1]);
  assert.equal(chart.metadata.annotations?.["helm.sh/resource-policy"], "keep");
});

// ---- Helm ---------------------------------------------------------------------------------------

test("Helm: Chart.yaml and values.yaml parse, and values has every key the templates use", () => {
  const chart = z
    .object({ apiVersion: z.literal("v2"), name: z.string(), version: z.string() })
    .parse(load(join(CHART, "Chart.yaml"))[0]?.value);
  assert.equal(chart.name, "kvsync");
  const values = load(join(CHART, "values.yaml"))[0]?.value;
  const templates = readdirSync(TEMPLATES).map((f) => readFileSync(join(TEMPLATES, f), "utf8"));
  const used = new Set(
    templates.flatMap((t) => [...t.matchAll(/\.Values((?:\.\w+)+)/g)].map((m) => m[1] ?? "")),
  );
  assert.ok(used.size > 20);
  for (const path of used) {
    assert.ok(hasPath(values, path.slice(1).split(".")), `values.yaml has no ${path.slice(1)}`);
  }
  // The other way round: no value that nothing reads.
  for (const leaf of leaves(values)) {
    assert.ok(
      [...used].some((p) => `.${leaf}`.startsWith(p)),
      `values.yaml: ${leaf} is used by no template`,
    );
  }
  const helpers = new Set(
    templates.flatMap((t) => [...t.matchAll(/define "([^"]+)"/g)].map((m) => m[1])),
  );
  for (const t of templates) {
    for (const [, name] of t.matchAll(/include "([^"]+)"/g)) assert.ok(helpers.has(name), name);
    for (const [, file] of t.matchAll(/\.Files\.Get "([^"]+)"/g)) {
      assert.ok(existsSync(join(CHART, file ?? "")), `${file ?? ""} is in the chart`);
    }
  }
});

function hasPath(value: unknown, path: string[]): boolean {
  let at = value;
  for (const key of path) {
    if (typeof at !== "object" || at === null || !(key in at)) return false;
    at = (at as Record<string, unknown>)[key];
  }
  return true;
}

function leaves(value: unknown, prefix = ""): string[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return [prefix];
  const entries = Object.entries(value);
  if (entries.length === 0) return [prefix];
  return entries.flatMap(([key, v]) => leaves(v, prefix === "" ? key : `${prefix}.${key}`));
}

// ---- the agent sidecar example ------------------------------------------------------------------

test("example Pod: the agent is a native sidecar writing to a memory emptyDir the app reads", () => {
  const docs = objects(load(EXAMPLE_POD));
  const pod = PodSpec.parse((only(docs, "Pod").raw as { spec: unknown }).spec);
  const sidecar = pod.initContainers?.find((c) => c.args?.[0] === "agent");
  assert.ok(sidecar, "an init container runs `kvsync agent`");
  assert.equal(sidecar.restartPolicy, "Always");
  assert.deepEqual(sidecar.args?.slice(0, 5), [
    "agent",
    "--class-ref",
    "default/app",
    "--mount",
    "/mnt/secrets",
  ]);
  checkContainer(sidecar, pod.securityContext);
  for (const [name, path] of [
    ["POD_NAME", "metadata.name"],
    ["POD_NAMESPACE", "metadata.namespace"],
  ]) {
    assert.equal(sidecar.env?.find((e) => e.name === name)?.valueFrom?.fieldRef?.fieldPath, path);
  }
  const mount = sidecar.volumeMounts?.find((m) => m.mountPath === "/mnt/secrets");
  assert.ok(mount && mount.readOnly !== true, "the agent writes the volume");
  const volumeName = mount.name;
  const volume = pod.volumes?.find((v) => v.name === volumeName);
  assert.equal(volume?.emptyDir?.medium, "Memory");
  for (const app of pod.containers) {
    const appMount = app.volumeMounts?.find((m) => m.name === volumeName);
    assert.equal(appMount?.readOnly, true, `${app.name} mounts the files read-only`);
  }
  assert.equal(only(docs, "Pod").metadata.labels?.["azure.workload.identity/use"], "true");

  const account = only(docs, "ServiceAccount");
  assert.equal(pod.serviceAccountName, account.metadata.name);
  const binding = Binding.parse(only(docs, "RoleBinding").raw);
  assert.equal(binding.subjects[0]?.name, account.metadata.name);
  const rules = RoleLike.parse(only(docs, "Role").raw).rules;
  for (const verb of ["get", "list", "watch"]) {
    assert.ok(allows(rules, "secrets-store.csi.x-k8s.io", "secretproviderclasses", verb));
  }
  assert.ok(allows(rules, "", "events", "create"));
  assert.ok(!rules.some((r) => r.resources.includes("secrets")), "no access to Secrets");
});

test("the example class is the Azure provider's, with an Opaque and a TLS Secret", () => {
  const spec = z
    .object({
      spec: z.object({
        provider: z.literal("azure"),
        parameters: z.record(z.string(), z.string()),
        secretObjects: z.array(z.object({ secretName: z.string(), type: z.string() })),
      }),
    })
    .parse(only(objects(load(EXAMPLE_CLASS)), "SecretProviderClass").raw).spec;
  assert.deepEqual(spec.secretObjects.map((s) => s.type).sort(), ["Opaque", "kubernetes.io/tls"]);
  for (const key of ["keyvaultName", "tenantID", "clientID", "objects"]) {
    assert.ok(spec.parameters[key], key);
  }
});

test("docs/kubernetes.md shows the example Pod exactly as examples/kubernetes has it", () => {
  const markdown = readFileSync(join(ROOT, "docs", "kubernetes.md"), "utf8");
  const blocks = [...markdown.matchAll(/```yaml\n([\s\S]*?)```/g)].flatMap((m) =>
    parseYaml(m[1] ?? "", "docs/kubernetes.md"),
  );
  for (const { value } of load(EXAMPLE_POD)) {
    assert.ok(
      blocks.some((block) => isDeepStrictEqual(block, value)),
      `docs/kubernetes.md lacks ${JSON.stringify((value as K8sObject).kind)} of the example`,
    );
  }
});

function isDeepStrictEqual(a: unknown, b: unknown): boolean {
  try {
    assert.deepStrictEqual(a, b);
    return true;
  } catch {
    return false;
  }
}

// ---- rendering, where the tools are installed ---------------------------------------------------

function installed(command: string, args: string[]): boolean {
  return spawnSync(command, args, { stdio: "ignore", timeout: 30_000 }).error === undefined;
}

function run(command: string, args: string[]): string {
  const result = spawnSync(command, args, { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  assert.equal(result.status, 0, `${command} ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

function kinds(text: string, where: string): string[] {
  return objects(parseYaml(text, where).map((value) => ({ file: where, value }))).map(
    (o) => o.kind,
  );
}

test("kubectl kustomize renders the base, the base without CRD, and the Ingress component", (t) => {
  if (!installed("kubectl", ["version", "--client"])) {
    t.skip("kubectl not installed");
    return;
  }
  const base = kinds(run("kubectl", ["kustomize", "deploy/"]), "deploy/");
  assert.deepEqual([...base].sort(), [
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "Deployment",
    "Namespace",
    "PodDisruptionBudget",
    "Role",
    "RoleBinding",
    "Service",
    "ServiceAccount",
  ]);
  const controller = kinds(run("kubectl", ["kustomize", "deploy/controller"]), "controller");
  assert.ok(!controller.includes("CustomResourceDefinition"));
  assert.equal(controller.length, base.length - 1);

  // A user's overlay: kustomize only takes paths relative to the overlay.
  const overlay = mkdtempSync(join(tmpdir(), "kvsync-kustomize-"));
  try {
    const to = (path: string) => relative(overlay, path);
    writeFileSync(
      join(overlay, "kustomization.yaml"),
      `resources: ["${to(DEPLOY)}"]\ncomponents: ["${to(join(DEPLOY, "components", "ingress"))}"]\n`,
    );
    const withIngress = kinds(run("kubectl", ["kustomize", overlay]), "overlay");
    assert.ok(withIngress.includes("Ingress"));
  } finally {
    rmSync(overlay, { recursive: true, force: true });
  }
});

test("helm template renders the chart with its defaults and with every option on", (t) => {
  if (!installed("helm", ["version"])) {
    t.skip("helm not installed");
    return;
  }
  const chart = relative(ROOT, CHART);
  const defaults = kinds(run("helm", ["template", "kvsync", chart, "-n", "kvsync"]), "helm");
  for (const kind of ["CustomResourceDefinition", "Deployment", "ClusterRoleBinding", "Service"]) {
    assert.ok(defaults.includes(kind), kind);
  }
  const all = run("helm", [
    "template",
    "kvsync",
    chart,
    "-n",
    "kvsync",
    "--set",
    "crd.install=false,ingress.enabled=true,serviceMonitor.enabled=true",
    "--set",
    "webhook.auth=entra,webhook.entra.tenantId=00000000-0000-0000-0000-000000000000",
    "--set",
    "webhook.entra.audiences={api://kvsync-webhook}",
    "--set",
    "namespaces={team-a,team-b},workloadIdentity.clientId=00000000-0000-0000-0000-000000000001",
  ]);
  const rendered = kinds(all, "helm --set");
  assert.ok(!rendered.includes("CustomResourceDefinition"));
  assert.ok(rendered.includes("Ingress") && rendered.includes("ServiceMonitor"));
  assert.ok(!rendered.includes("ClusterRoleBinding"));
  assert.equal(rendered.filter((k) => k === "RoleBinding").length, 3, "two namespaces + lease");
  assert.match(all, /--entra-tenant-id/);
  assert.match(all, /azure\.workload\.identity\/use: "true"/);
});
