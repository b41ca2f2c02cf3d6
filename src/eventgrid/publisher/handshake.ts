import { randomUUID } from "node:crypto";
import { eventTime, SUBSCRIPTION_VALIDATION_EVENT } from "../wire/index.js";
import type { Subscription, ProvisioningState } from "./subscription.js";
import { sendWebhook } from "./webhook-client.js";

/**
 * The endpoint validation a subscription must pass before anything is delivered.
 * Event Grid schema: a SubscriptionValidationEvent, answered synchronously with
 * `{"validationResponse": code}` (→ Succeeded) or with a plain 200, after which a GET on the
 * validationUrl within 10 minutes completes it (→ AwaitingManualAction until then).
 * CloudEvents: an OPTIONS request, consented by a WebHook-Allowed-Origin header.
 */

export const HANDSHAKE_TIMEOUT_MS = 30_000;
export const MANUAL_VALIDATION_WINDOW_MS = 10 * 60_000;
const ORIGIN = "eventgrid.azure.net";

export interface HandshakeResult {
  state: ProvisioningState;
  validationCode?: string;
  validationExpiresAt?: number;
  /** Why it failed, for the PUT's answer. */
  reason?: string;
}

export async function runHandshake(
  sub: Subscription,
  context: {
    topic: string;
    validationUrl: (code: string) => string;
    now: number;
    timeoutMs?: number;
    ca?: string | undefined;
  },
): Promise<HandshakeResult> {
  const timeoutMs = context.timeoutMs ?? HANDSHAKE_TIMEOUT_MS;
  if (sub.schema === "CloudEventSchemaV1_0") {
    const res = await sendWebhook({
      method: "OPTIONS",
      url: sub.endpointUrl,
      headers: { "webhook-request-origin": ORIGIN, ...staticHeaders(sub) },
      timeoutMs,
      ca: context.ca,
    });
    const allowed = res.headers["webhook-allowed-origin"];
    if (res.status !== undefined && res.status < 300 && (allowed === ORIGIN || allowed === "*")) {
      return { state: "Succeeded" };
    }
    return {
      state: "Failed",
      reason: `Webhook validation handshake failed for ${redact(sub.endpointUrl)}: the OPTIONS request got ${describe(res.status, res.error)} without a WebHook-Allowed-Origin header for ${ORIGIN}.`,
    };
  }

  const code = randomUUID().toUpperCase();
  const body = JSON.stringify([
    {
      id: randomUUID(),
      topic: context.topic,
      subject: "",
      data: { validationCode: code, validationUrl: context.validationUrl(code) },
      eventType: SUBSCRIPTION_VALIDATION_EVENT,
      eventTime: eventTime(new Date(context.now)),
      metadataVersion: "1",
      dataVersion: "2",
    },
  ]);
  const res = await sendWebhook({
    method: "POST",
    url: sub.endpointUrl,
    headers: {
      "content-type": "application/json; charset=utf-8",
      "aeg-event-type": "SubscriptionValidation",
      "aeg-subscription-name": sub.name.toUpperCase(),
      "aeg-delivery-count": "0",
      "aeg-metadata-version": "1",
      "aeg-data-version": "2",
      ...staticHeaders(sub),
    },
    body,
    timeoutMs,
    ca: context.ca,
  });
  if (res.status === 200) {
    if (validationResponse(res.body) === code) return { state: "Succeeded" };
    return {
      state: "AwaitingManualAction",
      validationCode: code,
      validationExpiresAt: context.now + MANUAL_VALIDATION_WINDOW_MS,
    };
  }
  return {
    state: "Failed",
    reason: `Webhook validation handshake failed for ${redact(sub.endpointUrl)}: the validation POST got ${describe(res.status, res.error)}; answer 200 with {"validationResponse": "<validationCode>"}.`,
  };
}

export function staticHeaders(sub: Subscription): Record<string, string> {
  return Object.fromEntries(sub.headers.map((h) => [h.name, h.value]));
}

function validationResponse(body: string): unknown {
  try {
    const parsed = JSON.parse(body) as { validationResponse?: unknown } | null;
    return parsed?.validationResponse;
  } catch {
    return undefined;
  }
}

const describe = (status: number | undefined, error: string | undefined): string =>
  status === undefined ? `no answer (${error ?? "error"})` : `HTTP ${status}`;

/** Endpoint URLs may carry a secret in the query (?code=…): never echo it. */
export function redact(url: string): string {
  const parsed = new URL(url);
  parsed.search = "";
  return parsed.toString();
}
