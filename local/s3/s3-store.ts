/**
 * Local S3's storage: a bucket is a subdirectory of one directory (the `s3Dir` from which the Personalize
 * emulator also reads `s3://bucket/key`), an object is a file under it, and each `/` of a key is a directory
 * separator. Shared by the S3 stand-in's HTTP API (local/s3/s3.ts) and by local mode's own writers (the event
 * source mapping's on-failure records). Synchronous: a write is on disk when the call returns.
 *
 * What a directory cannot hold is refused with `InvalidArgument` instead of being stored somewhere else: keys
 * with an empty, `.` or `..` segment (so also a key ending in `/`), control characters, a segment over 255
 * bytes, or both `a` and `a/b`. No key ever resolves outside its bucket's directory.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmdirSync,
  statSync,
  unlinkSync,
  type Stats,
} from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { writeFileAtomically } from '../shared/files';

/** An error as S3 answers it: HTTP status, error code, message. */
export class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

export interface S3ObjectInfo {
  readonly key: string;
  readonly size: number;
  readonly lastModified: Date;
  /** The quoted MD5 of the content, as S3 gives it for a single-part upload. */
  readonly etag: string;
}

export interface ListOptions {
  readonly prefix?: string;
  /**
   * Where the page starts: after this key (ListObjectsV2's StartAfter, or a page that ended on a key), or after
   * every key under this common prefix (a page that ended on one).
   */
  readonly after?: { readonly value: string; readonly isPrefix: boolean };
  /** @default 1000 (S3 never returns more) */
  readonly maxKeys?: number;
  readonly delimiter?: string;
}

export interface ListResult {
  readonly objects: readonly S3ObjectInfo[];
  readonly commonPrefixes: readonly string[];
  readonly isTruncated: boolean;
  /** The last key or common prefix returned, when truncated: the next page starts after it. */
  readonly lastReturned?: { readonly value: string; readonly isPrefix: boolean };
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const MAX_KEY_BYTES = 1024;
const MAX_SEGMENT_BYTES = 255;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/** Compares keys as S3 orders them: by their UTF-8 bytes. */
function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function validateBucketName(bucket: string): void {
  if (!BUCKET_NAME.test(bucket) || bucket.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(bucket)) {
    throw new S3Error(
      400,
      'InvalidBucketName',
      `The specified bucket is not valid: ${JSON.stringify(bucket)}`,
    );
  }
}

function validateKey(key: string): void {
  const invalid = (why: string) =>
    new S3Error(400, 'InvalidArgument', `Local S3 cannot store the key ${JSON.stringify(key)}: ${why}`);
  if (key === '') throw invalid('a key must not be empty');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    throw new S3Error(400, 'KeyTooLongError', 'Your key is too long (at most 1024 bytes)');
  }
  if (CONTROL_CHARACTERS.test(key)) throw invalid('control characters are not supported');
  for (const segment of key.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw invalid('no segment between slashes may be empty, "." or ".."');
    }
    if (Buffer.byteLength(segment, 'utf8') > MAX_SEGMENT_BYTES) throw invalid('a segment exceeds 255 bytes');
  }
}

export class LocalS3Store {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
    mkdirSync(this.dir, { recursive: true });
  }

  createBucket(bucket: string): void {
    validateBucketName(bucket);
    mkdirSync(join(this.dir, bucket), { recursive: true });
  }

  bucketExists(bucket: string): boolean {
    validateBucketName(bucket);
    try {
      return statSync(join(this.dir, bucket)).isDirectory();
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  /** Writes an object (write, fsync, rename: a reader never sees half of it). */
  putObject(
    bucket: string,
    key: string,
    body: Buffer,
    options: { ifNoneMatch?: boolean } = {},
  ): S3ObjectInfo {
    const path = this.objectPath(bucket, key);
    if (options.ifNoneMatch && this.statObject(path)) {
      throw new S3Error(
        412,
        'PreconditionFailed',
        'At least one of the pre-conditions you specified did not hold',
      );
    }
    this.makeParentDirectories(bucket, key, path);
    const temporary = join(dirname(path), `.${randomUUID()}.s3-upload`);
    try {
      writeFileAtomically(path, body, { temporary, exclusive: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EISDIR' || code === 'ENOTEMPTY' || code === 'EEXIST') throw keyConflict(key);
      throw error;
    }
    return { key, size: body.length, lastModified: new Date(), etag: etagOf(body) };
  }

  getObject(bucket: string, key: string): { readonly body: Buffer; readonly info: S3ObjectInfo } {
    const path = this.objectPath(bucket, key);
    const stats = this.statObject(path);
    if (!stats) throw noSuchKey(key);
    const body = readFileSync(path);
    return { body, info: { key, size: body.length, lastModified: stats.mtime, etag: etagOf(body) } };
  }

  headObject(bucket: string, key: string): S3ObjectInfo {
    return this.getObject(bucket, key).info;
  }

  /** Deletes an object (a missing one is no error, as on S3) and the directories it leaves empty. */
  deleteObject(bucket: string, key: string): void {
    const path = this.objectPath(bucket, key);
    if (!this.statObject(path)) return;
    unlinkSync(path);
    const bucketDir = join(this.dir, bucket);
    for (let directory = dirname(path); directory !== bucketDir; directory = dirname(directory)) {
      try {
        rmdirSync(directory);
      } catch {
        return; // not empty (or already gone): stop
      }
    }
  }

  /** One page of the bucket's keys in S3's order, as ListObjectsV2 pages them. */
  listObjects(bucket: string, options: ListOptions = {}): ListResult {
    const bucketDir = this.bucketDir(bucket);
    const prefix = options.prefix ?? '';
    const keys = listKeys(bucketDir, prefix)
      .filter((key) => isAfter(key, options.after))
      .sort(compareKeys);
    return pageKeys(keys, prefix, Math.min(options.maxKeys ?? 1000, 1000), options.delimiter, (key) =>
      this.headObject(bucket, key),
    );
  }

  /** The file of an object: inside its bucket's directory, whatever the key or a symbolic link says. */
  objectPath(bucket: string, key: string): string {
    const bucketDir = this.bucketDir(bucket);
    validateKey(key);
    const path = join(bucketDir, ...key.split('/'));
    if (!isInside(bucketDir, path))
      throw new S3Error(400, 'InvalidArgument', `Invalid key ${JSON.stringify(key)}`);
    assertNoLinkOut(bucketDir, path);
    return path;
  }

  private bucketDir(bucket: string): string {
    validateBucketName(bucket);
    const path = join(this.dir, bucket);
    if (!this.bucketExists(bucket)) {
      throw new S3Error(404, 'NoSuchBucket', `The specified bucket does not exist: ${bucket}`);
    }
    return path;
  }

  /** The object's stats; undefined if there is no such object (missing, or a directory: a key prefix). */
  private statObject(path: string): Stats | undefined {
    try {
      const stats = statSync(path);
      return stats.isFile() ? stats : undefined;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  private makeParentDirectories(bucket: string, key: string, path: string): void {
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR' || code === 'EEXIST') throw keyConflict(key);
      throw error;
    }
    assertNoLinkOut(join(this.dir, bucket), path);
  }
}

/** Every key under the bucket directory that starts with the prefix (walking only the prefix's directory). */
function listKeys(bucketDir: string, prefix: string): string[] {
  const base = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/') + 1) : '';
  const baseSegments = base.split('/').slice(0, -1);
  // A prefix with an empty, "." or ".." segment matches no valid key (and must not walk elsewhere).
  if (baseSegments.some((segment) => segment === '' || segment === '.' || segment === '..')) return [];
  const keys: string[] = [];
  const walk = (directory: string, keyPrefix: string) => {
    let entries;
    try {
      entries = readdirSync(directory, { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return; // the prefix names no directory: no keys
      throw error;
    }
    for (const entry of entries) {
      const key = `${keyPrefix}${entry.name}`;
      if (entry.isDirectory()) walk(join(directory, entry.name), `${key}/`);
      else if (entry.isFile() && !isUpload(entry.name) && key.startsWith(prefix)) keys.push(key);
    }
  };
  walk(join(bucketDir, ...baseSegments), base);
  return keys;
}

/** Takes up to maxKeys keys or common prefixes (each counts one, as on S3) from sorted keys. */
function pageKeys(
  keys: readonly string[],
  prefix: string,
  maxKeys: number,
  delimiter: string | undefined,
  info: (key: string) => S3ObjectInfo,
): ListResult {
  const objects: S3ObjectInfo[] = [];
  const commonPrefixes: string[] = [];
  if (maxKeys <= 0) return { objects, commonPrefixes, isTruncated: false };
  let lastReturned: ListResult['lastReturned'];
  for (const key of keys) {
    const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
    const common = cut >= 0 ? key.slice(0, cut + (delimiter?.length ?? 0)) : undefined;
    if (common !== undefined && common === commonPrefixes[commonPrefixes.length - 1]) continue;
    if (objects.length + commonPrefixes.length >= maxKeys) {
      return { objects, commonPrefixes, isTruncated: true, ...(lastReturned ? { lastReturned } : {}) };
    }
    if (common !== undefined) {
      commonPrefixes.push(common);
      lastReturned = { value: common, isPrefix: true };
    } else {
      objects.push(info(key));
      lastReturned = { value: key, isPrefix: false };
    }
  }
  return { objects, commonPrefixes, isTruncated: false };
}

function isAfter(key: string, after: ListOptions['after']): boolean {
  if (!after) return true;
  if (after.isPrefix && key.startsWith(after.value)) return false;
  return compareKeys(key, after.value) > 0;
}

function isUpload(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.s3-upload');
}

/** True if path is strictly inside directory (both absolute). */
function isInside(directory: string, path: string): boolean {
  const relation = relative(directory, path);
  return relation !== '' && !isAbsolute(relation) && !relation.split(sep).includes('..');
}

/** Refuses a path whose existing part resolves, through a symbolic link, outside the bucket's directory. */
function assertNoLinkOut(bucketDir: string, path: string): void {
  let existing = path;
  while (existing !== bucketDir && !exists(existing)) existing = dirname(existing);
  const real = realpathSync(existing);
  const realBucket = realpathSync(bucketDir);
  if (real !== realBucket && !isInside(realBucket, real)) {
    throw new S3Error(403, 'AccessDenied', 'The key resolves outside its bucket in local S3');
  }
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}

/**
 * The file-system errors that mean "no such file" (a missing path, a file where a directory of the path
 * should be, a name longer than a file can have); any other (permissions, I/O) is a real failure and
 * surfaces as one, not as "not found".
 */
function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENAMETOOLONG';
}

function etagOf(body: Buffer): string {
  return `"${createHash('md5').update(body).digest('hex')}"`;
}

function noSuchKey(key: string): S3Error {
  return new S3Error(404, 'NoSuchKey', `The specified key does not exist: ${key}`);
}

function keyConflict(key: string): S3Error {
  return new S3Error(
    400,
    'InvalidArgument',
    `Local S3 cannot store ${JSON.stringify(key)}: a key and a longer key under "${key}/" cannot both exist in a directory`,
  );
}
