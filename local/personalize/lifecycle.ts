import type { Clock, Scheduler, Timer } from './clock';
import type { TrainedModel } from './model/types';
import type { EmulatorStore, ResourceKind, ResourceRecord } from './store';
import { errorMessage } from '../../lambda/shared/service-errors';

/** A lifecycle step's duration for some kinds of resource, in place of the emulator's one `transitionMs`. */
export type TransitionMsByKind = Readonly<Partial<Record<ResourceKind, number>>>;

/** Work a resource does while CREATE IN_PROGRESS (an import, a training); a rejection is its failureReason. */
type BackgroundWork = () => Promise<void>;

/** What a resource does on its way to ACTIVE: its background work, and what follows once it is ACTIVE. */
export interface CreateHooks {
  readonly work?: BackgroundWork;
  readonly onActive?: () => void;
}

/**
 * Status transitions and their timers: CREATE PENDING → CREATE IN_PROGRESS → ACTIVE (or CREATE FAILED),
 * DELETE PENDING → DELETE IN_PROGRESS → gone, each step `transitionMs` apart on the emulator's clock (or the
 * resource kind's own step from `byKind`: a test slows one kind without slowing everything before it).
 */
export class Lifecycle {
  private readonly timers = new Set<Timer>();
  /** Timers scheduled by key (a solution's next automatic training), replaced or cancelled by that key. */
  private readonly keyed = new Map<string, Timer>();
  private stopped = false;

  constructor(
    private readonly store: EmulatorStore,
    private readonly loadedModels: Map<string, TrainedModel>,
    private readonly transitionMs: number,
    private readonly clock: Clock,
    private readonly scheduler: Scheduler,
    private readonly byKind: TransitionMsByKind = {},
  ) {}

  /** How long each of a resource's status steps takes. */
  stepMs(record: ResourceRecord): number {
    return this.byKind[record.kind] ?? this.transitionMs;
  }

  /** Runs `step` one of `record`'s status steps from now. */
  afterStep(record: ResourceRecord, step: () => void): void {
    this.after(step, this.stepMs(record));
  }

  /** The clock's time as resources carry it: seconds since the epoch. */
  private epochSeconds(): number {
    return this.clock.now() / 1000;
  }

  /** True once the service is closed: background work must then leave the state alone. */
  get closed(): boolean {
    return this.stopped;
  }

  close(): void {
    this.stopped = true;
    for (const timer of this.timers) timer.cancel();
    this.timers.clear();
    for (const timer of this.keyed.values()) timer.cancel();
    this.keyed.clear();
  }

  /** Status and timestamps of a resource just created. */
  fresh() {
    const now = this.epochSeconds();
    return { status: 'CREATE PENDING', creationDateTime: now, lastUpdatedDateTime: now };
  }

  /**
   * Stores a new record and walks it through CREATE PENDING → CREATE IN_PROGRESS → ACTIVE (or CREATE FAILED).
   * A record moved out of that path meanwhile (StopSolutionVersionCreation) is left where it is.
   */
  create<R extends ResourceRecord>(record: R, hooks: CreateHooks = {}): R {
    this.store.put(record);
    this.runCreate(record, hooks);
    return record;
  }

  private runCreate(record: ResourceRecord, { work, onActive }: CreateHooks): void {
    this.afterStep(record, () => {
      if (record.status !== 'CREATE PENDING') return;
      this.setStatus(record, 'CREATE IN_PROGRESS');
      const started = this.clock.now();
      (work ? work() : Promise.resolve()).then(
        () =>
          this.after(
            () => {
              if (record.status !== 'CREATE IN_PROGRESS') return;
              if (this.setStatus(record, 'ACTIVE')) onActive?.();
            },
            Math.max(0, this.stepMs(record) - (this.clock.now() - started)),
          ),
        (error: unknown) => {
          if (this.stopped || record.status !== 'CREATE IN_PROGRESS') return;
          record.failureReason = errorMessage(error);
          this.setStatus(record, 'CREATE FAILED');
        },
      );
    });
  }

  /** DELETE PENDING → DELETE IN_PROGRESS → gone; `cascade` removes what goes with the resource. */
  delete(record: ResourceRecord, cascade?: () => void): void {
    this.setStatus(record, 'DELETE PENDING');
    this.runDelete(record, cascade);
  }

  private runDelete(record: ResourceRecord, cascade?: () => void): void {
    this.afterStep(record, () => {
      this.setStatus(record, 'DELETE IN_PROGRESS');
      this.afterStep(record, () => {
        cascade?.();
        this.loadedModels.delete(record.arn);
        this.store.remove(record.arn);
      });
    });
  }

  /** Moves a resource (and its update) to a status; false when it is gone or the service is closed. */
  setStatus(
    record: ResourceRecord,
    status: string,
    update?: { status: string; lastUpdatedDateTime: number },
  ): boolean {
    if (this.stopped || this.store.get(record.arn) !== record) return false;
    record.status = status;
    record.lastUpdatedDateTime = this.epochSeconds();
    if (update) {
      update.status = status;
      update.lastUpdatedDateTime = record.lastUpdatedDateTime;
    }
    this.store.touched();
    return true;
  }

  /** Sets the status of an update (a solution's) without moving the resource's own status. */
  setUpdateStatus(
    record: ResourceRecord,
    update: { status: string; lastUpdatedDateTime: number },
    status: string,
  ): void {
    if (this.stopped || this.store.get(record.arn) !== record) return;
    update.status = status;
    update.lastUpdatedDateTime = this.epochSeconds();
    this.store.touched();
  }

  /**
   * Runs `step` at `dueAt` (the clock's ms since the epoch) under `key`, replacing whatever was scheduled
   * under that key. These timers may be hours or weeks away; close() cancels them like the others.
   */
  at(key: string, dueAt: number, step: () => void): void {
    this.cancel(key);
    if (this.stopped) return;
    const timer = this.scheduler.after(dueAt - this.clock.now(), () => {
      this.keyed.delete(key);
      if (!this.stopped) this.run(step);
    });
    this.keyed.set(key, timer);
  }

  cancel(key: string): void {
    this.keyed.get(key)?.cancel();
    this.keyed.delete(key);
  }

  private after(step: () => void, delayMs: number): void {
    if (this.stopped) return;
    const timer = this.scheduler.after(delayMs, () => {
      this.timers.delete(timer);
      if (!this.stopped) this.run(step);
    });
    this.timers.add(timer);
  }

  private run(step: () => void): void {
    try {
      step();
    } catch (error) {
      // A lifecycle step runs outside any request: a failure (a state write that cannot be made) is
      // reported, never thrown into the event loop, where it would end the process.
      console.error('Personalize emulator: a lifecycle step failed:', error);
    }
  }

  /**
   * After a restart, whatever was moving keeps moving: imports re-read their files, versions retrain
   * (`hooksOf` gives a resource's background work and what follows ACTIVE), a version being stopped is
   * stopped, deletions finish, campaign updates complete.
   */
  resume(hooksOf: (record: ResourceRecord) => CreateHooks): void {
    for (const record of this.store.all()) {
      if (record.status === 'CREATE PENDING' || record.status === 'CREATE IN_PROGRESS') {
        record.status = 'CREATE PENDING';
        this.runCreate(record, hooksOf(record));
      } else if (record.status === 'CREATE STOPPING') {
        record.status = 'CREATE STOPPED';
      } else if (record.status.startsWith('DELETE')) {
        record.status = 'DELETE PENDING';
        this.runDelete(record, () => this.cascadeOnResume(record));
      } else if (record.kind === 'campaign' && record.status.startsWith('UPDATE')) {
        const update = record.latestCampaignUpdate;
        if (update) {
          record.solutionVersionArn = update.solutionVersionArn;
          record.minProvisionedTPS = update.minProvisionedTPS;
          record.campaignConfig = update.campaignConfig;
          update.status = 'ACTIVE';
        }
        record.status = 'ACTIVE';
      }
    }
    this.store.touched();
  }

  private cascadeOnResume(record: ResourceRecord): void {
    if (record.kind === 'dataset') {
      for (const job of this.store.list('datasetImportJob', (j) => j.datasetArn === record.arn))
        this.store.remove(job.arn);
    } else if (record.kind === 'solution') {
      for (const version of this.store.list('solutionVersion', (v) => v.solutionArn === record.arn))
        this.store.remove(version.arn);
    } else if (record.kind === 'datasetGroup') {
      for (const filter of this.store.list('filter', (f) => f.datasetGroupArn === record.arn))
        this.store.remove(filter.arn);
    }
  }
}

/** A resource that is no longer moving: a new operation on it (or a delete) may start. */
export function isSettled(status: string): boolean {
  return status === 'ACTIVE' || status === 'CREATE FAILED' || status === 'CREATE STOPPED';
}
