import { createHash } from "node:crypto";

/**
 * The echo's one page: self-contained (no CDN, works offline), newest request first, live over
 * server-sent events. Request content only ever reaches the page through `textContent`, and the
 * Content-Security-Policy allows exactly this script and this stylesheet, so even a bug that
 * put content into markup could not run it.
 */

const STYLE = `
:root { color-scheme: light dark; --line: #8884; --muted: #888; --accent: #2f6fde; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, sans-serif; }
header { position: sticky; top: 0; display: flex; gap: 1rem; align-items: center;
  padding: .6rem 1rem; background: Canvas; border-bottom: 1px solid var(--line); }
h1 { font-size: 1rem; margin: 0; }
#state { font-size: .8rem; color: var(--muted); }
#state.live::before { content: "● "; color: #1a9a4a; }
#state.down::before { content: "● "; color: #c33; }
#count { margin-left: auto; color: var(--muted); }
button { font: inherit; padding: .2rem .7rem; cursor: pointer; }
main { padding: 1rem; max-width: 80rem; margin: 0 auto; }
#empty { color: var(--muted); }
article { border: 1px solid var(--line); border-radius: 6px; margin-bottom: .8rem; }
.head { display: flex; gap: .6rem; align-items: baseline; padding: .5rem .8rem;
  border-bottom: 1px solid var(--line); flex-wrap: wrap; }
.method { font-weight: 600; color: var(--accent); }
.url { font-family: ui-monospace, monospace; word-break: break-all; flex: 1; }
.meta { color: var(--muted); font-size: .8rem; }
details { padding: .3rem .8rem; }
summary { cursor: pointer; color: var(--muted); font-size: .85rem; }
table { border-collapse: collapse; font: 12px/1.4 ui-monospace, monospace; margin: .3rem 0; }
td { padding: .1rem .8rem .1rem 0; vertical-align: top; word-break: break-all; }
td:first-child { color: var(--muted); white-space: nowrap; }
.body-meta { padding: 0 .8rem .5rem; }
pre { margin: 0; padding: .6rem .8rem; overflow: auto; max-height: 30rem;
  font: 12px/1.4 ui-monospace, monospace; white-space: pre-wrap; word-break: break-all; }
`;

const SCRIPT = `
"use strict";
const list = document.getElementById("list");
const state = document.getElementById("state");
const count = document.getElementById("count");
const empty = document.getElementById("empty");
const LIMIT = Number(document.body.dataset.capacity) || 500;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function pairsTable(pairs) {
  const table = el("table");
  for (const [name, value] of pairs) {
    const row = table.insertRow();
    row.insertCell().textContent = name;
    row.insertCell().textContent = value;
  }
  return table;
}

function card(record) {
  const article = el("article");
  const head = el("div", "head");
  const query = record.query.map(([k, v]) => k + "=" + v).join("&");
  head.append(
    el("span", "method", record.method),
    el("span", "url", record.path + (query ? "?" + query : "")),
    el("span", "meta", "#" + record.seq + " · " + new Date(record.time).toLocaleTimeString() +
      " · " + record.reply.status + (record.reply.note ? " · " + record.reply.note : "")),
  );
  const headers = el("details");
  headers.append(el("summary", "", record.headers.length + " headers"), pairsTable(record.headers));
  article.append(head, headers);
  if (record.bodyBytes > 0) {
    const note = record.bodyBytes + " bytes" + (record.json ? ", JSON" : "") +
      (record.truncated ? ", cut short" : "");
    article.append(el("pre", "", record.body), el("div", "meta body-meta", note));
  }
  return article;
}

function render() {
  count.textContent = list.children.length + " requests";
  empty.hidden = list.children.length > 0;
}

function add(record) {
  list.prepend(card(record));
  while (list.children.length > LIMIT) list.lastChild.remove();
  render();
}

const source = new EventSource("/_echo/stream");
source.addEventListener("open", () => { state.textContent = "live"; state.className = "live"; });
source.addEventListener("error", () => { state.textContent = "reconnecting"; state.className = "down"; });
source.addEventListener("request", (event) => add(JSON.parse(event.data)));
source.addEventListener("cleared", () => { list.replaceChildren(); render(); });
document.getElementById("clear").addEventListener("click", () => {
  fetch("/_echo/requests", { method: "DELETE" });
});
render();
`;

const sha256 = (text: string): string =>
  `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;

export const PAGE_CSP = [
  "default-src 'none'",
  `script-src ${sha256(SCRIPT)}`,
  `style-src ${sha256(STYLE)}`,
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

export function echoPage(capacity: number): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kvsync echo</title>
<style>${STYLE}</style>
</head>
<body data-capacity="${capacity}">
<header>
<h1>kvsync echo</h1>
<span id="state">connecting</span>
<span id="count"></span>
<button id="clear" type="button">Clear</button>
</header>
<main>
<p id="empty">No requests yet. Send any request here (all but GET / and /_echo/…) and it shows up at once.</p>
<div id="list"></div>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
