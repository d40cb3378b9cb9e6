import { invalidInput } from './errors';
import type { RequestBody } from './validation';
import { PERSONALIZE_NAME_MAX_LENGTH, PERSONALIZE_NAME_MODEL_PATTERN } from '../../lib/contract/requests';

/*
 * The input constraints AWS publishes for the operations the emulator implements, copied from botocore's
 * service-2 models: personalize 2018-05-22, personalize-events 2018-03-22, personalize-runtime 2018-05-22
 * (botocore 1.43.67, commit 0e6e2404b85dc336dd2889814e089bde7d1a4c55). Every request is checked against
 * its operation's rules before the operation runs, as the service validates its input before anything
 * else: a violation is InvalidInputException naming the member (`tags.2.tagKey`, `eventList.1.itemId`).
 *
 * The models' patterns are Java regular expressions matched against the whole value; they are kept here
 * as the models spell them (and quoted so in messages) and compiled anchored, with the `u` flag
 * (`\p{ASCII}`, `\p{L}` work the same). Members a rule does not list are not checked here; structures the
 * emulator stores without reading (campaignConfig, most of solutionConfig) are only required to be objects.
 * Limits the models do not declare but the documentation does (numResults at most 500, 50 tags per
 * resource, schedulingExpression 1 to 30 days) are checked by the operations themselves.
 * test/emulator/model-constraints.test.ts sends a value past each constraint of the model to keep these
 * rules and the model from drifting apart.
 */

type Rule =
  | {
      readonly type: 'string';
      readonly min?: number;
      readonly max?: number;
      readonly pattern?: string;
      readonly enum?: readonly string[];
      /** What to call the expected type in a message (default `a string`). */
      readonly what?: string;
    }
  | { readonly type: 'integer'; readonly min?: number; readonly max?: number }
  | { readonly type: 'float' | 'boolean' | 'timestamp' }
  | { readonly type: 'list'; readonly min?: number; readonly max?: number; readonly member: Rule }
  | { readonly type: 'map'; readonly max?: number; readonly key: Rule; readonly value: Rule }
  | StructureRule;

export interface StructureRule {
  readonly type: 'structure';
  readonly required?: readonly string[];
  readonly members: Readonly<Record<string, Rule>>;
}

// Shapes shared by many operations (names as in the model).
const ARN: Rule = { type: 'string', max: 256, pattern: 'arn:([a-z\\d-]+):personalize:.*:.*:.+' };
const NAME: Rule = {
  type: 'string',
  min: 1,
  max: PERSONALIZE_NAME_MAX_LENGTH,
  pattern: PERSONALIZE_NAME_MODEL_PATTERN,
};
const ROLE_ARN: Rule = {
  type: 'string',
  max: 256,
  pattern: 'arn:([a-z\\d-]+):iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+',
};
const KMS_KEY_ARN: Rule = { type: 'string', max: 2048, pattern: 'arn:aws.*:kms:.*:[0-9]{12}:key/.*' };
const NEXT_TOKEN: Rule = { type: 'string', max: 1500, pattern: '\\p{ASCII}{0,1500}' };
const MAX_RESULTS: Rule = { type: 'integer', min: 1, max: 100 };
const DOMAIN: Rule = { type: 'string', enum: ['ECOMMERCE', 'VIDEO_ON_DEMAND'] };
const TAG_PATTERN = '^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$';
const TAG_KEY: Rule = { type: 'string', min: 1, max: 128, pattern: TAG_PATTERN };
const TAG_VALUE: Rule = { type: 'string', min: 0, max: 256, pattern: TAG_PATTERN };
const TAGS: Rule = {
  type: 'list',
  min: 0,
  max: 200,
  member: {
    type: 'structure',
    required: ['tagKey', 'tagValue'],
    members: { tagKey: TAG_KEY, tagValue: TAG_VALUE },
  },
};
const TAG_KEYS: Rule = { type: 'list', min: 0, max: 200, member: TAG_KEY };
const PERFORM: Rule = { type: 'boolean' };
/** Integers are 32-bit in the models. */
const INT32_MAX = 2 ** 31 - 1;
const TRANSACTIONS_PER_SECOND: Rule = { type: 'integer', min: 1 };
const AUTO_TRAINING_CONFIG: Rule = {
  type: 'structure',
  members: { schedulingExpression: { type: 'string', min: 1, max: 16, pattern: 'rate\\(\\d+ days?\\)' } },
};
const OPAQUE: Rule = { type: 'structure', members: {} };

const op = (members: Record<string, Rule>, required: readonly string[] = []): StructureRule => ({
  type: 'structure',
  required,
  members,
});
const arnOnly = (field: string): StructureRule => op({ [field]: ARN }, [field]);
const list = (parent?: string): StructureRule =>
  op({ ...(parent ? { [parent]: ARN } : {}), nextToken: NEXT_TOKEN, maxResults: MAX_RESULTS });

/** The control plane (awsJson1_1), by operation name. */
export const CONTROL_PLANE_RULES: Readonly<Record<string, StructureRule>> = {
  CreateDatasetGroup: op(
    { name: NAME, roleArn: ROLE_ARN, kmsKeyArn: KMS_KEY_ARN, domain: DOMAIN, tags: TAGS },
    ['name'],
  ),
  DescribeDatasetGroup: arnOnly('datasetGroupArn'),
  ListDatasetGroups: list(),
  DeleteDatasetGroup: arnOnly('datasetGroupArn'),

  CreateSchema: op({ name: NAME, schema: { type: 'string', max: 20000 }, domain: DOMAIN }, [
    'name',
    'schema',
  ]),
  DescribeSchema: arnOnly('schemaArn'),
  ListSchemas: list(),
  DeleteSchema: arnOnly('schemaArn'),

  CreateDataset: op(
    {
      name: NAME,
      schemaArn: ARN,
      datasetGroupArn: ARN,
      datasetType: { type: 'string', max: 256, pattern: '^[A-Za-z_]+$' },
      tags: TAGS,
    },
    ['name', 'schemaArn', 'datasetGroupArn', 'datasetType'],
  ),
  DescribeDataset: arnOnly('datasetArn'),
  ListDatasets: list('datasetGroupArn'),
  DeleteDataset: arnOnly('datasetArn'),

  CreateDatasetImportJob: op(
    {
      jobName: NAME,
      datasetArn: ARN,
      dataSource: op({ dataLocation: { type: 'string', max: 256, pattern: '(s3|http|https)://.+' } }),
      roleArn: ROLE_ARN,
      tags: TAGS,
      importMode: { type: 'string', enum: ['FULL', 'INCREMENTAL'] },
      publishAttributionMetricsToS3: PERFORM,
    },
    ['jobName', 'datasetArn', 'dataSource'],
  ),
  DescribeDatasetImportJob: arnOnly('datasetImportJobArn'),
  ListDatasetImportJobs: list('datasetArn'),

  CreateSolution: op(
    {
      name: NAME,
      performHPO: PERFORM,
      performAutoML: PERFORM,
      performAutoTraining: PERFORM,
      performIncrementalUpdate: PERFORM,
      recipeArn: ARN,
      datasetGroupArn: ARN,
      eventType: { type: 'string', max: 256 },
      solutionConfig: op({ autoTrainingConfig: AUTO_TRAINING_CONFIG }),
      tags: TAGS,
    },
    ['name', 'datasetGroupArn'],
  ),
  UpdateSolution: op(
    {
      solutionArn: ARN,
      performAutoTraining: PERFORM,
      performIncrementalUpdate: PERFORM,
      solutionUpdateConfig: op({ autoTrainingConfig: AUTO_TRAINING_CONFIG, eventsConfig: OPAQUE }),
    },
    ['solutionArn'],
  ),
  DescribeSolution: arnOnly('solutionArn'),
  ListSolutions: list('datasetGroupArn'),
  DeleteSolution: arnOnly('solutionArn'),

  CreateSolutionVersion: op(
    {
      name: NAME,
      solutionArn: ARN,
      trainingMode: { type: 'string', enum: ['FULL', 'UPDATE', 'AUTOTRAIN'] },
      tags: TAGS,
    },
    ['solutionArn'],
  ),
  DescribeSolutionVersion: arnOnly('solutionVersionArn'),
  ListSolutionVersions: list('solutionArn'),
  StopSolutionVersionCreation: arnOnly('solutionVersionArn'),
  GetSolutionMetrics: arnOnly('solutionVersionArn'),

  CreateCampaign: op(
    {
      name: NAME,
      solutionVersionArn: ARN,
      minProvisionedTPS: TRANSACTIONS_PER_SECOND,
      campaignConfig: OPAQUE,
      tags: TAGS,
    },
    ['name', 'solutionVersionArn'],
  ),
  DescribeCampaign: arnOnly('campaignArn'),
  ListCampaigns: list('solutionArn'),
  UpdateCampaign: op(
    {
      campaignArn: ARN,
      solutionVersionArn: ARN,
      minProvisionedTPS: TRANSACTIONS_PER_SECOND,
      campaignConfig: OPAQUE,
    },
    ['campaignArn'],
  ),
  DeleteCampaign: arnOnly('campaignArn'),

  CreateEventTracker: op({ name: NAME, datasetGroupArn: ARN, tags: TAGS }, ['name', 'datasetGroupArn']),
  DescribeEventTracker: arnOnly('eventTrackerArn'),
  ListEventTrackers: list('datasetGroupArn'),
  DeleteEventTracker: arnOnly('eventTrackerArn'),

  ListRecipes: op({
    recipeProvider: { type: 'string', enum: ['SERVICE'] },
    nextToken: NEXT_TOKEN,
    maxResults: MAX_RESULTS,
    domain: DOMAIN,
  }),
  DescribeRecipe: arnOnly('recipeArn'),

  CreateFilter: op(
    { name: NAME, datasetGroupArn: ARN, filterExpression: { type: 'string', min: 1, max: 2500 }, tags: TAGS },
    ['name', 'datasetGroupArn', 'filterExpression'],
  ),
  DescribeFilter: arnOnly('filterArn'),
  ListFilters: list('datasetGroupArn'),
  DeleteFilter: arnOnly('filterArn'),

  TagResource: op({ resourceArn: ARN, tags: TAGS }, ['resourceArn', 'tags']),
  UntagResource: op({ resourceArn: ARN, tagKeys: TAG_KEYS }, ['resourceArn', 'tagKeys']),
  ListTagsForResource: arnOnly('resourceArn'),
};

const STRING_1_256: Rule = { type: 'string', min: 1, max: 256 };
/** FilterValues: at most 25 entries, keys `[A-Za-z0-9_]+` of at most 50, values of at most 1,000 characters. */
const FILTER_VALUES: Rule = {
  type: 'map',
  max: 25,
  key: { type: 'string', max: 50, pattern: '[A-Za-z0-9_]+' },
  value: { type: 'string', max: 1000 },
};
const PROPERTIES = (max: number): Rule => ({ type: 'string', min: 1, max, what: 'a JSON string' });

/** The events and runtime APIs (restJson1), by operation name. */
export const REST_RULES: Readonly<Record<string, StructureRule>> = {
  PutEvents: op(
    {
      trackingId: STRING_1_256,
      userId: STRING_1_256,
      sessionId: STRING_1_256,
      eventList: {
        type: 'list',
        min: 1,
        max: 10,
        member: op(
          {
            eventId: STRING_1_256,
            eventType: STRING_1_256,
            eventValue: { type: 'float' },
            itemId: STRING_1_256,
            properties: PROPERTIES(1024),
            sentAt: { type: 'timestamp' },
            recommendationId: { type: 'string', min: 1, max: 40 },
            impression: { type: 'list', min: 1, max: 25, member: STRING_1_256 },
            metricAttribution: op(
              {
                eventAttributionSource: {
                  type: 'string',
                  max: 1024,
                  pattern: '^[\\x20-\\x7E]*[\\x21-\\x7E]+[\\x20-\\x7E]*$',
                },
              },
              ['eventAttributionSource'],
            ),
          },
          ['eventType', 'sentAt'],
        ),
      },
    },
    ['trackingId', 'sessionId', 'eventList'],
  ),
  PutItems: op(
    {
      datasetArn: ARN,
      items: {
        type: 'list',
        min: 1,
        max: 10,
        member: op({ itemId: STRING_1_256, properties: PROPERTIES(32000) }, ['itemId']),
      },
    },
    ['datasetArn', 'items'],
  ),
  PutUsers: op(
    {
      datasetArn: ARN,
      users: {
        type: 'list',
        min: 1,
        max: 10,
        member: op({ userId: STRING_1_256, properties: PROPERTIES(24000) }, ['userId']),
      },
    },
    ['datasetArn', 'users'],
  ),
  GetRecommendations: op({
    campaignArn: ARN,
    itemId: { type: 'string', max: 256 },
    userId: { type: 'string', max: 256 },
    numResults: { type: 'integer', min: 0 },
    filterArn: ARN,
    filterValues: FILTER_VALUES,
    recommenderArn: ARN,
    promotions: {
      type: 'list',
      max: 1,
      member: op({
        name: NAME,
        percentPromotedItems: { type: 'integer', min: 1, max: 100 },
        filterArn: ARN,
        filterValues: FILTER_VALUES,
      }),
    },
  }),
  GetPersonalizedRanking: op(
    {
      campaignArn: ARN,
      inputList: { type: 'list', member: { type: 'string', max: 256 } },
      userId: { type: 'string', max: 256 },
      filterArn: ARN,
      filterValues: FILTER_VALUES,
    },
    ['campaignArn', 'inputList', 'userId'],
  ),
};

const compiled = new Map<string, RegExp>();

/** A model pattern as a JavaScript RegExp matching the whole value, as the service applies it. */
function modelPattern(pattern: string): RegExp {
  let regExp = compiled.get(pattern);
  if (!regExp) {
    regExp = new RegExp(`^(?:${pattern})$`, 'u');
    compiled.set(pattern, regExp);
  }
  return regExp;
}

/** Checks a request body against its operation's rules; the first violation is InvalidInputException. */
export function checkInput(rules: StructureRule, body: RequestBody): void {
  checkStructure(rules, body, '');
}

const violation = (value: string, path: string, constraint: string) =>
  invalidInput(
    `1 validation error detected: Value ${value}at '${path}' failed to satisfy constraint: Member must ${constraint}`,
  );

function checkStructure(rule: StructureRule, value: RequestBody, path: string): void {
  const at = (member: string) => (path === '' ? member : `${path}.${member}`);
  for (const member of rule.required ?? []) {
    if (value[member] === undefined || value[member] === null)
      throw violation('null ', at(member), 'not be null');
  }
  for (const [member, memberRule] of Object.entries(rule.members)) {
    const memberValue = Object.hasOwn(value, member) ? value[member] : undefined;
    if (memberValue !== undefined && memberValue !== null) check(memberRule, memberValue, at(member));
  }
}

function check(rule: Rule, value: unknown, path: string): void {
  switch (rule.type) {
    case 'structure':
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        throw violation('', path, 'be a structure (a JSON object)');
      checkStructure(rule, value as RequestBody, path);
      return;
    case 'list':
      if (!Array.isArray(value)) throw violation('', path, 'be a list');
      checkLength(value.length, rule.min, rule.max, '', path);
      value.forEach((item: unknown, i) => {
        if (item === null || item === undefined) throw violation('null ', `${path}.${i + 1}`, 'not be null');
        check(rule.member, item, `${path}.${i + 1}`);
      });
      return;
    case 'map': {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        throw violation('', path, 'be a map (a JSON object)');
      const entries = Object.entries(value as Record<string, unknown>);
      checkLength(entries.length, undefined, rule.max, '', path);
      for (const [key, entryValue] of entries) {
        check(rule.key, key, `${path}.${key}`);
        check(rule.value, entryValue, `${path}.${key}`);
      }
      return;
    }
    case 'string':
      if (typeof value !== 'string') throw violation('', path, `be ${rule.what ?? 'a string'}`);
      checkLength(value.length, rule.min, rule.max, '', path);
      if (rule.pattern !== undefined && !modelPattern(rule.pattern).test(value))
        throw violation(`'${value}' `, path, `satisfy regular expression pattern: ${rule.pattern}`);
      if (rule.enum && !rule.enum.includes(value))
        throw violation(`'${value}' `, path, `satisfy enum value set: [${rule.enum.join(', ')}]`);
      return;
    case 'integer': {
      if (typeof value !== 'number' || !Number.isInteger(value) || Math.abs(value) > INT32_MAX)
        throw violation('', path, 'be an integer');
      if (rule.min !== undefined && value < rule.min)
        throw violation(`'${value}' `, path, `have value greater than or equal to ${rule.min}`);
      if (rule.max !== undefined && value > rule.max)
        throw violation(`'${value}' `, path, `have value less than or equal to ${rule.max}`);
      return;
    }
    case 'float':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw violation('', path, 'be a number');
      return;
    case 'boolean':
      if (typeof value !== 'boolean') throw violation('', path, 'be a boolean');
      return;
    case 'timestamp':
      if (typeof value !== 'number' && typeof value !== 'string') throw violation('', path, 'be a timestamp');
      return;
  }
}

function checkLength(
  length: number,
  min: number | undefined,
  max: number | undefined,
  value: string,
  path: string,
) {
  if (min !== undefined && length < min)
    throw violation(value, path, `have length greater than or equal to ${min}`);
  if (max !== undefined && length > max)
    throw violation(value, path, `have length less than or equal to ${max}`);
}
