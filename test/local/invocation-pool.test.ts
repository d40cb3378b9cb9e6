/**
 * Local mode's invocation workers (local/lambda/invocation-pool.ts): handlers run on worker threads with the
 * context the invoker built, their stdout handed back to this thread (the EMF tap still takes the metrics), their
 * environment kept current; an error, a malformed result, a timeout or a dying worker answered by the gateway as
 * when the handler runs in its thread.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { startGateway, type LocalGateway, type ProxyHandler } from '../../local/apigateway/gateway';
import { tapEmfLines } from '../../local/cloudwatch/emf-tap';
import { createKinesisClient } from '../../local/kinesis/kinesis';
import { HandlerError, InvocationPool } from '../../local/lambda/invocation-pool';
import { createLambdaContext } from '../../local/lambda/lambda-context';
import { invocationWorkersSetting } from '../../local/start/options';
import { callApi, temporaryDirectory } from './helpers';

const HANDLERS = join(__dirname, 'fixtures', 'invocation-handlers');
const API_KEY = 'invocation-pool-key';
const solutionArn = 'arn:aws:personalize:us-east-1:000000000000:solution/s';

interface Answer {
  readonly threadId: number;
  readonly functionName: string;
  readonly requestId: string;
  readonly arn: string;
  readonly memory: string;
  readonly remaining: number;
  readonly variable?: string | null;
}

const context = (overrides: { requestId?: string; timeoutMs?: number } = {}) =>
  createLambdaContext({ functionName: 'Stack-behaviours', region: 'us-east-1', ...overrides });

describe('the invocation workers', () => {
  const log: string[] = [];
  const pools: InvocationPool[] = [];
  const startPool = (size: number) => {
    const pool = new InvocationPool({ size, handlersDir: HANDLERS, log: (line) => log.push(line) });
    pools.push(pool);
    return pool;
  };
  const invoke = async (pool: InvocationPool, event: Record<string, unknown>, ctx = context()) => {
    const result = (await pool.handler('behaviours')(event as never, ctx)) as { body: string };
    return JSON.parse(result.body) as Answer;
  };

  afterEach(async () => {
    await Promise.all(pools.splice(0).map((pool) => pool.close()));
    log.length = 0;
  });

  it('runs the handler on a worker thread, with the context rebuilt: function, request id, ARN, memory, deadline', async () => {
    const pool = startPool(1);
    const built = createLambdaContext({
      functionName: 'Stack-getRecommendations',
      region: 'eu-west-1',
      accountId: '123456789012',
      memoryLimitInMB: 512,
      requestId: 'request-1',
      timeoutMs: 5_000,
    });

    const answer = await invoke(pool, { action: 'echo' }, built);

    expect(answer.threadId).not.toBe(threadId);
    expect(answer).toMatchObject({
      functionName: 'Stack-getRecommendations',
      requestId: 'request-1',
      arn: 'arn:aws:lambda:eu-west-1:123456789012:function:Stack-getRecommendations',
      memory: '512',
    });
    expect(answer.remaining).toBeGreaterThan(0);
    expect(answer.remaining).toBeLessThanOrEqual(5_000);
  });

  it("writes the handler's stdout here, a write each, before the answer: the EMF tap takes the metrics, the log line passes", async () => {
    const pool = startPool(1);
    const written: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
      if (typeof chunk === 'string') written.push(chunk);
      return true;
    });
    const state = temporaryDirectory('invocation-pool-emf');
    const emfLines: string[] = [];
    const stopTap = tapEmfLines(join(state.path, 'emf.log'), (line) => emfLines.push(line));
    try {
      await invoke(pool, { action: 'log' });

      expect(written).toEqual(['{"timestamp":"t","message":"a log line"}\n']);
      expect(emfLines).toEqual(['{"_aws":{"CloudWatchMetrics":[]},"Requests":1}']);
      stopTap();
      expect(readFileSync(join(state.path, 'emf.log'), 'utf8')).toBe(
        '{"_aws":{"CloudWatchMetrics":[]},"Requests":1}\n',
      );
    } finally {
      stopTap();
      spy.mockRestore();
      state.remove();
    }
  });

  it("fails the invocation with the error's stack as it was thrown on the worker", async () => {
    const pool = startPool(1);

    const failure = pool.handler('behaviours')({ action: 'throw' } as never, context());

    await expect(failure).rejects.toBeInstanceOf(HandlerError);
    await expect(failure).rejects.toMatchObject({
      message: 'Error: secret internals',
      stack: expect.stringMatching(/^Error: secret internals\n\s+at .*behaviours\.ts/) as unknown,
    });
  });

  it('fails an invocation whose result cannot cross back (a function in it)', async () => {
    const pool = startPool(1);

    await expect(pool.handler('behaviours')({ action: 'uncloneable' } as never, context())).rejects.toThrow(
      "the handler's result cannot be returned",
    );
  });

  it('gives the workers the environment as it was at start, then the changes set after', async () => {
    process.env.INVOCATION_POOL_TEST = 'at start';
    try {
      const pool = startPool(2);
      const variable = { action: 'echo', variable: 'INVOCATION_POOL_TEST' };
      expect((await invoke(pool, variable)).variable).toBe('at start');

      pool.setEnvironment({ INVOCATION_POOL_TEST: 'provisioned' });
      const [first, second] = await Promise.all([invoke(pool, variable), invoke(pool, variable)]);
      expect([first?.variable, second?.variable]).toEqual(['provisioned', 'provisioned']);

      pool.setEnvironment({ INVOCATION_POOL_TEST: undefined });
      expect((await invoke(pool, variable)).variable).toBeNull();
    } finally {
      delete process.env.INVOCATION_POOL_TEST;
    }
  });

  it('runs invocations at once on a worker, and sends each to the worker with the fewest under way', async () => {
    const single = startPool(1);
    const slow = { action: 'slow', ms: 200 };
    const [a, b] = await Promise.all([invoke(single, slow), invoke(single, slow)]);
    expect(a?.threadId).toBe(b?.threadId);

    const two = startPool(2);
    const [c, d] = await Promise.all([invoke(two, slow), invoke(two, slow)]);
    expect(c?.threadId).not.toBe(d?.threadId);
  });

  it('fails the invocations under way on a worker that dies, and starts another for the next', async () => {
    const pool = startPool(1);
    const before = await invoke(pool, { action: 'echo' });
    const underWay = invoke(pool, { action: 'slow', ms: 60_000 });

    await expect(invoke(pool, { action: 'crash' })).rejects.toThrow(
      /the invocation worker stopped \(exit code 1\): Error: the execution environment dies/,
    );
    await expect(underWay).rejects.toThrow('the invocation worker stopped');
    expect(log).toEqual([
      expect.stringMatching(/^invocation worker \d+: .*the next invocation starts another$/),
    ]);

    const after = await invoke(pool, { action: 'echo' });
    expect(after.threadId).not.toBe(before.threadId);
  });

  it('stops its workers on close: an invocation under way fails, a later one is refused', async () => {
    const pool = startPool(1);
    const underWay = invoke(pool, { action: 'slow', ms: 60_000 });

    await pool.close();

    await expect(underWay).rejects.toThrow('the invocation worker stopped');
    await expect(invoke(pool, { action: 'echo' })).rejects.toThrow('the invocation workers are stopped');
    expect(log).toEqual([]);
  });
});

describe('the gateway with its handlers on invocation workers', () => {
  const log: string[] = [];
  let pool: InvocationPool;
  let gateway: LocalGateway;
  let timing: LocalGateway;
  const kinesis = createKinesisClient('http://127.0.0.1:9', 'us-east-1');
  const startOn = (integrationTimeoutMs?: number) =>
    startGateway({
      port: 0,
      apiKey: API_KEY,
      streamName: 'Stack-events',
      kinesis,
      region: 'us-east-1',
      functionName: (handler) => `Stack-${handler}`,
      loadHandler: () => Promise.resolve(pool.handler<ProxyHandler>('behaviours')),
      log: (line) => log.push(line),
      ...(integrationTimeoutMs ? { integrationTimeoutMs } : {}),
    });
  const call = (on: LocalGateway, version: string) =>
    callApi(on.url, API_KEY, 'POST', '/solutionVersion', { solutionArn, version });

  beforeAll(async () => {
    pool = new InvocationPool({ size: 1, handlersDir: HANDLERS, log: (line) => log.push(line) });
    gateway = await startOn();
    timing = await startOn(300);
  });

  afterAll(async () => {
    await gateway.close();
    await timing.close();
    await pool.close();
    kinesis.destroy();
  });

  beforeEach(() => {
    log.length = 0;
  });

  it("answers the handler's proxy result, invoked with the function's name within the integration timeout", async () => {
    const response = await call(gateway, 'echo');

    expect(response.status).toBe(200);
    const answer = response.body as Answer;
    expect(answer.threadId).not.toBe(threadId);
    expect(answer.functionName).toBe('Stack-createSolutionVersion');
    expect(answer.remaining).toBeGreaterThan(0);
    expect(answer.remaining).toBeLessThanOrEqual(29_000);
  });

  it('answers 502 when the handler throws, its stack logged; 502 for a malformed result, logged', async () => {
    const thrown = await call(gateway, 'throw');
    expect(thrown.status).toBe(502);
    expect(thrown.body).toEqual({ message: 'Internal server error', code: 'InternalServerException' });
    expect(thrown.text).not.toContain('secret internals');
    const functionLines = () => log.filter((line) => line.startsWith('Stack-'));
    expect(functionLines()).toEqual([
      expect.stringMatching(
        /^Stack-createSolutionVersion: invocation failed: Error: secret internals\n\s+at .*behaviours\.ts/,
      ),
    ]);

    const malformed = await call(gateway, 'malformed');
    expect(malformed.status).toBe(502);
    expect(functionLines()[1]).toMatch(
      /^Stack-createSolutionVersion: malformed Lambda proxy response: \{"statusCode":200/,
    );
  });

  it('answers 504 when the handler outlasts the integration timeout', async () => {
    const response = await call(timing, 'slow');

    expect(response.status).toBe(504);
    expect(response.body).toEqual({
      message: 'Endpoint request timed out',
      code: 'IntegrationTimeoutException',
    });
  });

  it('answers 502 for the invocation a dying worker had, then serves the next on a new worker', async () => {
    const before = (await call(gateway, 'echo')).body as Answer;

    const crashed = await call(gateway, 'crash');
    expect(crashed.status).toBe(502);
    expect(log).toContainEqual(
      expect.stringMatching(
        /^Stack-createSolutionVersion: invocation failed: Error: the invocation worker stopped/,
      ),
    );

    const after = await call(gateway, 'echo');
    expect(after.status).toBe(200);
    expect((after.body as Answer).threadId).not.toBe(before.threadId);
  });
});

describe("npm start's INVOCATION_WORKERS", () => {
  it("defaults to none (the gateway's thread), takes 0 and more, and refuses anything else naming the variable", () => {
    expect(invocationWorkersSetting(undefined)).toBe(0);
    expect(invocationWorkersSetting('')).toBe(0);
    expect(invocationWorkersSetting('1')).toBe(1);
    expect(invocationWorkersSetting('0')).toBe(0);
    expect(invocationWorkersSetting('2')).toBe(2);
    for (const bad of ['two', '-1', '1.5', '65']) {
      expect(() => invocationWorkersSetting(bad)).toThrow(
        `INVOCATION_WORKERS must be a whole number from 0 to 64, got "${bad}"`,
      );
    }
  });
});
