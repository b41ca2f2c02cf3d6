import type { IncomingHttpHeaders } from "node:http";
import type { SubscriptionValidationResponse } from "../wire/index.js";

/**
 * The two subscription handshakes, as pure functions of what arrived. Event Grid schema: answer
 * the SubscriptionValidationEvent with its code, synchronously (202 is refused). CloudEvents
 * (HTTP webhook abuse protection): answer the OPTIONS request with consent headers; the status
 * alone is not consent, and the callback URL is not needed once consent is given here.
 */

export const ALLOW = "POST, OPTIONS";

export const validationResponse = (validationCode: string): SubscriptionValidationResponse => ({
  validationResponse: validationCode,
});

export type OptionsReply =
  { ok: true; headers: Record<string, string> } | { ok: false; reason: string };

/** Visible ASCII only: the origin is echoed back in a header. */
const ORIGIN = /^[\x21-\x7e]{1,255}$/;
const RATE = /^[1-9]\d{0,8}$/;

export function optionsReply(headers: IncomingHttpHeaders): OptionsReply {
  const origin = single(headers["webhook-request-origin"]);
  if (origin === undefined) return { ok: true, headers: { allow: ALLOW } };
  if (!ORIGIN.test(origin)) return { ok: false, reason: "invalid WebHook-Request-Origin" };
  const rate = single(headers["webhook-request-rate"])?.trim();
  return {
    ok: true,
    headers: {
      allow: ALLOW,
      "webhook-allowed-origin": origin,
      // Grant what was asked; with no (or an unreadable) request, no limit.
      "webhook-allowed-rate": rate !== undefined && RATE.test(rate) ? rate : "*",
    },
  };
}

const single = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;
