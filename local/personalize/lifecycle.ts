import type { TrainedModel } from './model/types';
import type { EmulatorStore, ResourceRecord } from './store';

/** Work a resource does while CREATE IN_PROGRESS (an import, a training); a rejection is its failureReason. */
export type BackgroundWork = () => Promise<void>;

/**
 * Status transitions and their timers: CREATE PENDING → CREATE IN_PROGRESS → ACTIVE (or CREATE FAILED),
 * DELETE PENDING → DELETE IN_PROGRESS → gone, each step `transitionMs` apart.
 */
export class Lifecycle {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly store: EmulatorStore,
    private readonly loadedModels: Map<string, TrainedModel>,
    private readonly transitionMs: number,
    private readonly now: () => number,
  ) {}

  /** True once the service is closed: background work must then leave the state alone. */
  get closed(): boolean {
    return this.stopped;
  }

  close(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  /** Status and timestamps of a resource just created. */
  fresh() {
    const now = this.now();
    return { status: 'CREATE PENDING', creationDateTime: now, lastUpdatedDateTime: now };
  }

  /** Stores a new record and walks it through CREATE PENDING → CREATE IN_PROGRESS → ACTIVE (or CREATE FAILED). */
  create<R extends ResourceRecord>(record: R, work?: BackgroundWork): R {
    this.store.put(record);
    this.runCreate(record, work);
    return record;
  }

  private runCreate(record: ResourceRecord, work?: BackgroundWork): void {
    this.after(() => {
      this.setStatus(record, 'CREATE IN_PROGRESS');
      const started = Date.now();
      (work ? work() : Promise.resolve()).then(
        () =>
          this.after(
            () => this.setStatus(record, 'ACTIVE'),
            Math.max(0, this.transitionMs - (Date.now() - started)),
          ),
        (error: unknown) => {
          record.failureReason = error instanceof Error ? error.message : String(error);
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
    this.after(() => {
      this.setStatus(record, 'DELETE IN_PROGRESS');
      this.after(() => {
        cascade?.();
        this.loadedModels.delete(record.arn);
        this.store.remove(record.arn);
      });
    });
  }

  setStatus(
    record: ResourceRecord,
    status: string,
    update?: { status: string; lastUpdatedDateTime: number },
  ): void {
    if (this.stopped || this.store.get(record.arn) !== record) return;
    record.status = status;
    record.lastUpdatedDateTime = this.now();
    if (update) {
      update.status = status;
      update.lastUpdatedDateTime = record.lastUpdatedDateTime;
    }
    this.store.touched();
  }

  after(step: () => void, delayMs = this.transitionMs): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.stopped) return;
      try {
        step();
      } catch (error) {
        // A lifecycle step runs outside any request: a failure (a state write that cannot be made) is
        // reported, never thrown into the event loop, where it would end the process.
        console.error('Personalize emulator: a lifecycle step failed:', error);
      }
    }, delayMs);
    this.timers.add(timer);
  }

  /**
   * After a restart, whatever was moving keeps moving: imports re-read their files, versions retrain
   * (`workOf` gives a resource's background work), deletions finish, campaign updates complete.
   */
  resume(workOf: (record: ResourceRecord) => BackgroundWork | undefined): void {
    for (const record of this.store.all()) {
      if (record.status === 'CREATE PENDING' || record.status === 'CREATE IN_PROGRESS') {
        record.status = 'CREATE PENDING';
        this.runCreate(record, workOf(record));
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
    }
  }
}

/** A resource that is no longer moving: a new operation on it (or a delete) may start. */
export function isSettled(status: string): boolean {
  return status === 'ACTIVE' || status === 'CREATE FAILED';
}
