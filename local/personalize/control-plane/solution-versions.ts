import { randomBytes } from 'node:crypto';
import { peerCounterFor, savePeerPopularity, type PeerCounter } from '../user-metadata';
import { type EmulatorContext, resourceArn } from '../context';
import { inUse, invalidInput } from '../errors';
import { isSettled } from '../lifecycle';
import { Pacer } from '../model/shared';
import type { Interaction, Item, TrainingResult } from '../model/types';
import { page } from '../pagination';
import { must, mustBeActive } from '../preconditions';
import { releaseUnservedModels } from '../runtime';
import { recipeByArn } from '../recipes';
import type { SolutionRecord, SolutionVersionRecord, Tag, TrainingMode } from '../store';
import { optionalEnum, optionalString, type RequestBody } from '../validation';
import { manualVersionCreated } from './auto-training';
import { initialTags } from './tags';
import { startAutomaticUpdates } from '../exploration';

const TRAINING_MODES: readonly TrainingMode[] = ['FULL', 'UPDATE', 'AUTOTRAIN'];

/**
 * Trains a new version. trainingMode takes the model's three values: FULL (the default), UPDATE (a
 * user-personalization solution with an ACTIVE full version) and AUTOTRAIN, which trains like FULL; the
 * versions auto training starts are AUTOTRAIN too, with trainingType AUTOMATIC.
 */
export function createSolutionVersion(ctx: EmulatorContext, body: RequestBody): unknown {
  const solution = must(ctx, 'solution', body, 'solutionArn');
  const trainingMode = optionalEnum(body, 'trainingMode', TRAINING_MODES) ?? 'FULL';
  const name = optionalString(body, 'name');
  mustBeActive(solution, 'Solution');
  const arn = startSolutionVersion(ctx, solution, { trainingMode, trainingType: 'MANUAL', name, body });
  manualVersionCreated(ctx, solution);
  return { solutionVersionArn: arn };
}

/**
 * Starts training a version of an ACTIVE solution: ResourceInUseException while another one is in
 * progress, InvalidInputException for an UPDATE the solution cannot take. Returns the version's ARN.
 */
export function startSolutionVersion(
  ctx: EmulatorContext,
  solution: SolutionRecord,
  options: {
    trainingMode: TrainingMode;
    trainingType: 'MANUAL' | 'AUTOMATIC';
    name?: string;
    /** The request, for its tags. */
    body?: RequestBody;
  },
): string {
  const { trainingMode } = options;
  const versions = ctx.store.list('solutionVersion', (v) => v.solutionArn === solution.arn);
  const training = versions.find((v) => !isSettled(v.status));
  if (training)
    throw inUse(`Solution ${solution.arn} already has a solution version in progress: ${training.arn}`);
  if (trainingMode === 'UPDATE') {
    const recipe = recipeByArn(solution.recipeArn)?.name;
    if (recipe !== 'aws-user-personalization') {
      throw invalidInput(`trainingMode UPDATE is only supported for aws-user-personalization, not ${recipe}`);
    }
    if (!versions.some((v) => v.status === 'ACTIVE' && v.trainingMode !== 'UPDATE')) {
      throw invalidInput(
        `trainingMode UPDATE needs an ACTIVE solution version trained with FULL for ${solution.arn}`,
      );
    }
  }
  const arn = resourceArn(ctx, `solution/${solution.name}/${randomBytes(4).toString('hex')}`);
  const tags: Tag[] | undefined = options.body ? initialTags(options.body, arn) : undefined;
  const version: SolutionVersionRecord = ctx.lifecycle.create<SolutionVersionRecord>(
    {
      kind: 'solutionVersion',
      arn,
      name: options.name ?? arn.split('/').pop() ?? arn,
      solutionArn: solution.arn,
      trainingMode,
      trainingType: options.trainingType,
      ...(tags ? { tags } : {}),
      ...ctx.lifecycle.fresh(),
    },
    {
      work: (): Promise<void> => runTraining(ctx, version),
      onActive: () => startAutomaticUpdates(ctx, version),
    },
  );
  solution.latestSolutionVersionArn = arn;
  ctx.store.touched();
  return arn;
}

/**
 * CREATE PENDING → CREATE STOPPED; CREATE IN_PROGRESS → CREATE STOPPING → CREATE STOPPED (as the model's
 * documentation of StopSolutionVersionCreation gives them). The training that was running is discarded.
 */
export function stopSolutionVersionCreation(ctx: EmulatorContext, body: RequestBody): unknown {
  const version = must(ctx, 'solutionVersion', body, 'solutionVersionArn');
  const { lifecycle } = ctx;
  if (version.status === 'CREATE PENDING') {
    lifecycle.setStatus(version, 'CREATE STOPPED');
  } else if (version.status === 'CREATE IN_PROGRESS') {
    lifecycle.setStatus(version, 'CREATE STOPPING');
    lifecycle.afterStep(version, () => {
      if (version.status === 'CREATE STOPPING') lifecycle.setStatus(version, 'CREATE STOPPED');
    });
  } else {
    throw inUse(
      `Solution version ${version.arn} is ${version.status}: only a version in CREATE PENDING or CREATE IN_PROGRESS can be stopped`,
    );
  }
  return {};
}

/** The version's work while CREATE IN_PROGRESS: trains the model and stores its snapshot. */
export async function runTraining(ctx: EmulatorContext, version: SolutionVersionRecord): Promise<void> {
  const solution = ctx.store.find('solution', version.solutionArn);
  if (!solution) throw new Error(`Solution ${version.solutionArn} no longer exists`);
  const recipe = recipeByArn(solution.recipeArn)?.name ?? 'aws-user-personalization';
  const cutoff = ctx.store.liveSeq;
  const pacer = new Pacer();
  const noInteractions = (): Error =>
    new Error(
      `No interactions to train on in dataset group ${solution.datasetGroupArn}${solution.eventType ? ` with eventType ${solution.eventType}` : ''}: import interactions or send events first`,
    );
  // What the training cost in compute (AWS bills training hours), not time on the emulator's clock.
  const started = performance.now();
  const { trainChunks } = ctx.options.models;
  // The Users dataset, for the recipes that use it (user-metadata.ts), counted as the interactions are read.
  const peers = peerCounterFor(ctx, solution, recipe, cutoff);
  const chunks = counted(interactionChunks(ctx, solution, cutoff), peers);
  let trained: TrainingResult;
  if (trainChunks) {
    // Read and handed over chunk by chunk: the serving thread never holds every interaction.
    trained = await trainChunks(
      recipe,
      {
        chunks,
        items: () => trainingItems(ctx, solution, cutoff, pacer),
        beforeTraining: (count) => {
          if (count === 0) throw noInteractions();
        },
      },
      pacer,
    );
  } else {
    const data = await trainingData(ctx, solution, cutoff, pacer, chunks);
    if (data.interactions.length === 0) throw noInteractions();
    trained = await ctx.options.models.train(recipe, data, pacer);
  }
  const { model, metrics } = trained;
  // Loading the model (above) and writing its snapshot (below) each take a turn of their own.
  await pacer.yield();
  // Closed, or stopped while training: the result is discarded.
  if (ctx.lifecycle.closed || version.status !== 'CREATE IN_PROGRESS') return;
  ctx.store.saveModel(version.arn, model.serialize());
  releaseUnservedModels(ctx);
  ctx.loadedModels.set(version.arn, model);
  savePeerPopularity(ctx, version, peers?.result());
  version.metrics = metrics;
  version.dataCutoffSeq = cutoff;
  version.trainingHours = (performance.now() - started) / 3_600_000;
}

/**
 * The dataset group's imported interactions and items plus every event and item accepted up to `cutoff`, copied
 * in chunks on `pacer` (a million rows would otherwise hold the event loop).
 */
async function trainingData(
  ctx: EmulatorContext,
  solution: SolutionRecord,
  cutoff: number,
  pacer: Pacer,
  chunks: Iterable<Interaction[]>,
): Promise<{ interactions: Interaction[]; items: Item[] }> {
  const interactions: Interaction[] = [];
  for (const chunk of chunks) {
    interactions.push(...chunk);
    await pacer.step(chunk.length, 'data');
  }
  return { interactions, items: await trainingItems(ctx, solution, cutoff, pacer) };
}

/** The chunks, each also counted by the Users dataset's counter when there is one. */
function* counted(chunks: Iterable<Interaction[]>, peers: PeerCounter | undefined): Generator<Interaction[]> {
  for (const chunk of chunks) {
    peers?.count(chunk);
    yield chunk;
  }
}

/** Interactions per chunk read. */
const READ_CHUNK = 5_000;

/**
 * The dataset group's imported interactions, then its live events up to `cutoff` (read from the store's
 * columns as they are needed), those of the solution's event type, in chunks of at most 5,000 read.
 */
function* interactionChunks(
  ctx: EmulatorContext,
  solution: SolutionRecord,
  cutoff: number,
): Generator<Interaction[]> {
  const group = solution.datasetGroupArn;
  const interactionsDataset = ctx.store
    .list('dataset', (d) => d.datasetGroupArn === group)
    .find((d) => d.datasetType === 'Interactions');
  const wanted = (i: Interaction): boolean => !solution.eventType || i.eventType === solution.eventType;
  const imported = interactionsDataset ? (ctx.store.rowsOf(interactionsDataset.arn)?.interactions ?? []) : [];
  const live = ctx.store.eventReader(group, 0, cutoff);
  for (const source of [{ count: imported.length, at: (k: number) => imported[k] }, live]) {
    for (let start = 0; start < source.count; start += READ_CHUNK) {
      const chunk: Interaction[] = [];
      for (let k = start; k < Math.min(source.count, start + READ_CHUNK); k++) {
        const interaction = source.at(k);
        if (interaction && wanted(interaction)) chunk.push(interaction);
      }
      yield chunk;
    }
  }
}

/** The dataset group's imported items and the items put up to `cutoff`, a later one winning. */
async function trainingItems(
  ctx: EmulatorContext,
  solution: SolutionRecord,
  cutoff: number,
  pacer: Pacer,
): Promise<Item[]> {
  const group = solution.datasetGroupArn;
  const itemsDataset = ctx.store
    .list('dataset', (d) => d.datasetGroupArn === group)
    .find((d) => d.datasetType === 'Items');
  const items = new Map<string, Item>();
  for (const source of [
    itemsDataset ? (ctx.store.rowsOf(itemsDataset.arn)?.items ?? []) : [],
    ctx.store.itemsAfter(group, 0, cutoff),
  ]) {
    await pacer.chunks(source.length, 'data', (start, end) => {
      for (let k = start; k < end; k++) {
        const item = source[k];
        if (item) items.set(item.itemId, item);
      }
    });
  }
  return [...items.values()];
}

export function describeSolutionVersion(ctx: EmulatorContext, body: RequestBody): unknown {
  const r = must(ctx, 'solutionVersion', body, 'solutionVersionArn');
  const solution = ctx.store.find('solution', r.solutionArn);
  return {
    solutionVersion: {
      name: r.name,
      solutionVersionArn: r.arn,
      solutionArn: r.solutionArn,
      performHPO: solution?.performHPO ?? false,
      performAutoML: solution?.performAutoML ?? false,
      recipeArn: solution?.recipeArn,
      eventType: solution?.eventType,
      datasetGroupArn: solution?.datasetGroupArn,
      solutionConfig: solution?.solutionConfig,
      trainingHours: r.trainingHours,
      trainingMode: r.trainingMode,
      status: r.status,
      failureReason: r.failureReason,
      creationDateTime: r.creationDateTime,
      lastUpdatedDateTime: r.lastUpdatedDateTime,
      trainingType: r.trainingType ?? 'MANUAL',
    },
  };
}

export function listSolutionVersions(ctx: EmulatorContext, body: RequestBody): unknown {
  const solution = optionalString(body, 'solutionArn');
  if (solution) must(ctx, 'solution', body, 'solutionArn');
  return page(
    body,
    'solutionVersions',
    ctx.store.list('solutionVersion', (r) => !solution || r.solutionArn === solution),
    (r) => ({
      solutionVersionArn: r.arn,
      status: r.status,
      trainingMode: r.trainingMode,
      trainingType: r.trainingType ?? 'MANUAL',
      creationDateTime: r.creationDateTime,
      lastUpdatedDateTime: r.lastUpdatedDateTime,
      failureReason: r.failureReason,
    }),
  );
}

export function getSolutionMetrics(ctx: EmulatorContext, body: RequestBody): unknown {
  const version = must(ctx, 'solutionVersion', body, 'solutionVersionArn');
  if (version.status !== 'ACTIVE' || !version.metrics) {
    throw inUse(
      `Solution version ${version.arn} is not ACTIVE (status: ${version.status}): its metrics are not available`,
    );
  }
  return { solutionVersionArn: version.arn, metrics: version.metrics };
}
