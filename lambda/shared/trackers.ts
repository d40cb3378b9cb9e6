/**
 * Which tracking ids are this stack's own. `personalize:PutEvents` has no resource-level permission on AWS
 * (a tracking id is not an ARN), so IAM cannot stop an API key of this stack from sending events to another
 * application's event tracker in the same account: this guard does, in code. The own tracking ids are those
 * of the event trackers of the stack's dataset group (env DATASET_GROUP_ARN), learnt with ListEventTrackers
 * and DescribeEventTracker, cached per container and refreshed on a miss at most once every 30 s (a tracker
 * created through the API is usable within 30 s; an unknown tracking id cannot make every request list).
 *
 * It also knows when an own tracker is still being created (CREATE PENDING / CREATE IN_PROGRESS: Personalize
 * refuses its events as if the tracking id did not exist, for about a second after POST /eventTracker), and
 * says so with EventTrackerNotActiveError, a 409 that the consumer retries rather than sets aside.
 */
import {
  DescribeEventTrackerCommand,
  ListEventTrackersCommand,
  type PersonalizeClient,
} from '@aws-sdk/client-personalize';
import { EventTrackerNotActiveError, NotFoundError } from './errors';
import { DATASET_GROUP_ARN_ENV } from '../../lib/contract/function-environment';

/** The least time between two refreshes of the tracking ids on a miss. */
export const TRACKING_IDS_REFRESH_MS = 30_000;

/** Statuses of a tracker being created: it has (or soon has) a tracking id, but Personalize refuses its events. */
const BEING_CREATED: ReadonlySet<string> = new Set(['CREATE PENDING', 'CREATE IN_PROGRESS']);

const beingCreated = (status: string | undefined): boolean =>
  status !== undefined && BEING_CREATED.has(status);

interface Tracker {
  readonly eventTrackerArn: string;
  /** The last status seen (the listing's, or a later description's); undefined when the service gave none. */
  status: string | undefined;
}

interface Snapshot {
  readonly datasetGroupArn: string;
  /** The group's trackers by tracking id. */
  readonly trackers: Map<string, Tracker>;
  /** Trackers of the group being created whose tracking id was not known yet when last described. */
  readonly creating: Tracker[];
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

  /** Whether `trackingId` belongs to an event tracker of the stack's dataset group (whatever its status). */
  async isOwn(trackingId: string): Promise<boolean> {
    return (await this.lookup(trackingId)).trackers.has(trackingId);
  }

  /**
   * Whether events for `trackingId` can be sent now: true when it is the tracking id of one of the stack's
   * trackers and that tracker is not being created, false when it is not the stack's. Throws
   * EventTrackerNotActiveError while the tracker is being created (its status is described afresh each
   * time, until it is no longer), and while a tracker of the group is being created whose tracking id is
   * not known yet (events for it cannot be told from others until then).
   */
  async acceptsEvents(trackingId: string): Promise<boolean> {
    const snapshot = await this.lookup(trackingId);
    if (!snapshot.trackers.has(trackingId)) await this.describeCreating(snapshot);
    const tracker = snapshot.trackers.get(trackingId);
    if (!tracker) {
      const creating = snapshot.creating[0];
      if (creating) throw new EventTrackerNotActiveError(creating.eventTrackerArn, creating.status ?? '');
      return false;
    }
    if (beingCreated(tracker.status)) {
      tracker.status = (await this.describe(tracker.eventTrackerArn)).status;
      if (beingCreated(tracker.status)) {
        throw new EventTrackerNotActiveError(tracker.eventTrackerArn, tracker.status ?? '');
      }
    }
    return true;
  }

  /**
   * Throws a 404 naming the tracking id if it is not the stack's own, and EventTrackerNotActiveError (409)
   * if its tracker is still being created (see acceptsEvents).
   */
  async assertOwn(trackingId: string): Promise<void> {
    if (!(await this.acceptsEvents(trackingId))) {
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

  /** The snapshot, refreshed on a miss at most once every TRACKING_IDS_REFRESH_MS. */
  private async lookup(trackingId: string): Promise<Snapshot> {
    const datasetGroupArn = this.datasetGroupArn();
    let snapshot = this.snapshot?.datasetGroupArn === datasetGroupArn ? this.snapshot : undefined;
    if (snapshot?.trackers.has(trackingId)) return snapshot;
    if (!snapshot || this.now() - snapshot.loadedAt >= TRACKING_IDS_REFRESH_MS) {
      snapshot = await this.refresh(datasetGroupArn);
    }
    return snapshot;
  }

  /** Describes again the trackers being created without a known tracking id, learning those now given one. */
  private async describeCreating(snapshot: Snapshot): Promise<void> {
    for (const tracker of snapshot.creating.splice(0)) {
      const { trackingId, status } = await this.describe(tracker.eventTrackerArn);
      tracker.status = status;
      if (trackingId) snapshot.trackers.set(trackingId, tracker);
      else if (beingCreated(status)) snapshot.creating.push(tracker);
    }
  }

  /** Loads the tracking ids; concurrent misses share one load. A failed load is not cached. */
  private refresh(datasetGroupArn: string): Promise<Snapshot> {
    this.loading ??= this.load(datasetGroupArn).finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async load(datasetGroupArn: string): Promise<Snapshot> {
    const trackers = new Map<string, Tracker>();
    const creating: Tracker[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(new ListEventTrackersCommand({ datasetGroupArn, nextToken }));
      for (const { eventTrackerArn, status } of page.eventTrackers ?? []) {
        if (!eventTrackerArn) continue;
        const tracker: Tracker = { eventTrackerArn, status };
        const trackingId = await this.trackingIdOf(eventTrackerArn);
        if (trackingId) trackers.set(trackingId, tracker);
        else if (beingCreated(status)) creating.push(tracker);
      }
      nextToken = page.nextToken;
    } while (nextToken);
    this.snapshot = { datasetGroupArn, trackers, creating, loadedAt: this.now() };
    return this.snapshot;
  }

  private async trackingIdOf(eventTrackerArn: string): Promise<string> {
    return this.described.get(eventTrackerArn) ?? (await this.describe(eventTrackerArn)).trackingId;
  }

  /** The tracker's tracking id ('' while it has none) and status, as DescribeEventTracker gives them now. */
  private async describe(eventTrackerArn: string): Promise<{ trackingId: string; status?: string }> {
    const output = await this.client.send(new DescribeEventTrackerCommand({ eventTrackerArn }));
    const trackingId = output.eventTracker?.trackingId ?? '';
    // A tracker still being created may have no tracking id yet: describe it again next time.
    if (trackingId) this.described.set(eventTrackerArn, trackingId);
    return { trackingId, status: output.eventTracker?.status };
  }
}
