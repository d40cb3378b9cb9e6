import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from '@jest/globals';
import { LocalS3Store } from '../../local/s3/s3-store';

let dir: string;
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

test('a missing bucket is "not found", but any other file-system error surfaces as itself', () => {
  dir = mkdtempSync(join(tmpdir(), 'local-s3-errors-'));
  const store = new LocalS3Store(dir);
  expect(store.bucketExists('missing-bucket')).toBe(false);
  // A symbolic link to itself: stat fails with ELOOP, which is no "not found".
  symlinkSync('looping-bucket', join(dir, 'looping-bucket'));
  expect(() => store.bucketExists('looping-bucket')).toThrow(expect.objectContaining({ code: 'ELOOP' }));
});
