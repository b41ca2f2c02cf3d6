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

/** Turns EADDRINUSE into a message that names the flag to change. */
export function portInUseHint(error: unknown, flag: string, port: number): unknown {
  if (error instanceof Error && (error as NodeJS.ErrnoException).code === "EADDRINUSE") {
    return new Error(
      `port ${port} is already in use: choose another with ${flag} <port> (0 picks a free one)`,
    );
  }
  return error;
}
