import { constants } from 'node:buffer';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmulatorStore } from '../../local/personalize/store';
import { LIVE_LOG } from '../../local/personalize/storage/live-store';

// A live-data log larger than the longest string V8 can make (about 512 MiB) loads: the store streams it
// line by line (it used to read it into one string and refused to start: "Cannot create a string longer
// than ..."), then compacts it.

const GROUP = 'arn:aws:personalize:us-east-1:000000000000:dataset-group/large';
const LINES = 600;
/** JSON allows whitespace after a value: each line is one small event plus about 1 MiB of it. */
const PADDING = Buffer.alloc(1 << 20, ' ');

test('a log of about 600 MiB, past the longest possible string, loads and is compacted', () => {
  const dir = mkdtempSync(join(tmpdir(), 'large-log-'));
  try {
    const group = { kind: 'datasetGroup', arn: GROUP, name: 'large', status: 'ACTIVE' };
    writeFileSync(join(dir, 'resources.json'), JSON.stringify({ resources: [group] }));
    const log = join(dir, LIVE_LOG);
    const fd = openSync(log, 'w');
    for (let seq = 1; seq <= LINES; seq++) {
      const record = {
        seq,
        kind: 'event',
        datasetGroupArn: GROUP,
        trackerArn: 'tracker',
        sessionId: `s${seq % 10}`,
        eventId: `e${seq}`,
        interaction: { userId: `u${seq % 10}`, itemId: `i${seq % 37}`, eventType: 'click', timestamp: seq },
      };
      writeSync(fd, JSON.stringify(record));
      writeSync(fd, PADDING);
      writeSync(fd, '\n');
    }
    closeSync(fd);
    expect(statSync(log).size).toBeGreaterThan(constants.MAX_STRING_LENGTH);

    const store = new EmulatorStore(dir);

    expect(store.eventsAfter(GROUP, 0)).toHaveLength(LINES);
    expect(store.liveSeq).toBe(LINES);
    expect(store.userEventsAfter(GROUP, 'u3', 590).map((e) => e.timestamp)).toEqual([593]);
    // Loading a log past the compaction size compacts it: the next start reads the snapshot.
    expect(statSync(log).size).toBe(0);
    expect(new EmulatorStore(dir).eventsAfter(GROUP, 0)).toEqual(store.eventsAfter(GROUP, 0));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
