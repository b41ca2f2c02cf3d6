/** Turns EADDRINUSE into a message that names the flag to change. */
export function portInUseHint(error: unknown, flag: string, port: number): unknown {
  if (error instanceof Error && (error as NodeJS.ErrnoException).code === "EADDRINUSE") {
    return new Error(
      `port ${port} is already in use: choose another with ${flag} <port> (0 picks a free one)`,
    );
  }
  return error;
}
