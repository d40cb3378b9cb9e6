/**
 * What an operator sees of the functions: the consumer's log line per PutEvents call (the events it carried,
 * the seed's fields, and the response), one log line per API request, the EMF metric lines with their
 * namespace and dimensions, and SDK clients traced by X-Ray inside Lambda only.
 */
// First import: the factories set the test environment before any SDK client is created.
import {
  CAMPAIGN_ARN,
  STACK_NAME,
  TRACKING_ID,
  apiEvent,
  kinesisEvent,
  kinesisRecord,
  lambdaContext,
  mockEventTrackers,
  rawKinesisRecord,
  restoreFunctionEnvironment,
  sequenceNumber,
  serviceError,
} from './factories';
import { expect } from '@jest/globals';
import { PersonalizeClient } from '@aws-sdk/client-personalize';
import { PersonalizeEventsClient, PutEventsCommand } from '@aws-sdk/client-personalize-events';
import { GetRecommendationsCommand, PersonalizeRuntimeClient } from '@aws-sdk/client-personalize-runtime';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as getRecommendations } from '../../lambda/getRecommendations';
import { handler as consume, trackingIds } from '../../lambda/putEvents';
import { countRecommendationRequest, recordMetric, withMetrics } from '../../lambda/shared/metrics';
import { METRICS_NAMESPACE } from '../../lib/contract/metric-definitions';

const personalizeEvents = mockClient(PersonalizeEventsClient);
const personalize = mockClient(PersonalizeClient);
const personalizeRuntime = mockClient(PersonalizeRuntimeClient);
const s3 = mockClient(S3Client);

type Line = Record<string, unknown>;

/** Runs `work` with the given environment and answers every JSON line it wrote to stdout, parsed. */
async function linesOf(env: Record<string, string>, work: () => Promise<unknown>): Promise<Line[]> {
  const written: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    written.push(String(chunk));
    return true;
  });
  const previous = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  try {
    await work();
  } finally {
    write.mockRestore();
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
  return written
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Line);
}

const LOGS_ON = { LOG_LEVEL: 'INFO', POWERTOOLS_METRICS_DISABLED: 'true' };
const METRICS_ON = { LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'false' };

/** The EMF lines among `lines`: those CloudWatch turns into metrics. */
const emfLines = (lines: Line[]) => lines.filter((line) => '_aws' in line);
const directives = (line: Line) =>
  (line._aws as { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][] }> })
    .CloudWatchMetrics;
const sum = (value: unknown) =>
  Array.isArray(value) ? (value as number[]).reduce((a, b) => a + b, 0) : (value as number);

beforeEach(() => {
  personalizeEvents.reset();
  personalize.reset();
  personalizeRuntime.reset();
  s3.reset();
  trackingIds.clear();
  restoreFunctionEnvironment();
  personalizeEvents
    .on(PutEventsCommand)
    .resolves({ $metadata: { httpStatusCode: 200, requestId: 'personalize-request-1' } });
  mockEventTrackers(personalize);
  s3.on(PutObjectCommand).resolves({ ETag: '"e"' });
});

const batch = { userId: '429', itemId: '1210', eventType: 'click', trackingId: TRACKING_ID, interactions: 1 };

describe('the consumer’s log of what it sent', () => {
  it('logs each PutEvents call with its events (event id, type, item, user, sentAt) and the response', async () => {
    const lines = await linesOf(LOGS_ON, () =>
      consume(
        kinesisEvent([
          kinesisRecord(
            { ...batch, interactions: 2, dateFrom: '2024-01-01T00:00:00Z', dateTo: '2024-01-01T00:01:00Z' },
            { sequenceNumber: sequenceNumber(1) },
          ),
        ]),
        lambdaContext('consumer-1'),
      ),
    );

    const sent = lines.filter((line) => line.message === 'PutEvents sent');
    expect(sent).toEqual([
      expect.objectContaining({
        level: 'INFO',
        requestId: 'consumer-1',
        trackingId: TRACKING_ID,
        events: [
          {
            eventId: expect.any(String),
            eventType: 'click',
            itemId: '1210',
            userId: '429',
            sentAt: '2024-01-01T00:00:00.000Z',
          },
          {
            eventId: expect.any(String),
            eventType: 'click',
            itemId: '1210',
            userId: '429',
            sentAt: '2024-01-01T00:01:00.000Z',
          },
        ],
        response: expect.objectContaining({ httpStatusCode: 200, requestId: 'personalize-request-1' }),
        durationMs: expect.any(Number),
      }),
    ]);
    const eventIds = (sent[0]?.events as Array<{ eventId: string }>).map((event) => event.eventId);
    expect(new Set(eventIds).size).toBe(2);
  });

  it('logs one line per call: 25 interactions are three calls, 10 + 10 + 5 events', async () => {
    const lines = await linesOf(LOGS_ON, () =>
      consume(
        kinesisEvent([kinesisRecord({ ...batch, interactions: 25 }, { sequenceNumber: sequenceNumber(1) })]),
      ),
    );

    const sent = lines.filter((line) => line.message === 'PutEvents sent');
    expect(sent.map((line) => (line.events as unknown[]).length)).toEqual([10, 10, 5]);
  });

  it('is turned down with the function’s LOG_LEVEL, the delivery still happening', async () => {
    const lines = await linesOf({ ...LOGS_ON, LOG_LEVEL: 'WARN' }, () =>
      consume(kinesisEvent([kinesisRecord(batch, { sequenceNumber: sequenceNumber(1) })])),
    );

    expect(lines.filter((line) => line.message === 'PutEvents sent')).toEqual([]);
    expect(personalizeEvents.commandCalls(PutEventsCommand)).toHaveLength(1);
  });
});

describe('one log line per API request', () => {
  it('names the route, the status, the latency and both request ids', async () => {
    personalizeRuntime.on(GetRecommendationsCommand).resolves({ itemList: [] });

    const lines = await linesOf(LOGS_ON, () =>
      getRecommendations(
        apiEvent({
          method: 'GET',
          path: '/getRecommendations',
          query: { campaignArn: CAMPAIGN_ARN, userId: '429' },
          requestId: 'api-request-7',
        }),
        lambdaContext('lambda-request-7'),
      ),
    );

    expect(lines).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'Request handled',
        method: 'GET',
        path: '/getRecommendations',
        statusCode: 200,
        durationMs: expect.any(Number),
        requestId: 'lambda-request-7',
        apiRequestId: 'api-request-7',
      }),
    ]);
  });

  it('logs a rejected request once, as a warning with the status and the error code', async () => {
    const lines = await linesOf(LOGS_ON, () =>
      getRecommendations(
        apiEvent({ method: 'GET', path: '/getRecommendations', query: { userId: '429' } }),
        lambdaContext('lambda-request-8'),
      ),
    );

    expect(lines).toEqual([
      expect.objectContaining({
        level: 'WARN',
        message: 'Request rejected',
        path: '/getRecommendations',
        statusCode: 400,
        code: expect.any(String),
        durationMs: expect.any(Number),
      }),
    ]);
  });
});

describe('EMF metrics', () => {
  it('the consumer publishes events received, delivered and set aside, and its PutEvents calls, in one line', async () => {
    const lines = await linesOf(METRICS_ON, () =>
      consume(
        kinesisEvent([
          kinesisRecord({ ...batch, interactions: 12 }, { sequenceNumber: sequenceNumber(1) }),
          rawKinesisRecord('not base64 json', { sequenceNumber: sequenceNumber(2) }),
          kinesisRecord({ ...batch, userId: '7', interactions: 3 }, { sequenceNumber: sequenceNumber(3) }),
        ]),
      ),
    );

    const [line, ...others] = emfLines(lines);
    expect(others).toEqual([]);
    expect(directives(line as Line)).toEqual([
      {
        Namespace: METRICS_NAMESPACE,
        Dimensions: [['service']],
        Metrics: expect.arrayContaining([
          { Name: 'EventsReceived', Unit: 'Count' },
          { Name: 'EventsDelivered', Unit: 'Count' },
          { Name: 'EventsSetAside', Unit: 'Count' },
          { Name: 'RecordsSetAside', Unit: 'Count' },
          { Name: 'PutEventsCalls', Unit: 'Count' },
          { Name: 'PutEventsLatency', Unit: 'Milliseconds' },
        ]),
      },
    ]);
    expect(line).toMatchObject({
      service: STACK_NAME,
      EventsReceived: 15,
      RecordsSetAside: 1,
      EventsSetAside: 0,
    });
    // 12 events are two calls (10 + 2), user 7's three are one.
    expect(sum(line?.EventsDelivered)).toBe(15);
    expect(sum(line?.PutEventsCalls)).toBe(3);
  });

  it('counts the events of a record Personalize rejects as set aside, and the failed call as an error', async () => {
    personalizeEvents
      .on(PutEventsCommand, { userId: '7' })
      .rejects(serviceError('InvalidInputException', 'bad item', 400));

    const lines = await linesOf(METRICS_ON, () =>
      consume(
        kinesisEvent([
          kinesisRecord({ ...batch, interactions: 2 }, { sequenceNumber: sequenceNumber(1) }),
          kinesisRecord({ ...batch, userId: '7', interactions: 4 }, { sequenceNumber: sequenceNumber(2) }),
        ]),
      ),
    );

    const [line] = emfLines(lines);
    expect(line).toMatchObject({ EventsReceived: 6, RecordsSetAside: 1, EventsSetAside: 4 });
    expect(sum(line?.EventsDelivered)).toBe(2);
    expect(sum(line?.PutEventsErrors)).toBe(1);
  });

  it('GET /getRecommendations publishes its latency and errors, and its request by Filtered', async () => {
    personalizeRuntime
      .on(GetRecommendationsCommand)
      .resolvesOnce({ itemList: [] })
      .rejects(serviceError('ThrottlingException', 'Rate exceeded', 400));
    const request = () =>
      getRecommendations(
        apiEvent({
          method: 'GET',
          path: '/getRecommendations',
          query: { campaignArn: CAMPAIGN_ARN, userId: '429' },
        }),
        lambdaContext(),
      );

    const lines = await linesOf(METRICS_ON, async () => {
      await request();
      await request();
    });

    const emf = emfLines(lines);
    const byDimensions = (dimensions: string[]) =>
      emf.filter((line) => JSON.stringify(directives(line)[0]?.Dimensions) === JSON.stringify([dimensions]));
    expect(byDimensions(['service', 'Filtered'])).toEqual([
      expect.objectContaining({ Filtered: 'no', GetRecommendationsRequests: 1 }),
      expect.objectContaining({ Filtered: 'no', GetRecommendationsRequests: 1 }),
    ]);
    const latencyLines = byDimensions(['service']);
    expect(latencyLines).toEqual([
      expect.objectContaining({ GetRecommendationsLatency: expect.any(Number), GetRecommendationsErrors: 0 }),
      expect.objectContaining({ GetRecommendationsLatency: expect.any(Number), GetRecommendationsErrors: 1 }),
    ]);
    expect(directives(latencyLines[0] as Line)[0]?.Namespace).toBe(METRICS_NAMESPACE);
  });

  it('a request with a filter is counted as Filtered: yes', async () => {
    personalizeRuntime.on(GetRecommendationsCommand).resolves({ itemList: [] });

    const lines = await linesOf(METRICS_ON, () =>
      getRecommendations(
        apiEvent({
          method: 'GET',
          path: '/getRecommendations',
          query: {
            campaignArn: CAMPAIGN_ARN,
            userId: '429',
            filterArn: CAMPAIGN_ARN.replace(/campaign\/.*/, 'filter/no-horror'),
          },
        }),
        lambdaContext(),
      ),
    );

    expect(emfLines(lines)).toContainEqual(
      expect.objectContaining({ Filtered: 'yes', GetRecommendationsRequests: 1 }),
    );
  });
});

describe('EMF buffers, reused', () => {
  it('keeps invocations that overlap apart, and a reused buffer carries nothing of its last use', async () => {
    const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
    const invocation = async (key: 'eventsReceived' | 'eventsDelivered', value: number) =>
      withMetrics(async () => {
        recordMetric(key, value);
        await turn();
        recordMetric(key, value);
      });

    const lines = await linesOf(METRICS_ON, async () => {
      // One buffer idle, then two invocations at once: one reuses it, the other must not.
      await invocation('eventsReceived', 1);
      await Promise.all([invocation('eventsReceived', 3), invocation('eventsDelivered', 5)]);
      countRecommendationRequest(true);
      await invocation('eventsReceived', 7);
      recordMetric('putEventsCalls', 1);
    });

    const emf = emfLines(lines).map((line) => {
      const { _aws: _ignored, ...values } = line;
      return values;
    });
    expect(emf).toEqual([
      { service: STACK_NAME, EventsReceived: [1, 1] },
      { service: STACK_NAME, EventsReceived: [3, 3] },
      { service: STACK_NAME, EventsDelivered: [5, 5] },
      { service: STACK_NAME, Filtered: 'yes', GetRecommendationsRequests: 1 },
      { service: STACK_NAME, EventsReceived: [7, 7] },
      { service: STACK_NAME, PutEventsCalls: 1 },
    ]);
  });
});

describe('traced SDK clients', () => {
  const XRAY_MIDDLEWARE = 'XRaySDKInstrumentation';
  type Stack = { middlewareStack: { identify(): string[] } };
  const middlewareOf = (client: unknown) => (client as Stack).middlewareStack.identify().join('\n');

  /** The client modules, loaded afresh with `env`. */
  async function clientsWith(env: Record<string, string>): Promise<unknown[]> {
    const previous = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
    Object.assign(process.env, env);
    try {
      let clients: unknown[] = [];
      await jest.isolateModulesAsync(async () => {
        clients = [
          (await import('../../lambda/shared/clients/personalize')).personalize,
          (await import('../../lambda/shared/clients/personalizeEvents')).personalizeEvents,
          (await import('../../lambda/shared/clients/personalizeRuntime')).personalizeRuntime,
          (await import('../../lambda/shared/clients/s3')).s3,
          (await import('../../lambda/shared/clients/sfn')).sfn,
        ];
      });
      return clients;
    } finally {
      for (const [name, value] of Object.entries(previous)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  }

  it('inside Lambda, every client carries the X-Ray instrumentation', async () => {
    const clients = await clientsWith({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x' });
    for (const client of clients) expect(middlewareOf(client)).toContain(XRAY_MIDDLEWARE);
  });

  it('outside Lambda (tests, local mode) or with POWERTOOLS_TRACE_ENABLED=false, none does', async () => {
    for (const client of await clientsWith({})) expect(middlewareOf(client)).not.toContain(XRAY_MIDDLEWARE);
    const disabled = await clientsWith({
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      POWERTOOLS_TRACE_ENABLED: 'false',
    });
    for (const client of disabled) expect(middlewareOf(client)).not.toContain(XRAY_MIDDLEWARE);
  });
});
