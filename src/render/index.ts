export { renderSecret, RenderError } from "./render-secret.js";
export type { ObjectEncoding } from "./render-secret.js";
