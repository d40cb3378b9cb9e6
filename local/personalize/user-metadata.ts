import type { EmulatorContext } from './context';
import type { Interaction, RecipeName, UserFields } from './model/types';
import type { SolutionRecord, SolutionVersionRecord } from './store';

/**
 * User metadata (a Users dataset), as the developer guide documents it:
 * - User-Personalization "can also use any item and user metadata in your Items and Users datasets"
 *   (https://docs.aws.amazon.com/personalize/latest/dg/native-recipe-new-item-USER_PERSONALIZATION.html), and
 *   Personalized-Ranking trains on "the Items dataset and Users dataset in your dataset group"
 *   (https://docs.aws.amazon.com/personalize/latest/dg/native-recipe-search.html); SIMS, Similar-Items and
 *   Trending-Now do not use a Users dataset (their pages), and Popularity-Count gives everyone the same list.
 * - New users: "For users without interaction data, recommendations are initially for only popular items"; what
 *   changes them without retraining is the user's events, for USER_PERSONALIZATION and PERSONALIZED_RANKING recipes
 *   (https://docs.aws.amazon.com/personalize/latest/dg/how-new-data-influences-batch-recommendations.html). Nothing
 *   says a user record added with PutUsers changes recommendations before the next training
 *   (https://docs.aws.amazon.com/personalize/latest/dg/importing-users.html points there): so the emulator reads
 *   the Users dataset, imported rows plus PutUsers records up to the training cutoff (a later record of a user
 *   replacing the earlier), when it trains a version, and that version uses it; a user put afterwards gets popular
 *   items until the next version.
 * How the metadata is used is the emulator's own choice (the service does not say): for each metadata value
 * (`MEMBERSHIP=gold`), the items its users interacted with most in training; a user with metadata and no history
 * then gets those items before what is popular with everyone.
 */

/** Recipes that use a Users dataset. */
const USES_USER_METADATA: readonly RecipeName[] = ['aws-user-personalization', 'aws-personalized-ranking'];

/** Items kept per metadata value: those its users interacted with most. */
const PEER_ITEMS = 100;

/** What a version learned from the Users dataset. */
export interface PeerPopularity {
  /** Per metadata value (`FIELD=value`): its users' items with their share of those users' events, best first. */
  readonly values: Record<string, readonly (readonly [string, number])[]>;
  /** Per user with metadata at training: their metadata values. */
  readonly users: Record<string, readonly string[]>;
}

/** Counts, as the training interactions stream by, the items of the users who share each metadata value. */
export class PeerCounter {
  private readonly valuesOf = new Map<string, string[]>();
  private readonly counts = new Map<string, Map<string, number>>();

  constructor(users: ReadonlyMap<string, UserFields>) {
    for (const [userId, fields] of users) {
      const values = Object.entries(fields).flatMap(([field, list]) => list.map((v) => `${field}=${v}`));
      if (values.length > 0) this.valuesOf.set(userId, values);
    }
  }

  count(chunk: readonly Interaction[]): void {
    if (this.valuesOf.size === 0) return;
    for (const { userId, itemId } of chunk) {
      for (const value of this.valuesOf.get(userId) ?? []) {
        let counts = this.counts.get(value);
        if (!counts) this.counts.set(value, (counts = new Map<string, number>()));
        counts.set(itemId, (counts.get(itemId) ?? 0) + 1);
      }
    }
  }

  /** Undefined when no user has metadata. */
  result(): PeerPopularity | undefined {
    if (this.valuesOf.size === 0) return undefined;
    const values: Record<string, (readonly [string, number])[]> = {};
    for (const [value, counts] of this.counts) {
      let total = 0;
      for (const count of counts.values()) total += count;
      values[value] = [...counts]
        .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0))
        .slice(0, PEER_ITEMS)
        .map(([itemId, count]) => [itemId, count / total] as const);
    }
    return { values, users: Object.fromEntries(this.valuesOf) };
  }
}

/**
 * The counter for a version's training, or undefined when its recipe uses no Users dataset: the Users dataset's
 * imported rows plus the PutUsers records up to `cutoff`, a later record of a user replacing the earlier.
 */
export function peerCounterFor(
  ctx: EmulatorContext,
  solution: SolutionRecord,
  recipe: RecipeName,
  cutoff: number,
): PeerCounter | undefined {
  if (!USES_USER_METADATA.includes(recipe)) return undefined;
  const group = solution.datasetGroupArn;
  const usersDataset = ctx.store
    .list('dataset', (d) => d.datasetGroupArn === group)
    .find((d) => d.datasetType === 'Users');
  const users = new Map<string, UserFields>(
    Object.entries((usersDataset && ctx.store.rowsOf(usersDataset.arn)?.userFields) ?? {}),
  );
  for (const [userId, fields] of ctx.store.usersUpTo(group, cutoff)) users.set(userId, fields);
  return new PeerCounter(users);
}

/** Keeps what a version learned from the Users dataset (in the state directory, beside its model). */
export function savePeerPopularity(
  ctx: EmulatorContext,
  version: SolutionVersionRecord,
  peers: PeerPopularity | undefined,
): void {
  ctx.peerPopularity.set(version.arn, peers ?? null);
  if (peers) ctx.store.savePeers(version.arn, peers);
}

/**
 * For a user the version trained with metadata: each item's share among the users sharing their metadata values
 * (the mean over their values). Undefined for a user without metadata at training, or a version without any.
 */
export function peerPopularityOf(
  ctx: EmulatorContext,
  version: SolutionVersionRecord,
  userId: string,
): Map<string, number> | undefined {
  let peers = ctx.peerPopularity.get(version.arn);
  if (peers === undefined) {
    peers = (ctx.store.loadPeers(version.arn) as PeerPopularity | undefined) ?? null;
    ctx.peerPopularity.set(version.arn, peers);
  }
  const values = peers?.users[userId];
  if (!peers || !values) return undefined;
  const shares = new Map<string, number>();
  for (const value of values)
    for (const [itemId, share] of peers.values[value] ?? [])
      shares.set(itemId, (shares.get(itemId) ?? 0) + share / values.length);
  return shares.size > 0 ? shares : undefined;
}
