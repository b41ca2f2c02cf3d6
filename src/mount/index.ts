export { writeAtomically, cleanStale, readCurrentPayload } from "./atomic-writer.js";
export type { Payload, PayloadFile, WriteResult } from "./atomic-writer.js";
export { checkPayloadPath, PayloadPathError } from "./payload-path.js";
