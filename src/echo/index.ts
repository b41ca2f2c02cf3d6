/**
 * `kvsync echo`: a local webhook target that records what arrives and shows it live, completing
 * Event Grid's handshakes by itself.
 */
export { createEchoApp, ECHO_PREFIX, BODY_TEXT_LIMIT } from "./echo-app.js";
export type { EchoAppOptions } from "./echo-app.js";
export { startEcho, DEFAULT_ECHO_HOST, DEFAULT_ECHO_PORT } from "./echo-server.js";
export type { EchoServerOptions, RunningEcho } from "./echo-server.js";
export { DEFAULT_CAPACITY } from "./request-log.js";
export type { EchoRecord } from "./request-log.js";
export { REDACTED, REDACTED_HEADERS, REDACTED_QUERY } from "./redact.js";
