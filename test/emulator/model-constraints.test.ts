import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { INTERACTIONS_SCHEMA } from '../../lib/contract/personalize-schemas';
import { startHarness, type Harness } from './harness';

/**
 * The emulator against the constraints AWS publishes: for every member of every operation the system uses,
 * a value just past each min/max/pattern/enum the botocore model declares (and a required member left out)
 * must be InvalidInputException naming the member, and the value at the boundary must not be. The
 * constraints come from personalize-model-constraints.json, extracted from botocore's service-2 models by
 * extract-model-constraints.ts, so a rule the emulator drops, tightens or loosens fails here.
 */

interface MemberConstraint {
  readonly type: string;
  readonly required?: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: string;
  readonly enum?: readonly string[];
}

interface OperationConstraints {
  readonly service: string;
  readonly http?: { readonly method: string; readonly requestUri: string };
  readonly members: Readonly<Record<string, MemberConstraint>>;
}

const MODEL = JSON.parse(readFileSync(join(__dirname, 'personalize-model-constraints.json'), 'utf8')) as {
  readonly botocore: { readonly version: string; readonly commit: string };
  readonly operations: Readonly<Record<string, OperationConstraints>>;
};

const arn = (resource: string): string => `arn:aws:personalize:us-east-1:000000000000:${resource}`;
const ROLE_ARN = 'arn:aws:iam::000000000000:role/personalize';
const TAGS = [{ tagKey: 'team', tagValue: 'recs' }];

/**
 * A valid request for each operation, with a valid value for every member the model constrains. The ARNs
 * name nothing: the service checks a request's input before it looks anything up, so a request that gets
 * past the checks ends in ResourceNotFoundException (or creates something), never in a validation error.
 */
const VALID: Readonly<Record<string, Record<string, unknown>>> = {
  CreateDatasetGroup: {
    name: 'mc-group',
    roleArn: ROLE_ARN,
    kmsKeyArn: 'arn:aws:kms:us-east-1:000000000000:key/k',
    domain: 'ECOMMERCE',
    tags: TAGS,
  },
  CreateSchema: { name: 'mc-schema', schema: JSON.stringify(INTERACTIONS_SCHEMA), domain: 'ECOMMERCE' },
  CreateDataset: {
    name: 'mc-dataset',
    schemaArn: arn('schema/none'),
    datasetGroupArn: arn('dataset-group/none'),
    datasetType: 'Interactions',
    tags: TAGS,
  },
  CreateDatasetImportJob: {
    jobName: 'mc-job',
    datasetArn: arn('dataset/none/INTERACTIONS'),
    dataSource: { dataLocation: 's3://bucket/interactions.csv' },
    roleArn: ROLE_ARN,
    importMode: 'FULL',
    tags: TAGS,
  },
  CreateSolution: {
    name: 'mc-solution',
    datasetGroupArn: arn('dataset-group/none'),
    recipeArn: 'arn:aws:personalize:::recipe/aws-user-personalization',
    eventType: 'click',
    solutionConfig: { autoTrainingConfig: { schedulingExpression: 'rate(7 days)' } },
    tags: TAGS,
  },
  UpdateSolution: {
    solutionArn: arn('solution/none'),
    solutionUpdateConfig: { autoTrainingConfig: { schedulingExpression: 'rate(7 days)' } },
  },
  CreateSolutionVersion: {
    name: 'mc-version',
    solutionArn: arn('solution/none'),
    trainingMode: 'FULL',
    tags: TAGS,
  },
  DescribeSolutionVersion: { solutionVersionArn: arn('solution/none/0123abcd') },
  StopSolutionVersionCreation: { solutionVersionArn: arn('solution/none/0123abcd') },
  CreateCampaign: {
    name: 'mc-campaign',
    solutionVersionArn: arn('solution/none/0123abcd'),
    minProvisionedTPS: 1,
    tags: TAGS,
  },
  DescribeCampaign: { campaignArn: arn('campaign/none') },
  DeleteCampaign: { campaignArn: arn('campaign/none') },
  CreateEventTracker: { name: 'mc-tracker', datasetGroupArn: arn('dataset-group/none'), tags: TAGS },
  DescribeEventTracker: { eventTrackerArn: arn('event-tracker/0123abcd') },
  DeleteEventTracker: { eventTrackerArn: arn('event-tracker/0123abcd') },
  ListCampaigns: { solutionArn: arn('solution/none'), nextToken: 'token', maxResults: 10 },
  ListEventTrackers: { datasetGroupArn: arn('dataset-group/none'), nextToken: 'token', maxResults: 10 },
  ListSolutionVersions: { solutionArn: arn('solution/none'), nextToken: 'token', maxResults: 10 },
  ListTagsForResource: { resourceArn: arn('campaign/none') },
  TagResource: { resourceArn: arn('campaign/none'), tags: TAGS },
  UntagResource: { resourceArn: arn('campaign/none'), tagKeys: ['team'] },
  PutEvents: {
    trackingId: 'no-such-tracker',
    userId: 'user',
    sessionId: 'session',
    eventList: [
      {
        eventId: 'event',
        eventType: 'click',
        eventValue: 1,
        itemId: 'item',
        properties: JSON.stringify({ device: 'phone' }),
        sentAt: 1_700_000_000,
        recommendationId: 'recommendation',
        impression: ['item'],
        metricAttribution: { eventAttributionSource: 'web' },
      },
    ],
  },
  PutItems: {
    datasetArn: arn('dataset/none/ITEMS'),
    items: [{ itemId: 'item', properties: JSON.stringify({ genre: 'Drama' }) }],
  },
  PutUsers: {
    datasetArn: arn('dataset/none/USERS'),
    users: [{ userId: 'user', properties: JSON.stringify({ age: 30 }) }],
  },
  GetRecommendations: {
    campaignArn: arn('campaign/none'),
    itemId: 'item',
    userId: 'user',
    numResults: 10,
    filterArn: arn('filter/none'),
    recommenderArn: arn('recommender/none'),
  },
};

/** `eventList[].impression[]` → the keys to reach its first element. */
function keysOf(path: string): (string | number)[] {
  return path.split('.').flatMap((part) => {
    const name = part.replace(/(\[\])+$/, '');
    const depth = (part.length - name.length) / 2;
    return [name, ...Array.from({ length: depth }, () => 0)];
  });
}

/** The member's name in messages: `eventList.1.impression.1`. */
const wirePath = (path: string): string => path.replace(/\[\]/g, '.1');

function at(body: unknown, keys: readonly (string | number)[]): unknown {
  return keys.reduce<unknown>((value, key) => (value as Record<string | number, unknown>)[key], body);
}

/** A copy of `body` with the member at `path` set to `value`, or removed when `value` is undefined. */
function withMember(body: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(body);
  const keys = keysOf(path);
  const parent = at(copy, keys.slice(0, -1)) as Record<string | number, unknown>;
  const last = keys[keys.length - 1] as string | number;
  if (value === undefined) delete parent[last];
  else parent[last] = value;
  return copy;
}

const modelPattern = (pattern: string): RegExp => new RegExp(`^(?:${pattern})$`, 'u');

const isJson = (value: string): boolean => {
  try {
    return typeof JSON.parse(value) === 'object';
  } catch {
    return false;
  }
};

/**
 * A valid value of exactly `length` characters made from `sample`: longer, a character is repeated where
 * the pattern allows it (`arn:0000aws:personalize:...`, `rate(00007 days)`) and JSON is padded with
 * spaces; shorter, a run of one character the pattern takes. Undefined when there is none (no
 * `rate(N days)` of 1 character, no JSON object of 1).
 */
function validOfLength(sample: string, length: number, pattern?: RegExp): string | undefined {
  const ok = (value: string) => (pattern ? pattern.test(value) : true);
  if (length === sample.length) return sample;
  if (length < sample.length) {
    if (isJson(sample)) return undefined;
    return ['x', '0', 'a', '1'].map((c) => c.repeat(length)).find(ok);
  }
  const extra = length - sample.length;
  if (!pattern) return sample + (isJson(sample) ? ' ' : 'x').repeat(extra);
  for (let p = 0; p <= sample.length; p++) {
    for (const c of ['0', 'x', sample[p - 1], sample[p]]) {
      if (c === undefined) continue;
      const grown = sample.slice(0, p) + c.repeat(extra) + sample.slice(p);
      if (ok(sample.slice(0, p) + c + sample.slice(p)) && ok(grown)) return grown;
    }
  }
  return undefined;
}

/** A value of `length` characters: valid but for its length if possible, else simply that long. */
function ofLength(sample: string, length: number, pattern?: RegExp): string {
  return validOfLength(sample, length, pattern) ?? validOfLength(sample, length) ?? 'x'.repeat(length);
}

/** A value of the member's length bounds that the pattern refuses. */
function outsidePattern(constraint: MemberConstraint, pattern: RegExp): string {
  const fits = (v: string) =>
    v.length >= (constraint.min ?? 0) && v.length <= (constraint.max ?? Number.MAX_SAFE_INTEGER);
  const value = ['!', 'é', ' ', 'x', 'not valid!'].find((v) => fits(v) && !pattern.test(v));
  if (value === undefined) throw new Error(`No value outside ${pattern.source}`);
  return value;
}

interface Case {
  readonly label: string;
  readonly body: Record<string, unknown>;
  /** true: must be InvalidInputException naming the member; false: must not be a validation error of it. */
  readonly invalid: boolean;
}

function casesOf(operation: string, path: string, constraint: MemberConstraint): Case[] {
  const valid = VALID[operation] ?? {};
  const sample = at(valid, keysOf(path));
  if (sample === undefined) throw new Error(`VALID.${operation} has no value for ${path}`);
  const cases: Case[] = [];
  const add = (label: string, value: unknown, invalid: boolean) =>
    cases.push({ label: `${path} ${label}`, body: withMember(valid, path, value), invalid });
  if (constraint.required) add('left out (required)', undefined, true);
  const { min, max } = constraint;
  if (constraint.type === 'string' && typeof sample === 'string') {
    const pattern = constraint.pattern === undefined ? undefined : modelPattern(constraint.pattern);
    if (min !== undefined && min > 0)
      add(`of length ${min - 1} (min ${min})`, ofLength(sample, min - 1), true);
    const shortest = min === undefined ? undefined : validOfLength(sample, min, pattern);
    if (shortest !== undefined) add(`of length ${min} (min)`, shortest, false);
    if (max !== undefined) {
      add(`of length ${max + 1} (max ${max})`, ofLength(sample, max + 1, pattern), true);
      const longest = validOfLength(sample, max, pattern);
      if (longest === undefined) throw new Error(`No valid value of ${path} is ${max} characters long`);
      add(`of length ${max} (max)`, longest, false);
    }
    if (pattern) {
      add(`outside ${constraint.pattern}`, outsidePattern(constraint, pattern), true);
      add(`matching ${constraint.pattern}`, sample, false);
    }
    if (constraint.enum) {
      add('outside the enum', 'NOT_IN_THE_ENUM', true);
      for (const value of constraint.enum) add(`= ${value}`, value, false);
    }
  } else if (constraint.type === 'integer') {
    if (min !== undefined) {
      add(`= ${min - 1} (min ${min})`, min - 1, true);
      add(`= ${min} (min)`, min, false);
    }
    if (max !== undefined) {
      add(`= ${max + 1} (max ${max})`, max + 1, true);
      add(`= ${max} (max)`, max, false);
    }
  } else if (constraint.type === 'list' && Array.isArray(sample)) {
    const element: unknown = sample[0];
    const of = (n: number) => Array.from({ length: n }, () => structuredClone(element));
    if (min !== undefined && min > 0) add(`of ${min - 1} elements (min ${min})`, of(min - 1), true);
    if (min !== undefined) add(`of ${min} elements (min)`, of(min), false);
    if (max !== undefined) {
      add(`of ${max + 1} elements (max ${max})`, of(max + 1), true);
      add(`of ${max} elements (max)`, of(max), false);
    }
  }
  return cases;
}

interface Reply {
  readonly status: number;
  readonly errorType: string | undefined;
  readonly message: string;
}

async function send(
  h: Harness,
  operation: string,
  spec: OperationConstraints,
  body: unknown,
): Promise<Reply> {
  const rest = spec.http;
  const response = await fetch(`${h.emulator.endpoint}${rest ? rest.requestUri : '/'}`, {
    method: rest ? rest.method : 'POST',
    headers: rest
      ? { 'content-type': 'application/json' }
      : { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AmazonPersonalize.${operation}` },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  const parsed = (text ? JSON.parse(text) : {}) as { __type?: string; message?: string };
  return {
    status: response.status,
    errorType: response.headers.get('x-amzn-errortype') ?? parsed.__type,
    message: parsed.message ?? '',
  };
}

describe("Personalize emulator input checks against botocore's published constraints", () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ keepState: false });
  });
  afterAll(() => h.close());

  test('the constraints file says which botocore it came from and covers the operations the system uses', () => {
    expect(MODEL.botocore.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(MODEL.botocore.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(Object.keys(MODEL.operations).sort()).toEqual(Object.keys(VALID).sort());
  });

  test.each(Object.keys(MODEL.operations))(
    '%s: a value past each declared constraint is InvalidInputException naming the member; one at the boundary is not',
    async (operation) => {
      const spec = MODEL.operations[operation] as OperationConstraints;
      const valid = await send(h, operation, spec, VALID[operation]);
      // The valid request gets past the checks: it is answered, or refused for what it names.
      expect(valid.errorType === 'InvalidInputException' && /validation error/.test(valid.message)).toBe(
        false,
      );
      const failures: string[] = [];
      let checked = 0;
      for (const [path, constraint] of Object.entries(spec.members)) {
        for (const { label, body, invalid } of casesOf(operation, path, constraint)) {
          const reply = await send(h, operation, spec, body);
          const namesMember = reply.message.includes(`'${wirePath(path)}'`);
          const refused = reply.errorType === 'InvalidInputException' && namesMember;
          checked++;
          if (invalid && !(refused && reply.status === 400))
            failures.push(`${label}: expected InvalidInputException naming it, got ${JSON.stringify(reply)}`);
          if (!invalid && refused)
            failures.push(`${label}: refused though the model allows it: ${reply.message}`);
        }
      }
      expect(checked).toBeGreaterThan(0);
      expect(failures).toEqual([]);
    },
  );
});
