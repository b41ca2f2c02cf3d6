export * from "./key-vault-events.js";
