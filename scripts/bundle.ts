// After tsc: bundles what runs from dist/.
//  - the CLI (dist/cli/main.js) into dist/bin/, one chunk per command, loaded only when that
//    command runs: one file per package instead of hundreds of modules keeps `kvsync agent` small
//    in memory (docs/benchmarks.md) and quick to start;
//  - the dashboard's page (src/dashboard/client) into dist/dashboard/: one minified script and
//    its HTML and CSS, served by the agent with no CDN.
import { copyFile, mkdir, rm } from "node:fs/promises";
import { build } from "esbuild";

// Chunk names carry content hashes: start empty so no stale chunk lingers.
await rm("dist/bin", { recursive: true, force: true });
await rm("dist/dashboard/assets", { recursive: true, force: true });

await build({
  entryPoints: { main: "dist/cli/main.js" },
  outdir: "dist/bin",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  minifyWhitespace: true,
  minifySyntax: true,
  // Native addon: loaded from node_modules as it is.
  external: ["better-sqlite3"],
  // Some bundled CommonJS packages call require() for Node's built-ins.
  banner: {
    js: 'import { createRequire as __kvsyncRequire } from "node:module"; const require = __kvsyncRequire(import.meta.url);',
  },
  logLevel: "warning",
});

const client = "src/dashboard/client";
const assets = "dist/dashboard/assets";
await build({
  entryPoints: { app: `${client}/app.ts` },
  outdir: assets,
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  minify: true,
  logLevel: "warning",
});
await mkdir(assets, { recursive: true });
for (const file of ["index.html", "style.css"])
  await copyFile(`${client}/${file}`, `${assets}/${file}`);
