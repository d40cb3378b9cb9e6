import { expect } from '@jest/globals';
import crypto from 'node:crypto';
import { connect } from 'node:net';
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import * as z from 'zod';
import { startGateway, type LocalGateway, type ProxyHandler } from '../../local/apigateway/gateway';
import { compileModel, validateBody } from '../../local/apigateway/model-validation';
import {
  createKinesisClient,
  ensureStream,
  startKinesis,
  type LocalKinesis,
} from '../../local/kinesis/kinesis';
import { ISO_DATE_PATTERN } from '../../lib/contract/requests';
import { callApi } from './helpers';

const API_KEY = 'test-key-0123456789';
const STREAM = 'Stack-events';
const solutionArn = 'arn:aws:personalize:us-east-1:000000000000:solution/s';

/**
 * One raw exchange over a socket: the bytes as written (no client normalises them), the answer's status line,
 * as soon as it has arrived (the requests say Connection: close; a server that keeps the socket open is not
 * waited for). A generous bound for a loaded machine: then the answer so far (a failing assertion shows it).
 */
function rawExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    const finish = () => {
      clearTimeout(bound);
      socket.destroy();
      resolve(answer.split('\r\n')[0] ?? '');
    };
    const bound = setTimeout(finish, 30_000);
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      if (answer.includes('\r\n')) finish();
    });
    socket.on('error', () => undefined);
    socket.on('close', finish);
    socket.write(text);
  });
}

describe('the local gateway', () => {
  let kinesisServer: LocalKinesis;
  let kinesis: KinesisClient;
  let gateway: LocalGateway;
  const invocations: Array<{ name: string; event: APIGatewayProxyEvent; context: Context }> = [];
  let nextResult: (name: string) => Promise<unknown> = () =>
    Promise.resolve({ statusCode: 200, body: '{"ok":true}' });

  beforeAll(async () => {
    kinesisServer = await startKinesis({ port: 0 });
    kinesis = createKinesisClient(kinesisServer.endpoint, 'us-east-1');
    await ensureStream(kinesis, STREAM);
    gateway = await startGateway({
      port: 0,
      apiKey: API_KEY,
      streamName: STREAM,
      kinesis,
      region: 'us-east-1',
      functionName: (handler) => `Stack-${handler}`,
      loadHandler: (name) =>
        Promise.resolve((async (event, context) => {
          invocations.push({ name, event, context });
          return nextResult(name);
        }) as ProxyHandler),
      log: () => undefined,
    });
  });

  afterAll(async () => {
    await gateway.close();
    kinesis.destroy();
    await kinesisServer.close();
  });

  beforeEach(() => {
    invocations.length = 0;
    nextResult = () => Promise.resolve({ statusCode: 200, body: '{"ok":true}' });
  });

  it('invokes the route handler with a REST API (v1) proxy event', async () => {
    const body = { solutionArn, version: 'v1' };
    const response = await callApi(gateway.url, API_KEY, 'POST', '/solutionVersion', body);

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ ok: true });
    expect(invocations).toHaveLength(1);
    const { name, event, context } = invocations[0]!;
    expect(name).toBe('createSolutionVersion');
    expect(event).toMatchObject({
      resource: '/solutionVersion',
      path: '/solutionVersion',
      httpMethod: 'POST',
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      pathParameters: null,
      stageVariables: null,
      isBase64Encoded: false,
      requestContext: {
        stage: 'prod',
        resourcePath: '/solutionVersion',
        path: '/prod/solutionVersion',
        httpMethod: 'POST',
        identity: { apiKey: API_KEY, sourceIp: '127.0.0.1' },
      },
    });
    expect(JSON.parse(event.body ?? '')).toEqual(body);
    expect(event.headers['x-api-key']).toBe(API_KEY);
    expect(event.multiValueHeaders['content-type']).toEqual(['application/json']);
    expect(event.requestContext.requestId).toBe(response.headers.get('x-amzn-requestid'));
    expect(context.functionName).toBe('Stack-createSolutionVersion');
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(0);
  });

  it('passes query strings single- and multi-valued, with a null body on GET', async () => {
    const query = '?campaignArn=arn%3Aaws%3Apersonalize%3Aus-east-1%3A0%3Acampaign%2Fc&userId=429&userId=430';
    await callApi(gateway.url, API_KEY, 'GET', `/getRecommendations${query}`);

    const { event } = invocations[0]!;
    expect(event.queryStringParameters).toEqual({
      campaignArn: 'arn:aws:personalize:us-east-1:0:campaign/c',
      userId: '430',
    });
    expect(event.multiValueQueryStringParameters?.userId).toEqual(['429', '430']);
    expect(event.body).toBeNull();
  });

  it('answers 403 with the contract error when the key is missing or wrong, without invoking', async () => {
    for (const key of [null, 'wrong-key']) {
      const response = await callApi(gateway.url, key, 'POST', '/solutionVersion', {
        solutionArn,
        version: 'v1',
      });
      expect(response.status).toBe(403);
      expect(response.body).toEqual({
        message: expect.stringContaining('x-api-key'),
        code: 'ForbiddenException',
      });
    }
    expect(invocations).toHaveLength(0);
  });

  it('answers a missing field 400 as API Gateway words it, naming the field, and leaves values to the handler', async () => {
    const missing = await callApi(gateway.url, API_KEY, 'POST', '/solutionVersion', {});
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({
      code: 'ValidationException',
      message: 'Invalid request body: [object has missing required properties (["solutionArn","version"])]',
    });

    const notJson = await callApi(gateway.url, API_KEY, 'POST', '/campaign', '{not json');
    expect(notJson.status).toBe(400);
    expect(invocations).toHaveLength(0);

    // A malformed ARN passes the model (which names no field for a value): the handler's validation does.
    const wrong = await callApi(gateway.url, API_KEY, 'POST', '/campaign', {
      solutionVersionArn: 'nope',
      name: 'c',
    });
    expect(wrong.status).toBe(200);
    expect(invocations).toHaveLength(1);
  });

  it("validates draft-04 models as API Gateway does: exclusiveMinimum is draft-04's boolean", () => {
    const schema = z.toJSONSchema(z.object({ n: z.number().gt(0) }), { target: 'draft-4', io: 'input' });
    expect(schema).toMatchObject({ properties: { n: { minimum: 0, exclusiveMinimum: true } } });
    const validate = compileModel(schema);

    expect(validateBody(validate, '{"n": 0}')).toBe(
      '[numeric instance is not strictly greater than the required minimum (minimum: 0, found: 0)]',
    );
    expect(validateBody(validate, '{"n": 0.5}')).toBeUndefined();
  });

  it('words each problem as API Gateway does, all of them in one string', () => {
    const schema = z.toJSONSchema(
      z.object({
        id: z
          .string()
          .min(1)
          .max(3)
          .regex(/^[a-z]+$/),
        count: z.number().int().max(10),
        mode: z.enum(['FULL', 'UPDATE']),
        a: z.string(),
        b: z.string(),
      }),
      { target: 'draft-4', io: 'input' },
    );
    const validate = compileModel(schema);

    expect(validateBody(validate, '{"id": "ABCD", "count": 11, "mode": "X"}')).toBe(
      '[object has missing required properties (["a","b"]), ' +
        'string "ABCD" is too long (length: 4, maximum allowed: 3), ' +
        'ECMA 262 regex "^[a-z]+$" does not match input string "ABCD", ' +
        'numeric instance is greater than the required maximum (maximum: 10, found: 11), ' +
        'instance value ("X") not found in enum (possible values: ["FULL","UPDATE"])]',
    );
    expect(validateBody(validate, '{"id": 1, "count": 1.5, "mode": "FULL", "a": "", "b": ""}')).toBe(
      '[instance type (integer) does not match any allowed primitive type (allowed: ["string"]), ' +
        'instance type (number) does not match any allowed primitive type (allowed: ["integer"])]',
    );
  });

  it('answers 400 naming the missing query parameters', async () => {
    const response = await callApi(gateway.url, API_KEY, 'GET', '/getRecommendations?userId=429');
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      message: 'Missing required request parameters: [campaignArn]',
      code: 'ValidationException',
    });
  });

  it('answers 404 for a route the table does not have, or a method it does not serve', async () => {
    for (const [method, path] of [
      ['POST', '/nothing'],
      ['GET', '/campaign'],
    ] as const) {
      const response = await callApi(gateway.url, API_KEY, method, path);
      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({ code: 'NotFoundException' });
    }
    expect((await fetch(gateway.url.replace('/prod', '/dev/campaign'), { method: 'POST' })).status).toBe(404);
  });

  it('answers the 5xx gateway response, never a stack trace, when a handler throws or answers malformed', async () => {
    nextResult = () => Promise.reject(new Error('secret internals'));
    const thrown = await callApi(gateway.url, API_KEY, 'POST', '/solutionVersion', {
      solutionArn,
      version: 'v1',
    });
    // API Gateway's status for a function error or malformed proxy result (DEFAULT_5XX sets none).
    expect(thrown.status).toBe(502);
    expect(thrown.text).not.toContain('secret internals');
    expect(thrown.body).toMatchObject({ message: 'Internal server error' });

    nextResult = () => Promise.resolve({ statusCode: 200, body: { not: 'a string' } });
    const malformed = await callApi(gateway.url, API_KEY, 'POST', '/solutionVersion', {
      solutionArn,
      version: 'v1',
    });
    expect(malformed.status).toBe(502);
    expect(malformed.body).toEqual({ message: 'Internal server error', code: 'InternalServerException' });
  });

  it('answers a body the model rejects with valid JSON, even when the input holds quotes', async () => {
    const response = await callApi(gateway.url, API_KEY, 'POST', '/data', {
      Data: {
        userId: 'u',
        itemId: 'i',
        eventType: 'click',
        trackingId: 't',
        interactions: 1,
        dateFrom: `it's "v"`,
      },
      PartitionKey: 'u',
    });

    expect(response.status).toBe(400);
    // API Gateway's validator quotes the input; `$util.escapeJavaScript` alone would render `it\'s`, not JSON.
    expect(response.body).toEqual({
      code: 'ValidationException',
      message: expect.stringMatching(/does not match input string "it's "v""\]$/),
    });
    expect(invocations).toHaveLength(0);
  });

  it('keeps API Gateway statuses of the fallback responses: 413 too large, 504 integration timeout', async () => {
    let release: () => void = () => undefined;
    const strict = await startGateway({
      port: 0,
      apiKey: API_KEY,
      streamName: STREAM,
      kinesis,
      region: 'us-east-1',
      maxBodyBytes: 256,
      integrationTimeoutMs: 50,
      loadHandler: () =>
        Promise.resolve<ProxyHandler>(
          () => new Promise((resolve) => (release = () => resolve({ statusCode: 200, body: '{}' }))),
        ),
      log: () => undefined,
    });
    try {
      const tooLarge = await callApi(strict.url, API_KEY, 'POST', '/solutionVersion', {
        solutionArn,
        version: 'v'.repeat(300),
      });
      expect(tooLarge.status).toBe(413);
      expect(tooLarge.body).toEqual({ message: 'Request Too Long', code: 'RequestTooLargeException' });

      const timedOut = await callApi(strict.url, API_KEY, 'POST', '/solutionVersion', {
        solutionArn,
        version: 'v1',
      });
      expect(timedOut.status).toBe(504);
      expect(timedOut.body).toEqual({
        message: 'Endpoint request timed out',
        code: 'IntegrationTimeoutException',
      });
    } finally {
      release();
      await strict.close();
    }
  });

  it('rejects a /data batch whose date is not ISO 8601 at the model, before it reaches the stream', async () => {
    const data = {
      userId: '429',
      itemId: '1210',
      eventType: 'click',
      trackingId: 't',
      interactions: 1,
      dateFrom: 'March 7',
    };
    const response = await callApi(gateway.url, API_KEY, 'POST', '/data', {
      Data: data,
      PartitionKey: '429',
    });

    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      code: 'ValidationException',
      message: `Invalid request body: [ECMA 262 regex "${ISO_DATE_PATTERN.source}" does not match input string "March 7"]`,
    });
  });

  it('refuses a /data date in the years 0000-0099 at the model (JavaScript would read 0050 as 1950)', async () => {
    const data = { userId: '429', itemId: '1210', eventType: 'click', trackingId: 't', interactions: 1 };
    for (const date of ['0000-01-01', '0050-06-15T10:00:00Z', '0099-12-31']) {
      const response = await callApi(gateway.url, API_KEY, 'POST', '/data', {
        Data: { ...data, dateFrom: date },
        PartitionKey: '429',
      });
      expect(response.status).toBe(400);
      expect((response.body as { message: string }).message).toContain(
        `does not match input string "${date}"`,
      );
    }
    const accepted = await callApi(gateway.url, API_KEY, 'POST', '/data', {
      Data: { ...data, dateFrom: '0100-01-01', dateTo: '2024-01-01' },
      PartitionKey: '429',
    });
    expect(accepted.status).toBe(200);
  });

  it('quotes a huge bad value back cut short, not in full (twice for a date)', async () => {
    const huge = 'x'.repeat(500_000);
    const response = await callApi(gateway.url, API_KEY, 'POST', '/data', {
      Data: {
        userId: '429',
        itemId: '1210',
        eventType: 'click',
        trackingId: 't',
        interactions: 1,
        dateFrom: huge,
      },
      PartitionKey: '429',
    });

    expect(response.status).toBe(400);
    const { message, code } = response.body as { message: string; code: string };
    expect(code).toBe('ValidationException');
    expect(message).toMatch(/^Invalid request body: \[.*\.\.\. \(cut at 1000 characters\)$/);
    expect(response.text.length).toBeLessThan(1200);
  });

  it('answers 413, not a retryable 5xx, for Data larger than a Kinesis record can hold', async () => {
    const data = { userId: '429', itemId: '1210', eventType: 'click', trackingId: 't', interactions: 1 };
    const response = await callApi(gateway.url, API_KEY, 'POST', '/data', {
      Data: { ...data, padding: 'x'.repeat(7 * 1024 * 1024) },
      PartitionKey: '429',
    });

    expect(response.status).toBe(413);
    expect(response.body).toEqual({
      message: 'Data is too large for a Kinesis record (at most 1 MiB)',
      code: 'RequestTooLargeException',
    });
  });

  it('answers 500 (retry later), not a 400, while the stack stream does not exist', async () => {
    const orphan = await startGateway({
      port: 0,
      apiKey: API_KEY,
      streamName: 'Stack-deleted-stream',
      kinesis,
      region: 'us-east-1',
      functionName: (handler) => `Stack-${handler}`,
      loadHandler: () => Promise.reject(new Error('no handler is called')),
      log: () => undefined,
    });
    try {
      const data = { userId: '429', itemId: '1210', eventType: 'click', trackingId: 't', interactions: 1 };
      const response = await callApi(orphan.url, API_KEY, 'POST', '/data', {
        Data: data,
        PartitionKey: '429',
      });
      expect(response.status).toBe(500);
      expect(response.body).toEqual({
        message: "The stack's stream is not available: the event was not written, retry later",
        code: 'InternalServerException',
      });
    } finally {
      await orphan.close();
    }
  });

  it('answers 500 when a page beside the API throws, and keeps serving the API', async () => {
    const paged = await startGateway({
      port: 0,
      apiKey: API_KEY,
      streamName: STREAM,
      kinesis,
      region: 'us-east-1',
      loadHandler: () =>
        Promise.resolve<ProxyHandler>(() => Promise.resolve({ statusCode: 200, body: '{}' })),
      log: () => undefined,
      sites: [
        (request) => {
          if (request.url === '/broken-page') throw new Error('the page failed');
          return false;
        },
      ],
    });
    try {
      const origin = paged.url.replace(/\/prod$/, '');
      const page = await fetch(`${origin}/broken-page`);
      expect([page.status, await page.text()]).toEqual([500, 'Internal error\n']);
      const api = await callApi(paged.url, API_KEY, 'POST', '/describeCampaign', {
        campaignArn: 'arn:aws:personalize:us-east-1:000000000000:campaign/x',
      });
      expect(api.status).toBe(200);
    } finally {
      await paged.close();
    }
  });

  it('answers /data with a media type other than application/json 415, without writing to the stream', async () => {
    const response = await fetch(`${gateway.url}/data`, {
      method: 'POST',
      headers: { 'x-api-key': API_KEY, 'content-type': 'text/plain' },
      body: JSON.stringify({ Data: { userId: '429' }, PartitionKey: '429' }),
    });

    expect(response.status).toBe(415);
    expect(await response.json()).toEqual({
      message: 'Unsupported Media Type',
      code: 'UnsupportedMediaTypeException',
    });
  });

  it('puts a partition key with quotes, slashes and non-ASCII on the stream unchanged', async () => {
    const data = { userId: '429', itemId: '1210', eventType: 'click', trackingId: 't', interactions: 1 };
    const partitionKey = `O'Brien "429" / é`;
    const response = await callApi(gateway.url, API_KEY, 'POST', '/data', {
      Data: data,
      PartitionKey: partitionKey,
    });

    expect(response.status).toBe(200);
    const { data: written } = response.body as { data: { SequenceNumber: string; ShardId: string } };
    const iterator = await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: STREAM,
        ShardId: written.ShardId,
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        StartingSequenceNumber: written.SequenceNumber,
      }),
    );
    const records = await kinesis.send(
      new GetRecordsCommand({ ShardIterator: iterator.ShardIterator, Limit: 1 }),
    );
    expect(records.Records?.[0]?.PartitionKey).toBe(partitionKey);
  });

  it('puts /data on the stack stream through the VTL templates and answers the seed message', async () => {
    const data = { userId: '429', itemId: '1210', eventType: 'click', trackingId: 't', interactions: 3 };
    const response = await callApi(gateway.url, API_KEY, 'POST', '/data', {
      'stream-name': 'another-stream',
      Data: data,
      PartitionKey: '429',
    });

    expect(response.status).toBe(200);
    const body = response.body as {
      Message: string;
      data: { SequenceNumber: string; ShardId: string; EncryptionType?: string };
    };
    expect(body.Message).toBe('Event sent successfully');
    expect(body.data.ShardId).toBe('shardId-000000000000');
    // As the stack's KMS-encrypted stream answers (the seed's answer shows it; docs/http-api.md lists it).
    expect(body.data.EncryptionType).toBe('KMS');
    const iterator = await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: STREAM,
        ShardId: body.data.ShardId,
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        StartingSequenceNumber: body.data.SequenceNumber,
      }),
    );
    const records = await kinesis.send(
      new GetRecordsCommand({ ShardIterator: iterator.ShardIterator, Limit: 1 }),
    );
    expect(JSON.parse(Buffer.from(records.Records?.[0]?.Data ?? []).toString('utf8'))).toEqual(data);
    expect(records.Records?.[0]?.PartitionKey).toBe('429');
    expect(invocations).toHaveLength(0);
  });

  it('answers a malformed Host, an absolute-form or asterisk-form target with a 4xx, and keeps serving', async () => {
    const requests = [
      'GET /prod/getRecommendations HTTP/1.1\r\nHost: a:99999\r\n',
      'GET /prod/getRecommendations HTTP/1.1\r\nHost:\r\n',
      'GET /prod/getRecommendations HTTP/1.1\r\nHost: a b\r\n',
      'GET http://[/prod/x HTTP/1.1\r\nHost: a\r\n',
      'GET http://elsewhere:99999/prod/x HTTP/1.1\r\nHost: a\r\n',
      'OPTIONS * HTTP/1.1\r\nHost: a\r\n',
      'GET //prod/x HTTP/1.1\r\nHost: a\r\n',
    ];
    for (const request of requests) {
      const status = await rawExchange(gateway.port, `${request}Connection: close\r\n\r\n`);
      expect([request, status]).toEqual([request, expect.stringMatching(/^HTTP\/1\.1 4\d\d /)]);
    }
    // An absolute-form target is the path it names, whatever its host.
    const absolute = await rawExchange(
      gateway.port,
      `POST http://other.example:1/prod/solutionVersion HTTP/1.1\r\nHost: a:99999\r\nx-api-key: ${API_KEY}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}',
    );
    expect(absolute).toMatch(/^HTTP\/1\.1 400 /);
    const response = await callApi(gateway.url, API_KEY, 'POST', '/solutionVersion', {
      solutionArn,
      version: 'v1',
    });
    expect(response.status).toBe(200);
  });

  it('passes a header named __proto__ to the handler as a header like any other', async () => {
    const body = JSON.stringify({ solutionArn, version: 'v' });
    const status = await rawExchange(
      gateway.port,
      `POST /prod/solutionVersion HTTP/1.1\r\nHost: a\r\nx-api-key: ${API_KEY}\r\n__proto__: 1\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    );
    expect(status).toBe('HTTP/1.1 200 OK');
    const { event } = invocations[0]!;
    expect(Object.getOwnPropertyDescriptor(event.headers, '__proto__')?.value).toBe('1');
    expect(Object.getOwnPropertyDescriptor(event.multiValueHeaders, '__proto__')?.value).toEqual(['1']);
  });

  it('refuses a body nested deeper than 32 levels with 400 before the model, and accepts 32', async () => {
    const nested = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
    const body = (extraLevels: number) =>
      `{"stream-name": "s", "PartitionKey": "1", "Data": {"userId": "1", "itemId": "2", "eventType": "click", ` +
      `"trackingId": "t", "interactions": 1, "extra": ${nested(extraLevels)}}}`;
    const deep = await callApi(gateway.url, API_KEY, 'POST', '/data', body(20_000));
    expect(deep.status).toBe(400);
    expect(deep.body).toEqual({
      message: 'Invalid request body: [the body nests JSON deeper than 32 levels]',
      code: 'ValidationException',
    });
    expect((await callApi(gateway.url, API_KEY, 'POST', '/data', body(31))).status).toBe(400);
    // The body itself and Data are two levels: 30 more make 32.
    expect((await callApi(gateway.url, API_KEY, 'POST', '/data', body(30))).status).toBe(200);
  });

  it('compares the API key in constant time, over digests of equal length', async () => {
    const compare = jest.spyOn(crypto, 'timingSafeEqual');
    try {
      for (const key of ['x', `${API_KEY}x`, API_KEY.slice(0, -1), API_KEY]) {
        const response = await callApi(gateway.url, key, 'POST', '/solutionVersion', {
          solutionArn,
          version: 'v1',
        });
        expect([key, response.status]).toEqual([key, key === API_KEY ? 200 : 403]);
      }
      expect(compare).toHaveBeenCalledTimes(4);
      for (const [given, expected] of compare.mock.calls) {
        expect((given as Buffer).length).toBe(32);
        expect((expected as Buffer).length).toBe(32);
      }
    } finally {
      compare.mockRestore();
    }
  });
});
