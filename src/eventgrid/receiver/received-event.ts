import {
  isKeyVaultEventType,
  type KeyVaultEventData,
  type KeyVaultEventType,
} from "../wire/index.js";
import type { Envelope, EventSchema } from "./delivery.js";
import { readKeyVaultEventData } from "./key-vault-event-data.js";

/**
 * A Key Vault event as the receiver hands it on, whichever schema carried it: a union by `type`
 * with guards to narrow it (the Azure SDK's `isSystemEvent` habit, without its camelCase trap).
 */

interface ReceivedEvent<T extends KeyVaultEventType> {
  id: string;
  type: T;
  schema: EventSchema;
  /** The vault's ARM id: `topic` in the Event Grid schema, `source` in CloudEvents. */
  source: string;
  /** The object name; "" if a CloudEvent left it out. */
  subject: string;
  /** The raw time string (seven fractional digits); "" if a CloudEvent left it out. */
  time: string;
  data: KeyVaultEventData;
}

export type ReceivedKeyVaultEvent = {
  [T in KeyVaultEventType]: ReceivedEvent<T>;
}[KeyVaultEventType];

type TypeOf<Pattern extends string> = Extract<KeyVaultEventType, Pattern>;
type EventOf<Pattern extends string> = Extract<ReceivedKeyVaultEvent, { type: TypeOf<Pattern> }>;

export type SecretEvent = EventOf<`Microsoft.KeyVault.Secret${string}`>;
export type KeyEvent = EventOf<`Microsoft.KeyVault.Key${string}`>;
export type CertificateEvent = EventOf<`Microsoft.KeyVault.Certificate${string}`>;
export type NewVersionEvent = EventOf<`${string}NewVersionCreated`>;
export type NearExpiryEvent = EventOf<`${string}NearExpiry`>;
export type ExpiredEvent = EventOf<`${string}Expired`>;

export const isSecretEvent = (event: ReceivedKeyVaultEvent): event is SecretEvent =>
  event.type.startsWith("Microsoft.KeyVault.Secret");
export const isKeyEvent = (event: ReceivedKeyVaultEvent): event is KeyEvent =>
  event.type.startsWith("Microsoft.KeyVault.Key");
export const isCertificateEvent = (event: ReceivedKeyVaultEvent): event is CertificateEvent =>
  event.type.startsWith("Microsoft.KeyVault.Certificate");
export const isNewVersionEvent = (event: ReceivedKeyVaultEvent): event is NewVersionEvent =>
  event.type.endsWith("NewVersionCreated");
export const isNearExpiryEvent = (event: ReceivedKeyVaultEvent): event is NearExpiryEvent =>
  event.type.endsWith("NearExpiry");
export const isExpiredEvent = (event: ReceivedKeyVaultEvent): event is ExpiredEvent =>
  event.type.endsWith("Expired");

/**
 * The objects a new version reaches, as a SecretProviderClass types them. A certificate's new
 * version is also a new version, with the same id, of its managed key and managed secret (which
 * classes mount as `objectType: secret` for the key and chain): its event serves all three, so a
 * vault that does not also announce the managed objects still reaches their files.
 */
export function announcedObjectTypes(event: NewVersionEvent): ("secret" | "key" | "cert")[] {
  if (isSecretEvent(event)) return ["secret"];
  if (isKeyEvent(event)) return ["key"];
  return ["cert", "secret", "key"];
}

/** What to do with one envelope: hand it on, ignore it (unknown type), or reject it (bad data). */
export type Classified =
  | { kind: "keyVault"; event: ReceivedKeyVaultEvent }
  | { kind: "unknown" }
  | { kind: "invalid"; type: KeyVaultEventType; reason: string };

export function classifyEnvelope(envelope: Envelope): Classified {
  const { type } = envelope;
  if (!isKeyVaultEventType(type)) return { kind: "unknown" };
  const data = readKeyVaultEventData(envelope.data, type);
  if (!data.ok) return { kind: "invalid", type, reason: data.reason };
  const { id, schema, source, subject, time } = envelope;
  const event: ReceivedKeyVaultEvent = { id, type, schema, source, subject, time, data: data.data };
  return { kind: "keyVault", event };
}
