/**
 * The catalogue's stack options: `-c usersDataset=true` adds a Users dataset to the same dataset group (nothing
 * replaced), `-c retirableItems=true` gives the Items schema AVAILABILITY and every filter the retired exclusion.
 * Both off by default: the default template has the seed's two datasets (test/infra/safety-values.test.ts pins
 * their logical ids). The variant passes cdk-nag like the default.
 */
import { expect } from '@jest/globals';
import { personalizeNames } from '../../lib/contract/personalize-schemas';
import { resourcesOf, STACK_NAME, synthesize, type Resource, type Synthesized } from './synth';

let base: Synthesized;
let users: Synthesized;
let retirable: Synthesized;
beforeAll(() => {
  base = synthesize();
  users = synthesize({ context: { usersDataset: 'true' } });
  retirable = synthesize({ context: { usersDataset: 'true', retirableItems: 'true' } });
});

const ofType = (synth: Synthesized, type: string): Record<string, Resource> =>
  Object.fromEntries(Object.entries(resourcesOf(synth.template)).filter(([, r]) => r.Type === type));

describe('usersDataset=true', () => {
  it('adds a Users schema and dataset, with no import job, under pinned logical ids', () => {
    const added = Object.keys(resourcesOf(users.template)).filter(
      (id) => !(id in resourcesOf(base.template)) && id.startsWith('Model'),
    );
    expect(added.sort()).toEqual(['ModelUsersDatasetFD8A71EA', 'ModelUsersSchemaE7319487'].sort());
    const dataset = resourcesOf(users.template)['ModelUsersDatasetFD8A71EA']!;
    expect(dataset.Properties).toEqual({
      Name: personalizeNames(STACK_NAME).usersDataset,
      DatasetType: 'Users',
      DatasetGroupArn: { 'Fn::GetAtt': ['ModelDatasetGroup7D367568', 'DatasetGroupArn'] },
      SchemaArn: { 'Fn::GetAtt': ['ModelUsersSchemaE7319487', 'SchemaArn'] },
    });
  });

  it('keeps every other Personalize resource exactly as it was: turning it on replaces nothing', () => {
    const personalize = (synth: Synthesized) =>
      Object.fromEntries(
        Object.entries(resourcesOf(synth.template))
          .filter(([id, r]) => r.Type.startsWith('AWS::Personalize::') && !id.startsWith('ModelUsers'))
          .map(([id, r]) => [id, r.Properties]),
      );
    expect(personalize(users)).toEqual(personalize(base));
  });
});

describe('retirableItems=true', () => {
  it('creates the Items schema with a nullable AVAILABILITY, so the sample CSV still imports', () => {
    const schemas = Object.values(ofType(retirable, 'AWS::Personalize::Schema')).map(
      (r) => JSON.parse(r.Properties?.Schema as string) as { name: string; fields: unknown[] },
    );
    expect(schemas.find((schema) => schema.name === 'Items')?.fields).toContainEqual({
      name: 'AVAILABILITY',
      type: ['null', 'string'],
      categorical: true,
    });
  });

  it('renames the dataset group (a schema cannot change in place: deployed stacks get a new group, as documented)', () => {
    const groupName = (synth: Synthesized) =>
      Object.values(ofType(synth, 'AWS::Personalize::DatasetGroup'))[0]?.Properties?.Name;
    expect(groupName(retirable)).not.toBe(groupName(base));
  });

  it('declares the available filter and leaves retired items out of every declared filter', () => {
    const expressions = Object.values(ofType(retirable, 'Custom::PersonalizeFilter')).map(
      (r) => r.Properties?.FilterExpression,
    );
    const retired = 'EXCLUDE ItemID WHERE Items.AVAILABILITY IN ("retired")';
    expect(expressions.sort()).toEqual(
      [
        retired,
        `EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("watch") | ${retired}`,
        `INCLUDE ItemID WHERE Items.GENRE IN ($GENRE) | ${retired}`,
      ].sort(),
    );
    expect(Object.keys(retirable.template.toJSON().Outputs as object)).toContain('FilterArnAvailable');
  });

  it('passes cdk-nag AwsSolutions with no unacknowledged finding', () => {
    const violations = retirable.tree.violations
      .filter((v) => /^AwsSolutions-/.test(v.ruleName))
      .map((v) => `${v.ruleName} ${v.constructPaths.join(', ')}`);
    expect(violations).toEqual([]);
  });
});

it('refuses a context value other than true or false', () => {
  expect(() => synthesize({ context: { usersDataset: 'yes' } })).toThrow(
    /Context usersDataset must be true or false/,
  );
});
