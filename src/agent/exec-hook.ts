import { spawn } from "node:child_process";
import type { Logger } from "pino";

/**
 * `--exec <command>`: run once per change, through the shell, with the changed file names
 * (newline-separated) in KVSYNC_CHANGED. Runs never overlap: a change during a run waits for it,
 * so a reload script never races itself.
 */
export function createExecHook(
  command: string,
  logger: Logger,
): (changed: readonly string[]) => Promise<void> {
  let chain: Promise<void> = Promise.resolve();
  return (changed) => {
    chain = chain.then(() => runOnce(command, changed, logger));
    return chain;
  };
}

function runOnce(command: string, changed: readonly string[], logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(command, {
      shell: true,
      stdio: "inherit",
      env: { ...process.env, KVSYNC_CHANGED: changed.join("\n") },
    });
    child.on("error", (error) => {
      logger.warn({ err: { message: error.message } }, "--exec could not start");
      resolve();
    });
    child.on("exit", (code, signal) => {
      const level = code === 0 ? "info" : "warn";
      logger[level]({ code, signal, files: changed }, "--exec finished");
      resolve();
    });
  });
}
