/**
 * A secret's value → the bytes of its file, as the CSI Azure provider writes them:
 * objectEncoding utf-8 (as is), hex or base64 (decoded first, so binary files round-trip).
 * A value that does not decode is an error naming the object, never a half-written file.
 */

export type ObjectEncoding = "utf-8" | "hex" | "base64";

export class RenderError extends Error {
  constructor(objectName: string, reason: string) {
    super(`cannot render ${objectName}: ${reason}`);
    this.name = "RenderError";
  }
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

export function renderSecret(objectName: string, value: string, encoding: ObjectEncoding): Buffer {
  switch (encoding) {
    case "utf-8":
      return Buffer.from(value, "utf8");
    case "hex": {
      const text = value.trim();
      if (!HEX.test(text))
        throw new RenderError(objectName, "objectEncoding is hex but the value is not hex");
      return Buffer.from(text, "hex");
    }
    case "base64": {
      const text = value.replace(/\s+/g, "");
      if (!BASE64.test(text) || text.length % 4 === 1) {
        throw new RenderError(objectName, "objectEncoding is base64 but the value is not base64");
      }
      return Buffer.from(text, text.includes("-") || text.includes("_") ? "base64url" : "base64");
    }
  }
}
