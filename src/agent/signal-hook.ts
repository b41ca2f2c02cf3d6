import { readFile } from "node:fs/promises";
import type { Logger } from "pino";

/** `--signal <SIG> --pid-file <file>`: tell a process (nginx, a JVM…) to reload its files. */
export interface SignalTarget {
  signal: NodeJS.Signals;
  pidFile: string;
}

/**
 * Sends the signal after each change. The pid file is re-read every time because the process
 * may have restarted with a new pid since; a missing or invalid file, or a pid that is gone, is
 * a warning: the files are already written and the agent must keep running.
 */
export function createSignalHook(target: SignalTarget, logger: Logger): () => Promise<void> {
  return async () => {
    const pid = await readPid(target.pidFile);
    if (pid === undefined) {
      logger.warn({ pidFile: target.pidFile }, "--pid-file has no valid pid; no signal sent");
      return;
    }
    try {
      process.kill(pid, target.signal);
      logger.info({ pid, signal: target.signal }, "signal sent");
    } catch (error) {
      logger.warn(
        { pid, signal: target.signal, err: { message: (error as Error).message } },
        "could not send the signal",
      );
    }
  };
}

async function readPid(file: string): Promise<number | undefined> {
  const text = await readFile(file, "utf8").catch(() => undefined);
  if (text === undefined || !/^\s*\d+\s*$/.test(text)) return undefined;
  const pid = Number(text.trim());
  // 0 and 1 would signal a process group or init: never what a pid file means.
  return Number.isSafeInteger(pid) && pid > 1 ? pid : undefined;
}
