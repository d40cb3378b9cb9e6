/**
 * The EMF tap of local mode: the functions' EMF lines leave stdout for the state directory's metrics file and
 * the metric store; every other write passes through.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { tapEmfLines } from '../../local/cloudwatch/emf-tap';

const EMF = (value: number) => `{"_aws":{"Timestamp":1,"CloudWatchMetrics":[]},"Value":${value}}`;

describe('tapEmfLines', () => {
  let dir: string;
  let file: string;
  let written: unknown[];
  let restoreWrite: () => void;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'emf-tap-'));
    file = join(dir, 'metrics', 'emf.log');
    written = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
      written.push(chunk);
      return true;
    });
    restoreWrite = () => spy.mockRestore();
  });

  afterEach(() => {
    restoreWrite();
    rmSync(dir, { recursive: true, force: true });
  });

  it('appends the lines of a turn to the file at its end, in order, and hands each to the store at once', async () => {
    const seen: string[] = [];
    const stop = tapEmfLines(file, (line) => seen.push(line));
    try {
      process.stdout.write(`${EMF(1)}\n`);
      process.stdout.write(`${EMF(2)}\n${EMF(3)}\n`);
      process.stdout.write('a log line\n');
      expect(seen).toEqual([EMF(1), EMF(2), EMF(3)]);
      await nextTurn();
      expect(readFileSync(file, 'utf8')).toBe(`${EMF(1)}\n${EMF(2)}\n${EMF(3)}\n`);
      process.stdout.write(EMF(4));
      await nextTurn();
      expect(readFileSync(file, 'utf8').trim().split('\n')).toEqual([EMF(1), EMF(2), EMF(3), EMF(4)]);
      expect(written).toEqual(['a log line\n']);
    } finally {
      stop();
    }
  });

  it('writes what is pending when stopped, and passes everything through after', () => {
    const stop = tapEmfLines(file, () => undefined);
    process.stdout.write(`${EMF(5)}\n`);
    stop();
    expect(readFileSync(file, 'utf8')).toBe(`${EMF(5)}\n`);
    process.stdout.write(`${EMF(6)}\n`);
    expect(written).toEqual([`${EMF(6)}\n`]);
  });
});
