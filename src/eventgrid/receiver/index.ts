/**
 * kvsync's Event Grid webhook for Key Vault events: mount it on any Fastify server, get typed
 * events after each reply. Both subscription handshakes, Entra ID or query-secret auth,
 * de-duplication and counters included.
 */
export {
  registerEventReceiver,
  BODY_LIMIT,
  DEFAULT_DEDUPE_SIZE,
  DEFAULT_EVENTS_PATH,
} from "./event-receiver.js";
export type { DeliveryInfo, EventReceiverOptions } from "./event-receiver.js";
export type { EventReceiverAuth, QuerySecretAuthOptions } from "./receiver-auth.js";
export { EVENT_GRID_APP_ID, SECURE_WEBHOOK_ROLE } from "./entra-token.js";
export type { EntraAuthOptions } from "./entra-token.js";
export {
  announcedObjectTypes,
  isCertificateEvent,
  isExpiredEvent,
  isKeyEvent,
  isNearExpiryEvent,
  isNewVersionEvent,
  isSecretEvent,
} from "./received-event.js";
export type {
  CertificateEvent,
  ExpiredEvent,
  KeyEvent,
  NearExpiryEvent,
  NewVersionEvent,
  ReceivedKeyVaultEvent,
  SecretEvent,
} from "./received-event.js";
export type { EventSchema } from "./delivery.js";
export { RECEIVED_TOTAL, REQUESTS_TOTAL } from "./receiver-metrics.js";
export type { EventOutcome } from "./receiver-metrics.js";
export { optionsReply, validationResponse } from "./handshake.js";
export type { OptionsReply } from "./handshake.js";
export { parseDelivery } from "./delivery.js";
export type { Delivery, Envelope } from "./delivery.js";
export { deliveryMediaType } from "./media-type.js";
export type { DeliveryMediaType } from "./media-type.js";
