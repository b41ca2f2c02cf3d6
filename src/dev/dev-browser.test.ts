import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { chromium, type Browser } from "playwright-core";

/**
 * The whole loop as a person sees it: `kvsync dev` (the built CLI, as `npm start` runs it), a
 * secret set through the CLI, and the rotation drawn on the dashboard in Chromium with its
 * version and hops. Saves a screenshot (docs/images/dashboard.png with
 * KVSYNC_UPDATE_SCREENSHOTS=1, else a temp file). Skips when no Chromium is installed.
 */

const CHROMIUM = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"]
  .filter((p): p is string => p !== undefined && p !== "")
  .find((p) => existsSync(p));
const ROOT = resolve(import.meta.dirname, "..", "..");
const CLI = join(ROOT, "bin", "kvsync.js");
const VALUE = `browser-test-${process.pid}-value`;

let work: string;
let dev: ChildProcess | undefined;
let browser: Browser | undefined;
let urls: Record<string, string> = {};

before(async () => {
  work = await mkdtemp(join(tmpdir(), "kvsync-dev-browser-"));
});

after(async () => {
  await browser?.close();
  if (dev && dev.exitCode === null) {
    const exited = new Promise((r) => dev?.once("exit", r));
    dev.kill("SIGINT");
    await exited;
  }
  await rm(work, { recursive: true, force: true });
});

/** Starts `kvsync dev` on free ports; resolves with the named URLs of its ready block. */
async function startDev(): Promise<Record<string, string>> {
  dev = spawn(
    process.execPath,
    [
      CLI,
      "dev",
      ...["--data", join(work, "vault"), "--mount", join(work, "mnt")],
      ...["--port", "0", "--agent-port", "0", "--dashboard-port", "0", "--echo-port", "0"],
      ...["--log-level", "warn"],
    ],
    { cwd: work, stdio: ["ignore", "pipe", "inherit"] },
  );
  const found: Record<string, string> = {};
  for await (const line of createInterface({ input: dev.stdout ?? process.stdin })) {
    const match = /^\s+(dashboard|vault|agent|echo)\s+(\S+)/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) found[match[1]] = match[2];
    if (line.startsWith("Try next")) return found;
  }
  throw new Error("kvsync dev exited before it was ready");
}

test(
  "kvsync dev: a secret set from the CLI travels across the dashboard",
  { skip: CHROMIUM === undefined ? "no Chromium installed (set CHROMIUM_PATH)" : false },
  async () => {
    urls = await startDev();
    assert.ok(urls.dashboard?.startsWith("http://127.0.0.1:"), "the dashboard URL is printed");
    browser = await chromium.launch({ executablePath: CHROMIUM ?? "", args: ["--no-sandbox"] });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(urls.dashboard ?? "");
    await page.getByText("secret1", { exact: true }).first().waitFor({ timeout: 5_000 });

    const { stdout } = await promisify(execFile)(process.execPath, [
      CLI,
      "secret",
      "set",
      "secret1",
      "--value",
      VALUE,
      "--data",
      join(work, "vault"),
    ]);
    const version = stdout.trim();
    assert.match(version, /^[0-9a-f]{32}$/);

    // Within 2 s: the rotation with its full version id, and every hop up to the swap.
    const diagram = page.locator('[data-testid="sequence"]');
    await diagram.getByText(version).first().waitFor({ timeout: 2_000 });
    for (const hop of ["published", "delivered", "fetched", "swapped"]) {
      await diagram.locator(`[data-hop="${hop}"]`).first().waitFor({ timeout: 2_000 });
    }
    assert.equal(await readFile(join(work, "mnt", "secret1"), "utf8"), VALUE);

    const html = await page.content();
    assert.ok(!html.includes(VALUE), "the page never shows a value");
    const state = await (await fetch(`${urls.dashboard ?? ""}/api/state`)).text();
    assert.ok(!state.includes(VALUE), "the API never returns a value");

    const shots =
      process.env.KVSYNC_UPDATE_SCREENSHOTS === "1" ? join(ROOT, "docs", "images") : work;
    await mkdir(shots, { recursive: true });
    await page.screenshot({ path: join(shots, "dashboard.png"), fullPage: true });
  },
);
