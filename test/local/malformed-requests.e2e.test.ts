/**
 * No request, however malformed, stops local mode. Local mode runs in a process of its own
 * (fixtures/local-mode-process.ts); a seeded, bounded fuzz writes malformed request lines, headers, Host
 * values, absolute-form and asterisk-form targets, bad chunked encoding, huge headers, truncated bodies and
 * raw bytes over plain sockets to every port it opens (the gateway, the Personalize emulator with its
 * `/_emulator/*` admin routes, local S3 and kinesalite). After each batch, every server must still answer a
 * well-formed request and the process must still be running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { temporaryDirectory } from './helpers';
import { seededRandom } from '../../data/random';

jest.setTimeout(180_000);

interface Endpoints {
  readonly gateway: string;
  readonly apiKey: string;
  readonly personalize: string;
  readonly s3: string;
  readonly kinesis: string;
}

type Server = 'gateway' | 'personalize' | 's3' | 'kinesis';
/**
 * The servers fuzzed: all of them. kinesalite is third-party; local mode guards its request handler (a
 * request aborted mid-body threw from it and ended the process), and its statuses are its own.
 */
const FUZZED: readonly Server[] = ['gateway', 'personalize', 's3', 'kinesis'];

/** Starts local mode in a child process and reads the endpoints it prints. */
function startChild(
  stateDir: string,
): Promise<{ child: ChildProcess; endpoints: Endpoints; exited: () => string }> {
  const script = join(__dirname, 'fixtures', 'local-mode-process.ts');
  const child = spawn(process.execPath, [require.resolve('tsx/cli'), script, stateDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let exit: string | undefined;
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    child.on('exit', (code, signal) => {
      exit = `local mode exited (${code ?? signal}): ${stderr}`;
      reject(new Error(exit));
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n')[0];
      if (stdout.includes('\n') && line) {
        resolve({ child, endpoints: JSON.parse(line) as Endpoints, exited: () => exit ?? '' });
      }
    });
  });
}

/**
 * The bytes written over a fresh connection, and what came back. Whatever arrives is kept until the test
 * ends, so a slow answer is still checked: `answered` settles on the status line or the connection closing,
 * and a case the server is still reading (a truncated body) simply stays open.
 */
class Exchange {
  private answer = '';
  readonly answered: Promise<void>;
  private readonly socket: Socket;

  constructor(port: number, parts: readonly (string | Buffer)[], endAfter: boolean) {
    this.socket = connect(port, '127.0.0.1');
    this.answered = new Promise((resolve) => {
      this.socket.on('data', (chunk: Buffer) => {
        this.answer += chunk.toString('latin1');
        if (this.answer.includes('\r\n')) resolve();
      });
      this.socket.on('close', () => resolve());
    });
    this.socket.on('error', () => undefined);
    this.socket.on('connect', () => {
      for (const part of parts) this.socket.write(part);
      if (endAfter) this.socket.end();
    });
  }

  /** The status line read so far ('' when none). */
  get statusLine(): string {
    return this.answer.split('\r\n')[0] ?? '';
  }

  /** Ends what is sent (a half-close): a server still reading a truncated request then sees its end. */
  finish(): void {
    if (!this.socket.writableEnded) this.socket.end();
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Resolves once every exchange is answered or `ms` have passed, whichever comes first. */
async function answeredWithin(exchanges: readonly Exchange[], ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(exchanges.map((e) => e.answered)),
    new Promise((resolve) => (timer = setTimeout(resolve, ms))),
  ]);
  clearTimeout(timer);
}

/** Malformed requests: each case is the bytes to write and whether to half-close after them. */
function malformedRequests(
  random: () => number,
  endpoints: Endpoints,
): Array<{ parts: (string | Buffer)[]; end: boolean }> {
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  const paths = [
    '/',
    '/prod/data',
    '/prod/solutionVersion',
    '/prod/getRecommendations?campaignArn=x&userId=1',
    '/_emulator/faults',
    '/_emulator/calls',
    '/_emulator/health',
    '/_emulator/%ff',
    '/events',
    '/recommendations',
    '/bucket/key',
    '/nearrealtimerecommendations-failed-records?list-type=2&max-keys=-1',
    '/%zz/%',
    '/../../etc/passwd',
  ];
  const targets = [
    ...paths,
    '*',
    'http://[/prod/x',
    'http://a:99999/prod/data',
    'https://example.com/prod/solutionVersion?x=%',
    'http://',
    '//prod/x',
    'example.com:443',
    'prod/x',
    '/prod/x#frag',
    `/${'a'.repeat(9000)}`,
  ];
  const hosts = [
    'a:99999',
    '',
    'a b',
    '[',
    '[::1',
    'a:-1',
    '::::',
    '%',
    'x'.repeat(300),
    'a/b',
    '127.0.0.1:0',
  ];
  const methods = [
    'GET',
    'POST',
    'PUT',
    'DELETE',
    'HEAD',
    'OPTIONS',
    'PATCH',
    'CONNECT',
    'TRACE',
    'BREW',
    'G ET',
    '',
  ];
  const headerLines = [
    () => `Host: ${pick(hosts)}`,
    () => `x-api-key: ${random() < 0.5 ? endpoints.apiKey : 'wrong'}`,
    () => `Content-Type: ${pick(['application/json', 'text/plain', 'application/x-amz-json-1.1', ';;', ''])}`,
    () =>
      `x-amz-target: ${pick(['AmazonPersonalize.ListRecipes', 'AmazonPersonalize.__proto__', 'Kinesis_20131202.ListStreams', 'Kinesis_20131202.PutRecord', '\u00ff'])}`,
    () => `Content-Length: ${pick(['-1', 'abc', '99999999999999999999', '5, 6', '0x10', '3'])}`,
    () => `Transfer-Encoding: ${pick(['chunked', 'gzip, chunked', 'identity', 'chunked, chunked'])}`,
    () => `Content-Encoding: ${pick(['aws-chunked', 'gzip'])}`,
    () =>
      `x-amz-content-sha256: ${pick(['STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'f'.repeat(64), 'UNSIGNED-PAYLOAD'])}`,
    () => `Authorization: ${pick(['AWS4-HMAC-SHA256 Credential=', 'Credential=/', 'x'.repeat(200)])}`,
    () => `__proto__: ${pick(['1', '{}'])}`,
    () => `constructor: x`,
    () => `X-Bad\u0001Name: 1`,
    () => `NoColonHeader`,
    () => `: empty-name`,
    () => ` folded: continuation`,
    () => `X-Huge: ${'h'.repeat(pick([1000, 20_000, 70_000]))}`,
    () => `Expect: 100-continue`,
  ];
  const bodies = [
    '{}',
    '{"a":',
    `${'['.repeat(5000)}`,
    `${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`,
    '{"ListRecipes": {"failNext": 1, "errorType": "Bad\\r\\nType"}}',
    '{"PutEvents": {"failNext": "x"}}',
    '{"__proto__": {"failNext": 1}}',
    '{"StreamName": "x", "Data": "!!", "PartitionKey": ""}',
    '\u0000\u00ff\ud800',
  ];
  const chunked = [
    '5\r\nabc\r\n0\r\n\r\n',
    'zz\r\nabc\r\n',
    '2\r\nabcdef\r\n0\r\n\r\n',
    'ffffffffffffffff\r\nx\r\n',
    '3;ext=1\r\nabc\r\n0\r\nTrailer: x\r\n\r\n',
    '1\r\na',
  ];
  // The tester's cases, in every batch.
  const cases: Array<{ parts: (string | Buffer)[]; end: boolean }> = [
    'GET / HTTP/1.1\r\nHost: a:99999\r\n\r\n',
    'GET / HTTP/1.1\r\nHost:\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: a b\r\n\r\n',
    'GET http://[/prod/x HTTP/1.1\r\nHost: a\r\n\r\n',
  ].map((text) => ({ parts: [text], end: false }));
  for (let index = 0; index < 20; index += 1) {
    const roll = random();
    if (roll < 0.08) {
      cases.push({
        parts: [
          Buffer.from(
            Array.from({ length: 1 + Math.floor(random() * 200) }, () => Math.floor(random() * 256)),
          ),
        ],
        end: random() < 0.5,
      });
      continue;
    }
    // Mostly a request line Node parses, so what follows it reaches the server's own code.
    const version =
      random() < 0.8 ? 'HTTP/1.1' : pick(['HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1 extra', 'HTTX/1.1', '']);
    const method = random() < 0.8 ? pick(methods.slice(0, 5)) : pick(methods);
    const lines = [`${method} ${pick(targets)} ${version}`];
    if (random() < 0.9) lines.push(`Host: ${random() < 0.7 ? pick(hosts) : '127.0.0.1'}`);
    for (let count = Math.floor(random() * 5); count > 0; count -= 1) lines.push(pick(headerLines)());
    if (random() < 0.6) lines.push('Connection: close');
    const style = random();
    let body: string;
    if (style < 0.3) {
      lines.push('Transfer-Encoding: chunked');
      body = pick(chunked);
    } else if (style < 0.6) {
      body = pick(bodies);
      // Truncated: a Content-Length past what is sent, or exact.
      lines.push(
        `Content-Length: ${Buffer.byteLength(body) + (random() < 0.5 ? Math.floor(random() * 100) : 0)}`,
      );
    } else {
      body = random() < 0.5 ? '' : pick(bodies);
    }
    cases.push({ parts: [`${lines.join('\r\n')}\r\n\r\n`, body], end: random() < 0.4 });
  }
  return cases;
}

/** A well-formed request to each server; each must be answered as usual. */
async function healthy(endpoints: Endpoints): Promise<Record<Server, number>> {
  const gateway = await fetch(`${endpoints.gateway}/describeCampaign`, {
    method: 'POST',
    headers: { 'x-api-key': endpoints.apiKey, 'content-type': 'application/json' },
    body: JSON.stringify({ campaignArn: 'arn:aws:personalize:us-east-1:000000000000:campaign/none' }),
  });
  const personalize = await fetch(`${endpoints.personalize}/_emulator/health`);
  const s3 = await fetch(`${endpoints.s3}/nearrealtimerecommendations-failed-records?list-type=2`);
  const kinesis = await fetch(endpoints.kinesis, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'Kinesis_20131202.ListStreams',
      // kinesalite wants a signature's shape, not a valid one.
      authorization:
        'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=00',
      'x-amz-date': '20260101T000000Z',
    },
    body: '{}',
  });
  for (const response of [gateway, personalize, s3, kinesis]) await response.arrayBuffer();
  return { gateway: gateway.status, personalize: personalize.status, s3: s3.status, kinesis: kinesis.status };
}

describe('local mode under malformed requests', () => {
  it('keeps every server answering, whatever is written to its port (seeded fuzz)', async () => {
    const state = temporaryDirectory('local-mode-fuzz');
    const { child, endpoints, exited } = await startChild(state.path);
    try {
      const ports = Object.fromEntries(
        FUZZED.map((server) => [server, Number(new URL(endpoints[server]).port)]),
      ) as Record<Server, number>;
      expect(await healthy(endpoints)).toEqual({ gateway: 404, personalize: 200, s3: 200, kinesis: 200 });
      const random = seededRandom(20261129);
      const sent: Array<{ server: Server; parts: (string | Buffer)[]; exchange: Exchange }> = [];
      try {
        for (let batch = 0; batch < 6; batch += 1) {
          for (const server of FUZZED) {
            const cases = malformedRequests(random, endpoints).map((c) => ({
              server,
              parts: c.parts,
              exchange: new Exchange(ports[server], c.parts, c.end),
            }));
            sent.push(...cases);
            // A moment for the batch's answers before the health check; a later answer is checked below.
            await answeredWithin(
              cases.map((c) => c.exchange),
              400,
            );
            expect(exited()).toBe('');
            expect([batch, server, await healthy(endpoints)]).toEqual([
              batch,
              server,
              { gateway: 404, personalize: 200, s3: 200, kinesis: 200 },
            ]);
          }
        }
        // Every answer that comes, however late, is checked. The cases the servers are still reading (a body
        // shorter than its Content-Length) would never answer: their request ends here, so every exchange
        // settles (an answer, or the server closing) and the generous bound is only a bound.
        for (const c of sent) c.exchange.finish();
        await answeredWithin(
          sent.map((c) => c.exchange),
          10_000,
        );
        // 501 is local S3 naming an operation it does not implement (ListObjects v1 here), by design.
        const serverErrors = sent
          .filter((c) => c.server !== 'kinesis' && /^HTTP\/1\.[01] 5(?!01)\d\d/.test(c.exchange.statusLine))
          .map(
            (c) =>
              `${c.server}: ${JSON.stringify(c.parts.join('').slice(0, 200))} -> ${c.exchange.statusLine}`,
          );
        expect(serverErrors).toEqual([]);
      } finally {
        for (const c of sent) c.exchange.close();
      }
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) =>
        child.exitCode === null ? child.once('exit', resolve) : resolve(undefined),
      );
      state.remove();
    }
  });
});
