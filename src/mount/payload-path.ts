/**
 * Paths a payload may write: relative, inside the folder, no `..` segment, nothing hidden at the
 * top (names starting with `..` are the writer's own), ≤ 255 bytes a name and ≤ 4096 a path.
 */
export class PayloadPathError extends Error {
  constructor(path: string, reason: string) {
    super(`refusing to write '${path}': ${reason}`);
    this.name = "PayloadPathError";
  }
}

export function checkPayloadPath(path: string): void {
  if (path === "") throw new PayloadPathError(path, "empty path");
  if (Buffer.byteLength(path) > 4096) throw new PayloadPathError(path, "longer than 4096 bytes");
  if (path.startsWith("/")) throw new PayloadPathError(path, "absolute paths are not allowed");
  if (path.includes("\0")) throw new PayloadPathError(path, "contains a NUL byte");
  const segments = path.split("/");
  for (const segment of segments) {
    if (segment === "" || segment === "." || segment === "..") {
      throw new PayloadPathError(path, "empty, '.' or '..' segments are not allowed");
    }
    if (Buffer.byteLength(segment) > 255)
      throw new PayloadPathError(path, "a name is longer than 255 bytes");
  }
  if (segments[0]?.startsWith(".."))
    throw new PayloadPathError(path, "names starting with '..' are reserved");
}
