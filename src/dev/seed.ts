import { readFile } from "node:fs/promises";
import { parse } from "yaml";
import { z } from "zod";
import { SecretValue } from "../util/secret-value.js";
import type { SecretStore } from "../vault/store/secret-store.js";

/**
 * `kvsync dev`'s first-start secrets (examples/dev-secrets.yaml): `secrets: {name: value}`.
 * Only names the vault has never seen are created, so a second start keeps what you rotated
 * and a deleted secret stays deleted. Problems name the file and the key, never a value.
 */

const NAME = /^[0-9a-zA-Z-]{1,127}$/;
const seedFile = z
  .object({
    secrets: z.record(
      z.string().regex(NAME, "a Key Vault name: 1-127 letters, digits and dashes"),
      z.string().min(1, "an empty value"),
    ),
  })
  .strict();

export async function seedVault(store: SecretStore, file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new Error(`--seed: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? ""}`);
  }
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new Error(
      `--seed: ${file} is not YAML: ${(error as Error).message.split("\n")[0] ?? ""}`,
    );
  }
  const result = seedFile.safeParse(document);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${file}: ${issue.path.join(".") || "(top)"}: ${issue.message}`,
    );
    throw new Error(`--seed: ${problems.join("; ")}`);
  }
  const created: string[] = [];
  for (const [name, value] of Object.entries(result.data.secrets)) {
    if (store.state(name) !== undefined) continue;
    store.setSecret(name, { value: new SecretValue(value) });
    created.push(name);
  }
  return created;
}
