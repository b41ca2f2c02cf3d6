/**
 * Preloaded (`--import`) into an agent that bench/throughput.ts profiles: the first SIGUSR2
 * starts V8's CPU profiler, the next one stops it and writes the profile (`.cpuprofile` JSON) to
 * $KVSYNC_BENCH_PROFILE. So the profile holds the measured load and nothing of the start-up.
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";

const out = process.env.KVSYNC_BENCH_PROFILE;
if (out !== undefined && out !== "") {
  const session = new Session();
  session.connect();
  let running = false;
  process.on("SIGUSR2", () => {
    if (!running) {
      running = true;
      session.post("Profiler.enable", () => {
        session.post("Profiler.start");
      });
      return;
    }
    running = false;
    session.post("Profiler.stop", (error, result) => {
      writeFileSync(out, error === null ? JSON.stringify(result.profile) : "{}");
    });
  });
}
