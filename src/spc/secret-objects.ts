import { z } from "zod";
import { annotations, dnsSubdomain, errorMap, labels, quote } from "./kube-schemas.js";
import { joinPath, type Findings } from "./problem.js";
import type { SecretObjectSpec, SpcObject } from "./types.js";

/**
 * `spec.secretObjects`: the Kubernetes Secrets built from the mounted files (reference §5). Each
 * entry is checked on its own, then against the others and against the files the class writes.
 */

const BASE = "spec.secretObjects";

/** Kubernetes' rule for Secret data keys (IsConfigMapKey). */
const secretKey = z
  .string()
  .min(1, "is required")
  .max(253, "must be at most 253 characters")
  .regex(/^[-._a-zA-Z0-9]+$/, "may contain only letters, digits, '-', '_' and '.'")
  .refine((k) => k !== "." && !k.startsWith(".."), "must not be '.' or start with '..'");

const dataItem = z.strictObject({
  objectName: z.string().min(1, "is required"),
  key: secretKey,
});

const secretObject = z.strictObject({
  secretName: dnsSubdomain,
  type: z.string().min(1, "is required: Opaque, kubernetes.io/tls, …"),
  labels: labels.optional(),
  annotations: annotations.optional(),
  data: z.array(dataItem).min(1, "must list at least one {objectName, key}"),
});

const TLS_KEYS = new Set(["tls.crt", "tls.key"]);

export function parseSecretObjects(
  value: unknown,
  objects: readonly SpcObject[] | undefined,
  findings: Findings,
): SecretObjectSpec[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    findings.problem(BASE, "must be a list of {secretName, type, data}");
    return [];
  }
  const specs: SecretObjectSpec[] = [];
  const names = new Map<string, number>();
  value.forEach((item: unknown, i) => {
    const path = joinPath(BASE, i);
    const result = secretObject.safeParse(item, { error: errorMap });
    if (!result.success) {
      findings.issues(path, result.error.issues);
      checkPartialData(item, path, objects, findings);
      return;
    }
    const spec = result.data;
    const first = names.get(spec.secretName);
    if (first === undefined) names.set(spec.secretName, i);
    else {
      findings.problem(
        joinPath(path, "secretName"),
        `the Secret ${quote(spec.secretName)} is already built by secretObjects[${first}]`,
      );
    }
    checkData(spec, path, objects, findings);
    specs.push({
      secretName: spec.secretName,
      type: spec.type,
      labels: spec.labels ?? {},
      annotations: spec.annotations ?? {},
      data: spec.data.map(({ objectName, key }) => ({ objectName, key })),
    });
  });
  return specs;
}

/** An entry with problems elsewhere still gets its data checked, when the data is readable. */
function checkPartialData(
  item: unknown,
  path: string,
  objects: readonly SpcObject[] | undefined,
  findings: Findings,
): void {
  if (typeof item !== "object" || item === null) return;
  const fields = item as Record<string, unknown>;
  const data = z.array(dataItem).min(1).safeParse(fields["data"]);
  if (!data.success) return;
  const type = typeof fields["type"] === "string" ? fields["type"] : "";
  checkData({ type, data: data.data }, path, objects, findings);
}

function checkData(
  spec: Pick<z.output<typeof secretObject>, "type" | "data">,
  path: string,
  objects: readonly SpcObject[] | undefined,
  findings: Findings,
): void {
  const files = objects === undefined ? undefined : writtenFiles(objects);
  const keys = new Map<string, number>();
  spec.data.forEach(({ objectName, key }, j) => {
    const at = joinPath(path, "data", j);
    const first = keys.get(key);
    if (first === undefined) keys.set(key, j);
    else findings.problem(joinPath(at, "key"), `duplicates data[${first}].key ${quote(key)}`);
    if (spec.type === "kubernetes.io/tls" && !TLS_KEYS.has(key)) {
      findings.problem(
        joinPath(at, "key"),
        "a kubernetes.io/tls Secret takes only tls.crt and tls.key",
      );
    }
    // Without a clean object list every reference would look wrong; its problems say enough.
    if (objects !== undefined && files !== undefined && !files.has(objectName)) {
      findings.problem(joinPath(at, "objectName"), missingFile(objectName, objects, files));
    }
  });
}

/** Every file the class writes: fileName, or fileName/0 … /(n-1) for version history. */
function writtenFiles(objects: readonly SpcObject[]): Set<string> {
  const files = new Set<string>();
  for (const o of objects) {
    if (o.versionHistory <= 1) files.add(o.fileName);
    else for (let i = 0; i < o.versionHistory; i++) files.add(`${o.fileName}/${i}`);
  }
  return files;
}

function missingFile(
  name: string,
  objects: readonly SpcObject[],
  files: ReadonlySet<string>,
): string {
  const folder = objects.find((o) => o.versionHistory > 1 && o.fileName === name);
  if (folder !== undefined) {
    return `${quote(name)} is a folder (objectVersionHistory ${folder.versionHistory}); name a version file such as "${name}/0"`;
  }
  const slash = name.lastIndexOf("/");
  const owner = objects.find((o) => o.fileName === name.slice(0, slash));
  if (slash > 0 && owner !== undefined) {
    return owner.versionHistory > 1
      ? `${quote(name)} is not written: objectVersionHistory ${owner.versionHistory} writes ${owner.fileName}/0 to ${owner.fileName}/${owner.versionHistory - 1}`
      : `${quote(name)} is not written: ${owner.fileName} is a single file (objectVersionHistory ≤ 1)`;
  }
  const listed = [...files].slice(0, 10).join(", ");
  return `no object writes ${quote(name)}; the class writes: ${listed}${files.size > 10 ? ", …" : ""}`;
}
