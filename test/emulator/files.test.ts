/**
 * The atomic write every local store uses (control-plane state, the live-data snapshot, local S3 objects):
 * the target is the old file or the new one, whole, and a failed write leaves no temporary file behind.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeAll, writeFileAtomically } from '../../local/shared/files';

describe('writeFileAtomically', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'files-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('replaces the file with the new content, from a string, bytes or a writer, leaving only the file', () => {
    const file = join(dir, 'state.json');
    writeFileAtomically(file, 'first');
    expect(readFileSync(file, 'utf8')).toBe('first');
    writeFileAtomically(file, Buffer.from('second'));
    expect(readFileSync(file, 'utf8')).toBe('second');
    writeFileAtomically(file, (fd) => {
      writeAll(fd, Buffer.from('thi'));
      writeAll(fd, Buffer.from('rd'));
    });
    expect(readFileSync(file, 'utf8')).toBe('third');
    expect(readdirSync(dir)).toEqual(['state.json']);
  });

  it('keeps the old file whole and removes the temporary file when the write fails part-way', () => {
    const file = join(dir, 'state.json');
    writeFileAtomically(file, 'old');
    expect(() =>
      writeFileAtomically(file, (fd) => {
        writeAll(fd, Buffer.from('half of the n'));
        throw new Error('disk gone');
      }),
    ).toThrow('disk gone');
    expect(readFileSync(file, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['state.json']);
  });

  it('writes through the temporary file named, and refuses one that exists when exclusive', () => {
    const file = join(dir, 'object');
    const temporary = join(dir, '.upload');
    writeFileAtomically(file, 'a', { temporary, exclusive: true });
    expect(readFileSync(file, 'utf8')).toBe('a');
    expect(existsSync(temporary)).toBe(false);

    writeFileSync(temporary, 'another writer');
    expect(() => writeFileAtomically(file, 'b', { temporary, exclusive: true })).toThrow(/EEXIST/);
    expect(readFileSync(file, 'utf8')).toBe('a');
    expect(readFileSync(temporary, 'utf8')).toBe('another writer');
  });

  it('fails with the rename error when the target is a directory, leaving the directory as it was', () => {
    const target = join(dir, 'taken');
    mkdirSync(join(target, 'child'), { recursive: true });
    expect(() => writeFileAtomically(target, 'y')).toThrow(/EISDIR|ENOTEMPTY|EEXIST/);
    expect(readdirSync(dir)).toEqual(['taken']);
    expect(readdirSync(target)).toEqual(['child']);
  });
});
