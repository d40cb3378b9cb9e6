/// <reference lib="dom" />
/**
 * The page's business rules: a "hide what this user watched" toggle (the stack's `unwatched` filter) and a genre
 * picker (the `genre` filter, `INCLUDE ItemID WHERE Items.GENRE IN ($GENRE)`), found by their names in
 * `GET /status`. GetRecommendations takes one filterArn per request, so the two are one choice: turning one
 * on turns the other off.
 */
import type { RequestFilter, StackStatus } from './api';
import type { Catalogue } from './build';

/** The short names lib/contract/personalize-filters.ts declares the two filters under. */
const UNWATCHED_FILTER = 'unwatched';
const GENRE_FILTER = 'genre';

/** The stack's filters the page uses, by ARN (absent: the stack has no ACTIVE filter of that name). */
export interface StackFilters {
  readonly unwatched?: string;
  readonly genre?: string;
}

/**
 * A filter's Personalize name is `<stack>-<short name>-<fingerprint>` (filterResourceName in
 * lib/contract/personalize-filters.ts): the ACTIVE filter whose name ends with the short name and a fingerprint.
 */
export function findStackFilters(status: StackStatus): StackFilters {
  const active = (status.filters ?? []).filter((filter) => filter.status === 'ACTIVE');
  const named = (short: string) =>
    active.find((filter) => new RegExp(`-${short}-[0-9a-f]+$`).test(filter.name))?.filterArn;
  const unwatched = named(UNWATCHED_FILTER);
  const genre = named(GENRE_FILTER);
  return { ...(unwatched ? { unwatched } : {}), ...(genre ? { genre } : {}) };
}

/**
 * The genre filter's values, as GetRecommendations documents filterValues: the parameter's name as the key,
 * each value in escaped double quotes (`{"GENRE": "\"Comedy\""}`).
 * https://docs.aws.amazon.com/personalize/latest/dg/filter-real-time.html
 */
function genreFilterValues(genre: string): Record<string, string> {
  return { GENRE: JSON.stringify(genre) };
}

/** Every genre of the catalogue, sorted. */
export function genresOf(catalogue: Catalogue | undefined): string[] {
  const genres = new Set(Object.values(catalogue?.items ?? {}).flatMap((item) => item.genres));
  return [...genres].sort((a, b) => a.localeCompare(b, 'en'));
}

/** The filter a request carries, and how the page says it. */
export interface FilterChoice extends RequestFilter {
  /** For the status line: "hiding what they watched", "only Comedy". */
  readonly label: string;
  /** Whether a watched item leaves the list. */
  readonly hidesWatched: boolean;
}

export interface FilterElements {
  readonly hideWatched: HTMLInputElement;
  readonly genre: HTMLSelectElement;
  readonly note: HTMLElement;
}

/** The toggle and the picker: disabled until the stack's filters are found. */
export class FilterControls {
  private found: StackFilters = {};

  constructor(
    private readonly ui: FilterElements,
    onChange: () => void,
  ) {
    ui.hideWatched.disabled = true;
    ui.genre.disabled = true;
    ui.hideWatched.addEventListener('change', () => {
      if (ui.hideWatched.checked) ui.genre.value = '';
      onChange();
    });
    ui.genre.addEventListener('change', () => {
      if (ui.genre.value) ui.hideWatched.checked = false;
      onChange();
    });
  }

  /** The picker's options: any genre, then each genre of the catalogue. */
  showGenres(genres: readonly string[]): void {
    const anyGenre = document.createElement('option');
    anyGenre.value = '';
    anyGenre.textContent = 'Any genre';
    this.ui.genre.replaceChildren(
      anyGenre,
      ...genres.map((genre) => {
        const option = document.createElement('option');
        option.value = genre;
        option.textContent = genre;
        return option;
      }),
    );
  }

  /** Enables what the stack has, and says what it lacks. */
  useFilters(found: StackFilters): void {
    this.found = found;
    this.ui.hideWatched.disabled = !found.unwatched;
    this.ui.genre.disabled = !found.genre;
    if (!found.unwatched) this.ui.hideWatched.checked = false;
    if (!found.genre) this.ui.genre.value = '';
    const missing = [
      found.unwatched ? '' : `"${UNWATCHED_FILTER}"`,
      found.genre ? '' : `"${GENRE_FILTER}"`,
    ].filter(Boolean);
    this.ui.note.textContent =
      missing.length === 0
        ? 'One filter per request (GetRecommendations takes one filterArn): choosing a genre turns off hide-watched, and the other way round.'
        : `GET /status lists no ACTIVE ${missing.join(' or ')} filter: the stack declares them in lib/contract/personalize-filters.ts.`;
  }

  /** The filter the next request carries, if any. */
  choice(): FilterChoice | undefined {
    const genre = this.ui.genre.value;
    if (genre && this.found.genre) {
      return {
        filterArn: this.found.genre,
        filterValues: genreFilterValues(genre),
        label: `only ${genre}`,
        hidesWatched: false,
      };
    }
    if (this.ui.hideWatched.checked && this.found.unwatched) {
      return { filterArn: this.found.unwatched, label: 'hiding what they watched', hidesWatched: true };
    }
    return undefined;
  }
}

/** What the change summary adds when a watched item left a list that hides what the user watched. */
export function leftBecauseWatched(name: string): string {
  return `${name} left the list because it was watched: the "${UNWATCHED_FILTER}" filter hides what this user watched.`;
}
