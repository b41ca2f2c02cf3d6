import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * kvsync's own folder (where its package.json is), found by walking up from this module: the
 * same answer from src/ (tests, tsx), dist/ and the bundled CLI in dist/bin.
 */
export async function packageRoot(): Promise<string> {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as {
        name?: string;
      };
      if (pkg.name === "kvsync") return dir;
    } catch {
      // no package.json here: keep walking up
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find kvsync's package folder");
    dir = parent;
  }
}
