/**
 * Personalize names: fixed names derived from the stack name, which must change with every property that
 * makes CloudFormation replace the resource (a replacement of the same name is refused), and stay within
 * Personalize's name rules. lib/contract/personalize-schemas.ts is shared with local mode.
 */
import {
  INTERACTIONS_SCHEMA,
  ITEMS_SCHEMA,
  PERSONALIZE_NAME_MAX_LENGTH,
  PERSONALIZE_NAME_PATTERN,
  personalizeNames,
  RETIRABLE_ITEMS_SCHEMA,
  USERS_SCHEMA,
  USER_PERSONALIZATION_RECIPE_ARN,
  type PersonalizeNames,
} from '../../lib/contract/personalize-schemas';

/** Every name of `names`, as strings. */
function namesIn(names: PersonalizeNames): string[] {
  return (Object.keys(names) as Array<keyof PersonalizeNames>).map((key) => names[key]);
}

const GROUP_FAMILY: Array<keyof PersonalizeNames> = [
  'datasetGroup',
  'interactionsSchema',
  'itemsSchema',
  'interactionsDataset',
  'itemsDataset',
  'interactionsImportJob',
  'itemsImportJob',
  // The optional Users dataset belongs to the group: a new group has a new one.
  'usersSchema',
  'usersDataset',
];

const changed = (a: PersonalizeNames, b: PersonalizeNames) =>
  (Object.keys(a) as Array<keyof PersonalizeNames>).filter((key) => a[key] !== b[key]).sort();

describe('personalizeNames', () => {
  it.each([
    ['a short stack name', 'NearRealTimeRecommendations'],
    ['the longest stack name CloudFormation allows', `S${'x'.repeat(127)}`],
    ['characters Personalize refuses', 'my.stack name/with:odd*chars'],
    ['a leading separator', '--stack'],
  ])('keeps every name within 63 characters and the name pattern, for %s', (_, prefix) => {
    for (const inputs of [{}, { recipeArn: 'arn:aws:personalize:::recipe/aws-popularity-count' }]) {
      for (const name of namesIn(personalizeNames(prefix, inputs))) {
        expect(name.length).toBeLessThanOrEqual(PERSONALIZE_NAME_MAX_LENGTH);
        expect(name).toMatch(PERSONALIZE_NAME_PATTERN);
      }
    }
  });

  it('starts every name with the stack name, so two stacks can share an account', () => {
    for (const name of namesIn(personalizeNames('NearRealTimeRecommendations'))) {
      expect(name.startsWith('NearRealTimeRecommendations-')).toBe(true);
    }
  });

  it('keeps two long stack names apart even when they differ only after the part that fits', () => {
    const long = 'Recommendations'.repeat(5);
    const a = personalizeNames(`${long}-blue`);
    const b = personalizeNames(`${long}-green`);
    for (const key of Object.keys(a) as Array<keyof PersonalizeNames>) expect(a[key]).not.toBe(b[key]);
  });

  it('gives every resource a distinct name', () => {
    const names = personalizeNames('Stack');
    // A schema and its dataset may share a name: they are different resource types.
    expect(new Set(Object.values(names)).size).toBeGreaterThanOrEqual(Object.keys(names).length - 3);
    expect(names.interactionsImportJob).not.toBe(names.itemsImportJob);
  });

  it('is what the defaults give when called with the prefix alone (local mode)', () => {
    expect(personalizeNames('Stack')).toEqual(
      personalizeNames('Stack', {
        interactionsSchema: INTERACTIONS_SCHEMA,
        itemsSchema: ITEMS_SCHEMA,
        recipeArn: USER_PERSONALIZATION_RECIPE_ARN,
      }),
    );
  });

  it('changes only the solution name with the recipe or the solution configuration', () => {
    const base = personalizeNames('Stack');
    expect(
      changed(base, personalizeNames('Stack', { recipeArn: 'arn:aws:personalize:::recipe/aws-sims' })),
    ).toEqual(['solution']);
    expect(
      changed(base, personalizeNames('Stack', { solutionConfig: { eventValueThreshold: '0.5' } })),
    ).toEqual(['solution']);
  });

  it('changes the whole dataset group family and the solution with either schema', () => {
    const base = personalizeNames('Stack');
    const withYear = {
      ...ITEMS_SCHEMA,
      fields: [...ITEMS_SCHEMA.fields, { name: 'CREATION_TIMESTAMP', type: 'long' }],
    };
    expect(changed(base, personalizeNames('Stack', { itemsSchema: withYear }))).toEqual(
      [...GROUP_FAMILY, 'solution'].sort(),
    );
    const interactions = { ...INTERACTIONS_SCHEMA, fields: INTERACTIONS_SCHEMA.fields.slice(0, 3) };
    expect(changed(base, personalizeNames('Stack', { interactionsSchema: interactions }))).toEqual(
      [...GROUP_FAMILY, 'solution'].sort(),
    );
  });

  it('renames only the Users schema and dataset with the Users schema: adding it or changing it keeps the group', () => {
    const base = personalizeNames('Stack');
    const users = { ...USERS_SCHEMA, fields: [...USERS_SCHEMA.fields, { name: 'AGE', type: 'int' }] };
    expect(changed(base, personalizeNames('Stack', { usersSchema: users }))).toEqual([
      'usersDataset',
      'usersSchema',
    ]);
  });

  it('names the default stack as before the catalogue options (they would otherwise replace a deployed group)', () => {
    // Pinned literally: a change here renames, so replaces, the dataset group of every deployed stack.
    expect(personalizeNames('NearRealTimeRecommendations').datasetGroup).toBe(
      'NearRealTimeRecommendations-dataset-group-519b9dc7',
    );
    // Retirable items change the Items schema, so the group: documented in docs/catalogue.md.
    expect(
      personalizeNames('NearRealTimeRecommendations', { itemsSchema: RETIRABLE_ITEMS_SCHEMA }).datasetGroup,
    ).not.toBe(personalizeNames('NearRealTimeRecommendations').datasetGroup);
  });

  it('does not depend on the order of keys in the inputs', () => {
    const reordered = Object.fromEntries(Object.entries(ITEMS_SCHEMA).reverse());
    expect(personalizeNames('Stack', { itemsSchema: reordered })).toEqual(personalizeNames('Stack'));
  });

  it('refuses a prefix without a letter or digit', () => {
    expect(() => personalizeNames('--')).toThrow(/no letter or digit/);
  });
});
