import { expect } from '@jest/globals';
import { request as httpRequest } from 'node:http';
import {
  CreateDatasetGroupCommand,
  CreateSolutionCommand,
  InvalidInputException,
  ListDatasetGroupsCommand,
} from '@aws-sdk/client-personalize';
import { GetRecommendationsCommand } from '@aws-sdk/client-personalize-runtime';
import { CONTROL_PLANE_OPERATIONS, REST_OPERATIONS } from '../../local/personalize/operations';
import { provision, settle, startHarness, type Harness, type Provisioned } from './harness';
import { seededRandom } from '../../data/random';

const CONTROL_PLANE = [
  'CreateDatasetGroup',
  'DescribeDatasetGroup',
  'ListDatasetGroups',
  'DeleteDatasetGroup',
  'CreateSchema',
  'DescribeSchema',
  'ListSchemas',
  'DeleteSchema',
  'CreateDataset',
  'DescribeDataset',
  'ListDatasets',
  'DeleteDataset',
  'CreateDatasetImportJob',
  'DescribeDatasetImportJob',
  'ListDatasetImportJobs',
  'CreateSolution',
  'UpdateSolution',
  'DescribeSolution',
  'ListSolutions',
  'DeleteSolution',
  'CreateSolutionVersion',
  'DescribeSolutionVersion',
  'ListSolutionVersions',
  'StopSolutionVersionCreation',
  'GetSolutionMetrics',
  'CreateCampaign',
  'DescribeCampaign',
  'ListCampaigns',
  'UpdateCampaign',
  'DeleteCampaign',
  'CreateEventTracker',
  'DescribeEventTracker',
  'ListEventTrackers',
  'DeleteEventTracker',
  'CreateFilter',
  'DescribeFilter',
  'ListFilters',
  'DeleteFilter',
  'ListRecipes',
  'DescribeRecipe',
  'TagResource',
  'UntagResource',
  'ListTagsForResource',
];
const REST_PATHS = ['/events', '/items', '/users', '/recommendations', '/personalize-ranking'];

interface Reply {
  readonly status: number;
  readonly errorType: string | null;
  readonly body: string;
}

async function post(
  h: Harness,
  options: { path?: string; target?: string; body: string; contentType?: string },
): Promise<Reply> {
  const response = await fetch(`${h.emulator.endpoint}${options.path ?? '/'}`, {
    method: 'POST',
    body: options.body,
    headers: {
      'content-type':
        options.contentType ?? (options.target ? 'application/x-amz-json-1.1' : 'application/json'),
      ...(options.target ? { 'x-amz-target': options.target } : {}),
    },
  });
  const body = await response.text();
  const errorType =
    response.headers.get('x-amzn-errortype') ??
    (body.startsWith('{"__type"') ? ((JSON.parse(body) as { __type: string }).__type ?? null) : null);
  return { status: response.status, errorType, body };
}

/** Sends a body of `size` bytes in chunks with node:http (fetch would buffer it), and reads the answer. */
function postLarge(h: Harness, path: string, size: number): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${h.emulator.endpoint}${path}`,
      { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': size } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            errorType: (res.headers['x-amzn-errortype'] as string | undefined) ?? null,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    const chunk = Buffer.alloc(1024 * 1024, 'x');
    let sent = 0;
    const pump = (): void => {
      while (sent < size) {
        const piece = chunk.subarray(0, Math.min(chunk.length, size - sent));
        sent += piece.length;
        if (!req.write(piece)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

describe('Personalize emulator HTTP server robustness', () => {
  let h: Harness;
  let p: Provisioned;

  beforeAll(async () => {
    h = await startHarness();
    p = await provision(h, 'robust', 'aws-popularity-count');
  });
  afterAll(() => h.close());

  const healthy = async (): Promise<void> => {
    const health = await fetch(`${h.emulator.endpoint}/_emulator/health`);
    expect(await health.json()).toEqual({ status: 'ok' });
    await expect(h.personalize.send(new ListDatasetGroupsCommand({}))).resolves.toBeDefined();
  };

  test('an x-amz-target naming an Object.prototype member is an unknown operation, not a call', async () => {
    for (const name of ['constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf']) {
      const reply = await post(h, { target: `AmazonPersonalize.${name}`, body: '{"a": 1}' });
      expect(reply).toMatchObject({ status: 400, errorType: 'UnknownOperationException' });
      expect(reply.body).toContain(`operation ${name}`);
    }
  });

  test('POST / without x-amz-target says the header is missing', async () => {
    const reply = await post(h, { body: '{}' });
    expect(reply.status).toBe(404);
    expect(reply.body).toMatch(/without an x-amz-target header/);
  });

  test('malformed JSON is InvalidInputException in either protocol', async () => {
    expect(await post(h, { target: 'AmazonPersonalize.ListSchemas', body: '{"maxResults": ' })).toMatchObject(
      { status: 400, errorType: 'InvalidInputException', body: expect.stringContaining('not valid JSON') },
    );
    expect(await post(h, { path: '/recommendations', body: '[1, 2]' })).toMatchObject({
      status: 400,
      errorType: 'InvalidInputException',
      body: expect.stringContaining('must be a JSON object'),
    });
  });

  test('JSON nested too deeply is refused before it is stored, and the emulator keeps working', async () => {
    const deep = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
    const reply = await post(h, {
      target: 'AmazonPersonalize.CreateSolution',
      body: `{"name": "deep", "datasetGroupArn": "${p.datasetGroupArn}", "recipeArn": "arn:aws:personalize:::recipe/aws-popularity-count", "solutionConfig": ${deep}}`,
    });
    expect(reply).toMatchObject({ status: 400, errorType: 'InvalidInputException' });
    expect(reply.body).toMatch(/nests JSON deeper than 32 levels/);
    // Before the limit, the record was kept and every later state write overflowed the stack.
    const { datasetGroupArn = '' } = await h.personalize.send(
      new CreateDatasetGroupCommand({ name: 'after-deep' }),
    );
    expect(await settle(h, 'datasetGroup', datasetGroupArn)).toBe('ACTIVE');
    await expect(
      h.personalize.send(
        new CreateSolutionCommand({
          name: 'shallow',
          datasetGroupArn: p.datasetGroupArn,
          recipeArn: 'arn:aws:personalize:::recipe/aws-popularity-count',
          solutionConfig: { algorithmHyperParameters: { a: '1' } },
        }),
      ),
    ).resolves.toBeDefined();
  });

  test('a body over the limit gets a 413 naming the limit (not a reset connection), then service goes on', async () => {
    const reply = await postLarge(h, '/events', 11 * 1024 * 1024);
    expect(reply.status).toBe(413);
    expect(reply.errorType).toBe('InvalidInputException');
    expect(reply.body).toMatch(/larger than the emulator's limit of 10485760 bytes/);
    await healthy();
  });

  test('a content-type that is not JSON is 415 naming it; the SDK types are accepted', async () => {
    const rest = await post(h, { path: '/recommendations', body: '{}', contentType: 'text/plain' });
    expect(rest).toMatchObject({ status: 415, errorType: 'UnsupportedMediaTypeException' });
    expect(rest.body).toContain('text/plain');
    const json = await post(h, {
      target: 'AmazonPersonalize.ListRecipes',
      body: '{}',
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(json).toMatchObject({ status: 415, errorType: 'UnsupportedMediaTypeException' });
    expect(
      await post(h, { target: 'AmazonPersonalize.ListRecipes', body: '{}', contentType: 'application/json' }),
    ).toMatchObject({ status: 200 });
    await expect(
      h.runtime.send(new GetRecommendationsCommand({ campaignArn: p.campaignArn, userId: 'u' })),
    ).resolves.toBeDefined();
  });

  test('fuzz: random bodies against every operation get a modelled client error or success, never a 500', async () => {
    // Every operation the emulator serves is fuzzed.
    expect([...CONTROL_PLANE].sort()).toEqual(Object.keys(CONTROL_PLANE_OPERATIONS).sort());
    expect([...REST_PATHS].sort()).toEqual(Object.keys(REST_OPERATIONS).sort());
    const random = seededRandom(20240607);
    const ROUNDS = 12;
    const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
    const arns = [
      p.datasetGroupArn,
      p.interactionsDatasetArn,
      p.itemsDatasetArn,
      p.solutionArn,
      p.solutionVersionArn,
      p.campaignArn,
      p.eventTrackerArn,
      'arn:aws:personalize:::recipe/aws-sims',
      'arn:aws:personalize:us-east-1:000000000000:schema/robust-items',
    ];
    const fields = [
      'name',
      'datasetGroupArn',
      'schemaArn',
      'schema',
      'datasetArn',
      'datasetType',
      'jobName',
      'dataSource',
      'solutionArn',
      'solutionVersionArn',
      'campaignArn',
      'eventTrackerArn',
      'recipeArn',
      'trainingMode',
      'maxResults',
      'nextToken',
      'numResults',
      'userId',
      'itemId',
      'inputList',
      'trackingId',
      'sessionId',
      'eventList',
      'items',
      'users',
      'properties',
      'sentAt',
      'eventType',
      'eventValue',
      'impression',
      'minProvisionedTPS',
      'campaignConfig',
      'solutionConfig',
      'importMode',
      'performAutoML',
      'performAutoTraining',
      'solutionUpdateConfig',
      'autoTrainingConfig',
      'schedulingExpression',
      'resourceArn',
      'tags',
      'tagKey',
      'tagValue',
      'tagKeys',
      'filterArn',
      'filterExpression',
      'filterValues',
      'promotions',
    ];
    const value = (depth: number): unknown => {
      switch (Math.floor(random() * (depth > 2 ? 8 : 11))) {
        case 0:
          return null;
        case 1:
          return random() < 0.5;
        case 2:
          return Math.floor(random() * 1000) - 100;
        case 3:
          return random() * 1e6;
        case 4:
          return 'x'.repeat(Math.floor(random() * 300));
        case 5:
          return pick(arns);
        case 6:
          return pick([
            '',
            'Interactions',
            'FULL',
            'UPDATE',
            'AUTOTRAIN',
            's3://test-bucket/robust/items.csv',
            '1.5',
            'rate(3 days)',
            'rate(31 days)',
            'aws:owner',
          ]);
        case 7:
          return p.trackingId;
        case 8:
          return Array.from({ length: Math.floor(random() * 12) }, () => value(depth + 1));
        case 9:
          return Object.fromEntries(
            Array.from({ length: Math.floor(random() * 5) }, () => [pick(fields), value(depth + 1)]),
          );
        default:
          return JSON.stringify(value(depth + 1));
      }
    };
    const body = (): string => {
      const roll = random();
      if (roll < 0.05) return pick(['', 'null', '[]', '"text"', '{', '{"a":}', '\u0000', '42']);
      return JSON.stringify(
        Object.fromEntries(
          Array.from({ length: 1 + Math.floor(random() * 6) }, () => [pick(fields), value(0)]),
        ),
      );
    };
    const failures: string[] = [];
    let sent = 0;
    // A fixed number of rounds: what the fuzz covers does not depend on the machine's speed.
    for (let round = 0; round < ROUNDS; round++) {
      for (const operation of [...CONTROL_PLANE, ...REST_PATHS]) {
        const payload = body();
        const reply = operation.startsWith('/')
          ? await post(h, { path: operation, body: payload })
          : await post(h, { target: `AmazonPersonalize.${operation}`, body: payload });
        sent++;
        if (reply.status >= 500 || (reply.status !== 200 && !reply.errorType))
          failures.push(
            `${operation} ${payload.slice(0, 300)} -> ${reply.status} ${reply.body.slice(0, 300)}`,
          );
      }
    }
    expect(sent).toBe(ROUNDS * (CONTROL_PLANE.length + REST_PATHS.length));
    expect(failures).toEqual([]);
    await healthy();
  }, 120_000);

  test('admin routes answer malformed fault specs 400 and keep serving', async () => {
    const arm = async (body: string) => {
      const response = await fetch(`${h.emulator.endpoint}/_emulator/faults`, {
        method: 'POST',
        headers: { 'x-emulator-admin': '1' },
        body,
      });
      return { status: response.status, body: await response.text() };
    };
    // An error type is answered later in a header: one that cannot be a header value is refused now.
    for (const body of [
      '{"PutEvents": {"failNext": 1, "errorType": "Bad\\r\\nType"}}',
      '{"PutEvents": {"failNext": 1, "errorType": 5}}',
      '{"PutEvents": null}',
      '{"PutEvents": {"failNext": "x"}}',
      `${'['.repeat(5000)}`,
    ]) {
      expect([body.slice(0, 60), (await arm(body)).status]).toEqual([body.slice(0, 60), 400]);
    }
    expect(await (await fetch(`${h.emulator.endpoint}/_emulator/faults`)).json()).toEqual({ armed: {} });
    await healthy();
  });

  test('refuses a fault armed without the admin header, as a web page would send it (cross-site text/plain)', async () => {
    const response = await fetch(`${h.emulator.endpoint}/_emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ PutEvents: { failNext: 1000 } }),
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({
      message:
        'POST /_emulator/faults needs the header x-emulator-admin: 1 (a web page cannot send it to another origin)',
    });
    const cleared = await fetch(`${h.emulator.endpoint}/_emulator/calls`, { method: 'DELETE' });
    expect(cleared.status).toBe(403);
    expect(await (await fetch(`${h.emulator.endpoint}/_emulator/faults`)).json()).toEqual({ armed: {} });
  });

  test('the SDK sees a malformed field as InvalidInputException naming it', async () => {
    await expect(h.personalize.send(new ListDatasetGroupsCommand({ maxResults: 1000 }))).rejects.toThrow(
      InvalidInputException,
    );
    await expect(h.personalize.send(new ListDatasetGroupsCommand({ maxResults: 1000 }))).rejects.toThrow(
      /maxResults/,
    );
  });
});
