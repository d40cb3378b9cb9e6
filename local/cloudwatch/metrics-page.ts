/**
 * The metrics page of local mode, beside the demo page on the gateway's root: `GET /metrics` (the page),
 * `/metrics.js` (its script) and `/metrics.json` (the summary of metric-store.ts). The page asks for the
 * summary every few seconds: events per minute received, delivered and set aside, the events Personalize's
 * event trackers received (AWS/Personalize PutEventsRequests, counted by the emulator), and the
 * recommendation latency p50/p99 over the last five minutes. Only these paths, GET or HEAD.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerOrDrop, sendReply } from '../shared/http';
import type { MetricStore } from './metric-store';

/** How often the page refreshes, in milliseconds (`/metrics?refreshMs=` overrides it, 200 at least). */
const METRICS_PAGE_REFRESH_MS = 2000;

const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'unsafe-inline'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Metrics · near-real-time recommendations (local mode)</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 2rem; color: #1b1b1b; }
  .figures { display: flex; gap: 1rem; flex-wrap: wrap; }
  .figure { border: 1px solid #ccc; border-radius: 6px; padding: 0.75rem 1rem; min-width: 10rem; }
  .figure output { display: block; font-size: 1.8rem; font-weight: 600; }
  table { border-collapse: collapse; margin-top: 1.5rem; }
  th, td { border-bottom: 1px solid #ddd; padding: 0.3rem 0.8rem; text-align: right; }
  th:first-child, td:first-child { text-align: left; }
  .note { color: #555; font-size: 0.9rem; }
</style>
</head>
<body>
<h1>Metrics</h1>
<p class="note">What CloudWatch would show for this stack, from the functions' EMF lines (also in
<code>metrics/emf.log</code> of the state directory) and the emulator's AWS/Personalize counts. Updated every
few seconds; <span id="updated">not yet updated</span>.</p>
<div class="figures">
  <div class="figure">Events this minute<output id="events-per-minute">0</output></div>
  <div class="figure">Delivered (10 min)<output id="events-delivered">0</output></div>
  <div class="figure">Set aside (10 min)<output id="events-set-aside">0</output></div>
  <div class="figure">Personalize received (10 min)<output id="personalize-events">0</output></div>
  <div class="figure">Recommendation latency p50<output id="latency-p50">–</output></div>
  <div class="figure">Recommendation latency p99<output id="latency-p99">–</output></div>
</div>
<p class="note" id="latency-note">Latency over the last 5 minutes.</p>
<table>
  <thead><tr><th>Minute (UTC)</th><th>Received</th><th>Delivered</th><th>Set aside</th><th>Personalize received</th></tr></thead>
  <tbody id="minutes"></tbody>
</table>
<table>
  <thead><tr><th>Event type</th><th>Personalize received (10 min)</th></tr></thead>
  <tbody id="event-types"></tbody>
</table>
<script src="metrics.js"></script>
</body>
</html>
`;

/** The page's script: plain browser JavaScript, no build step. */
const SCRIPT = `'use strict';
(function () {
  var params = new URLSearchParams(location.search);
  var refreshMs = Math.max(200, Number(params.get('refreshMs')) || ${METRICS_PAGE_REFRESH_MS});
  function text(id, value) { document.getElementById(id).textContent = String(value); }
  function ms(value) { return value === null ? '–' : Math.round(value) + ' ms'; }
  function sum(rows, key) { return rows.reduce(function (total, row) { return total + row[key]; }, 0); }
  function cell(row, value) { var td = document.createElement('td'); td.textContent = String(value); row.appendChild(td); }
  function render(summary) {
    var minutes = summary.minutes;
    var current = minutes[minutes.length - 1];
    text('events-per-minute', current ? current.eventsReceived : 0);
    text('events-delivered', sum(minutes, 'eventsDelivered'));
    text('events-set-aside', sum(minutes, 'eventsSetAside'));
    text('personalize-events', sum(minutes, 'personalizeEvents'));
    text('latency-p50', ms(summary.recommendationLatency.p50));
    text('latency-p99', ms(summary.recommendationLatency.p99));
    text('latency-note', 'Latency over the last ' + summary.recommendationLatency.windowMinutes + ' minutes, ' +
      summary.recommendationLatency.requests + ' requests.');
    var body = document.getElementById('minutes');
    body.replaceChildren();
    minutes.slice().reverse().forEach(function (minute) {
      var row = document.createElement('tr');
      cell(row, minute.start.slice(11, 16));
      cell(row, minute.eventsReceived);
      cell(row, minute.eventsDelivered);
      cell(row, minute.eventsSetAside);
      cell(row, minute.personalizeEvents);
      body.appendChild(row);
    });
    var types = document.getElementById('event-types');
    types.replaceChildren();
    summary.personalizeByEventType.forEach(function (entry) {
      var row = document.createElement('tr');
      cell(row, entry.eventType);
      cell(row, entry.events);
      types.appendChild(row);
    });
    text('updated', 'updated ' + summary.generatedAt.slice(11, 19) + ' UTC');
  }
  function refresh() {
    fetch('metrics.json', { cache: 'no-store' })
      .then(function (response) { return response.json(); })
      .then(render)
      .catch(function () { text('updated', 'local mode is not answering'); })
      .finally(function () { setTimeout(refresh, refreshMs); });
  }
  refresh();
})();
`;

/** Answers the request when it is for the metrics page (returns true), or leaves it alone (returns false). */
export type MetricsPageSite = (request: IncomingMessage, response: ServerResponse) => boolean;

export function metricsPageSite(store: MetricStore): MetricsPageSite {
  const assets: Record<string, { contentType: string; body: () => string }> = {
    '/metrics': { contentType: 'text/html; charset=utf-8', body: () => PAGE },
    '/metrics.js': { contentType: 'text/javascript; charset=utf-8', body: () => SCRIPT },
    '/metrics.json': {
      contentType: 'application/json',
      body: () => JSON.stringify(store.summary()),
    },
  };
  return (request, response) => {
    const path = (request.url ?? '').split('?')[0] ?? '';
    const asset = Object.hasOwn(assets, path) ? assets[path] : undefined;
    if (!asset || (request.method !== 'GET' && request.method !== 'HEAD')) return false;
    const body = asset.body();
    answerOrDrop(response, () =>
      sendReply(
        response,
        200,
        {
          'content-type': asset.contentType,
          'content-length': Buffer.byteLength(body),
          'cache-control': 'no-store',
          'content-security-policy': CONTENT_SECURITY_POLICY,
          'x-content-type-options': 'nosniff',
        },
        request.method === 'HEAD' ? undefined : body,
      ),
    );
    return true;
  };
}
