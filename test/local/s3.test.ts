/**
 * Local S3, driven by the unchanged SDK S3Client through AWS_ENDPOINT_URL_S3 (path-style, as the SDK
 * chooses for an IP endpoint), and by raw HTTP for what the SDK would never send: traversal attempts,
 * malformed requests, and a seeded fuzz. Keys stay inside their bucket's directory; nothing answers 500.
 */
import { expect } from '@jest/globals';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchBucket,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { startS3StandIn, type S3StandIn } from '../../local/s3/s3';
import { temporaryDirectory } from './helpers';

/** A SigV4 Authorization header as the SDK sends it (local S3 does not verify the signature). */
const SIGNED = {
  authorization:
    'AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00',
};

/** One raw HTTP exchange, the path sent byte for byte (fetch would normalise `..`); signed unless `anonymous`. */
function raw(
  endpoint: string,
  method: string,
  path: string,
  body?: Buffer | string,
  headers: Record<string, string> = {},
  anonymous = false,
): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(endpoint);
  const sent = anonymous ? headers : { ...SIGNED, ...headers };
  return new Promise((resolve, reject) => {
    const call = request({ hostname, port, method, path, headers: sent }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
      );
    });
    call.on('error', reject);
    call.end(body);
  });
}

describe('local S3 (the S3 stand-in)', () => {
  let dir: ReturnType<typeof temporaryDirectory>;
  let s3: S3StandIn;
  let client: S3Client;
  let previousEndpoint: string | undefined;
  const s3Dir = () => join(dir.path, 's3');

  beforeAll(async () => {
    dir = temporaryDirectory('local-s3');
    s3 = await startS3StandIn({ port: 0, dir: s3Dir(), recordCalls: true, maxObjectBytes: 1024 * 1024 });
    s3.store.createBucket('bucket');
    // A client built as the handlers build theirs: the endpoint from the standard variable, which the SDK
    // reads when it first resolves the endpoint (so it stays set for the suite).
    previousEndpoint = process.env.AWS_ENDPOINT_URL_S3;
    process.env.AWS_ENDPOINT_URL_S3 = s3.endpoint;
    client = new S3Client({
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
    });
  });
  afterAll(async () => {
    if (previousEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL_S3;
    else process.env.AWS_ENDPOINT_URL_S3 = previousEndpoint;
    client.destroy();
    await s3.close();
    dir.remove();
  });

  it('puts, heads, gets and deletes an object, stored as a file of the bucket directory', async () => {
    const key = 'consumer/2026/01/02/a b+ü.json';
    const put = await client.send(
      new PutObjectCommand({ Bucket: 'bucket', Key: key, Body: '{"a":1}', ContentType: 'application/json' }),
    );
    expect(put.ETag).toBe(`"${createHash('md5').update('{"a":1}').digest('hex')}"`);
    expect(readFileSync(join(s3Dir(), 'bucket', 'consumer', '2026', '01', '02', 'a b+ü.json'), 'utf8')).toBe(
      '{"a":1}',
    );
    const head = await client.send(new HeadObjectCommand({ Bucket: 'bucket', Key: key }));
    expect(head.ContentLength).toBe(7);
    expect(head.ETag).toBe(put.ETag);
    const got = await client.send(new GetObjectCommand({ Bucket: 'bucket', Key: key }));
    expect(await got.Body?.transformToString()).toBe('{"a":1}');

    await client.send(new DeleteObjectCommand({ Bucket: 'bucket', Key: key }));
    expect(existsSync(join(s3Dir(), 'bucket', 'consumer'))).toBe(false); // empty directories go too
    await expect(client.send(new GetObjectCommand({ Bucket: 'bucket', Key: key }))).rejects.toBeInstanceOf(
      NoSuchKey,
    );
    await expect(client.send(new HeadObjectCommand({ Bucket: 'bucket', Key: key }))).rejects.toMatchObject({
      name: 'NotFound',
      $metadata: { httpStatusCode: 404 },
    });
    // Deleting what is not there succeeds, as on S3.
    await client.send(new DeleteObjectCommand({ Bucket: 'bucket', Key: key }));
  });

  it('takes a streamed (aws-chunked) upload with its trailing CRC32', async () => {
    await client.send(
      new PutObjectCommand({
        Bucket: 'bucket',
        Key: 'streamed',
        Body: Readable.from([Buffer.from('hello '), Buffer.from('world')]),
        ContentLength: 11,
      }),
    );
    expect(readFileSync(join(s3Dir(), 'bucket', 'streamed'), 'utf8')).toBe('hello world');
  });

  it('answers the errors the SDK turns into its exception classes', async () => {
    await expect(
      client.send(new GetObjectCommand({ Bucket: 'no-such-bucket', Key: 'k' })),
    ).rejects.toBeInstanceOf(NoSuchBucket);
    const missing = await raw(s3.endpoint, 'GET', '/bucket/missing');
    expect(missing.status).toBe(404);
    expect(missing.text).toMatch(/<Error><Code>NoSuchKey<\/Code><Message>[^<]+<\/Message>/);
    const badDigest = await raw(s3.endpoint, 'PUT', '/bucket/k', 'body', {
      'x-amz-checksum-crc32': 'AAAAAA==',
    });
    expect(badDigest).toMatchObject({ status: 400, text: expect.stringContaining('BadDigest') });
    expect(existsSync(join(s3Dir(), 'bucket', 'k'))).toBe(false);
  });

  it('lists with prefix, delimiter, start-after, max-keys and continuation tokens', async () => {
    s3.store.createBucket('listing');
    const keys = ['a/1', 'a/2', 'a/3', 'b/1', 'b/x/2', 'c'];
    for (const key of keys)
      await client.send(new PutObjectCommand({ Bucket: 'listing', Key: key, Body: key }));

    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: 'listing', MaxKeys: 2, ContinuationToken: token }),
      );
      pages.push((page.Contents ?? []).map((object) => object.Key ?? ''));
      expect(page.KeyCount).toBe(page.Contents?.length);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    expect(pages).toEqual([
      ['a/1', 'a/2'],
      ['a/3', 'b/1'],
      ['b/x/2', 'c'],
    ]);

    const prefixed = await client.send(new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'b/' }));
    expect(prefixed.Contents?.map((object) => [object.Key, object.Size])).toEqual([
      ['b/1', 3],
      ['b/x/2', 5],
    ]);
    const grouped = await client.send(
      new ListObjectsV2Command({ Bucket: 'listing', Delimiter: '/', MaxKeys: 2 }),
    );
    expect(grouped.CommonPrefixes?.map((prefix) => prefix.Prefix)).toEqual(['a/', 'b/']);
    const rest = await client.send(
      new ListObjectsV2Command({
        Bucket: 'listing',
        Delimiter: '/',
        ContinuationToken: grouped.NextContinuationToken,
      }),
    );
    expect(rest.Contents?.map((object) => object.Key)).toEqual(['c']);
    expect(rest.CommonPrefixes ?? []).toEqual([]);
    const after = await client.send(new ListObjectsV2Command({ Bucket: 'listing', StartAfter: 'b/1' }));
    expect(after.Contents?.map((object) => object.Key)).toEqual(['b/x/2', 'c']);
  });

  it('records each call as IAM authorizes it, with the access key id of its signature', async () => {
    const from = s3.calls.length;
    await client.send(new PutObjectCommand({ Bucket: 'bucket', Key: 'recorded', Body: 'x' }));
    await client.send(new ListObjectsV2Command({ Bucket: 'bucket', Prefix: 'rec' }));
    await client.send(new DeleteObjectCommand({ Bucket: 'bucket', Key: 'recorded' }));
    expect(s3.calls.slice(from)).toEqual([
      expect.objectContaining({
        action: 's3:PutObject',
        resources: ['arn:aws:s3:::bucket/recorded'],
        accessKeyId: 'AKIDTEST',
        status: 200,
      }),
      expect.objectContaining({ action: 's3:ListBucket', resources: ['arn:aws:s3:::bucket'] }),
      expect.objectContaining({ action: 's3:DeleteObject', status: 204 }),
    ]);
  });

  it('never lets a key leave its bucket directory', async () => {
    mkdirSync(join(dir.path, 'outside'), { recursive: true });
    writeFileSync(join(dir.path, 'outside', 'secret'), 'secret');
    symlinkSync(join(dir.path, 'outside'), join(s3Dir(), 'bucket', 'link'));
    const attempts = [
      ['PUT', '/bucket/../escaped'],
      ['PUT', '/bucket/%2e%2e/escaped'],
      ['PUT', '/bucket/a/%2E%2E/%2E%2E/escaped'],
      ['PUT', '/bucket/a%2f..%2f..%2fescaped'],
      ['PUT', '/bucket/link/escaped'],
      ['GET', '/bucket/link/secret'],
      ['GET', '/bucket/..%2f..%2foutside%2fsecret'],
      ['DELETE', '/bucket/link/secret'],
      ['PUT', '/..%2fescaped/key'],
      ['GET', '/bucket?list-type=2&prefix=..%2F'],
    ];
    for (const [method, path] of attempts) {
      const response = await raw(s3.endpoint, method!, path!, 'x');
      expect([path, response.status >= 400 && response.status < 500]).toEqual([path, true]);
      expect(response.text).not.toContain('secret</');
    }
    expect(existsSync(join(dir.path, 'escaped'))).toBe(false);
    expect(existsSync(join(dir.path, 'outside', 'escaped'))).toBe(false);
    expect(readFileSync(join(dir.path, 'outside', 'secret'), 'utf8')).toBe('secret');
  });

  it('refuses anonymous writes (PUT, DELETE, a new bucket) with 403 AccessDenied, as S3 does for a private bucket', async () => {
    await client.send(new PutObjectCommand({ Bucket: 'bucket', Key: 'guarded', Body: 'kept' }));
    for (const [method, path] of [
      ['PUT', '/bucket/guarded'],
      ['DELETE', '/bucket/guarded'],
      ['PUT', '/new-bucket'],
    ] as const) {
      const response = await raw(
        s3.endpoint,
        method,
        path,
        method === 'PUT' ? 'forged' : undefined,
        {},
        true,
      );
      expect([method, path, response.status]).toEqual([method, path, 403]);
      expect(response.text).toContain('<Code>AccessDenied</Code>');
    }
    const kept = await client.send(new GetObjectCommand({ Bucket: 'bucket', Key: 'guarded' }));
    expect(await kept.Body?.transformToString()).toBe('kept');
    expect(existsSync(join(s3Dir(), 'new-bucket'))).toBe(false);
    // A presigned URL is signed too.
    const presigned = await raw(
      s3.endpoint,
      'PUT',
      '/bucket/presigned?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDTEST%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=00',
      'x',
      {},
      true,
    );
    expect(presigned.status).toBe(200);
  });

  it('answers malformed requests with a 4xx and keeps serving', async () => {
    const cases: Array<[string, string, (Buffer | string)?, Record<string, string>?]> = [
      ['GET', '/bucket/%zz'],
      ['GET', '/bucket?list-type=2&max-keys=-1'],
      ['GET', '/bucket?list-type=2&max-keys=ten'],
      ['GET', '/bucket?list-type=2&continuation-token=garbage'],
      ['GET', '/bucket?list-type=2&encoding-type=base64'],
      ['PUT', '/bucket/chunked', 'zz\r\nnot chunked', { 'content-encoding': 'aws-chunked' }],
      ['PUT', '/bucket/short', '5\r\nab', { 'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER' }],
      ['PUT', '/bucket/trailing/', 'x'],
      ['PUT', '/bucket/a//b', 'x'],
      ['PUT', '/bucket/ctl%01', 'x'],
      ['PUT', `/bucket/${'k'.repeat(1100)}`, 'x'],
      ['PUT', '/bucket/big', Buffer.alloc(1024 * 1024 + 1)],
      ['PUT', '/Bad_Bucket/key', 'x'],
      ['PATCH', '/bucket/key', 'x'],
      ['GET', '/bucket/key', undefined, { 'x-amz-content-sha256': 'nonsense' }],
    ];
    for (const [method, path, body, headers] of cases) {
      const response = await raw(s3.endpoint, method, path, body, headers);
      expect([method, path.slice(0, 40), response.status >= 400 && response.status < 500]).toEqual([
        method,
        path.slice(0, 40),
        true,
      ]);
    }
    // a key and a longer key under it cannot both be files
    await client.send(new PutObjectCommand({ Bucket: 'bucket', Key: 'leaf', Body: 'x' }));
    await expect(
      client.send(new PutObjectCommand({ Bucket: 'bucket', Key: 'leaf/child', Body: 'x' })),
    ).rejects.toMatchObject({ name: 'InvalidArgument' });
    // unsupported operations say so
    const acl = await raw(s3.endpoint, 'GET', '/bucket/leaf?acl');
    expect(acl).toMatchObject({ status: 501, text: expect.stringContaining('NotImplemented') });
    const still = await client.send(new GetObjectCommand({ Bucket: 'bucket', Key: 'leaf' }));
    expect(await still.Body?.transformToString()).toBe('x');
  });

  it('survives a seeded fuzz of methods, paths, queries, headers and bodies without a 500', async () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
    const pieces = [
      'bucket',
      'listing',
      '..',
      '.',
      '%2e%2e',
      '%2F',
      '%',
      '%00',
      'a',
      '',
      'ü',
      '~',
      '%ff',
      '?',
    ];
    const queries = [
      '',
      '?list-type=2',
      '?list-type=2&max-keys=1',
      '?x-id=PutObject',
      '?acl',
      '?&&=',
      '?list-type=2&continuation-token=%25',
    ];
    const bodies = ['', 'x', '0\r\n\r\n', '1\r\nab\r\n0\r\n', Buffer.from([0, 255, 1])];
    for (let index = 0; index < 300; index += 1) {
      const path = `/${Array.from({ length: 1 + Math.floor(random() * 4) }, () => pick(pieces)).join('/')}${pick(queries)}`;
      const headers: Record<string, string> = random() < 0.3 ? { 'content-encoding': 'aws-chunked' } : {};
      if (random() < 0.2) headers['x-amz-checksum-crc32'] = 'bad';
      const response = await raw(
        s3.endpoint,
        pick(['GET', 'PUT', 'HEAD', 'DELETE', 'POST']),
        path,
        pick(bodies),
        headers,
      );
      expect([path, response.status === 500]).toEqual([path, false]);
    }
    expect(existsSync(join(dir.path, 'a'))).toBe(false);
    const alive = await client.send(new ListObjectsV2Command({ Bucket: 'listing' }));
    expect(alive.$metadata.httpStatusCode).toBe(200);
  });

  it('is an S3ServiceException with the code S3 uses, for any error', async () => {
    const error = await client
      .send(new PutObjectCommand({ Bucket: 'bucket', Key: 'x/../y', Body: 'x' }))
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(S3ServiceException);
    expect(error).toMatchObject({ name: 'InvalidArgument', $metadata: { httpStatusCode: 400 } });
  });
});
