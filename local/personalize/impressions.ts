import { appendFileSync, existsSync, readFileSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomically } from '../shared/files';
import { dropTornLastLine } from './storage/live-log';

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
 * The counts are kept for the users seen most recently.
 *
 * With a state directory they are live state like the events they come from: each PutEvents call that changes a
 * user's counts appends what it counted to `impressions.jsonl` before it is answered, so a restart (or a crash)
 * loses none; once that log passes CHECKPOINT_LOG_BYTES, everything is written to `impressions.json` (atomically,
 * with the log position it covers) and the log emptied: a crash in between leaves log lines the checkpoint holds,
 * which the restart skips by position. The lists answered under each recommendationId are written with each
 * checkpoint and when the emulator closes, not per request (GetRecommendations stays free of disk writes): after a
 * crash, an event citing a list answered since the last checkpoint counts nothing, as an unknown recommendationId.
 */

export const IMPRESSIONS_LOG = 'impressions.jsonl';
export const IMPRESSIONS_CHECKPOINT = 'impressions.json';
/** The log is folded into the checkpoint once it is larger than this. */
const CHECKPOINT_LOG_BYTES = 4 << 20;

/** recommendationIds remembered (their lists): older ones are forgotten first. */
const REMEMBERED_RECOMMENDATIONS = 10_000;
/** Users whose impressions are kept (those whose events arrived most recently). */
const USERS_WITH_IMPRESSIONS = 10_000;
/** Items counted per user (the most recently shown). */
const IMPRESSIONS_PER_USER = 500;

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

/** What one event of a PutEvents call did to the user's counts: the item it cleared, the list it counted. */
interface Step {
  readonly i?: string;
  readonly s?: readonly string[];
  /** The recommendationId whose list this user's events now counted (it is not counted again for them). */
  readonly r?: string;
}

/** One line of the log: a PutEvents call's steps for one user, at log position `n`. */
interface LoggedCall {
  readonly n: number;
  readonly g: string;
  readonly u: string;
  readonly steps: readonly Step[];
}

interface CheckpointFile {
  readonly n: number;
  readonly lists: readonly (readonly [string, string, readonly string[], readonly string[]])[];
  readonly users: readonly (readonly [string, readonly (readonly [string, number])[]])[];
}

export class Impressions {
  private readonly lists = new Map<string, ShownList>();
  private readonly users = new Map<string, Map<string, number>>();
  /** The log position of the last call recorded. */
  private position = 0;
  private logBytes = 0;
  /** Something changed since the last checkpoint (a list remembered, a count changed). */
  private dirty = false;

  constructor(
    private readonly stateDir?: string,
    private readonly checkpointLogBytes = CHECKPOINT_LOG_BYTES,
  ) {
    if (stateDir) this.restore(stateDir);
  }

  /** A list GetRecommendations or GetPersonalizedRanking answered under `recommendationId`. */
  remember(recommendationId: string, datasetGroupArn: string, items: readonly string[]): void {
    this.lists.set(recommendationId, { datasetGroupArn, items, countedFor: new Set() });
    this.dirty = true;
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
    const steps = events.map((event): Step => {
      const list = this.listOf(datasetGroupArn, userId, event, counted);
      return {
        ...(event.itemId !== undefined ? { i: event.itemId } : {}),
        ...(list?.items ? { s: list.items } : {}),
        ...(list?.recommendationId !== undefined ? { r: list.recommendationId } : {}),
      };
    });
    const before = this.users.get(key);
    const changes =
      steps.some((step) => step.s !== undefined || step.r !== undefined) ||
      (before !== undefined && steps.some((step) => step.i !== undefined && before.has(step.i)));
    this.apply(key, steps);
    if (changes) this.log({ n: ++this.position, g: datasetGroupArn, u: userId, steps });
  }

  /** Per item, the times it was shown to the user without their interacting with it since. */
  ignoredBy(datasetGroupArn: string, userId: string): ReadonlyMap<string, number> | undefined {
    const counts = this.users.get(userKey(datasetGroupArn, userId));
    return counts && counts.size > 0 ? counts : undefined;
  }

  /** Writes everything to the checkpoint (the remembered lists too) and empties the log. */
  checkpoint(): void {
    if (!this.stateDir || !this.dirty) return;
    const file: CheckpointFile = {
      n: this.position,
      lists: [...this.lists].map(([id, list]) => [
        id,
        list.datasetGroupArn,
        list.items,
        [...list.countedFor],
      ]),
      users: [...this.users].map(([key, counts]) => [key, [...counts]]),
    };
    writeFileAtomically(join(this.stateDir, IMPRESSIONS_CHECKPOINT), JSON.stringify(file));
    const log = join(this.stateDir, IMPRESSIONS_LOG);
    if (existsSync(log)) truncateSync(log, 0);
    this.logBytes = 0;
    this.dirty = false;
  }

  /** The events' effect on the user's counts, in order (the same whether recorded now or replayed at a restart). */
  private apply(key: string, steps: readonly Step[]): void {
    for (const step of steps) {
      if (step.i !== undefined) this.users.get(key)?.delete(step.i);
      if (!step.s) continue;
      const counts = this.countsOf(key);
      for (const itemId of new Set(step.s)) {
        if (itemId === step.i) continue;
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

  private log(call: LoggedCall): void {
    this.dirty = true;
    if (!this.stateDir) return;
    const line = JSON.stringify(call) + '\n';
    appendFileSync(join(this.stateDir, IMPRESSIONS_LOG), line);
    this.logBytes += Buffer.byteLength(line);
    if (this.logBytes > this.checkpointLogBytes) this.checkpoint();
  }

  private restore(stateDir: string): void {
    const checkpointFile = join(stateDir, IMPRESSIONS_CHECKPOINT);
    if (existsSync(checkpointFile)) {
      const file = JSON.parse(readFileSync(checkpointFile, 'utf8')) as CheckpointFile;
      this.position = file.n;
      for (const [id, datasetGroupArn, items, countedFor] of file.lists)
        this.lists.set(id, { datasetGroupArn, items, countedFor: new Set(countedFor) });
      for (const [key, counts] of file.users) this.users.set(key, new Map(counts));
    }
    const log = join(stateDir, IMPRESSIONS_LOG);
    if (!existsSync(log)) return;
    dropTornLastLine(log);
    const covered = this.position;
    for (const line of readFileSync(log, 'utf8').split('\n')) {
      const call = parseLine(line);
      // Lines the checkpoint holds are skipped by position.
      if (!call || call.n <= covered) continue;
      for (const step of call.steps) if (step.r !== undefined) this.lists.get(step.r)?.countedFor.add(call.u);
      this.apply(userKey(call.g, call.u), call.steps);
      this.position = Math.max(this.position, call.n);
    }
    this.logBytes = statSync(log).size;
  }

  /** The list an event counts, once: explicit first, else the one its recommendationId names. */
  private listOf(
    datasetGroupArn: string,
    userId: string,
    event: ImpressionEvent,
    counted: Set<string>,
  ): { items?: readonly string[]; recommendationId?: string } | undefined {
    const remembered =
      event.recommendationId === undefined ? undefined : this.lists.get(event.recommendationId);
    let recommendationId: string | undefined;
    if (remembered && remembered.datasetGroupArn === datasetGroupArn) {
      if (remembered.countedFor.has(userId)) return undefined;
      remembered.countedFor.add(userId);
      recommendationId = event.recommendationId;
    }
    if (event.impression) {
      const identity = `explicit\n${event.recommendationId ?? ''}\n${event.impression.join('\n')}`;
      if (counted.has(identity)) return { recommendationId };
      counted.add(identity);
      return { items: event.impression, recommendationId };
    }
    return recommendationId === undefined ? undefined : { items: remembered?.items, recommendationId };
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

function parseLine(line: string): LoggedCall | undefined {
  if (line.trim() === '') return undefined;
  try {
    return JSON.parse(line) as LoggedCall;
  } catch {
    return undefined;
  }
}

function userKey(datasetGroupArn: string, userId: string): string {
  return `${datasetGroupArn}\n${userId}`;
}
