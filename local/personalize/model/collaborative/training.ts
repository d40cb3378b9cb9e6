import { catalogueOf, interactionsByUser, Pacer } from '../shared';
import type { Interaction, RecipeName, TrainingData } from '../types';
import { CollaborativeModel } from './model';
import { neighboursOf, type UserItems } from './neighbours';
import { popularityPrior } from './popularity-over-time';
import { relatedNeighboursOf } from './related';

/** The catalogue training works on, with genres as indices. */
interface TrainingCatalogue {
  readonly itemIds: string[];
  readonly index: Map<string, number>;
  readonly genres: string[];
  readonly itemGenres: number[][];
}

async function trainingCatalogue(data: TrainingData, pacer: Pacer): Promise<TrainingCatalogue> {
  const { itemIds, genres: genreLists } = await catalogueOf(data, pacer);
  const index = new Map(itemIds.map((id, i) => [id, i]));
  const genres = [...new Set(genreLists.flat())].sort();
  const genreIndex = new Map(genres.map((g, i) => [g, i]));
  const itemGenres = genreLists.map((list) => list.map((g) => genreIndex.get(g) ?? 0));
  return { itemIds, index, genres, itemGenres };
}

interface UserProfiles {
  /** Per user, item indices by last interaction, oldest first. */
  readonly histories: Record<string, number[]>;
  readonly users: UserItems[];
  readonly repeatShare: number;
}

/**
 * Per user: distinct items with their first interaction time (co-occurrence) and, by last interaction, the
 * history; and the share of returns: engagements (runs of events on one item, so a click then a watch is one) on
 * an item the user had engaged with before, among all engagements but each user's first.
 */
async function userProfiles(
  data: TrainingData,
  index: ReadonlyMap<string, number>,
  pacer: Pacer,
): Promise<UserProfiles> {
  const histories: Record<string, number[]> = {};
  const users: UserItems[] = [];
  let returns = 0;
  let laterEngagements = 0;
  for (const [userId, events] of await interactionsByUser(data.interactions, pacer)) {
    const first = new Map<number, number>();
    const last = new Map<number, number>();
    let previous = -1;
    for (const event of events) {
      const i = index.get(event.itemId);
      if (i === undefined) continue;
      if (i !== previous && previous !== -1) {
        laterEngagements++;
        if (first.has(i)) returns++;
      }
      previous = i;
      if (!first.has(i)) first.set(i, event.timestamp);
      last.delete(i);
      last.set(i, event.timestamp);
    }
    histories[userId] = [...last.keys()];
    // Heavy users would otherwise dominate the co-occurrence counts.
    users.push({
      items: Int32Array.from(first.keys()),
      times: Float64Array.from(first.values()),
      weight: 1 / Math.log2(2 + first.size),
    });
    // A step here (Map operations on the user's items) costs about four of a co-occurrence pair.
    await pacer.step(4 * events.length, 'profiles');
  }
  // Laplace-smoothed: no evidence either way is a small share, not none.
  const repeatShare = Number(((returns + 1) / (laterEngagements + 2)).toPrecision(4));
  return { histories, users, repeatShare };
}

/**
 * Trains the shared collaborative model. Every phase counts its work on `pacer`, which hands the event loop a
 * turn at least every `pacer.unitsPerYield` units: training runs inside the emulator's server process.
 */
export async function trainCollaborative(
  recipe: RecipeName,
  data: TrainingData,
  pacer = new Pacer(),
): Promise<CollaborativeModel> {
  const catalogue = await trainingCatalogue(data, pacer);
  const profiles = await userProfiles(data, catalogue.index, pacer);
  // The related-items recipes serve only their related lists; the others score users over cosine neighbours.
  const neighbours =
    recipe === 'aws-sims' || recipe === 'aws-similar-items'
      ? await relatedNeighboursOf(profiles.users, catalogue.itemIds.length, pacer)
      : await neighboursOf(profiles.users, catalogue.itemIds.length, pacer);
  return assemble(
    recipe,
    catalogue,
    profiles,
    await popularityPrior(data.interactions, catalogue.index, pacer),
    neighbours,
    await itemEvidence(data.interactions, catalogue.index, pacer),
  );
}

/** One day in seconds (interaction timestamps are seconds). */
const DAY_SECONDS = 86_400;

/**
 * Per item, its training events and its age in days before the latest training event, measured from its oldest
 * event: what item exploration needs ("less interactions data", explorationItemAgeCutOff). An item without events
 * is 0 days old: "If an item has no interaction data, its creation date is set as the timestamp of the latest
 * interaction in the training set and is considered a new item" (the developer guide, Items datasets, creation
 * timestamp data); the Items schema has no CREATION_TIMESTAMP.
 */
async function itemEvidence(
  interactions: readonly Interaction[],
  index: ReadonlyMap<string, number>,
  pacer: Pacer,
): Promise<{ itemEvents: number[]; itemAgeDays: number[] }> {
  const itemEvents = new Array<number>(index.size).fill(0);
  const oldest = new Array<number>(index.size).fill(Infinity);
  let latest = -Infinity;
  await pacer.chunks(interactions.length, 'evidence', (start, end) => {
    for (let e = start; e < end; e++) {
      const interaction = interactions[e];
      const i = interaction && index.get(interaction.itemId);
      if (interaction === undefined || i === undefined) continue;
      itemEvents[i] = (itemEvents[i] ?? 0) + 1;
      oldest[i] = Math.min(oldest[i] ?? Infinity, interaction.timestamp);
      latest = Math.max(latest, interaction.timestamp);
    }
  });
  const itemAgeDays = oldest.map((first) =>
    Number.isFinite(first) ? Number(((latest - first) / DAY_SECONDS).toFixed(4)) : 0,
  );
  return { itemEvents, itemAgeDays };
}

/**
 * The model of `trained` (trained on part of `data`: the evaluation split) brought up to all of `data` without
 * training again: the catalogue, histories, repeat share and popularity are recomputed on all of it (linear),
 * the co-occurrence neighbours (the costly part) are kept. What they miss is the co-occurrence of the events the
 * evaluation held out: the newest tenth of a tenth of the users' events.
 */
export async function completeCollaborative(
  trained: CollaborativeModel,
  data: TrainingData,
  pacer = new Pacer(),
): Promise<CollaborativeModel> {
  const catalogue = await trainingCatalogue(data, pacer);
  const profiles = await userProfiles(data, catalogue.index, pacer);
  const popularity = await popularityPrior(data.interactions, catalogue.index, pacer);
  const before = trained.serialize();
  // Every item of the split is in the whole catalogue; its index may differ.
  const moved = Int32Array.from(before.itemIds, (itemId) => catalogue.index.get(itemId) ?? 0);
  const neighbours = catalogue.itemIds.map((): number[] => []);
  for (let s = 0; s < moved.length; s++) {
    const list = before.neighbours[s] ?? [];
    const mapped = new Array<number>(list.length);
    for (let k = 0; k + 1 < list.length; k += 2) {
      mapped[k] = moved[list[k] ?? 0] ?? 0;
      mapped[k + 1] = list[k + 1] ?? 0;
    }
    neighbours[moved[s] ?? 0] = mapped;
    await pacer.step(list.length + 1, 'complete');
  }
  const evidence = await itemEvidence(data.interactions, catalogue.index, pacer);
  return assemble(trained.recipe, catalogue, profiles, popularity, neighbours, evidence);
}

function assemble(
  recipe: RecipeName,
  catalogue: TrainingCatalogue,
  profiles: UserProfiles,
  popularity: number[],
  neighbours: number[][],
  evidence: { itemEvents: number[]; itemAgeDays: number[] },
): CollaborativeModel {
  return new CollaborativeModel(recipe, {
    recipe,
    itemIds: catalogue.itemIds,
    genres: catalogue.genres,
    itemGenres: catalogue.itemGenres,
    neighbours,
    popularity,
    histories: profiles.histories,
    repeatShare: profiles.repeatShare,
    itemEvents: evidence.itemEvents,
    itemAgeDays: evidence.itemAgeDays,
  });
}
