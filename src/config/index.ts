export { ConfigError, addOptions, parseOptions } from "./option-table.js";
export type { OptionSpec, OptionTable, OptionValues } from "./option-table.js";
export * from "./vault-options.js";
export * from "./secret-options.js";
export * from "./eventgrid-options.js";
export * from "./echo-options.js";
export * from "./receiver-options.js";
export * from "./dev-options.js";
export * from "./agent-options.js";
