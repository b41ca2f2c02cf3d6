export {
  writeAtomically,
  cleanStale,
  readCurrentPayload,
  DEFAULT_RETIRE_AFTER_MS,
} from "./atomic-writer.js";
export type { Payload, PayloadFile, WriteOptions, WriteResult } from "./atomic-writer.js";
export { checkPayloadPath, PayloadPathError } from "./payload-path.js";
