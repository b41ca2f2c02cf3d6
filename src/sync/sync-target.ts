import type { SecretProviderClass, SpcObject } from "../spc/index.js";

/** A class and the folder its files go to; the unit that one sync makes consistent. */
export interface SyncTargetSpec {
  readonly spc: SecretProviderClass;
  readonly mountDir: string;
}

export class UnsupportedObjectError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join("\n"));
    this.name = "UnsupportedObjectError";
  }
}

/** Refuses, at start, what the sync cannot write yet, naming every object at once. */
export function checkSupported(targets: readonly SyncTargetSpec[]): void {
  const problems: string[] = [];
  for (const { spc } of targets) {
    spc.objects.forEach((object, i) => {
      if (object.objectType !== "secret") {
        problems.push(
          `${spc.name}: objects[${i}] ${object.objectName}: objectType ${object.objectType} is supported once certificate support lands; use objectType secret for now`,
        );
      }
    });
  }
  if (problems.length > 0) throw new UnsupportedObjectError(problems);
}

/** Whether the object follows Key Vault's latest (and so is refreshed by events and polls). */
export const followsLatest = (object: SpcObject): boolean =>
  object.objectVersion === undefined || object.versionHistory > 1;
