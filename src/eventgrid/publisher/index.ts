export { EventGridPublisher } from "./event-grid-publisher.js";
export type { EventGridPublisherOptions, PutOutcome } from "./event-grid-publisher.js";
export {
  subscriptionBody,
  semanticProblems,
  isValidSubscriptionName,
  toArm,
  matches,
} from "./subscription.js";
export type {
  Subscription,
  SubscriptionBody,
  DeliverySchema,
  ProvisioningState,
} from "./subscription.js";
export { retryDelay, outcomeOf, isRetryable, afterFailure } from "./retry-policy.js";
export type { DeliveryOutcome, DeadLetterReason } from "./retry-policy.js";
export type { DeliveryStats } from "./subscription-worker.js";
export type { PublishedEvent } from "./envelope.js";
export { render, batchBody } from "./envelope.js";
