/**
 * Impressions, as the developer guide describes them
 * (https://docs.aws.amazon.com/personalize/latest/dg/putevents-including-impressions-data.html and
 * https://docs.aws.amazon.com/personalize/latest/dg/interactions-datasets.html#interactions-impressions-data):
 * - implicit: an event's `recommendationId` names a list GetRecommendations or GetPersonalizedRanking returned, and
 *   "Amazon Personalize derives the implicit impressions based on your recommendation data": the emulator remembers
 *   what it returned under each recommendationId (the newest REMEMBERED_RECOMMENDATIONS of them);
 * - explicit: the event's `impression` list; "If you include both, Amazon Personalize uses the explicit impressions".
 * Per user, the emulator counts how many times each item was shown without the user interacting with it since; an
 * event on an item clears its count. One list counts once per user: the events of one recommendationId (a batch of
 * clicks from one list), or the same explicit list repeated within one PutEvents call, are one impression.
 * The counts live in memory, for the users seen most recently (a restart forgets them, as it forgets the lists).
 */

/** recommendationIds remembered (their lists): older ones are forgotten first. */
export const REMEMBERED_RECOMMENDATIONS = 10_000;
/** Users whose impressions are kept (those whose events arrived most recently). */
export const USERS_WITH_IMPRESSIONS = 10_000;
/** Items counted per user (the most recently shown). */
export const IMPRESSIONS_PER_USER = 500;

interface ShownList {
  readonly datasetGroupArn: string;
  readonly items: readonly string[];
  /** Users whose events already counted this list. */
  readonly countedFor: Set<string>;
}

/** What one event says about impressions. */
export interface ImpressionEvent {
  readonly itemId?: string;
  readonly recommendationId?: string;
  readonly impression?: readonly string[];
}

export class Impressions {
  private readonly lists = new Map<string, ShownList>();
  private readonly users = new Map<string, Map<string, number>>();

  /** A list GetRecommendations or GetPersonalizedRanking answered under `recommendationId`. */
  remember(recommendationId: string, datasetGroupArn: string, items: readonly string[]): void {
    this.lists.set(recommendationId, { datasetGroupArn, items, countedFor: new Set() });
    if (this.lists.size > REMEMBERED_RECOMMENDATIONS) {
      const oldest = this.lists.keys().next().value;
      if (oldest !== undefined) this.lists.delete(oldest);
    }
  }

  /** The items remembered under a recommendationId, if it is still remembered. */
  shown(recommendationId: string): readonly string[] | undefined {
    return this.lists.get(recommendationId)?.items;
  }

  /** The accepted events of one PutEvents call by one user, in order. */
  record(datasetGroupArn: string, userId: string, events: readonly ImpressionEvent[]): void {
    const key = userKey(datasetGroupArn, userId);
    const counted = new Set<string>();
    for (const event of events) {
      if (event.itemId !== undefined) this.users.get(key)?.delete(event.itemId);
      const list = this.listOf(datasetGroupArn, userId, event, counted);
      if (!list) continue;
      const counts = this.countsOf(key);
      for (const itemId of new Set(list)) {
        if (itemId === event.itemId) continue;
        const count = counts.get(itemId) ?? 0;
        // Moved to the end: the most recently shown are kept when a user's count is full.
        counts.delete(itemId);
        counts.set(itemId, count + 1);
      }
      while (counts.size > IMPRESSIONS_PER_USER) {
        const oldest = counts.keys().next().value;
        if (oldest === undefined) break;
        counts.delete(oldest);
      }
    }
  }

  /** Per item, the times it was shown to the user without their interacting with it since. */
  ignoredBy(datasetGroupArn: string, userId: string): ReadonlyMap<string, number> | undefined {
    const counts = this.users.get(userKey(datasetGroupArn, userId));
    return counts && counts.size > 0 ? counts : undefined;
  }

  /** The list an event counts, once: explicit first, else the one its recommendationId names. */
  private listOf(
    datasetGroupArn: string,
    userId: string,
    event: ImpressionEvent,
    counted: Set<string>,
  ): readonly string[] | undefined {
    const remembered =
      event.recommendationId === undefined ? undefined : this.lists.get(event.recommendationId);
    if (remembered && remembered.datasetGroupArn === datasetGroupArn) {
      if (remembered.countedFor.has(userId)) return undefined;
      remembered.countedFor.add(userId);
    }
    if (event.impression) {
      const identity = `explicit\n${event.recommendationId ?? ''}\n${event.impression.join('\n')}`;
      if (counted.has(identity)) return undefined;
      counted.add(identity);
      return event.impression;
    }
    return remembered?.datasetGroupArn === datasetGroupArn ? remembered.items : undefined;
  }

  private countsOf(key: string): Map<string, number> {
    let counts = this.users.get(key);
    if (counts) {
      this.users.delete(key);
    } else {
      counts = new Map();
    }
    this.users.set(key, counts);
    if (this.users.size > USERS_WITH_IMPRESSIONS) {
      const oldest = this.users.keys().next().value;
      if (oldest !== undefined) this.users.delete(oldest);
    }
    return counts;
  }
}

function userKey(datasetGroupArn: string, userId: string): string {
  return `${datasetGroupArn}\n${userId}`;
}
