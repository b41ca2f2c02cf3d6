import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { packageRoot } from "../util/package-root.js";

/**
 * The page as `npm run build` left it in dist/dashboard/assets (bundled from
 * src/dashboard/client), read once at start. The same lookup works from src/ (tests, tsx) and
 * from the bundled CLI in dist/bin: walk up to the package root.
 */
export interface DashboardAssets {
  /** index.html with the action token in its meta tag. */
  page(token: string): string;
  file(name: string): { type: string; body: Buffer } | undefined;
}

const TYPES: Record<string, string> = {
  "app.js": "text/javascript; charset=utf-8",
  "style.css": "text/css; charset=utf-8",
};
const TOKEN_PLACEHOLDER = "__KVSYNC_CSRF__";

export async function dashboardAssets(dir?: string): Promise<DashboardAssets> {
  const root = dir ?? join(await packageRoot(), "dist", "dashboard", "assets");
  let html: string;
  const files = new Map<string, { type: string; body: Buffer }>();
  try {
    html = await readFile(join(root, "index.html"), "utf8");
    for (const [name, type] of Object.entries(TYPES)) {
      files.set(name, { type, body: await readFile(join(root, name)) });
    }
  } catch (error) {
    throw new Error(
      `the dashboard page is not built (${root}): run \`npm run build\` (${(error as Error).message})`,
    );
  }
  if (!html.includes(TOKEN_PLACEHOLDER)) throw new Error(`${root}/index.html has no token slot`);
  return {
    // The token is base64url: nothing in it needs escaping in an attribute.
    page: (token) => html.replace(TOKEN_PLACEHOLDER, token),
    file: (name) => files.get(name),
  };
}
