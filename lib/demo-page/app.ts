/// <reference lib="dom" />
/**
 * The demo page: connect with the API key, pick a user, click an item, and watch the recommendations change.
 * The key is kept in sessionStorage only (this tab); the page never holds it otherwise.
 */
import { Api, ApiError, newIdempotencyKey, type Channel, type EventType, type Recommendation } from './api';
import { describeDiff, diffLists, listsDiffer } from './diff';
import { FilterControls, findStackFilters, genresOf, leftBecauseWatched } from './filters';
import { NewItemFlow } from './new-item';
import {
  itemName,
  renderLeft,
  renderLog,
  renderRecommendations,
  type Catalogue,
  type LoggedEvent,
} from './render';

const KEY_STORAGE = 'demo-page.api-key';
/** How often the page asks for the list again after a click, and for how long. */
const POLL_INTERVAL_MS = 250;
const POLL_TIMEOUT_MS = 20_000;

interface DemoConfig {
  ApiUrl?: string;
  CampaignArn?: string;
  TrackingId?: string;
  DatasetGroupArn?: string;
  /** Local mode only: where "Provision now" posts. */
  ProvisionPath?: string;
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
  provisionPanel: byId<HTMLDivElement>('provision-panel'),
  provision: byId<HTMLButtonElement>('provision'),
  status: byId<HTMLParagraphElement>('status'),
  error: byId<HTMLParagraphElement>('error'),
  recsUser: byId<HTMLSpanElement>('recs-user'),
  change: byId<HTMLParagraphElement>('change'),
  recommendations: byId<HTMLOListElement>('recommendations'),
  left: byId<HTMLParagraphElement>('left'),
  log: byId<HTMLOListElement>('log'),
};

/** The "hide what this user watched" toggle and the genre picker: a change shows the user's list again. */
const filters = new FilterControls(
  {
    hideWatched: byId<HTMLInputElement>('hide-watched'),
    genre: byId<HTMLSelectElement>('genre'),
    note: byId<HTMLParagraphElement>('filters-note'),
  },
  () => void run(() => (state.userId ? showUser(state.userId) : Promise.resolve())),
);

/** The "new item" flow: add an item (POST /items), then see which user it reaches first. */
const newItem = new NewItemFlow(
  {
    form: byId<HTMLFormElement>('new-item'),
    title: byId<HTMLInputElement>('new-item-title'),
    genre: byId<HTMLSelectElement>('new-item-genre'),
    result: byId<HTMLParagraphElement>('new-item-result'),
  },
  {
    api,
    campaignArn: () => ui.campaignArn.value.trim(),
    catalogue: () => state.catalogue,
    currentUser: () => state.userId,
    showUser: (userId) => {
      ui.userId.value = userId;
      void run(() => showUser(userId));
    },
  },
);

const state: {
  catalogue?: Catalogue;
  provisionPath?: string;
  userId?: string;
  list: Recommendation[];
  /** The recommendationId of the list shown: an event on one of its items cites it (implicit impressions). */
  recommendationId?: string;
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
      if (state.provisionPath) ui.provision.focus();
      throw new ApiError(
        404,
        state.provisionPath
          ? "No ACTIVE campaign yet: press Provision now (what npm start -- --provision runs), or create one as README's walkthrough does, then press Connect again."
          : 'No ACTIVE campaign yet: train a solution version and deploy a campaign (README, Walkthrough steps 1 and 2, or KEEP=1 bash scripts/walkthrough.sh), then press Connect again.',
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

/** The stack's filters, from `GET /status`, for the toggle and the picker. */
async function findFilters(client: Api): Promise<void> {
  filters.useFilters(findStackFilters(await client.status()));
}

async function connect(): Promise<void> {
  clearError();
  const client = api();
  sessionStorage.setItem(KEY_STORAGE, ui.apiKey.value.trim());
  await fillFromStatus(client);
  await findFilters(client);
  await showChosenUser('Connected.');
}

/** The user typed before, or the prompt to choose one: no user is picked for the person. */
async function showChosenUser(done: string): Promise<void> {
  const userId = ui.userId.value.trim();
  if (userId) {
    await showUser(userId);
    return;
  }
  say(`${done} Pick a user: type an id and press Show, or choose a random known user or a brand-new one.`);
  ui.userId.focus();
}

/** Local mode's "provision now": what npm start -- --provision runs, then the campaign and tracker filled in. */
async function provisionNow(): Promise<void> {
  clearError();
  const path = state.provisionPath;
  if (!path) return;
  const client = api();
  sessionStorage.setItem(KEY_STORAGE, ui.apiKey.value.trim());
  say(
    'Provisioning: training a solution version, then a campaign and the event tracker (seconds in local mode)...',
  );
  const outputs = await client.provision(new URL(path, location.origin).href);
  ui.campaignArn.value = outputs.CampaignArn ?? ui.campaignArn.value;
  ui.trackingId.value = outputs.TrackingId ?? ui.trackingId.value;
  ui.provisionPanel.hidden = true;
  await findFilters(client);
  await showChosenUser('Provisioned: a campaign and an event tracker are ACTIVE.');
}

function pickRandomUser(): void {
  const users = state.catalogue?.users ?? [];
  ui.userId.value = users.length > 0 ? (users[Math.floor(Math.random() * users.length)] as string) : '1';
}

function newUserId(): string {
  return `demo-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}

/** The recommendationId each fetched list came with: cited by events once that list is shown. */
const fetched = new WeakMap<Recommendation[], string>();

async function fetchList(userId: string): Promise<Recommendation[]> {
  const campaignArn = ui.campaignArn.value.trim();
  if (!campaignArn) throw new Error('Enter a campaign ARN, or press Connect to find an ACTIVE one.');
  const answer = await api().getRecommendations(campaignArn, userId, 10, filters.choice());
  const list = answer.itemList ?? [];
  if (answer.recommendationId) fetched.set(list, answer.recommendationId);
  return list;
}

/** Shows a list: the page's state, and the recommendationId its items' events will cite. */
function show(list: Recommendation[]): void {
  state.list = list;
  state.recommendationId = fetched.get(list);
}

function draw(diff?: ReturnType<typeof diffLists>): void {
  renderRecommendations(
    ui.recommendations,
    state.list,
    state.catalogue,
    (itemId, eventType) => void run(() => send(itemId, eventType)),
    diff,
  );
  renderLeft(ui.left, diff?.left ?? [], state.catalogue);
}

/**
 * Focus after the list was redrawn under it: on the clicked item wherever it moved, or on the summary of the
 * change when it left the list, never on a row that now holds another item.
 */
function focusAfterChange(itemId: string): void {
  const rows = Array.from(ui.recommendations.getElementsByTagName('li'));
  const row = rows.find((candidate) => candidate.dataset.itemId === itemId);
  const button = row?.getElementsByClassName('click')[0];
  const target = button instanceof HTMLButtonElement ? button : ui.change;
  target.focus();
}

async function showUser(userId: string): Promise<void> {
  if (!userId) throw new Error('Enter a user id, or pick a random or brand-new user.');
  clearError();
  say(`Loading the recommendations for user ${userId}...`);
  const list = await fetchList(userId);
  state.userId = userId;
  show(list);
  const filter = filters.choice();
  const filtered = filter ? ` (${filter.label})` : '';
  ui.recsUser.textContent = `for user ${userId}${filtered}`;
  ui.change.textContent = '';
  draw();
  say(
    list.length === 0
      ? `No recommendations for user ${userId}${filtered}: the campaign returned an empty list.`
      : `Top ${list.length} for user ${userId}${filtered}. Click or watch an item to send that event.`,
  );
}

function channel(): Channel {
  const checked = document.querySelector<HTMLInputElement>('input[name="channel"]:checked');
  return checked?.value === 'putEvents' ? 'putEvents' : 'data';
}

/**
 * One event on an item, then the list asked again until it changes. A watch while the list hides what the user
 * watched waits for the item to leave it, and says that is why it left.
 */
async function send(itemId: string, eventType: EventType): Promise<void> {
  const userId = state.userId;
  const trackingId = ui.trackingId.value.trim();
  if (!userId) throw new Error('Pick a user first.');
  if (!trackingId) throw new Error('Enter a tracking id, or press Connect to find an ACTIVE tracker.');
  clearError();
  const via = channel();
  const before = state.list;
  const started = performance.now();
  const hidesWatched = eventType === 'watch' && filters.choice()?.hidesWatched === true;
  const logged: LoggedEvent = {
    at: new Date(),
    userId,
    itemId,
    channel: via,
    outcome: 'sending...',
    eventType,
  };
  const index = state.events.push(logged) - 1;
  renderLog(ui.log, state.events);
  const record = (outcome: string) => {
    state.events[index] = { ...logged, outcome };
    renderLog(ui.log, state.events);
  };
  try {
    // The list the item was shown in: Personalize derives the impressions from its recommendationId.
    const { recommendationId } = state;
    await api().sendClick(
      via,
      { userId, itemId, trackingId, ...(recommendationId ? { recommendationId } : {}) },
      newIdempotencyKey(),
      eventType,
    );
  } catch (error) {
    record(`failed: ${error instanceof Error ? error.message : String(error)}`);
    throw error;
  }
  record('accepted');
  const name = itemName(itemId, state.catalogue);
  const noun = eventType === 'watch' ? 'Watch' : 'Click';
  say(`${noun} of ${name} sent through /${via}. Waiting for the recommendations to change...`);
  const deadline = started + POLL_TIMEOUT_MS;
  for (;;) {
    const now = await fetchList(userId);
    if (state.userId !== userId) return;
    const gone = !now.some((item) => item.itemId === itemId);
    if (hidesWatched ? gone : listsDiffer(before, now)) {
      const lagMs = Math.round(performance.now() - started);
      const diff = diffLists(before, now);
      show(now);
      draw(diff);
      const why = hidesWatched ? ` ${leftBecauseWatched(name)}` : '';
      ui.change.textContent = `Changed ${(lagMs / 1000).toFixed(1)} s after the ${eventType}: ${describeDiff(diff)}.${why}`;
      ui.change.dataset.lagMs = String(lagMs);
      focusAfterChange(itemId);
      record(
        hidesWatched
          ? `left the list after ${(lagMs / 1000).toFixed(1)} s`
          : `list changed after ${(lagMs / 1000).toFixed(1)} s`,
      );
      say(`${noun} of ${name} changed the recommendations of user ${userId}.`);
      return;
    }
    if (performance.now() > deadline) {
      record('no change seen');
      say(
        `No change ${POLL_TIMEOUT_MS / 1000} s after the ${eventType}. Through /data the event waits for the stream's consumer: see local mode's log, or try /putEvents.`,
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
  filters.showGenres(genresOf(catalogue));
  newItem.showGenres(genresOf(catalogue));
  ui.apiUrl.value = config?.ApiUrl ?? new URL('prod/', location.href).href;
  ui.campaignArn.value = config?.CampaignArn ?? '';
  ui.trackingId.value = config?.TrackingId ?? '';
  state.provisionPath = config?.ProvisionPath;
  // Local mode only, and only while there is nothing to connect to yet.
  ui.provisionPanel.hidden = !config?.ProvisionPath || Boolean(config.CampaignArn);
  ui.provision.addEventListener('click', () => void run(provisionNow));
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
