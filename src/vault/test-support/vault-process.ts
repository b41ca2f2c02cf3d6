import { pino } from "pino";
import { startVault } from "../index.js";

/**
 * A local vault in a process of its own, for tests that kill it: `node --import tsx
 * vault-process.ts <dataDir>`. Prints one JSON line, `{"url","caPath"}`, on stdout once it
 * listens; logs warnings to stderr; exits when stdin closes, so it never outlives its parent.
 */

const dataDir = process.argv[2];
if (dataDir === undefined) {
  process.stderr.write("usage: vault-process.ts <dataDir>\n");
  process.exit(2);
}
const vault = await startVault({
  port: 0,
  host: "127.0.0.1",
  dataDir,
  auth: "any",
  challengeResource: "https://vault.azure.net",
  throttleRetryAfter: "auto",
  retentionDays: 90,
  purgeProtection: false,
  logger: pino({ level: "warn" }, pino.destination(2)),
});
process.stdout.write(JSON.stringify({ url: vault.url, caPath: vault.caPath }) + "\n");
process.stdin.resume();
process.stdin.on("end", () => {
  void vault.close().then(() => process.exit(0));
});
