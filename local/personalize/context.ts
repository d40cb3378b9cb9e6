import type { Clock, Scheduler } from './clock';
import type { LoadModel, Train, TrainChunks, TrainedModel } from './model/types';
import type { Lifecycle, TransitionMsByKind } from './lifecycle';
import type { EmulatorStore, EpochSeconds } from './store';
import type { RequestBody } from './validation';
import type { ServiceMetrics } from './service-metrics';
import type { Impressions } from './impressions';
import type { PeerPopularity } from './user-metadata';

/** The model module's functions (see model/types.ts); injectable so tests can swap the implementation. */
export interface ModelModule {
  readonly train: Train;
  readonly loadModel: LoadModel;
  /**
   * Training from the data read in chunks, when offered (training on a worker thread): then the serving
   * thread never holds every interaction at once.
   */
  readonly trainChunks?: TrainChunks;
}

export interface ServiceOptions {
  readonly store: EmulatorStore;
  readonly models: ModelModule;
  readonly s3Dir: string;
  readonly region: string;
  readonly accountId: string;
  /** Time each status step takes (CREATE PENDING → CREATE IN_PROGRESS → ACTIVE, and deletes). */
  readonly transitionMs: number;
  /** Each kind's own step, where it differs from `transitionMs`. */
  readonly transitionMsByKind?: TransitionMsByKind;
  /** The one clock: every timestamp. */
  readonly clock: Clock;
  /** The one scheduler, on that clock: every timer and status transition. */
  readonly scheduler: Scheduler;
  /** Time from a solution (or an update turning auto training on) becoming ACTIVE to its first automatic training. */
  readonly autoTrainingDelayMs: number;
  /** The length of a day in a schedulingExpression `rate(N days)`. */
  readonly autoTrainingDayMs: number;
  /** Time between User-Personalization's automatic updates (exploration.ts); two hours unless given. */
  readonly automaticUpdateMs?: number;
}

/**
 * What every operation shares: the store, the options, the clock and scheduler, the trained models in memory
 * and the lifecycles.
 */
export interface EmulatorContext {
  readonly store: EmulatorStore;
  readonly options: ServiceOptions;
  /** Read time here, never from Date.now(). */
  readonly clock: Clock;
  /** Set timers here, never with setTimeout(): tests move this time themselves. */
  readonly scheduler: Scheduler;
  /** Models by solution version ARN, loaded from the store on first use. */
  readonly loadedModels: Map<string, TrainedModel>;
  readonly lifecycle: Lifecycle;
  /** What Personalize publishes to CloudWatch (AWS/Personalize), counted here. */
  readonly serviceMetrics: ServiceMetrics;
  /** The lists answered by recommendationId, and each user's impressions (impressions.ts). */
  readonly impressions: Impressions;
  /** What each version learned from the Users dataset, by version ARN (null: nothing), loaded on first use. */
  readonly peerPopularity: Map<string, PeerPopularity | null>;
}

/** An operation of any of the three APIs: a decoded request body in, the response body out. */
export type Operation = (ctx: EmulatorContext, body: RequestBody) => unknown;

export function resourceArn(ctx: EmulatorContext, resource: string): string {
  return `arn:aws:personalize:${ctx.options.region}:${ctx.options.accountId}:${resource}`;
}

/** The clock's time as resources carry it (creationDateTime, lastUpdatedDateTime): seconds since the epoch. */
export function timestamp(ctx: EmulatorContext): EpochSeconds {
  return ctx.clock.now() / 1000;
}
