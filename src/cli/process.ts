/** Process plumbing shared by long-running commands. */

/** Resolves after SIGINT or SIGTERM once `close` has finished; a second signal exits at once. */
export function waitForShutdown(close: () => Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    let closing = false;
    const onSignal = () => {
      if (closing) process.exit(130);
      closing = true;
      close().then(resolve, reject);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}

export { portInUseHint } from "../util/port-in-use.js";
