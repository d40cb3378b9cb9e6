/// <reference lib="dom" />
/**
 * The demo page: connect with the API key, pick a user, click an item, and watch the recommendations change.
 * The key is kept in sessionStorage only (this tab); the page never holds it otherwise.
 */
import { Api, ApiError, newIdempotencyKey, type Channel, type Recommendation } from './api';
import { describeDiff, diffLists, listsDiffer } from './diff';
import { renderLeft, renderLog, renderRecommendations, type Catalogue, type LoggedEvent } from './render';

const KEY_STORAGE = 'demo-page.api-key';
/** How often the page asks for the list again after a click, and for how long. */
const POLL_INTERVAL_MS = 250;
const POLL_TIMEOUT_MS = 20_000;

interface DemoConfig {
  ApiUrl?: string;
  CampaignArn?: string;
  TrackingId?: string;
  DatasetGroupArn?: string;
}

const byId = <T extends HTMLElement>(id: string): T => {
  const node = document.getElementById(id);
  if (!node) throw new Error(`The page has no #${id}`);
  return node as T;
};

const ui = {
  connect: byId<HTMLFormElement>('connect'),
  apiKey: byId<HTMLInputElement>('api-key'),
  apiUrl: byId<HTMLInputElement>('api-url'),
  campaignArn: byId<HTMLInputElement>('campaign-arn'),
  trackingId: byId<HTMLInputElement>('tracking-id'),
  userForm: byId<HTMLFormElement>('user-form'),
  userId: byId<HTMLInputElement>('user-id'),
  randomUser: byId<HTMLButtonElement>('random-user'),
  newUser: byId<HTMLButtonElement>('new-user'),
  status: byId<HTMLParagraphElement>('status'),
  error: byId<HTMLParagraphElement>('error'),
  recsUser: byId<HTMLSpanElement>('recs-user'),
  change: byId<HTMLParagraphElement>('change'),
  recommendations: byId<HTMLOListElement>('recommendations'),
  left: byId<HTMLParagraphElement>('left'),
  log: byId<HTMLOListElement>('log'),
};

const state: {
  catalogue?: Catalogue;
  userId?: string;
  list: Recommendation[];
  events: LoggedEvent[];
  busy: boolean;
} = { list: [], events: [], busy: false };

function say(message: string): void {
  ui.status.textContent = message;
}

function fail(error: unknown): void {
  ui.error.hidden = false;
  ui.error.textContent = error instanceof Error ? error.message : String(error);
}

function clearError(): void {
  ui.error.hidden = true;
  ui.error.textContent = '';
}

/** An API URL served by this very server (local mode on a loopback name) is called on the page's origin. */
function apiBase(configured: string): string {
  const loopback = (host: string) => ['localhost', '127.0.0.1', '[::1]'].includes(host);
  const url = new URL(configured || 'prod/', location.href);
  if (url.port === location.port && loopback(url.hostname) && loopback(location.hostname)) {
    return new URL(url.pathname, location.origin).href;
  }
  return url.href.endsWith('/') ? url.href : `${url.href}/`;
}

function api(): Api {
  const key = ui.apiKey.value.trim();
  if (!key) throw new Error('Enter the API key first (npm start prints it).');
  return new Api(apiBase(ui.apiUrl.value.trim()), key);
}

async function loadJson<T>(path: string): Promise<T | undefined> {
  try {
    const response = await fetch(path, { cache: 'no-store' });
    return response.ok ? ((await response.json()) as T) : undefined;
  } catch {
    return undefined;
  }
}

/** Finds an ACTIVE campaign and tracker through `GET /status` for the fields left empty. */
async function fillFromStatus(client: Api): Promise<void> {
  if (ui.campaignArn.value.trim() && ui.trackingId.value.trim()) return;
  say('Looking for an ACTIVE campaign and event tracker (GET /status)...');
  const status = await client.status();
  if (!ui.campaignArn.value.trim()) {
    const campaign = status.campaigns?.find((candidate) => candidate.status === 'ACTIVE');
    if (!campaign) {
      throw new ApiError(
        404,
        'No ACTIVE campaign yet: train a solution version and deploy a campaign (README, Walkthrough steps 1 and 2, or KEEP=1 bash scripts/walkthrough.sh), then press Connect again.',
      );
    }
    ui.campaignArn.value = campaign.campaignArn;
  }
  if (!ui.trackingId.value.trim()) {
    const tracker = status.eventTrackers?.find(
      (candidate) => candidate.status === 'ACTIVE' && candidate.trackingId,
    );
    if (!tracker?.trackingId) {
      throw new ApiError(
        404,
        'No ACTIVE event tracker yet: create one (README, Walkthrough step 3), then press Connect again.',
      );
    }
    ui.trackingId.value = tracker.trackingId;
  }
}

async function connect(): Promise<void> {
  clearError();
  const client = api();
  sessionStorage.setItem(KEY_STORAGE, ui.apiKey.value.trim());
  await fillFromStatus(client);
  say('Connected. Pick a user.');
  if (!ui.userId.value.trim()) pickRandomUser();
  await showUser(ui.userId.value.trim());
}

function pickRandomUser(): void {
  const users = state.catalogue?.users ?? [];
  ui.userId.value = users.length > 0 ? (users[Math.floor(Math.random() * users.length)] as string) : '1';
}

function newUserId(): string {
  return `demo-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}

async function fetchList(userId: string): Promise<Recommendation[]> {
  const campaignArn = ui.campaignArn.value.trim();
  if (!campaignArn) throw new Error('Enter a campaign ARN, or press Connect to find an ACTIVE one.');
  return (await api().getRecommendations(campaignArn, userId)).itemList ?? [];
}

function draw(diff?: ReturnType<typeof diffLists>): void {
  renderRecommendations(
    ui.recommendations,
    state.list,
    state.catalogue,
    (itemId) => void run(() => click(itemId)),
    diff,
  );
  renderLeft(ui.left, diff?.left ?? []);
}

async function showUser(userId: string): Promise<void> {
  if (!userId) throw new Error('Enter a user id, or pick a random or brand-new user.');
  clearError();
  say(`Loading the recommendations for user ${userId}...`);
  const list = await fetchList(userId);
  state.userId = userId;
  state.list = list;
  ui.recsUser.textContent = `for user ${userId}`;
  ui.change.textContent = '';
  draw();
  say(
    list.length === 0
      ? `No recommendations for user ${userId}: the campaign returned an empty list.`
      : `Top ${list.length} for user ${userId}. Click an item to send a click event.`,
  );
}

function channel(): Channel {
  const checked = document.querySelector<HTMLInputElement>('input[name="channel"]:checked');
  return checked?.value === 'putEvents' ? 'putEvents' : 'data';
}

async function click(itemId: string): Promise<void> {
  const userId = state.userId;
  const trackingId = ui.trackingId.value.trim();
  if (!userId) throw new Error('Pick a user first.');
  if (!trackingId) throw new Error('Enter a tracking id, or press Connect to find an ACTIVE tracker.');
  clearError();
  const via = channel();
  const before = state.list;
  const started = performance.now();
  const logged: LoggedEvent = { at: new Date(), userId, itemId, channel: via, outcome: 'sending...' };
  const index = state.events.push(logged) - 1;
  renderLog(ui.log, state.events);
  const record = (outcome: string) => {
    state.events[index] = { ...logged, outcome };
    renderLog(ui.log, state.events);
  };
  try {
    await api().sendClick(via, { userId, itemId, trackingId }, newIdempotencyKey());
  } catch (error) {
    record(`failed: ${error instanceof Error ? error.message : String(error)}`);
    throw error;
  }
  record('accepted');
  say(`Click on item ${itemId} sent through /${via}. Waiting for the recommendations to change...`);
  const deadline = started + POLL_TIMEOUT_MS;
  for (;;) {
    const now = await fetchList(userId);
    if (state.userId !== userId) return;
    if (listsDiffer(before, now)) {
      const lagMs = Math.round(performance.now() - started);
      const diff = diffLists(before, now);
      state.list = now;
      draw(diff);
      ui.change.textContent = `Changed ${(lagMs / 1000).toFixed(1)} s after the click: ${describeDiff(diff)}.`;
      ui.change.dataset.lagMs = String(lagMs);
      record(`list changed after ${(lagMs / 1000).toFixed(1)} s`);
      say(`Click on item ${itemId} changed the recommendations of user ${userId}.`);
      return;
    }
    if (performance.now() > deadline) {
      record('no change seen');
      say(
        `No change ${POLL_TIMEOUT_MS / 1000} s after the click. Through /data the event waits for the stream's consumer: see local mode's log, or try /putEvents.`,
      );
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

/** Runs one action at a time; its error is shown, never thrown into the page. */
async function run(action: () => Promise<void>): Promise<void> {
  if (state.busy) {
    say('Still working on the last action: wait for it to finish.');
    return;
  }
  state.busy = true;
  document.body.setAttribute('aria-busy', 'true');
  try {
    await action();
  } catch (error) {
    fail(error);
    say('Something went wrong: see the message below.');
  } finally {
    state.busy = false;
    document.body.removeAttribute('aria-busy');
  }
}

async function start(): Promise<void> {
  ui.apiKey.value = sessionStorage.getItem(KEY_STORAGE) ?? '';
  const [config, catalogue] = await Promise.all([
    loadJson<DemoConfig>('demo-config.json'),
    loadJson<Catalogue>('catalogue.json'),
  ]);
  state.catalogue = catalogue;
  ui.apiUrl.value = config?.ApiUrl ?? new URL('prod/', location.href).href;
  ui.campaignArn.value = config?.CampaignArn ?? '';
  ui.trackingId.value = config?.TrackingId ?? '';
  ui.connect.addEventListener('submit', (event) => {
    event.preventDefault();
    void run(connect);
  });
  ui.userForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void run(() => showUser(ui.userId.value.trim()));
  });
  ui.randomUser.addEventListener('click', () => {
    pickRandomUser();
    void run(() => showUser(ui.userId.value.trim()));
  });
  ui.newUser.addEventListener('click', () => {
    ui.userId.value = newUserId();
    void run(() => showUser(ui.userId.value.trim()));
  });
  if (!catalogue)
    say('Enter the API key and press Connect. (The item catalogue did not load: items show their ids only.)');
}

void start();
