/// <reference lib="dom" />
/**
 * The page's "new item" flow: add an item to the catalogue while the system runs (`POST /items`, PutItems), then
 * watch for it in users' recommendations. A User-Personalization campaign takes items added with PutItems at its
 * automatic update (every two hours) and then explores them on users of their genre, in proportion to the
 * campaign's explorationWeight (0.3 unless `POST /campaign` gave another campaignConfig):
 * https://docs.aws.amazon.com/personalize/latest/dg/native-recipe-new-item-USER_PERSONALIZATION.html
 * The page asks a few known users' top 25 (where exploration places the items it tries) every few seconds, and
 * says which user it reached first, and when.
 */
import type { Api } from './api';
import type { Catalogue } from './build';

/** Users asked per round, and how often: 10 requests every 3 s stays well under the API's 10 a second. */
const USERS_PER_ROUND = 10;
const ROUND_INTERVAL_MS = 3_000;
/** How long the page keeps looking (the automatic update may be hours away on AWS). */
const WATCH_FOR_MS = 10 * 60_000;
/** Exploration places the items it tries among the first 25 of a user's ranking. */
const LOOK_IN_TOP = 25;

export interface NewItemElements {
  readonly form: HTMLFormElement;
  readonly title: HTMLInputElement;
  readonly genre: HTMLSelectElement;
  readonly result: HTMLElement;
}

/** What the flow needs from the page. */
export interface NewItemHost {
  /** The API client with the key entered (throws, saying so, without one). */
  api(): Api;
  /** The campaign the page shows recommendations from ('' before Connect). */
  campaignArn(): string;
  catalogue(): Catalogue | undefined;
  /** The user shown, asked first each round. */
  currentUser(): string | undefined;
  /** Shows a user's list (the "Show that user" button). */
  showUser(userId: string): void;
}

/** `new-<time>-<random>`: an item id of the API's pattern, new each time. */
function newItemId(now = Date.now()): string {
  return `new-${now.toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}

/** The users asked in one round: the user shown first, then known users in turn (every user once before any twice). */
function usersForRound(known: readonly string[], round: number, current?: string): string[] {
  const others = known.filter((user) => user !== current);
  const start = (round * USERS_PER_ROUND) % Math.max(others.length, 1);
  const picked = [...others.slice(start), ...others.slice(0, start)].slice(0, USERS_PER_ROUND);
  return current ? [current, ...picked.slice(0, USERS_PER_ROUND - 1)] : picked;
}

export class NewItemFlow {
  /** Ends the watch under way when another item is added. */
  private watching = 0;

  constructor(
    private readonly ui: NewItemElements,
    private readonly host: NewItemHost,
  ) {
    ui.form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.add().catch((error: unknown) =>
        this.say(error instanceof Error ? error.message : String(error)),
      );
    });
  }

  /** The genre picker's options: the catalogue's genres. */
  showGenres(genres: readonly string[]): void {
    this.ui.genre.replaceChildren(
      ...genres.map((genre) => {
        const option = document.createElement('option');
        option.value = genre;
        option.textContent = genre;
        return option;
      }),
    );
    if (genres.includes('Comedy')) this.ui.genre.value = 'Comedy';
  }

  private say(text: string, showUser?: string): void {
    const message = document.createElement('span');
    message.textContent = text;
    const parts: Node[] = [message];
    if (showUser) {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = `Show user ${showUser}`;
      button.addEventListener('click', () => this.host.showUser(showUser));
      parts.push(document.createTextNode(' '), button);
    }
    this.ui.result.replaceChildren(...parts);
  }

  /** PutItems through the API, then the watch. The title is the page's own (the Items schema has no title). */
  async add(): Promise<void> {
    const title = this.ui.title.value.trim();
    const genre = this.ui.genre.value;
    if (!title) throw new Error('Give the new item a title.');
    if (!genre) throw new Error('Pick the new item a genre.');
    const campaignArn = this.host.campaignArn();
    if (!campaignArn) throw new Error('Connect first: the page looks for the item in a campaign.');
    const itemId = newItemId();
    await this.host
      .api()
      .putItems([{ itemId, properties: { genre, year: String(new Date().getFullYear()) } }]);
    // The page's catalogue names the item in every list from now on.
    const items = this.host.catalogue()?.items;
    if (items) items[itemId] = { title, genres: [genre] };
    this.say(
      `Added "${title}" (${itemId}, ${genre}) to the Items dataset. Looking for it in users' recommendations...`,
    );
    await this.watch(itemId, title, campaignArn, Date.now());
  }

  private async watch(itemId: string, title: string, campaignArn: string, addedAt: number): Promise<void> {
    const watch = ++this.watching;
    const asked = new Set<string>();
    for (let round = 0; Date.now() - addedAt < WATCH_FOR_MS; round++) {
      const users = usersForRound(this.host.catalogue()?.users ?? [], round, this.host.currentUser());
      for (const userId of users) {
        if (watch !== this.watching) return;
        const answer = await this.host.api().getRecommendations(campaignArn, userId, LOOK_IN_TOP);
        asked.add(userId);
        const position = (answer.itemList ?? []).findIndex((item) => item.itemId === itemId);
        if (position >= 0) {
          const seconds = ((Date.now() - addedAt) / 1000).toFixed(0);
          this.say(
            `"${title}" reached user ${userId}: number ${position + 1} of their top ${LOOK_IN_TOP}, ${seconds} s after it was added.`,
            userId,
          );
          return;
        }
      }
      this.say(
        `"${title}" (${itemId}) is not in the top ${LOOK_IN_TOP} of the ${asked.size} users asked so far (${((Date.now() - addedAt) / 1000).toFixed(0)} s). ` +
          "A campaign takes new items at its automatic update, every two hours, then tries them on users of the item's genre in proportion to its explorationWeight. The page keeps looking for 10 minutes.",
      );
      await new Promise((resolve) => setTimeout(resolve, ROUND_INTERVAL_MS));
    }
  }
}
