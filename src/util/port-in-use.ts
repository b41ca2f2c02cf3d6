/** Turns EADDRINUSE into a message that names the flag to change. */
export function portInUseHint(error: unknown, flag: string, port: number): unknown {
  if (error instanceof Error && (error as NodeJS.ErrnoException).code === "EADDRINUSE") {
    return new Error(
      `port ${port} is already in use: choose another with ${flag} <port> (0 picks a free one)`,
    );
  }
  return error;
}

/** For a server that opens several ports: EADDRINUSE carries the port, so name its flag. */
export function portInUseHintFor(
  error: unknown,
  flags: readonly (readonly [port: number | undefined, flag: string])[],
): unknown {
  const failed = (error as { port?: unknown } | undefined)?.port;
  const match = flags.find(([port]) => port === failed);
  return match?.[0] === undefined ? error : portInUseHint(error, match[1], match[0]);
}
