/** For apps: follow a file kvsync (or the CSI driver) writes, across its atomic `..data` swaps. */
export { watchSecret } from "./watch-secret.js";
export type { SecretWatch, WatchSecretOptions } from "./watch-secret.js";
