import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IMPRESSIONS_CHECKPOINT, IMPRESSIONS_LOG, Impressions } from '../../local/personalize/impressions';

// Impressions are live state (local/personalize/impressions.ts): each PutEvents call that changes a user's counts is
// appended to impressions.jsonl before it is answered, folded into impressions.json past a size; a new instance on
// the same directory (a restart, or a start after a crash) has the same counts, never counted twice.

const GROUP = 'arn:aws:personalize:us-east-1:000000000000:dataset-group/g';

describe('impressions kept in the state directory', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'impressions-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Shows a list to u1 twice (once by recommendationId, once listed) and has them click one of its items. */
  function showAndClick(impressions: Impressions): void {
    impressions.remember('RID-1', GROUP, ['a', 'b', 'c']);
    impressions.record(GROUP, 'u1', [{ itemId: 'a', recommendationId: 'RID-1' }]);
    impressions.record(GROUP, 'u1', [{ itemId: 'x', impression: ['x', 'b', 'd'] }]);
    impressions.record(GROUP, 'u1', [{ itemId: 'd' }]);
  }
  const counts = (impressions: Impressions, user = 'u1') => [
    ...(impressions.ignoredBy(GROUP, user) ?? new Map<string, number>()),
  ];

  it('a new instance on the directory has every count, without a checkpoint (as after kill -9)', () => {
    const first = new Impressions(dir);
    showAndClick(first);
    expect(counts(first)).toEqual([
      ['c', 1],
      ['b', 2],
    ]);
    expect(existsSync(join(dir, IMPRESSIONS_CHECKPOINT))).toBe(false);
    expect(counts(new Impressions(dir))).toEqual(counts(first));
  });

  it('a list cited again after a restart is not counted twice for the same user', () => {
    const first = new Impressions(dir);
    showAndClick(first);
    first.checkpoint();
    const second = new Impressions(dir);
    second.record(GROUP, 'u1', [{ itemId: 'z', recommendationId: 'RID-1' }]);
    expect(counts(second)).toEqual(counts(first));
    // Another user citing it counts it: the list itself was kept by the checkpoint.
    second.record(GROUP, 'u2', [{ itemId: 'a', recommendationId: 'RID-1' }]);
    expect(counts(second, 'u2')).toEqual([
      ['b', 1],
      ['c', 1],
    ]);
  });

  it('past its size the log is folded into the checkpoint, and a crash between the two counts nothing twice', () => {
    const first = new Impressions(dir, 200);
    showAndClick(first);
    expect(existsSync(join(dir, IMPRESSIONS_CHECKPOINT))).toBe(true);
    expect(statSync(join(dir, IMPRESSIONS_LOG)).size).toBeLessThan(200);
    // The crash: the checkpoint written, the log not yet emptied.
    const logged = readFileSync(join(dir, IMPRESSIONS_LOG), 'utf8');
    first.record(GROUP, 'u1', [{ itemId: 'y', impression: ['y', 'e'] }]);
    const log = readFileSync(join(dir, IMPRESSIONS_LOG), 'utf8');
    first.checkpoint();
    writeFileSync(join(dir, IMPRESSIONS_LOG), logged + log);
    expect(counts(new Impressions(dir, 200))).toEqual(counts(first));
  });

  it('a torn last line is dropped and the next call is logged on a line of its own', () => {
    const first = new Impressions(dir);
    showAndClick(first);
    appendFileSync(join(dir, IMPRESSIONS_LOG), '{"n":99,"g":"');
    const second = new Impressions(dir);
    expect(counts(second)).toEqual(counts(first));
    second.record(GROUP, 'u1', [{ itemId: 'q', impression: ['q', 'c'] }]);
    expect(counts(new Impressions(dir))).toEqual([
      ['b', 2],
      ['c', 2],
    ]);
  });

  it('without a state directory nothing is written', () => {
    const impressions = new Impressions();
    showAndClick(impressions);
    impressions.checkpoint();
    expect(counts(impressions)).toHaveLength(2);
  });
});
