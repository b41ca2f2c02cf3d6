import type { DashboardAssets } from "../assets.js";

/** A stand-in for the built page: the server's routes are tested without a build. */
export const fakeAssets: DashboardAssets = {
  page: (token) =>
    `<!doctype html><meta name="kvsync-csrf" content="${token}"><script src="/assets/app.js"></script>`,
  file: (name) =>
    name === "app.js"
      ? { type: "text/javascript; charset=utf-8", body: Buffer.from("console.log(1)") }
      : undefined,
};
