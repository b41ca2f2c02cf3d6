import assert from "node:assert/strict";
import { test } from "node:test";
import { deliveryMediaType, type DeliveryMediaType } from "./media-type.js";

test("reads the delivery media types, with or without a UTF-8 charset", () => {
  const cases: [string | undefined, DeliveryMediaType | undefined][] = [
    ["application/json", "json"],
    ["application/json; charset=utf-8", "json"],
    ["APPLICATION/JSON;CHARSET=UTF-8", "json"],
    ['application/json; charset="utf-8"', "json"],
    ["application/json; foo=bar", "json"],
    ["application/cloudevents+json; charset=utf-8", "cloudevents"],
    ["application/cloudevents-batch+json", "cloudevents-batch"],
    [" application/cloudevents-batch+json ; charset=utf-8", "cloudevents-batch"],
    ["application/json; charset=iso-8859-1", undefined],
    ["application/json; charset=", undefined],
    ["text/json", undefined],
    ["application/xml", undefined],
    ["application/json-patch+json", undefined],
    ["constructor", undefined],
    ["__proto__", undefined],
    ["", undefined],
    [undefined, undefined],
  ];
  for (const [header, expected] of cases) assert.equal(deliveryMediaType(header), expected, header);
});
