import type { Interaction, Item, RecentPopularity, UserFields } from '../model/types';
import { Column, Interner, firstAbove, float64Column, int32Column, uint32Column } from './columns';
import { FingerprintSet } from './fingerprints';

/** An event as PutEvents accepted it, without its log position. */
export interface LiveEventInput {
  readonly trackerArn: string;
  readonly sessionId: string;
  readonly eventId?: string;
  readonly interaction: Interaction;
}

/** The columns of a group's events: one entry per event in each, in log order. */
export interface EventColumns {
  readonly seq: Column<Uint32Array>;
  readonly user: Column<Uint32Array>;
  readonly item: Column<Uint32Array>;
  readonly eventType: Column<Uint32Array>;
  readonly session: Column<Uint32Array>;
  readonly tracker: Column<Uint32Array>;
  readonly timestamp: Column<Float64Array>;
}

/** How many cutoffs (solution versions) a group keeps popularity and new items for. */
const CACHED_CUTOFFS = 8;

/**
 * Events per item after a cutoff (itemId -> count), kept current in place as events arrive: it is never
 * copied, so reading it between events costs nothing however many distinct items it holds. It also reads the
 * log of those events' items, in order, so a model can follow the counts from where it last read them
 * instead of walking every entry on each request.
 */
export class PopularitySince extends Map<string, number> implements RecentPopularity {
  constructor(
    private readonly group: GroupLiveData,
    /** The group's index of the first event after the cutoff. */
    private readonly first: number,
  ) {
    super();
  }

  /** Events after the cutoff so far. */
  get eventCount(): number {
    return this.group.eventCount - this.first;
  }

  /** The item of the n-th event after the cutoff (0-based, oldest first). */
  itemOfEvent(n: number): string {
    return this.group.itemAt(this.first + n);
  }

  count(itemId: string): void {
    this.set(itemId, (this.get(itemId) ?? 0) + 1);
  }
}

/** A group with no live data: no events since any cutoff. */
export const NO_RECENT_POPULARITY: RecentPopularity = Object.assign(new Map<string, number>(), {
  eventCount: 0,
  itemOfEvent(): string {
    throw new RangeError('no events since the cutoff');
  },
});

/** What arrived after a cutoff, kept up to date as records are appended. */
interface SinceCutoff {
  readonly popularity: PopularitySince;
  readonly latestItems: Map<string, Item>;
  itemList?: Item[];
}

/** How many users' live profiles a group keeps current as events arrive: those read most recently. */
const KEPT_USER_PROFILES = 1_000;

/**
 * A user's newest events (at most `limit`) reduced to their items, each at its latest event, in order of that
 * event: kept current as the user's events arrive, so reading it costs the same however long the user's history.
 */
class UserProfile {
  /** The window's events (group indexes) and their items, a ring of `limit`, oldest at `start`. */
  private readonly events: Int32Array;
  private readonly items: Int32Array;
  private start = 0;
  private size = 0;
  /** Per item in the window: its latest event, in order of those events (a move re-inserts it last). */
  readonly latest = new Map<number, number>();
  /** Per item in the window: how many of its events are in the window. */
  private readonly counts = new Map<number, number>();

  constructor(readonly limit: number) {
    this.events = new Int32Array(limit);
    this.items = new Int32Array(limit);
  }

  push(index: number, item: number): void {
    if (this.size === this.limit) {
      const dropped = this.items[this.start] ?? 0;
      this.start = (this.start + 1) % this.limit;
      this.size--;
      const left = (this.counts.get(dropped) ?? 1) - 1;
      // The item's latest event was the one dropped only when none of its events is left.
      if (left === 0) {
        this.counts.delete(dropped);
        this.latest.delete(dropped);
      } else this.counts.set(dropped, left);
    }
    const at = (this.start + this.size) % this.limit;
    this.events[at] = index;
    this.items[at] = item;
    this.size++;
    this.counts.set(item, (this.counts.get(item) ?? 0) + 1);
    this.latest.delete(item);
    this.latest.set(item, index);
  }
}

/**
 * The live data of one dataset group, stored compactly: strings interned once, events as typed-array
 * columns, each event linked to the user's previous one (so a user's recent events are found without
 * scanning the others), items and users by log position, event ids as fingerprints. Popularity and new
 * items since each serving cutoff are maintained on append, so a recommendation costs the same however
 * many events arrived.
 */
export class GroupLiveData {
  readonly strings = new Interner();
  readonly events: EventColumns = {
    seq: uint32Column(),
    user: uint32Column(),
    item: uint32Column(),
    eventType: uint32Column(),
    session: uint32Column(),
    tracker: uint32Column(),
    timestamp: float64Column(),
  };
  /** For each event, the index of the same user's previous event (-1: none). */
  private readonly previousOfUser = int32Column();
  /** For each string id used as a user, the index of that user's last event (-1 or beyond: none). */
  private readonly lastOfUser = int32Column();
  readonly itemSeqs = uint32Column();
  readonly items: Item[] = [];
  readonly userSeqs = uint32Column();
  readonly users = uint32Column();
  /** Each PutUsers record's metadata (undefined: none), in the order of `users`. */
  readonly userFields: (UserFields | undefined)[] = [];
  eventIds = new FingerprintSet();
  private readonly sinceCutoff = new Map<number, SinceCutoff>();
  /** Live profiles of the users read most recently, by user id (interned), least recently read first. */
  private readonly profiles = new Map<number, UserProfile>();
  /** Events and items read to answer queries: a measure of their cost (tests check it stays flat). */
  visited = 0;

  get eventCount(): number {
    return this.events.seq.length;
  }

  get lastEventSeq(): number {
    return this.eventCount === 0 ? 0 : this.events.seq.at(this.eventCount - 1);
  }

  hasEventId(eventId: string): boolean {
    return this.eventIds.has(eventId);
  }

  appendEvent(seq: number, event: LiveEventInput): void {
    const { interaction } = event;
    const e = this.events;
    e.seq.push(seq);
    e.user.push(this.strings.intern(interaction.userId));
    e.item.push(this.strings.intern(interaction.itemId));
    e.eventType.push(this.strings.intern(interaction.eventType));
    e.session.push(this.strings.intern(event.sessionId));
    e.tracker.push(this.strings.intern(event.trackerArn));
    e.timestamp.push(interaction.timestamp);
    this.linkToUser(this.eventCount - 1);
    this.profiles
      .get(e.user.at(this.eventCount - 1))
      ?.push(this.eventCount - 1, e.item.at(this.eventCount - 1));
    if (event.eventId !== undefined) this.eventIds.add(event.eventId);
    for (const [cutoff, since] of this.sinceCutoff)
      if (seq > cutoff) since.popularity.count(interaction.itemId);
  }

  appendItem(seq: number, item: Item): void {
    this.itemSeqs.push(seq);
    this.items.push(item);
    for (const [cutoff, since] of this.sinceCutoff) {
      if (seq <= cutoff) continue;
      since.latestItems.set(item.itemId, item);
      since.itemList = undefined;
    }
  }

  appendUser(seq: number, userId: string, fields?: UserFields): void {
    this.userSeqs.push(seq);
    this.users.push(this.strings.intern(userId));
    this.userFields.push(fields);
  }

  /** The users put up to a log position, each with the metadata of its latest record (a later one replaces it). */
  usersUpTo(upTo: number): Map<string, UserFields> {
    const latest = new Map<string, UserFields>();
    const end = firstAbove(this.userSeqs, upTo);
    for (let i = 0; i < end; i++)
      latest.set(this.strings.stringOf(this.users.at(i)), this.userFields[i] ?? {});
    return latest;
  }

  /** Rebuilds the per-user links after the columns were loaded from a snapshot. */
  linkAllUsers(): void {
    for (let i = 0; i < this.eventCount; i++) this.linkToUser(i);
  }

  interaction(index: number): Interaction {
    const e = this.events;
    return {
      userId: this.strings.stringOf(e.user.at(index)),
      itemId: this.strings.stringOf(e.item.at(index)),
      eventType: this.strings.stringOf(e.eventType.at(index)),
      timestamp: e.timestamp.at(index),
    };
  }

  /**
   * Events after a log position and up to another, oldest first, read one at a time (`at(0)` .. `at(count - 1)`):
   * training reads a million events in chunks, between which the server answers, instead of copying them at once.
   */
  eventReader(seq: number, upTo: number): { count: number; at(k: number): Interaction } {
    const first = firstAbove(this.events.seq, seq);
    const end = upTo === Infinity ? this.eventCount : firstAbove(this.events.seq, upTo);
    return { count: Math.max(0, end - first), at: (k) => this.interaction(first + k) };
  }

  /** Events after a log position and up to another, oldest first. */
  eventsAfter(seq: number, upTo: number): Interaction[] {
    const found: Interaction[] = [];
    const end = upTo === Infinity ? this.eventCount : firstAbove(this.events.seq, upTo);
    for (let i = firstAbove(this.events.seq, seq); i < end; i++) found.push(this.interaction(i));
    this.visited += found.length;
    return found;
  }

  /**
   * A user's events after a log position, oldest first: only that user's events are read, newest first, and
   * at most `limit` of them (the newest), so the cost is bounded by the limit, not by the user's history.
   */
  userEventsAfter(userId: string, seq: number, limit = Infinity): Interaction[] {
    const id = this.strings.idOf(userId);
    if (id === undefined || id >= this.lastOfUser.length) return [];
    const indexes: number[] = [];
    for (
      let i = this.lastOfUser.at(id);
      i >= 0 && indexes.length < limit && this.events.seq.at(i) > seq;
      i = this.previousOfUser.at(i)
    )
      indexes.push(i);
    this.visited += indexes.length;
    return indexes.reverse().map((i) => this.interaction(i));
  }

  /**
   * The user's newest `limit` events after a log position reduced to their items, each at its latest event,
   * oldest first: what a model's profile of the user needs. Kept current as the user's events arrive (for the
   * users read most recently), so its cost is bounded by the items it returns, not by the user's history.
   */
  userItemsAfter(userId: string, seq: number, limit: number): Interaction[] {
    const id = this.strings.idOf(userId);
    if (id === undefined || id >= this.lastOfUser.length) return [];
    let profile = this.profiles.get(id);
    if (profile?.limit === limit) {
      this.profiles.delete(id);
    } else {
      profile = new UserProfile(limit);
      const newest: number[] = [];
      for (let i = this.lastOfUser.at(id); i >= 0 && newest.length < limit; i = this.previousOfUser.at(i))
        newest.push(i);
      for (let k = newest.length - 1; k >= 0; k--) {
        const index = newest[k] ?? 0;
        profile.push(index, this.events.item.at(index));
      }
      this.visited += newest.length;
      if (this.profiles.size >= KEPT_USER_PROFILES)
        this.profiles.delete(this.profiles.keys().next().value as number);
    }
    this.profiles.set(id, profile);
    const found: Interaction[] = [];
    for (const index of profile.latest.values())
      if (this.events.seq.at(index) > seq) found.push(this.interaction(index));
    this.visited += found.length;
    return found;
  }

  /** Items put after a log position and up to another; a later PutItems of the same item wins. */
  itemsAfter(seq: number, upTo: number): Item[] {
    if (upTo === Infinity) {
      const since = this.since(seq);
      since.itemList ??= [...since.latestItems.values()];
      return since.itemList;
    }
    const latest = new Map<string, Item>();
    const end = firstAbove(this.itemSeqs, upTo);
    for (let i = firstAbove(this.itemSeqs, seq); i < end; i++) {
      const item = this.items[i] as Item;
      latest.set(item.itemId, item);
    }
    this.visited += Math.max(0, end - firstAbove(this.itemSeqs, seq));
    return [...latest.values()];
  }

  /** Events per item after a log position: one structure per cutoff, kept current as events arrive. */
  popularityAfter(seq: number): PopularitySince {
    return this.since(seq).popularity;
  }

  /** The item of the event at `index` (log order). */
  itemAt(index: number): string {
    return this.strings.stringOf(this.events.item.at(index));
  }

  private linkToUser(index: number): void {
    const user = this.events.user.at(index);
    while (this.lastOfUser.length <= user) this.lastOfUser.push(-1);
    this.previousOfUser.push(this.lastOfUser.at(user));
    this.lastOfUser.set(user, index);
  }

  /** What arrived after a cutoff: built once by reading what followed it, then kept up to date. */
  private since(cutoff: number): SinceCutoff {
    let since = this.sinceCutoff.get(cutoff);
    if (since) return since;
    const first = firstAbove(this.events.seq, cutoff);
    since = { popularity: new PopularitySince(this, first), latestItems: new Map() };
    for (let i = first; i < this.eventCount; i++) since.popularity.count(this.itemAt(i));
    const firstItem = firstAbove(this.itemSeqs, cutoff);
    for (let i = firstItem; i < this.items.length; i++) {
      const item = this.items[i] as Item;
      since.latestItems.set(item.itemId, item);
    }
    this.visited += this.eventCount - first + this.items.length - firstItem;
    if (this.sinceCutoff.size >= CACHED_CUTOFFS) {
      this.sinceCutoff.delete(this.sinceCutoff.keys().next().value as number);
    }
    this.sinceCutoff.set(cutoff, since);
    return since;
  }
}
