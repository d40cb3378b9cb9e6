/**
 * Local mode serves the demo page at the gateway's root (the API stays under `/prod`): `GET /` (the page),
 * `/app.js` (its script, bundled by esbuild on first request), `/style.css`, `/catalogue.json` (the items
 * catalogue and known users, from the CSVs) and `/demo-config.json` (the non-secret outputs; never the key).
 * Only these exact paths, GET or HEAD: anything else is left to the gateway. No path from a request ever
 * reaches the file system, so there is nothing to traverse.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { errorMessage } from '../../lambda/shared/service-errors';
import { answerOrDrop, sendReply } from '../shared/http';
import { bundleApp, DEMO_PAGE_DIR, readCatalogue, type DemoConfig } from '../../lib/demo-page/build';

/**
 * Local mode's "provision now": what `npm start -- --provision` runs, for a page whose local mode started
 * without it. The page sends the API key; the answer is the outputs it wrote.
 */
interface DemoPageProvisioning {
  readonly run: () => Promise<Record<string, string>>;
  /** Whether the request carries the API key. */
  readonly authorized: (request: IncomingMessage) => boolean;
}

/** Where the page asks local mode to provision (never a path of the API, which stays under `/prod`). */
export const PROVISION_PATH = '/local/provision';

export interface DemoPageSiteOptions {
  /** The config the page is prefilled from, read on each request (outputs can appear while running). */
  readonly config: () => DemoConfig;
  /** Local mode only. @default none: the page offers no provisioning (as on AWS) */
  readonly provision?: DemoPageProvisioning;
  /** @default data/items.csv */
  readonly itemsFile?: string;
  /** @default data/interactions.csv */
  readonly interactionsFile?: string;
}

/** Answers the request when it is for the page (returns true), or leaves it alone (returns false). */
export type DemoPageSite = (request: IncomingMessage, response: ServerResponse) => boolean;

interface Asset {
  readonly contentType: string;
  readonly body: () => string;
  /** The config changes while local mode runs; the rest is built once. */
  readonly cache: boolean;
}

/**
 * The page's Content-Security-Policy: its own script, style and API only. The API is on the same origin in
 * local mode; on AWS the stack sets its own policy naming the API's origin.
 */
const LOCAL_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function once(build: () => string): () => string {
  let value: string | undefined;
  return () => (value ??= build());
}

export function demoPageSite(options: DemoPageSiteOptions): DemoPageSite {
  const file = (name: string) => once(() => readFileSync(join(DEMO_PAGE_DIR, name), 'utf8'));
  const page: Asset = { contentType: 'text/html; charset=utf-8', body: file('index.html'), cache: true };
  const assets = new Map<string, Asset>([
    ['/', page],
    ['/index.html', page],
    ['/app.js', { contentType: 'text/javascript; charset=utf-8', body: once(bundleApp), cache: true }],
    ['/style.css', { contentType: 'text/css; charset=utf-8', body: file('style.css'), cache: true }],
    [
      '/catalogue.json',
      {
        contentType: 'application/json',
        body: once(() => JSON.stringify(readCatalogue(options.itemsFile, options.interactionsFile))),
        cache: true,
      },
    ],
    [
      '/demo-config.json',
      {
        contentType: 'application/json',
        body: () => JSON.stringify(publicConfig(options.config())),
        cache: false,
      },
    ],
  ]);
  const provision = options.provision;
  return (request, response) => {
    if (provision && pathOf(request.url) === PROVISION_PATH) {
      void answerProvision(provision, request, response);
      return true;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') return false;
    const asset = assets.get(pathOf(request.url));
    if (!asset) return false;
    send(response, request.method === 'HEAD', asset);
    return true;
  };
}

/** The target's path when it is origin-form (`/x?y`), else '' (which names no asset). */
function pathOf(target: string | undefined): string {
  if (!target || !target.startsWith('/') || target.startsWith('//')) return '';
  const end = target.search(/[?#]/);
  return end === -1 ? target : target.slice(0, end);
}

/** POST with the API key: runs the provisioning and answers the outputs it wrote (JSON), or why it failed. */
async function answerProvision(
  provision: DemoPageProvisioning,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  request.resume();
  const reply = (status: number, body: unknown) =>
    answerOrDrop(response, () =>
      sendReply(
        response,
        status,
        {
          'content-type': 'application/json',
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
        },
        JSON.stringify(body),
      ),
    );
  if (request.method !== 'POST') return reply(405, { message: `${PROVISION_PATH} takes POST` });
  if (!provision.authorized(request))
    return reply(403, { message: 'Forbidden: send the API key as x-api-key' });
  try {
    reply(200, await provision.run());
  } catch (error) {
    reply(500, { message: `Provisioning failed: ${errorMessage(error)}` });
  }
}

/** Only the non-secret outputs (and local mode's provisioning path), whatever the config function returned. */
function publicConfig(config: DemoConfig): DemoConfig {
  const { ApiUrl, CampaignArn, TrackingId, DatasetGroupArn, ProvisionPath } = config;
  return Object.fromEntries(
    Object.entries({ ApiUrl, CampaignArn, TrackingId, DatasetGroupArn, ProvisionPath }).filter(
      ([, value]) => typeof value === 'string' && value !== '',
    ),
  );
}

function send(response: ServerResponse, headOnly: boolean, asset: Asset): void {
  let status = 200;
  let contentType = asset.contentType;
  let body: string;
  try {
    body = asset.body();
  } catch (error) {
    status = 500;
    contentType = 'text/plain; charset=utf-8';
    body = `The demo page could not be built: ${errorMessage(error)}\n`;
  }
  // A client gone mid-answer has nothing left to be told: the connection is dropped.
  answerOrDrop(response, () =>
    sendReply(
      response,
      status,
      {
        'content-type': contentType,
        'content-length': Buffer.byteLength(body),
        'cache-control': asset.cache && status === 200 ? 'no-cache' : 'no-store',
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'content-security-policy': LOCAL_CONTENT_SECURITY_POLICY,
      },
      headOnly ? undefined : body,
    ),
  );
}

/** Local mode's config: the API's URL and the dataset group the handlers are given (no campaign yet). */
export function localDemoConfig(apiUrl: string, env: NodeJS.ProcessEnv = process.env): DemoConfig {
  return { ApiUrl: apiUrl, DatasetGroupArn: env.DATASET_GROUP_ARN ?? '' };
}
