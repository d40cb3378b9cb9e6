/**
 * The EMF tap of local mode: the functions' EMF lines leave stdout for the state directory's metrics file and
 * the metric store; every other write passes through.
 */
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
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

  it('keeps the file open while tapping (a turn costs one write, not an open and a close too), and closes it when stopped', async () => {
    /** This process's descriptors open on the file (Linux's /proc). */
    const descriptorsOnFile = () =>
      readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`) === file;
        } catch {
          return false;
        }
      });
    const stop = tapEmfLines(file, () => undefined);
    try {
      process.stdout.write(`${EMF(7)}\n`);
      await nextTurn();
      const open = descriptorsOnFile();
      expect(open).toHaveLength(1);
      for (const value of [8, 9]) {
        process.stdout.write(`${EMF(value)}\n`);
        await nextTurn();
      }
      expect(readFileSync(file, 'utf8')).toBe(`${EMF(7)}\n${EMF(8)}\n${EMF(9)}\n`);
      expect(descriptorsOnFile()).toEqual(open);
    } finally {
      stop();
    }
    expect(descriptorsOnFile()).toEqual([]);
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
