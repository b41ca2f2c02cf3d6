import assert from "node:assert/strict";
import { stringify } from "yaml";
import type { ParseResult, Problem, SecretProviderClass } from "../index.js";

/**
 * Table-test material: one valid class as a plain model, edited per case and rendered to YAML.
 * `spec.parameters.objects` may be a list of object models (rendered the way the seed writes
 * them: `array:` of `- |` texts) or a raw string; a raw string item is used as the object's text.
 */

export type ObjectModel = Record<string, unknown> | string;

export interface ClassModel {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: Record<string, unknown>;
  spec: {
    provider?: unknown;
    /** `objects` may be ObjectModel[] (rendered) or anything else (written as is). */
    parameters: Record<string, unknown>;
    secretObjects?: unknown;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export const TENANT = "00000000-0000-0000-0000-000000000000";
export const CLIENT = "00000000-0000-0000-0000-000000000001";
export const VERSION = "0c7751761b5a4ca09f3deec5fba4af83";

export function validModel(): ClassModel {
  return {
    apiVersion: "secrets-store.csi.x-k8s.io/v1",
    kind: "SecretProviderClass",
    metadata: { name: "app-secrets", namespace: "team-a" },
    spec: {
      provider: "azure",
      parameters: {
        keyvaultName: "demo",
        tenantID: TENANT,
        clientID: CLIENT,
        objects: [
          { objectName: "db-pass", objectType: "secret" },
          { objectName: "api-key", objectType: "secret", objectAlias: "api.key" },
        ],
      },
      secretObjects: [
        { secretName: "app", type: "Opaque", data: [{ objectName: "db-pass", key: "password" }] },
      ],
    },
  };
}

/** Inner texts as go-yaml would read them; plain strings stay plain where YAML allows. */
export function renderObjects(items: readonly ObjectModel[]): string {
  const texts = items.map((item) => (typeof item === "string" ? item : stringify(item)));
  return stringify({ array: texts }, { blockQuote: "literal" });
}

export function renderClass(model: ClassModel): string {
  const spec: unknown = model.spec;
  const raw: unknown = isRecord(spec) ? spec["parameters"] : undefined;
  const parameters = isRecord(raw) ? raw : {};
  const objects = parameters["objects"];
  const rendered = Array.isArray(objects)
    ? {
        ...model,
        spec: {
          ...model.spec,
          parameters: { ...parameters, objects: renderObjects(objects as ObjectModel[]) },
        },
      }
    : model;
  // Rendered as YAML 1.1 so strings such as "yes" are quoted the way kubectl needs them.
  return stringify(rendered, { version: "1.1", blockQuote: "literal" });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The valid class with one edit applied, as YAML. */
export function classWith(edit: (model: ClassModel) => void = () => undefined): string {
  const model = validModel();
  edit(model);
  return renderClass(model);
}

export function objectsOf(model: ClassModel): ObjectModel[] {
  const objects = model.spec.parameters.objects;
  assert.ok(Array.isArray(objects));
  return objects as ObjectModel[];
}

/** The first object model, for field edits. */
export function firstObject(model: ClassModel): Record<string, unknown> {
  const first = objectsOf(model)[0];
  assert.ok(typeof first === "object");
  return first;
}

export function expectOk(result: ParseResult): { spc: SecretProviderClass; warnings: string[] } {
  if (!result.ok) assert.fail(`expected a valid class, got:\n${describeProblems(result.problems)}`);
  return result;
}

export function expectProblems(result: ParseResult): Problem[] {
  if (result.ok)
    assert.fail(`expected problems, got a valid class (warnings: ${result.warnings.join("; ")})`);
  for (const p of result.problems) {
    assert.equal(typeof p.path, "string");
    assert.ok(p.message.trim().length > 0, `empty message at ${p.path}`);
  }
  return result.problems;
}

/** Exactly the given paths have problems, and each message matches its pattern. */
export function expectOnly(result: ParseResult, expected: Record<string, RegExp>): void {
  const problems = expectProblems(result);
  assert.deepEqual(
    [...new Set(problems.map((p) => p.path))].sort(),
    Object.keys(expected).sort(),
    describeProblems(problems),
  );
  for (const [path, pattern] of Object.entries(expected)) {
    const messages = problems.filter((p) => p.path === path).map((p) => p.message);
    assert.ok(
      messages.some((m) => pattern.test(m)),
      `${path}: ${JSON.stringify(messages)} does not match ${String(pattern)}`,
    );
  }
}

export function describeProblems(problems: readonly Problem[]): string {
  return problems.map((p) => `  ${p.path}: ${p.message}`).join("\n");
}
