/**
 * Local mode's S3: an HTTP server on 127.0.0.1 speaking enough of the S3 REST/XML protocol for the unchanged
 * SDK S3Client pointed at it with AWS_ENDPOINT_URL_S3 (an IP endpoint makes the SDK use path-style URLs,
 * `/<bucket>/<key>`): PutObject, GetObject, HeadObject, DeleteObject, ListObjectsV2 (prefix, delimiter,
 * start-after, continuation token, max-keys, encoding-type=url), HeadBucket and CreateBucket, over the
 * directory of local/s3/s3-store.ts. Errors are S3's XML (`<Error><Code>NoSuchKey</Code>...`), which the SDK
 * turns into its exception classes. Request bodies may be `aws-chunked` (the SDK's streaming uploads); the
 * checksums a request carries (CRC32, SHA-1, SHA-256, Content-MD5, the payload hash) are checked. Another
 * operation is answered 501 NotImplemented naming it; a malformed request gets a 4xx, never a crash.
 * Writes (PutObject, DeleteObject, CreateBucket) must be signed with SigV4, as S3 requires for a private
 * bucket; signatures are not verified. Objects keep no metadata: GetObject's Content-Type is S3's default.
 *
 * With `recordCalls`, each call is kept in `calls` as IAM sees it (action, resource ARNs, the access key
 * id of the SigV4 credential) for tests that check the stack's policies against what the code really does.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';
import { errorMessage } from '../../lambda/shared/service-errors';
import { answerOrDrop, readBody, sendReply } from '../shared/http';
import { closeServer, listenOn } from '../shared/listen';
import { LocalS3Store, S3Error, type ListResult, type S3ObjectInfo } from './s3-store';

export interface S3StandInOptions {
  /** Port on 127.0.0.1; 0 picks a free one. */
  readonly port: number;
  /** The directory standing for S3 (a bucket per subdirectory). */
  readonly dir: string;
  /** Keep every call in `calls`. @default false */
  readonly recordCalls?: boolean;
  /** Largest request body accepted. @default 100 MiB (S3's own limit for PutObject is 5 GiB) */
  readonly maxObjectBytes?: number;
  /** The environment variable that sets the port, named when it is taken. */
  readonly portVariable?: string;
}

type S3Operation =
  'PutObject' | 'GetObject' | 'HeadObject' | 'DeleteObject' | 'ListObjectsV2' | 'HeadBucket' | 'CreateBucket';

/** One call as IAM authorizes it (the shape of test/iam's Call, plus who made it and how it ended). */
export interface S3Call {
  readonly operation: S3Operation;
  /** The IAM action, e.g. `s3:PutObject` (ListObjectsV2 and HeadBucket are `s3:ListBucket`). */
  readonly action: string;
  /** `arn:aws:s3:::bucket/key` for an object, `arn:aws:s3:::bucket` for a bucket. */
  readonly resources: readonly string[];
  /** From the SigV4 credential (Authorization header or presigned URL); undefined for an anonymous call. */
  readonly accessKeyId?: string;
  /** The HTTP status answered. */
  readonly status: number;
  /** `http` for a request to the endpoint; `local` for a write local mode made itself as AWS would. */
  readonly via: 'http' | 'local';
}

export interface S3StandIn {
  /** `http://127.0.0.1:<port>`: the value of AWS_ENDPOINT_URL_S3. */
  readonly endpoint: string;
  readonly store: LocalS3Store;
  /** The calls recorded so far (empty unless recording). */
  readonly calls: readonly S3Call[];
  recordCalls(enabled: boolean): void;
  /** Records a call made without HTTP (e.g. the event source mapping's on-failure PutObject). */
  record(call: S3Call): void;
  close(): Promise<void>;
}

const IAM_ACTIONS: Record<S3Operation, string> = {
  PutObject: 's3:PutObject',
  GetObject: 's3:GetObject',
  HeadObject: 's3:GetObject',
  DeleteObject: 's3:DeleteObject',
  ListObjectsV2: 's3:ListBucket',
  HeadBucket: 's3:ListBucket',
  CreateBucket: 's3:CreateBucket',
};

/**
 * S3's sub-resources and features selected by a query parameter, none of which local S3 serves: a request
 * naming one is answered NotImplemented rather than treated as plain GetObject/PutObject. Other query
 * parameters are ignored, as S3 ignores them.
 */
const SUB_RESOURCES = new Set([
  'accelerate',
  'acl',
  'analytics',
  'attributes',
  'cors',
  'delete',
  'encryption',
  'intelligent-tiering',
  'inventory',
  'legal-hold',
  'lifecycle',
  'location',
  'logging',
  'metrics',
  'notification',
  'object-lock',
  'ownershipControls',
  'partNumber',
  'policy',
  'policyStatus',
  'publicAccessBlock',
  'replication',
  'requestPayment',
  'restore',
  'retention',
  'select',
  'tagging',
  'torrent',
  'uploadId',
  'uploads',
  'versionId',
  'versioning',
  'versions',
  'website',
]);

export async function startS3StandIn(options: S3StandInOptions): Promise<S3StandIn> {
  const store = new LocalS3Store(options.dir);
  const calls: S3Call[] = [];
  let recording = options.recordCalls ?? false;
  const record = (call: S3Call) => {
    if (recording) calls.push(call);
  };
  const maxObjectBytes = options.maxObjectBytes ?? 100 * 1024 * 1024;
  // No request, however malformed, may stop the server: every error is answered, or the connection dropped.
  const server: Server = createServer((request, response) => {
    handleRequest(request, response, store, maxObjectBytes, record).catch((error: unknown) => {
      const s3Error = new S3Error(500, 'InternalError', errorMessage(error));
      answerOrDrop(response, () => sendError(response, request.method, s3Error, newRequestId()));
    });
  });
  await listenOn(server, options.port, 'S3', options.portVariable);
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    store,
    get calls() {
      return calls;
    },
    recordCalls: (enabled) => {
      recording = enabled;
    },
    record,
    close: () => closeServer(server),
  };
}

interface Target {
  readonly bucket?: string;
  readonly key?: string;
  readonly query: URLSearchParams;
}

async function handleRequest(
  request: IncomingMessage,
  response: ServerResponse,
  store: LocalS3Store,
  maxObjectBytes: number,
  record: (call: S3Call) => void,
): Promise<void> {
  const requestId = newRequestId();
  const raw = await readBody(request, { maxBytes: maxObjectBytes });
  let call: Omit<S3Call, 'status'> | undefined;
  let status: number;
  try {
    if (raw.tooLarge)
      throw new S3Error(
        400,
        'EntityTooLarge',
        `The body exceeds local S3's limit of ${maxObjectBytes} bytes`,
      );
    const target = parseTarget(request.url);
    const operation = identifyOperation(request.method ?? '', target, request.headers);
    call = describeCall(operation, target, request);
    if (WRITES.has(operation) && !isSigned(request)) {
      throw new S3Error(
        403,
        'AccessDenied',
        `Anonymous ${operation} is refused: local S3 takes writes signed with SigV4 (the AWS SDK, the AWS CLI), as S3 does for a private bucket`,
      );
    }
    const result = runOperation(operation, target, raw.body, request.headers, store);
    status = result.status;
    send(
      response,
      result.status,
      { ...result.headers, 'x-amz-request-id': requestId },
      request.method === 'HEAD' ? undefined : result.body,
    );
  } catch (error) {
    const s3Error = error instanceof S3Error ? error : new S3Error(500, 'InternalError', errorMessage(error));
    status = s3Error.status;
    sendError(response, request.method, s3Error, requestId);
  }
  if (call) record({ ...call, status });
}

/** Bucket and key of a path-style URL, percent-decoded; `/bucket/` is the bucket itself. */
function parseTarget(url: string | undefined): Target {
  const text = url ?? '/';
  if (!text.startsWith('/')) throw new S3Error(400, 'InvalidURI', "Couldn't parse the specified URI.");
  const queryAt = text.indexOf('?');
  const path = queryAt < 0 ? text : text.slice(0, queryAt);
  const query = new URLSearchParams(queryAt < 0 ? '' : text.slice(queryAt + 1));
  const slash = path.indexOf('/', 1);
  const bucket = decode(slash < 0 ? path.slice(1) : path.slice(1, slash));
  const key = slash < 0 ? '' : decode(path.slice(slash + 1));
  return { ...(bucket ? { bucket } : {}), ...(key ? { key } : {}), query };
}

function decode(component: string): string {
  try {
    return decodeURIComponent(component);
  } catch {
    throw new S3Error(400, 'InvalidURI', "Couldn't parse the specified URI.");
  }
}

function identifyOperation(method: string, target: Target, headers: IncomingMessage['headers']): S3Operation {
  if (!['GET', 'HEAD', 'PUT', 'DELETE', 'POST'].includes(method)) {
    throw new S3Error(
      405,
      'MethodNotAllowed',
      `The specified method is not allowed against this resource: ${method}`,
    );
  }
  if (!target.bucket) throw notImplemented(method === 'GET' ? 'ListBuckets' : `${method} /`);
  const subResource = [...target.query.keys()].find((name) => SUB_RESOURCES.has(name));
  if (subResource) throw notImplemented(`the ?${subResource} sub-resource`);
  if (target.key === undefined) return identifyBucketOperation(method, target.query);
  if (method === 'PUT' && headers['x-amz-copy-source']) throw notImplemented('CopyObject');
  const operations: Record<string, S3Operation> = {
    PUT: 'PutObject',
    GET: 'GetObject',
    HEAD: 'HeadObject',
    DELETE: 'DeleteObject',
  };
  const operation = operations[method];
  if (!operation) throw notImplemented(`${method} on an object`);
  return operation;
}

function identifyBucketOperation(method: string, query: URLSearchParams): S3Operation {
  if (method === 'GET' && query.get('list-type') === '2') return 'ListObjectsV2';
  if (method === 'GET') throw notImplemented('ListObjects (version 1); use ListObjectsV2');
  if (method === 'HEAD') return 'HeadBucket';
  if (method === 'PUT') return 'CreateBucket';
  throw notImplemented(`${method} on a bucket`);
}

function describeCall(
  operation: S3Operation,
  target: Target,
  request: IncomingMessage,
): Omit<S3Call, 'status'> {
  const resource =
    target.key === undefined
      ? `arn:aws:s3:::${target.bucket}`
      : `arn:aws:s3:::${target.bucket}/${target.key}`;
  const accessKeyId = accessKeyIdOf(request);
  return {
    operation,
    action: IAM_ACTIONS[operation],
    resources: [resource],
    ...(accessKeyId ? { accessKeyId } : {}),
    via: 'http',
  };
}

/**
 * Operations that change what local S3 holds. Refused without a SigV4 signature, as S3 refuses an anonymous
 * write to a private bucket: a web page cannot send the Authorization header (nor a PUT or DELETE) to
 * another origin without a CORS preflight, which local S3 never grants, and a stray `curl -X DELETE` gets a
 * 403. Signatures are not verified: a process of the user who runs local mode can sign with any key, as it
 * can write the files under the state directory itself.
 */
const WRITES: ReadonlySet<S3Operation> = new Set(['PutObject', 'DeleteObject', 'CreateBucket']);

/** Whether the request carries a SigV4 signature: the Authorization header or a presigned URL's query. */
function isSigned(request: Pick<IncomingMessage, 'headers' | 'url'>): boolean {
  if ((request.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) return true;
  const queryAt = request.url?.indexOf('?') ?? -1;
  return queryAt >= 0 && new URLSearchParams(request.url?.slice(queryAt + 1)).has('X-Amz-Signature');
}

/** The access key id of a SigV4 request: `Credential=<id>/<date>/...` in the header, or X-Amz-Credential. */
function accessKeyIdOf(request: Pick<IncomingMessage, 'headers' | 'url'>): string | undefined {
  const header = request.headers.authorization ?? '';
  const fromHeader = /Credential=([^/,\s]+)\//.exec(header)?.[1];
  if (fromHeader) return fromHeader;
  const queryAt = request.url?.indexOf('?') ?? -1;
  if (queryAt < 0) return undefined;
  const credential = new URLSearchParams(request.url?.slice(queryAt + 1)).get('X-Amz-Credential');
  return credential?.split('/')[0] || undefined;
}

interface Result {
  readonly status: number;
  readonly headers: Record<string, string | number>;
  readonly body?: Buffer;
}

function runOperation(
  operation: S3Operation,
  target: Target,
  raw: Buffer,
  headers: IncomingMessage['headers'],
  store: LocalS3Store,
): Result {
  const bucket = target.bucket as string;
  const key = target.key as string;
  switch (operation) {
    case 'PutObject': {
      const body = decodePayload(raw, headers);
      const info = store.putObject(bucket, key, body, { ifNoneMatch: headers['if-none-match'] === '*' });
      return { status: 200, headers: { etag: info.etag, 'content-length': 0 } };
    }
    case 'GetObject': {
      const { body, info } = store.getObject(bucket, key);
      return { status: 200, headers: objectHeaders(info, target.query), body };
    }
    case 'HeadObject':
      return { status: 200, headers: objectHeaders(store.headObject(bucket, key), target.query) };
    case 'DeleteObject':
      store.deleteObject(bucket, key);
      return { status: 204, headers: {} };
    case 'ListObjectsV2':
      return listObjectsV2(store, bucket, target.query);
    case 'HeadBucket':
      if (!store.bucketExists(bucket))
        throw new S3Error(404, 'NoSuchBucket', `The specified bucket does not exist: ${bucket}`);
      return { status: 200, headers: { 'x-amz-bucket-region': 'us-east-1', 'content-length': 0 } };
    case 'CreateBucket':
      if (store.bucketExists(bucket)) {
        throw new S3Error(
          409,
          'BucketAlreadyOwnedByYou',
          'Your previous request to create the named bucket succeeded and you already own it.',
        );
      }
      store.createBucket(bucket);
      return { status: 200, headers: { location: `/${bucket}`, 'content-length': 0 } };
  }
}

function objectHeaders(info: S3ObjectInfo, query: URLSearchParams): Record<string, string | number> {
  return {
    'content-type': query.get('response-content-type') ?? 'binary/octet-stream',
    'content-length': info.size,
    etag: info.etag,
    'last-modified': info.lastModified.toUTCString(),
  };
}

/** The object's bytes: the body itself, or decoded from `aws-chunked`; its checksums checked. */
function decodePayload(raw: Buffer, headers: IncomingMessage['headers']): Buffer {
  const contentSha256 = String(headers['x-amz-content-sha256'] ?? '');
  const chunked =
    /aws-chunked/i.test(String(headers['content-encoding'] ?? '')) || contentSha256.startsWith('STREAMING-');
  const { body, trailers } = chunked ? decodeAwsChunked(raw) : { body: raw, trailers: {} };
  const declared = headers['x-amz-decoded-content-length'];
  if (chunked && declared !== undefined && Number(declared) !== body.length) {
    throw new S3Error(
      400,
      'IncompleteBody',
      'You did not provide the number of bytes specified by the Content-Length HTTP header.',
    );
  }
  if (/^[0-9a-f]{64}$/i.test(contentSha256) && sha('sha256', body, 'hex') !== contentSha256.toLowerCase()) {
    throw new S3Error(
      400,
      'XAmzContentSHA256Mismatch',
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
    );
  }
  verifyChecksums(body, { ...headers, ...trailers });
  return body;
}

/** `aws-chunked`: `<hex size>[;chunk-signature=...]\r\n<bytes>\r\n` ... `0\r\n`, then trailer lines. */
function decodeAwsChunked(raw: Buffer): { body: Buffer; trailers: Record<string, string> } {
  const incomplete = () =>
    new S3Error(400, 'IncompleteBody', 'The aws-chunked body is malformed or incomplete');
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = raw.indexOf('\r\n', offset);
    if (lineEnd < 0) throw incomplete();
    const sizeText = raw.toString('latin1', offset, lineEnd).split(';')[0]?.trim() ?? '';
    if (!/^[0-9a-fA-F]{1,12}$/.test(sizeText)) throw incomplete();
    const size = parseInt(sizeText, 16);
    offset = lineEnd + 2;
    if (size === 0) break;
    if (
      offset + size + 2 > raw.length ||
      raw.toString('latin1', offset + size, offset + size + 2) !== '\r\n'
    ) {
      throw incomplete();
    }
    parts.push(raw.subarray(offset, offset + size));
    offset += size + 2;
  }
  const trailers: Record<string, string> = {};
  for (const line of raw.toString('latin1', offset).split('\r\n')) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw incomplete();
    trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { body: Buffer.concat(parts), trailers };
}

function verifyChecksums(body: Buffer, values: Record<string, unknown>): void {
  const expected: Array<[string, string, () => string]> = [
    ['content-md5', 'Content-MD5', () => sha('md5', body, 'base64')],
    ['x-amz-checksum-sha256', 'SHA256', () => sha('sha256', body, 'base64')],
    ['x-amz-checksum-sha1', 'SHA1', () => sha('sha1', body, 'base64')],
    ['x-amz-checksum-crc32', 'CRC32', () => crc32Base64(body)],
  ];
  for (const [header, name, compute] of expected) {
    const given = values[header];
    if (typeof given === 'string' && given !== compute()) {
      throw new S3Error(400, 'BadDigest', `The ${name} you specified did not match the calculated checksum.`);
    }
  }
}

function sha(algorithm: string, body: Buffer, encoding: 'hex' | 'base64'): string {
  return createHash(algorithm).update(body).digest(encoding);
}

function crc32Base64(body: Buffer): string {
  const value = Buffer.alloc(4);
  value.writeUInt32BE(crc32(body) >>> 0);
  return value.toString('base64');
}

function listObjectsV2(store: LocalS3Store, bucket: string, query: URLSearchParams): Result {
  const maxKeysText = query.get('max-keys');
  const maxKeys = maxKeysText === null ? 1000 : Number(maxKeysText);
  if (!/^\d+$/.test(maxKeysText ?? '0') || !Number.isSafeInteger(maxKeys)) {
    throw new S3Error(400, 'InvalidArgument', 'Provided max-keys not an integer or within integer range');
  }
  const encodingType = query.get('encoding-type');
  if (encodingType !== null && encodingType !== 'url') {
    throw new S3Error(400, 'InvalidArgument', 'Invalid Encoding Method specified in Request');
  }
  const token = query.get('continuation-token');
  const startAfter = query.get('start-after');
  const after =
    token !== null ? decodeToken(token) : startAfter ? { value: startAfter, isPrefix: false } : undefined;
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') || undefined;
  const page = store.listObjects(bucket, {
    prefix,
    maxKeys,
    ...(delimiter ? { delimiter } : {}),
    ...(after ? { after } : {}),
  });
  const xml = listBucketResultXml(page, {
    bucket,
    prefix,
    maxKeys,
    delimiter,
    token,
    startAfter,
    urlEncoded: encodingType === 'url',
  });
  return { status: 200, headers: { 'content-type': 'application/xml' }, body: Buffer.from(xml) };
}

function listBucketResultXml(
  page: ListResult,
  request: {
    bucket: string;
    prefix: string;
    maxKeys: number;
    delimiter: string | undefined;
    token: string | null;
    startAfter: string | null;
    urlEncoded: boolean;
  },
): string {
  const text = (value: string) => xmlEscape(request.urlEncoded ? encodeURIComponent(value) : value);
  const optional = (name: string, value: string | null | undefined, encode = true) =>
    value === null || value === undefined
      ? ''
      : `<${name}>${encode ? text(value) : xmlEscape(value)}</${name}>`;
  const next = page.isTruncated && page.lastReturned ? encodeToken(page.lastReturned) : undefined;
  const contents = page.objects.map(
    (object) =>
      `<Contents><Key>${text(object.key)}</Key><LastModified>${object.lastModified.toISOString()}</LastModified>` +
      `<ETag>${xmlEscape(object.etag)}</ETag><Size>${object.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
  );
  const prefixes = page.commonPrefixes.map(
    (prefix) => `<CommonPrefixes><Prefix>${text(prefix)}</Prefix></CommonPrefixes>`,
  );
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
    `<Name>${xmlEscape(request.bucket)}</Name><Prefix>${text(request.prefix)}</Prefix>` +
    optional('Delimiter', request.delimiter) +
    `<MaxKeys>${request.maxKeys}</MaxKeys>` +
    optional('EncodingType', request.urlEncoded ? 'url' : undefined, false) +
    `<KeyCount>${page.objects.length + page.commonPrefixes.length}</KeyCount>` +
    `<IsTruncated>${page.isTruncated}</IsTruncated>` +
    optional('ContinuationToken', request.token, false) +
    optional('NextContinuationToken', next, false) +
    optional('StartAfter', request.startAfter) +
    contents.join('') +
    prefixes.join('') +
    '</ListBucketResult>'
  );
}

/** Continuation tokens are opaque to clients: where the last page ended, as base64url JSON. */
function encodeToken(after: { value: string; isPrefix: boolean }): string {
  return Buffer.from(JSON.stringify({ after: after.value, prefix: after.isPrefix })).toString('base64url');
}

function decodeToken(token: string): { value: string; isPrefix: boolean } {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      after?: unknown;
      prefix?: unknown;
    };
    if (typeof parsed.after === 'string' && typeof parsed.prefix === 'boolean') {
      return { value: parsed.after, isPrefix: parsed.prefix };
    }
  } catch {
    // answered below
  }
  throw new S3Error(400, 'InvalidArgument', 'The continuation token provided is incorrect');
}

function send(
  response: ServerResponse,
  status: number,
  headers: Record<string, string | number>,
  body: Buffer | undefined,
): void {
  if (response.headersSent || response.destroyed) return;
  sendReply(response, status, { 'x-amz-id-2': randomBytes(24).toString('base64'), ...headers }, body);
}

/** S3's error XML; a HEAD answer carries no body, so the SDK names the error from the status (NotFound). */
function sendError(
  response: ServerResponse,
  method: string | undefined,
  error: S3Error,
  requestId: string,
): void {
  const xml =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${xmlEscape(error.code)}</Code><Message>${xmlEscape(error.message)}</Message>` +
    `<RequestId>${requestId}</RequestId></Error>`;
  const body = method === 'HEAD' ? undefined : Buffer.from(xml);
  send(
    response,
    error.status,
    { 'content-type': 'application/xml', 'content-length': body?.length ?? 0, 'x-amz-request-id': requestId },
    body,
  );
}

function notImplemented(what: string): S3Error {
  return new S3Error(501, 'NotImplemented', `Local S3 does not implement ${what}`);
}

function xmlEscape(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function newRequestId(): string {
  return randomBytes(8).toString('hex').toUpperCase();
}
