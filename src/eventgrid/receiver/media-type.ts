/**
 * The media types a delivery may carry: Event Grid schema arrays come as application/json,
 * CloudEvents as application/cloudevents+json (one event, or an array: the batched shape is
 * undocumented) or application/cloudevents-batch+json (what @azure/eventgrid's publisher sends).
 * A charset other than UTF-8 is refused: JSON on the wire is UTF-8 (RFC 8259).
 */

export type DeliveryMediaType = "json" | "cloudevents" | "cloudevents-batch";

// A Map, not an object literal: "constructor" or "__proto__" must not look like a media type.
const MEDIA_TYPES: ReadonlyMap<string, DeliveryMediaType> = new Map([
  ["application/json", "json"],
  ["application/cloudevents+json", "cloudevents"],
  ["application/cloudevents-batch+json", "cloudevents-batch"],
]);

/** The delivery media type of a Content-Type header, or undefined when it is not one we read. */
export function deliveryMediaType(header: string | undefined): DeliveryMediaType | undefined {
  if (header === undefined) return undefined;
  const [essence = "", ...parameters] = header.split(";");
  const mediaType = MEDIA_TYPES.get(essence.trim().toLowerCase());
  if (mediaType === undefined) return undefined;
  for (const parameter of parameters) {
    const [name = "", value = ""] = parameter.split("=", 2);
    if (name.trim().toLowerCase() !== "charset") continue;
    if (value.trim().replace(/^"|"$/g, "").toLowerCase() !== "utf-8") return undefined;
  }
  return mediaType;
}
