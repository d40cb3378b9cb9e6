/**
 * Which tracking ids are this stack's own. `personalize:PutEvents` has no resource-level permission on AWS
 * (a tracking id is not an ARN), so IAM cannot stop an API key of this stack from sending events to another
 * application's event tracker in the same account: this guard does, in code. The own tracking ids are those
 * of the event trackers of the stack's dataset group (env DATASET_GROUP_ARN), learnt with ListEventTrackers
 * and DescribeEventTracker, cached per container and refreshed on a miss at most once every 30 s (a tracker
 * created through the API is usable within 30 s; an unknown tracking id cannot make every request list).
 */
import {
  DescribeEventTrackerCommand,
  ListEventTrackersCommand,
  type PersonalizeClient,
} from '@aws-sdk/client-personalize';
import { NotFoundError } from './errors';

/** Environment variable naming the stack's dataset group, whose event trackers are the stack's own. */
export const DATASET_GROUP_ARN_ENV = 'DATASET_GROUP_ARN';

/** The least time between two refreshes of the tracking ids on a miss. */
export const TRACKING_IDS_REFRESH_MS = 30_000;

interface Snapshot {
  readonly datasetGroupArn: string;
  readonly trackingIds: ReadonlySet<string>;
  readonly loadedAt: number;
}

export class TrackingIdGuard {
  private snapshot: Snapshot | undefined;
  private loading: Promise<Snapshot> | undefined;
  /** Tracking id of each tracker ARN already described (a tracking id never changes). */
  private readonly described = new Map<string, string>();

  constructor(
    private readonly client: PersonalizeClient,
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly now: () => number = Date.now,
  ) {}

  /** The dataset group whose trackers are the stack's own; throws (a configuration error) if unset. */
  datasetGroupArn(): string {
    const arn = this.env[DATASET_GROUP_ARN_ENV];
    if (!arn) {
      throw new Error(
        `${DATASET_GROUP_ARN_ENV} is not set: the function cannot tell this stack's tracking ids from others`,
      );
    }
    return arn;
  }

  /** Whether `trackingId` belongs to an event tracker of the stack's dataset group. */
  async isOwn(trackingId: string): Promise<boolean> {
    const datasetGroupArn = this.datasetGroupArn();
    let snapshot = this.snapshot?.datasetGroupArn === datasetGroupArn ? this.snapshot : undefined;
    if (snapshot?.trackingIds.has(trackingId)) return true;
    if (!snapshot || this.now() - snapshot.loadedAt >= TRACKING_IDS_REFRESH_MS) {
      snapshot = await this.refresh(datasetGroupArn);
    }
    return snapshot.trackingIds.has(trackingId);
  }

  /** Throws a 404 naming the tracking id if it is not the stack's own. */
  async assertOwn(trackingId: string): Promise<void> {
    if (!(await this.isOwn(trackingId))) {
      throw new NotFoundError(
        `trackingId: ${trackingId} is not the tracking id of an event tracker of this stack's dataset group`,
      );
    }
  }

  /** Forgets what it learnt (tests). */
  clear(): void {
    this.snapshot = undefined;
    this.loading = undefined;
    this.described.clear();
  }

  /** Loads the tracking ids; concurrent misses share one load. A failed load is not cached. */
  private refresh(datasetGroupArn: string): Promise<Snapshot> {
    this.loading ??= this.load(datasetGroupArn).finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async load(datasetGroupArn: string): Promise<Snapshot> {
    const trackingIds = new Set<string>();
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(new ListEventTrackersCommand({ datasetGroupArn, nextToken }));
      for (const { eventTrackerArn } of page.eventTrackers ?? []) {
        if (eventTrackerArn) trackingIds.add(await this.trackingIdOf(eventTrackerArn));
      }
      nextToken = page.nextToken;
    } while (nextToken);
    trackingIds.delete('');
    this.snapshot = { datasetGroupArn, trackingIds, loadedAt: this.now() };
    return this.snapshot;
  }

  private async trackingIdOf(eventTrackerArn: string): Promise<string> {
    const known = this.described.get(eventTrackerArn);
    if (known !== undefined) return known;
    const output = await this.client.send(new DescribeEventTrackerCommand({ eventTrackerArn }));
    const trackingId = output.eventTracker?.trackingId ?? '';
    // A tracker still being created may have no tracking id yet: describe it again next time.
    if (trackingId) this.described.set(eventTrackerArn, trackingId);
    return trackingId;
  }
}
