import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Interaction, Item } from '../../local/personalize/model/types';
import { EmulatorStore, type LiveRecordInput } from '../../local/personalize/store';
import { LIVE_LOG, LIVE_SNAPSHOT } from '../../local/personalize/storage/live-store';
import { seededRandom } from '../../data/random';

// The store's live data (PutEvents, PutItems, PutUsers) without HTTP: the cost of a recommendation's
// live context, its answers against a straightforward reference, compaction, and event ids.

const GROUP = 'arn:aws:personalize:us-east-1:000000000000:dataset-group/live';
const TRACKER = 'arn:aws:personalize:us-east-1:000000000000:event-tracker/0000aaaa';

function event(userId: string, itemId: string, timestamp: number, eventId?: string): LiveRecordInput {
  return {
    kind: 'event',
    datasetGroupArn: GROUP,
    trackerArn: TRACKER,
    sessionId: `session-${userId}`,
    ...(eventId === undefined ? {} : { eventId }),
    interaction: { userId, itemId, eventType: timestamp % 3 === 0 ? 'watch' : 'click', timestamp },
  };
}

function putItem(itemId: string, genre: string): LiveRecordInput {
  return { kind: 'item', datasetGroupArn: GROUP, item: { itemId, genres: [genre], year: '2024' } };
}

/** A state directory whose resources.json holds the dataset group, so a restart keeps its live data. */
function stateDirWithGroup(): string {
  const dir = mkdtempSync(join(tmpdir(), 'live-store-'));
  const group = { kind: 'datasetGroup', arn: GROUP, name: 'live', status: 'ACTIVE' };
  writeFileSync(join(dir, 'resources.json'), JSON.stringify({ resources: [group] }));
  return dir;
}

/** The records, with their log positions, as the store is fed them: the reference's input. */
class Reference {
  readonly records: (LiveRecordInput & { seq: number })[] = [];

  add(store: EmulatorStore, records: LiveRecordInput[]): void {
    store.appendLive(records);
    let seq = store.liveSeq - records.length;
    for (const record of records) this.records.push({ ...record, seq: ++seq });
  }

  private events(after: number): Interaction[] {
    return this.records.flatMap((r) => (r.kind === 'event' && r.seq > after ? [r.interaction] : []));
  }

  userEventsAfter(userId: string, after: number): Interaction[] {
    return this.events(after).filter((e) => e.userId === userId);
  }

  itemsAfter(after: number): Item[] {
    const latest = new Map<string, Item>();
    for (const r of this.records) if (r.kind === 'item' && r.seq > after) latest.set(r.item.itemId, r.item);
    return [...latest.values()];
  }

  popularityAfter(after: number): [string, number][] {
    const counts = new Map<string, number>();
    for (const e of this.events(after)) counts.set(e.itemId, (counts.get(e.itemId) ?? 0) + 1);
    return [...counts];
  }
}

function expectSameAnswers(store: EmulatorStore, reference: Reference, cutoffs: number[], users: string[]) {
  for (const cutoff of cutoffs) {
    for (const userId of users)
      expect(store.userEventsAfter(GROUP, userId, cutoff)).toEqual(reference.userEventsAfter(userId, cutoff));
    expect(store.itemsAfter(GROUP, cutoff)).toEqual(reference.itemsAfter(cutoff));
    // Entries in order: the model sums them in this order.
    expect([...store.recentPopularityAfter(GROUP, cutoff)]).toEqual(reference.popularityAfter(cutoff));
  }
}

function randomRecords(next: () => number, count: number, start: number): LiveRecordInput[] {
  return Array.from({ length: count }, (_, i) =>
    next() < 0.1
      ? putItem(`item-${Math.floor(next() * 40)}`, `genre-${i % 5}`)
      : event(`user-${Math.floor(next() * 12)}`, `item-${Math.floor(next() * 60)}`, start + i),
  );
}

describe('live data: the cost of a recommendation', () => {
  /** The store's work for one recommendation's live context: what GetRecommendations asks it. */
  function workOfOneRecommendation(store: EmulatorStore, userId: string, cutoff: number): number {
    const group = store.liveGroup(GROUP);
    if (!group) throw new Error('no live data');
    const before = group.visited;
    store.userEventsAfter(GROUP, userId, cutoff);
    store.itemsAfter(GROUP, cutoff);
    store.recentPopularityAfter(GROUP, cutoff);
    return group.visited - before;
  }

  test('does not grow with the number of events: the same work at 1,000 and at 100,000 events', () => {
    const store = new EmulatorStore();
    const fill = (from: number, to: number) => {
      const batch: LiveRecordInput[] = [];
      for (let i = from; i < to; i++)
        batch.push(event(`user-${i % 997}`, `item-${i % 50}`, 1_700_000_000 + i));
      store.appendLive(batch);
    };
    fill(0, 500);
    const cutoff = store.liveSeq;
    fill(500, 1_000);
    store.appendLive([putItem('new-1', 'Drama'), event('reader', 'item-1', 1), event('reader', 'item-2', 2)]);
    workOfOneRecommendation(store, 'reader', cutoff); // the first call for a cutoff reads what followed it, once
    const at1k = workOfOneRecommendation(store, 'reader', cutoff);

    fill(1_000, 100_000);
    const at100k = workOfOneRecommendation(store, 'reader', cutoff);

    // The user's own two events; new items and popularity are kept up to date as records arrive.
    expect(at1k).toBe(2);
    expect(at100k).toBe(at1k);
  });

  test('answers as a scan of every event would, while events arrive and after a restart', () => {
    const dir = stateDirWithGroup();
    try {
      const next = seededRandom(7);
      let store = new EmulatorStore(dir, { compactLogBytes: 20_000 });
      const reference = new Reference();
      const cutoffs = [0];
      const users = ['user-0', 'user-3', 'user-11', 'nobody'];
      for (let round = 0; round < 8; round++) {
        reference.add(store, randomRecords(next, 150, round * 1000));
        cutoffs.push(store.liveSeq - Math.floor(next() * 100));
        expectSameAnswers(store, reference, cutoffs, users);
      }
      // Snapshot plus the log since: the same answers.
      store = new EmulatorStore(dir, { compactLogBytes: 20_000 });
      expectSameAnswers(store, reference, cutoffs, users);
      for (const cutoff of [0, 400, store.liveSeq]) {
        expect(store.eventsAfter(GROUP, cutoff, store.liveSeq - 5)).toEqual(
          reference.records.flatMap((r) =>
            r.kind === 'event' && r.seq > cutoff && r.seq <= store.liveSeq - 5 ? [r.interaction] : [],
          ),
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("reads at most the newest `limit` of a user's events, however many the user sent", () => {
    const store = new EmulatorStore();
    const batch: LiveRecordInput[] = [];
    for (let i = 0; i < 5_000; i++) batch.push(event('busy', `item-${i % 40}`, 1_700_000_000 + i));
    store.appendLive(batch);
    const group = store.liveGroup(GROUP)!;
    const before = group.visited;
    const newest = store.userEventsAfter(GROUP, 'busy', 0, 200);
    expect(group.visited - before).toBe(200);
    // The newest 200, oldest first, as the uncapped answer ends.
    expect(newest).toEqual(store.userEventsAfter(GROUP, 'busy', 0).slice(-200));
  });

  test("a user's profile costs the items it returns, not the user's history: kept current as their events arrive", () => {
    const store = new EmulatorStore();
    const group = () => store.liveGroup(GROUP)!;
    const send = (from: number, to: number) =>
      store.appendLive(
        Array.from({ length: to - from }, (_, k) =>
          event('busy', `item-${(from + k) % 5}`, 1_700_000_000 + from + k),
        ),
      );
    send(0, 10);
    store.userItemsAfter(GROUP, 'busy', 0, 200); // the first read walks the newest events, once
    const read = () => {
      const before = group().visited;
      const items = store.userItemsAfter(GROUP, 'busy', 0, 200);
      return { work: group().visited - before, items };
    };
    const at10 = read();
    send(10, 5_000);
    const at5000 = read();
    expect(at10.work).toBe(5);
    expect(at5000.work).toBe(5);
    // Each item once, at its latest event, in order of those events.
    expect(at5000.items.map((e) => [e.itemId, e.timestamp])).toEqual(
      [4995, 4996, 4997, 4998, 4999].map((i) => [`item-${i % 5}`, 1_700_000_000 + i]),
    );
  });

  test("a user's profile answers as their newest events reduced to items, while events arrive", () => {
    const store = new EmulatorStore();
    const reference = new Reference();
    const next = seededRandom(11);
    const users = ['user-0', 'user-3', 'user-11', 'nobody'];
    const cutoffs = [0];
    for (let round = 0; round < 10; round++) {
      reference.add(store, randomRecords(next, 120, round * 1000));
      cutoffs.push(store.liveSeq - Math.floor(next() * 200));
      for (const cutoff of cutoffs)
        for (const userId of users) {
          const newest = reference.userEventsAfter(userId, cutoff).slice(-7);
          const latest = new Map(newest.map((e) => [e.itemId, e]));
          const expected = newest.filter((e) => latest.get(e.itemId) === e);
          expect(store.userItemsAfter(GROUP, userId, cutoff, 7)).toEqual(expected);
        }
    }
  });

  test('popularity since a cutoff is one structure kept current in place: reading it between events copies nothing', () => {
    const store = new EmulatorStore();
    store.appendLive([event('u', 'a', 1)]);
    const cutoff = store.liveSeq;
    store.appendLive([event('u', 'a', 2)]);
    const held = store.recentPopularityAfter(GROUP, cutoff);
    const group = store.liveGroup(GROUP)!;
    const before = group.visited;
    for (let i = 0; i < 1_000; i++) {
      store.appendLive([event('u', `distinct-${i}`, 10 + i)]);
      // A read after each event, as GetRecommendations between PutEvents calls: the same structure, updated.
      expect(store.recentPopularityAfter(GROUP, cutoff)).toBe(held);
    }
    expect(group.visited).toBe(before);
    expect(held.get('a')).toBe(1);
    expect(held.get('distinct-999')).toBe(1);
    expect(held.size).toBe(1_001);
    // The log of the items since the cutoff, oldest first: what a model follows from where it last read.
    expect(held.eventCount).toBe(1_001);
    expect([held.itemOfEvent(0), held.itemOfEvent(1), held.itemOfEvent(1_000)]).toEqual([
      'a',
      'distinct-0',
      'distinct-999',
    ]);
  });
});

describe('live data: compaction', () => {
  let dir: string;
  beforeEach(() => (dir = stateDirWithGroup()));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const eventIdsOf = (store: EmulatorStore) =>
    store.eventsAfter(GROUP, 0).map((e) => `${e.userId}/${e.itemId}/${e.timestamp}`);

  test('a crash between writing the snapshot and emptying the log loses nothing and counts nothing twice', () => {
    const store = new EmulatorStore(dir);
    store.appendLive(Array.from({ length: 300 }, (_, i) => event(`u${i % 7}`, `i${i}`, i, `e${i}`)));
    const log = join(dir, LIVE_LOG);
    copyFileSync(log, `${log}.before`);
    store.compactLive();
    // The log as the crash left it: the snapshot written, the log not yet emptied.
    copyFileSync(`${log}.before`, log);
    rmSync(`${log}.before`);

    const restarted = new EmulatorStore(dir);
    expect(eventIdsOf(restarted)).toEqual(eventIdsOf(store));
    expect(restarted.liveSeq).toBe(300);
    restarted.appendLive([event('u1', 'after', 1_000)]);
    expect(restarted.liveSeq).toBe(301);
    expect(new EmulatorStore(dir).eventsAfter(GROUP, 0)).toHaveLength(301);
  });

  test('PutUsers records keep their metadata through the snapshot, a later record of a user replacing it', () => {
    const store = new EmulatorStore(dir);
    const user = (userId: string, fields?: Record<string, string[]>): LiveRecordInput => ({
      kind: 'user',
      datasetGroupArn: GROUP,
      userId,
      ...(fields ? { fields } : {}),
    });
    store.appendLive([
      user('u1', { MEMBERSHIP: ['gold'] }),
      user('u2'),
      user('u3', { MEMBERSHIP: ['silver'] }),
    ]);
    store.compactLive();
    store.appendLive([user('u3', { MEMBERSHIP: ['gold', 'vip'] })]);
    const expected = [
      ['u1', { MEMBERSHIP: ['gold'] }],
      ['u2', {}],
      ['u3', { MEMBERSHIP: ['gold', 'vip'] }],
    ];
    expect([...store.usersUpTo(GROUP, Infinity)]).toEqual(expected);
    const restarted = new EmulatorStore(dir);
    expect([...restarted.usersUpTo(GROUP, Infinity)]).toEqual(expected);
    // Up to the snapshot's position: u3's first record.
    expect(restarted.usersUpTo(GROUP, 3).get('u3')).toEqual({ MEMBERSHIP: ['silver'] });
  });

  test('a crash while writing the snapshot leaves the previous state whole', () => {
    const store = new EmulatorStore(dir);
    store.appendLive([event('u', 'i1', 1), event('u', 'i2', 2)]);
    store.compactLive();
    store.appendLive([event('u', 'i3', 3)]);
    writeFileSync(join(dir, `${LIVE_SNAPSHOT}.tmp`), 'NRTLIVE1 torn');

    expect(new EmulatorStore(dir).userEventsAfter(GROUP, 'u', 0).map((e) => e.itemId)).toEqual([
      'i1',
      'i2',
      'i3',
    ]);
  });

  test('the log is compacted once it passes its size, and a restart reads snapshot plus log', () => {
    const store = new EmulatorStore(dir, { compactLogBytes: 10_000 });
    for (let i = 0; i < 200; i++) store.appendLive([event(`u${i % 3}`, `i${i % 9}`, i, `id-${i}`)]);
    store.appendLive([putItem('fresh', 'Comedy'), { kind: 'user', datasetGroupArn: GROUP, userId: 'u9' }]);
    const restarted = new EmulatorStore(dir, { compactLogBytes: 10_000 });
    expect(restarted.eventsAfter(GROUP, 0)).toEqual(store.eventsAfter(GROUP, 0));
    expect(restarted.itemsAfter(GROUP, 0)).toEqual([{ itemId: 'fresh', genres: ['Comedy'], year: '2024' }]);
    expect(restarted.liveSeq).toBe(202);
    expect(restarted.isDuplicateEvent(GROUP, 'id-0')).toBe(true);
    expect(restarted.isDuplicateEvent(GROUP, 'id-199')).toBe(true);
    expect(restarted.isDuplicateEvent(GROUP, 'id-200')).toBe(false);
  });

  test('a deleted dataset group is not in the next snapshot', () => {
    const store = new EmulatorStore(dir);
    store.appendLive([event('u', 'i', 1)]);
    store.put({
      kind: 'datasetGroup',
      arn: GROUP,
      name: 'live',
      status: 'ACTIVE',
      creationDateTime: 0,
      lastUpdatedDateTime: 0,
    });
    store.remove(GROUP);
    store.compactLive();
    store.put({
      kind: 'datasetGroup',
      arn: GROUP,
      name: 'live',
      status: 'ACTIVE',
      creationDateTime: 0,
      lastUpdatedDateTime: 0,
    });
    expect(new EmulatorStore(dir).eventsAfter(GROUP, 0)).toEqual([]);
  });
});
