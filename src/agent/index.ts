/** The agent: Event Grid webhook + poll + manual refresh driving the sync of one or more folders. */
export { startAgent } from "./agent.js";
export type { AgentOptions, RunningAgent } from "./agent.js";
export type { SignalTarget } from "./signal-hook.js";
export { AgentMetrics } from "./agent-metrics.js";
