export { loadOrCreateTls } from "./local-tls.js";
export type { LocalTlsOptions, TlsMaterial } from "./local-tls.js";
