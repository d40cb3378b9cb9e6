import { expect } from '@jest/globals';
import {
  CreateFilterCommand,
  DeleteFilterCommand,
  DescribeFilterCommand,
  PersonalizeClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-personalize';
import { Match } from 'aws-cdk-lib/assertions';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { isComplete, onEvent } from '../../lambda/configureFilter';
import {
  DEFAULT_FILTERS,
  filterResourceName,
  validateFilterDefinitions,
} from '../../lib/contract/personalize-filters';
import { personalizeNames } from '../../lib/contract/personalize-schemas';
import { STACK_NAME, synthesize, type Synthesized } from './synth';

const personalize = mockClient(PersonalizeClient);
const GROUP_ARN = 'arn:aws:personalize:us-east-1:123456789012:dataset-group/stack-dataset-group-0a1b2c3d';
const FILTER_ARN = 'arn:aws:personalize:us-east-1:123456789012:filter/stack-unwatched-12345678';
const PROPERTIES = {
  ServiceToken: 'token',
  DatasetGroupArn: GROUP_ARN,
  FilterName: 'stack-unwatched-12345678',
  FilterExpression: 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("watch")',
};

function cfnEvent(
  requestType: 'Create' | 'Delete',
  physicalId = FILTER_ARN,
): CloudFormationCustomResourceEvent {
  const base = {
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:provider',
    ResponseURL: 'https://cloudformation-custom-resource-response.example/',
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/stack/1',
    RequestId: 'request-1',
    LogicalResourceId: 'ModelFiltersFilterunwatched',
    ResourceType: 'Custom::PersonalizeFilter',
    ResourceProperties: PROPERTIES,
  };
  return requestType === 'Create'
    ? { ...base, RequestType: 'Create' }
    : { ...base, RequestType: 'Delete', PhysicalResourceId: physicalId };
}

const notFound = () => new ResourceNotFoundException({ message: 'Could not find filter', $metadata: {} });

beforeEach(() => personalize.reset());

describe('the filter custom resource handler (lambda/configureFilter.ts)', () => {
  test('onEvent names the resource by the filter ARN in the dataset group, and calls nothing', async () => {
    expect(await onEvent(cfnEvent('Create'))).toEqual({ PhysicalResourceId: FILTER_ARN });
    expect(personalize.calls()).toHaveLength(0);
    await expect(
      onEvent({ ...cfnEvent('Create'), ResourceProperties: { ...PROPERTIES, FilterExpression: '' } }),
    ).rejects.toThrow('FilterExpression');
  });

  test('isComplete creates the filter once, then completes when it is ACTIVE, with its ARN as an attribute', async () => {
    personalize
      .on(DescribeFilterCommand)
      .rejectsOnce(notFound())
      .resolvesOnce({ filter: { status: 'CREATE IN_PROGRESS' } })
      .resolvesOnce({ filter: { status: 'ACTIVE' } });
    expect(await isComplete(cfnEvent('Create'))).toEqual({ IsComplete: false });
    expect(personalize.commandCalls(CreateFilterCommand).map((c) => c.args[0].input)).toEqual([
      {
        name: PROPERTIES.FilterName,
        datasetGroupArn: GROUP_ARN,
        filterExpression: PROPERTIES.FilterExpression,
      },
    ]);
    expect(await isComplete(cfnEvent('Create'))).toEqual({ IsComplete: false });
    expect(await isComplete(cfnEvent('Create'))).toEqual({
      IsComplete: true,
      Data: { FilterArn: FILTER_ARN },
    });
    expect(personalize.commandCalls(CreateFilterCommand)).toHaveLength(1);
  });

  test('a CREATE FAILED filter fails the deploy with the reason the service gives', async () => {
    personalize
      .on(DescribeFilterCommand)
      .resolves({ filter: { status: 'CREATE FAILED', failureReason: 'bad field' } });
    await expect(isComplete(cfnEvent('Create'))).rejects.toThrow(/failed: bad field/);
  });

  test('on Delete: deletes the filter named by the resource, completes once it is gone', async () => {
    personalize
      .on(DescribeFilterCommand)
      .resolvesOnce({ filter: { status: 'ACTIVE' } })
      .resolvesOnce({ filter: { status: 'DELETE IN_PROGRESS' } })
      .rejectsOnce(notFound());
    expect(await isComplete(cfnEvent('Delete'))).toEqual({ IsComplete: false });
    expect(personalize.commandCalls(DeleteFilterCommand).map((c) => c.args[0].input)).toEqual([
      { filterArn: FILTER_ARN },
    ]);
    expect(await isComplete(cfnEvent('Delete'))).toEqual({ IsComplete: false });
    expect(await isComplete(cfnEvent('Delete'))).toEqual({ IsComplete: true });
    expect(personalize.commandCalls(DeleteFilterCommand)).toHaveLength(1);
  });

  test('a Delete of a resource whose Create failed before naming a filter completes at once', async () => {
    expect(await isComplete(cfnEvent('Delete', 'request-1-failed'))).toEqual({ IsComplete: true });
    expect(personalize.calls()).toHaveLength(0);
  });
});

describe('the declared filters (lib/contract/personalize-filters.ts)', () => {
  test('defaults: "unwatched" leaves out watched items, "genre" keeps the genres given as $GENRE', () => {
    expect(DEFAULT_FILTERS.map(({ name, expression }) => [name, expression])).toEqual([
      ['unwatched', 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("watch")'],
      ['genre', 'INCLUDE ItemID WHERE Items.GENRE IN ($GENRE)'],
    ]);
  });

  test('a changed expression or a new dataset group is a new filter name; names fit Personalize', () => {
    const names = personalizeNames('Stack');
    const unwatched = DEFAULT_FILTERS[0]!;
    const name = filterResourceName(names, unwatched);
    expect(name).toMatch(/^Stack-unwatched-[0-9a-f]{8}$/);
    expect(filterResourceName(names, { ...unwatched, expression: `${unwatched.expression} ` })).not.toBe(
      name,
    );
    expect(
      filterResourceName(personalizeNames('Stack', { itemsSchema: { other: true } }), unwatched),
    ).not.toBe(name);
    const longest = filterResourceName(personalizeNames('x'.repeat(200)), {
      ...unwatched,
      name: 'n'.repeat(19),
    });
    expect(longest.length).toBeLessThanOrEqual(63);
  });

  test('refuses a bad short name or one used twice, naming it', () => {
    const filter = { name: 'ok', expression: 'EXCLUDE ItemID WHERE Items.GENRE IN ("a")', description: '' };
    expect(() => validateFilterDefinitions([{ ...filter, name: 'has space' }])).toThrow('"has space"');
    expect(() => validateFilterDefinitions([{ ...filter, name: 'x'.repeat(20) }])).toThrow('1 to 19');
    expect(() => validateFilterDefinitions([filter, filter])).toThrow('declared twice');
  });
});

describe('the stack declares its filters', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize();
  });

  test('one Custom::PersonalizeFilter per declared filter, in the stack dataset group, after its datasets', () => {
    const resources = synth.template.findResources('Custom::PersonalizeFilter');
    const group = Object.keys(synth.template.findResources('AWS::Personalize::DatasetGroup'))[0];
    const datasets = Object.keys(synth.template.findResources('AWS::Personalize::Dataset')).sort();
    expect(
      Object.values(resources).map((r) => (r.Properties as Record<string, unknown>)['FilterExpression']),
    ).toEqual(DEFAULT_FILTERS.map((f) => f.expression));
    for (const resource of Object.values(resources)) {
      expect(resource.Properties).toMatchObject({
        DatasetGroupArn: { 'Fn::GetAtt': [group, 'DatasetGroupArn'] },
        FilterName: expect.stringMatching(new RegExp(`^${STACK_NAME}-(unwatched|genre)-[0-9a-f]{8}$`)),
      });
      expect([...(resource.DependsOn as string[])].sort()).toEqual(expect.arrayContaining(datasets));
    }
  });

  test('their ARNs are stack outputs, read from the custom resources', () => {
    for (const output of ['FilterArnUnwatched', 'FilterArnGenre']) {
      synth.template.hasOutput(output, {
        Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('ModelFiltersFilter'), 'FilterArn'] },
      });
    }
  });
});
