import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomically } from '../shared/files';
import type { Interaction, Item, RecentPopularity, SolutionMetrics, UserFields } from './model/types';
import type { GroupLiveData } from './storage/group-live-data';
import { LiveStore, type LiveStoreOptions } from './storage/live-store';

/** Seconds since the epoch, as Personalize's timestamps travel on the wire. */
export type EpochSeconds = number;

/** A tag as the API carries it. */
export interface Tag {
  readonly tagKey: string;
  readonly tagValue: string;
}

interface ResourceBase {
  readonly arn: string;
  readonly name: string;
  status: string;
  failureReason?: string;
  readonly creationDateTime: EpochSeconds;
  lastUpdatedDateTime: EpochSeconds;
  /** Tags given at creation or by TagResource, one per key, in the order they were first set. */
  tags?: Tag[];
}

export interface DatasetGroupRecord extends ResourceBase {
  readonly kind: 'datasetGroup';
  readonly roleArn?: string;
  readonly kmsKeyArn?: string;
  readonly domain?: string;
}

export interface SchemaRecord extends ResourceBase {
  readonly kind: 'schema';
  readonly schema: string;
  readonly fields: readonly SchemaField[];
  readonly domain?: string;
}

export interface SchemaField {
  readonly name: string;
  readonly type: string;
  readonly nullable: boolean;
  /** `categorical: true` in the Avro schema: a string of several values separated by `|`. */
  readonly categorical?: boolean;
}

export type DatasetType = 'Interactions' | 'Items' | 'Users';

export interface DatasetRecord extends ResourceBase {
  readonly kind: 'dataset';
  readonly datasetGroupArn: string;
  readonly datasetType: DatasetType;
  readonly schemaArn: string;
}

export interface DatasetImportJobRecord extends ResourceBase {
  readonly kind: 'datasetImportJob';
  readonly datasetArn: string;
  readonly dataLocation: string;
  readonly roleArn?: string;
  readonly importMode: 'FULL' | 'INCREMENTAL';
}

export interface SolutionRecord extends ResourceBase {
  readonly kind: 'solution';
  readonly datasetGroupArn: string;
  readonly recipeArn: string;
  readonly eventType?: string;
  readonly performHPO: boolean;
  readonly performAutoML: boolean;
  /** Absent on solutions stored before auto training was emulated: those were created without it (false). */
  performAutoTraining?: boolean;
  /** As given, plus `autoTrainingConfig` (the default `rate(7 days)`) while auto training is on. */
  solutionConfig?: Record<string, unknown>;
  latestSolutionVersionArn?: string;
  latestSolutionUpdate?: SolutionUpdate;
  /** When the next automatic solution version is due; absent while auto training is off. */
  autoTraining?: AutoTrainingSchedule;
}

export interface SolutionUpdate {
  performAutoTraining: boolean;
  solutionUpdateConfig?: Record<string, unknown>;
  status: string;
  failureReason?: string;
  creationDateTime: EpochSeconds;
  lastUpdatedDateTime: EpochSeconds;
}

interface AutoTrainingSchedule {
  /** Wall-clock time (ms since the epoch) the next automatic training is due. */
  nextAt: number;
  /** The next one is the first after the solution (or the update that turned auto training on) became ACTIVE. */
  first: boolean;
  /** A version was created by hand before the first automatic one: that one is skipped, as on AWS. */
  skipFirst?: boolean;
  /** When the last automatic training was due: a new schedule counts from it. */
  lastAt?: number;
}

export type TrainingMode = 'FULL' | 'UPDATE' | 'AUTOTRAIN';

export interface SolutionVersionRecord extends ResourceBase {
  readonly kind: 'solutionVersion';
  readonly solutionArn: string;
  readonly trainingMode: TrainingMode;
  /** AUTOMATIC for versions auto training created; absent (MANUAL) on versions stored before it was emulated. */
  readonly trainingType?: 'MANUAL' | 'AUTOMATIC';
  /** The live-log position the training data was cut at: later records are the model's LiveContext. */
  dataCutoffSeq?: number;
  trainingHours?: number;
  metrics?: SolutionMetrics;
  /** User-Personalization's automatic updates (exploration.ts): the last one, if any. */
  automaticUpdate?: AutomaticUpdate;
}

/** An automatic update of a User-Personalization version: the items it brought in, when, and its number. */
interface AutomaticUpdate {
  /** Items put up to this live-log position are in the version's catalogue. */
  readonly seq: number;
  /** The clock's ms since the epoch: the next update is due AUTOMATIC_UPDATE_MS later. */
  readonly at: number;
  /** 0 when the version became ACTIVE, then one more per update that brought new data. */
  readonly round: number;
}

interface CampaignUpdate {
  solutionVersionArn: string;
  minProvisionedTPS: number;
  campaignConfig?: unknown;
  status: string;
  failureReason?: string;
  creationDateTime: EpochSeconds;
  lastUpdatedDateTime: EpochSeconds;
}

export interface CampaignRecord extends ResourceBase {
  readonly kind: 'campaign';
  solutionVersionArn: string;
  minProvisionedTPS: number;
  campaignConfig?: unknown;
  latestCampaignUpdate?: CampaignUpdate;
}

export interface EventTrackerRecord extends ResourceBase {
  readonly kind: 'eventTracker';
  readonly datasetGroupArn: string;
  readonly trackingId: string;
  readonly accountId: string;
}

export interface FilterRecord extends ResourceBase {
  readonly kind: 'filter';
  readonly datasetGroupArn: string;
  readonly filterExpression: string;
  /** The distinct dataset fields it uses (`Items.GENRE`): the group-wide limit counts them. */
  readonly fields: readonly string[];
}

export type ResourceRecord =
  | DatasetGroupRecord
  | SchemaRecord
  | DatasetRecord
  | DatasetImportJobRecord
  | SolutionRecord
  | SolutionVersionRecord
  | CampaignRecord
  | EventTrackerRecord
  | FilterRecord;

export type ResourceKind = ResourceRecord['kind'];
export type RecordOf<K extends ResourceKind> = Extract<ResourceRecord, { kind: K }>;

/** Rows a completed import job stored in a dataset. */
export interface DatasetRows {
  interactions: Interaction[];
  items: Item[];
  users: string[];
  /** Each imported user's metadata, by user id (absent in rows stored before it was kept). */
  userFields?: Record<string, UserFields>;
  /**
   * The import jobs whose rows these are, written with them: a job resumed after a restart that its rows
   * already reached is not applied twice (an INCREMENTAL import would otherwise double its rows).
   */
  appliedJobs?: string[];
}

/** What PutEvents, PutItems and PutUsers accepted, in order: the durable log of live data. */
export type LiveRecord =
  | {
      readonly seq: number;
      readonly kind: 'event';
      readonly datasetGroupArn: string;
      readonly trackerArn: string;
      readonly sessionId: string;
      readonly eventId?: string;
      readonly interaction: Interaction;
    }
  | { readonly seq: number; readonly kind: 'item'; readonly datasetGroupArn: string; readonly item: Item }
  | {
      readonly seq: number;
      readonly kind: 'user';
      readonly datasetGroupArn: string;
      readonly userId: string;
      /** The user's metadata (the Users schema's fields with a value), absent in records stored before it was kept. */
      readonly fields?: UserFields;
    }
  /**
   * The dataset group was deleted: its earlier records are dropped on restore, so a new group of the same
   * name (the same ARN) does not inherit them.
   */
  | { readonly seq: number; readonly kind: 'purge'; readonly datasetGroupArn: string };

export type LiveRecordInput = LiveRecord extends infer R
  ? R extends LiveRecord
    ? Omit<R, 'seq'>
    : never
  : never;

const STATE_FILE = 'resources.json';

/**
 * The emulator's state. In memory it is a map of resources plus the data each dataset holds; with a state
 * directory every change is written before the caller is answered: resources and dataset rows as whole files
 * replaced atomically (tmp + rename), live data appended to a JSON-lines log that is compacted into a snapshot
 * (storage/live-store.ts), trained models one file each.
 */
export class EmulatorStore {
  private readonly resources = new Map<string, ResourceRecord>();
  private readonly rows = new Map<string, DatasetRows>();
  private readonly live: LiveStore;

  constructor(
    private readonly stateDir?: string,
    options: LiveStoreOptions = {},
  ) {
    this.live = new LiveStore(stateDir, options);
    if (stateDir) {
      mkdirSync(join(stateDir, 'datasets'), { recursive: true });
      mkdirSync(join(stateDir, 'models'), { recursive: true });
      this.restore(stateDir);
    }
  }

  get persistent(): boolean {
    return this.stateDir !== undefined;
  }

  /** Where the state is kept (none: in memory), for live state kept beside it (impressions.ts). */
  get stateDirectory(): string | undefined {
    return this.stateDir;
  }

  // Resources

  get(arn: string): ResourceRecord | undefined {
    return this.resources.get(arn);
  }

  find<K extends ResourceKind>(kind: K, arn: string): RecordOf<K> | undefined {
    const record = this.resources.get(arn);
    return record?.kind === kind ? (record as RecordOf<K>) : undefined;
  }

  list<K extends ResourceKind>(kind: K, where: (record: RecordOf<K>) => boolean = () => true): RecordOf<K>[] {
    const found: RecordOf<K>[] = [];
    for (const record of this.resources.values()) {
      if (record.kind === kind && where(record as RecordOf<K>)) found.push(record as RecordOf<K>);
    }
    return found;
  }

  all(): ResourceRecord[] {
    return [...this.resources.values()];
  }

  put(record: ResourceRecord): void {
    this.resources.set(record.arn, record);
    this.saveResources();
  }

  /** Records are mutated in place by their lifecycles; this persists the change. */
  touched(): void {
    this.saveResources();
  }

  remove(arn: string): void {
    const record = this.resources.get(arn);
    this.resources.delete(arn);
    if (record?.kind === 'dataset') this.setRows(arn, undefined);
    if (record?.kind === 'solutionVersion') this.removeModel(arn);
    this.saveResources();
    if (record?.kind === 'datasetGroup') this.appendLive([{ kind: 'purge', datasetGroupArn: arn }]);
  }

  // Dataset rows

  rowsOf(datasetArn: string): DatasetRows | undefined {
    return this.rows.get(datasetArn);
  }

  setRows(datasetArn: string, rows: DatasetRows | undefined): void {
    if (rows) this.rows.set(datasetArn, rows);
    else this.rows.delete(datasetArn);
    if (!this.stateDir) return;
    const file = join(this.stateDir, 'datasets', `${fileKey(datasetArn)}.json`);
    if (rows) writeFileAtomically(file, JSON.stringify({ datasetArn, rows }));
    else rmSync(file, { force: true });
  }

  // Live data: see storage/live-store.ts

  get liveSeq(): number {
    return this.live.liveSeq;
  }

  /** True when the dataset group already accepted an event with this id: it is not used again. */
  isDuplicateEvent(datasetGroupArn: string, eventId: string): boolean {
    return this.live.isDuplicateEvent(datasetGroupArn, eventId);
  }

  /** Appends accepted records to the log (one write, before the caller is answered) and indexes them. */
  appendLive(inputs: readonly LiveRecordInput[]): void {
    this.live.append(inputs);
  }

  /** Accepted events of a dataset group after a log position (and up to another), oldest first. */
  eventsAfter(datasetGroupArn: string, seq: number, upTo = Infinity): Interaction[] {
    return this.live.eventsAfter(datasetGroupArn, seq, upTo);
  }

  /** Events after a log position and up to another, read one at a time (training reads them in chunks). */
  eventReader(
    datasetGroupArn: string,
    seq: number,
    upTo = Infinity,
  ): { count: number; at(k: number): Interaction } {
    return this.live.eventReader(datasetGroupArn, seq, upTo);
  }

  /** A user's events after a log position, oldest first; reads only that user's events. */
  userEventsAfter(datasetGroupArn: string, userId: string, seq: number, limit = Infinity): Interaction[] {
    return this.live.userEventsAfter(datasetGroupArn, userId, seq, limit);
  }

  /**
   * The user's newest `limit` events after a log position, each item once at its latest event, oldest first:
   * kept current as the user's events arrive (see GroupLiveData.userItemsAfter).
   */
  userItemsAfter(datasetGroupArn: string, userId: string, seq: number, limit: number): Interaction[] {
    return this.live.userItemsAfter(datasetGroupArn, userId, seq, limit);
  }

  /** Items put after a log position; a later PutItems of the same item wins. */
  itemsAfter(datasetGroupArn: string, seq: number, upTo = Infinity): Item[] {
    return this.live.itemsAfter(datasetGroupArn, seq, upTo);
  }

  /** True when the dataset group accepted an event after a log position. */
  usersUpTo(datasetGroupArn: string, upTo: number): Map<string, UserFields> {
    return this.live.usersUpTo(datasetGroupArn, upTo);
  }

  hasEventsAfter(datasetGroupArn: string, seq: number): boolean {
    return this.live.hasEventsAfter(datasetGroupArn, seq);
  }

  /**
   * Events per item after a log position: one structure per cutoff, kept current in place as events arrive
   * (never copied), with the log of those events' items for models that follow it.
   */
  recentPopularityAfter(datasetGroupArn: string, seq: number): RecentPopularity {
    return this.live.recentPopularityAfter(datasetGroupArn, seq);
  }

  /** The live data of a dataset group (tests read its work counter). */
  liveGroup(datasetGroupArn: string): GroupLiveData | undefined {
    return this.live.group(datasetGroupArn);
  }

  /** Writes the live data into a snapshot and empties the log (also done when the log grows large). */
  compactLive(): void {
    this.live.compact();
  }

  // Models

  saveModel(solutionVersionArn: string, snapshot: unknown): void {
    if (!this.stateDir) return;
    writeFileAtomically(
      join(this.stateDir, 'models', `${fileKey(solutionVersionArn)}.json`),
      JSON.stringify(snapshot),
    );
  }

  loadModelSnapshot(solutionVersionArn: string): unknown {
    if (!this.stateDir) return undefined;
    const file = join(this.stateDir, 'models', `${fileKey(solutionVersionArn)}.json`);
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as unknown) : undefined;
  }

  /** What a version learned from the Users dataset (user-metadata.ts), beside its model. */
  savePeers(solutionVersionArn: string, peers: unknown): void {
    if (!this.stateDir) return;
    writeFileAtomically(
      join(this.stateDir, 'models', `${fileKey(solutionVersionArn)}.peers.json`),
      JSON.stringify(peers),
    );
  }

  loadPeers(solutionVersionArn: string): unknown {
    if (!this.stateDir) return undefined;
    const file = join(this.stateDir, 'models', `${fileKey(solutionVersionArn)}.peers.json`);
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as unknown) : undefined;
  }

  private removeModel(solutionVersionArn: string): void {
    if (!this.stateDir) return;
    for (const suffix of ['.json', '.peers.json'])
      rmSync(join(this.stateDir, 'models', `${fileKey(solutionVersionArn)}${suffix}`), { force: true });
  }

  // Persistence

  private saveResources(): void {
    if (!this.stateDir) return;
    writeFileAtomically(
      join(this.stateDir, STATE_FILE),
      JSON.stringify({ resources: [...this.resources.values()] }, null, 1),
    );
  }

  private restore(stateDir: string): void {
    const stateFile = join(stateDir, STATE_FILE);
    if (existsSync(stateFile)) {
      const saved = JSON.parse(readFileSync(stateFile, 'utf8')) as { resources: ResourceRecord[] };
      for (const record of saved.resources) this.resources.set(record.arn, record);
    }
    for (const record of this.resources.values()) {
      if (record.kind !== 'dataset') continue;
      const file = join(stateDir, 'datasets', `${fileKey(record.arn)}.json`);
      if (existsSync(file))
        this.rows.set(record.arn, (JSON.parse(readFileSync(file, 'utf8')) as { rows: DatasetRows }).rows);
    }
    this.live.restore((datasetGroupArn) => this.resources.has(datasetGroupArn));
  }
}

function fileKey(arn: string): string {
  return createHash('sha256').update(arn).digest('hex').slice(0, 32);
}
