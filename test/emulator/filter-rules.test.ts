import { describe, expect, test } from '@jest/globals';
import { parameterValues } from '../../local/personalize/filters/evaluate';
import { checkGroupFieldLimit } from '../../local/personalize/filters/rules';

describe('filter rules without a server', () => {
  test('the dataset group holds at most 10 distinct fields across its filters (LimitExceededException)', () => {
    const others = [
      ['Items.A', 'Items.B', 'Items.C', 'Items.D', 'Items.E'],
      ['Items.F', 'Items.G', 'Items.H', 'Items.I', 'Items.A'],
    ];
    expect(() => checkGroupFieldLimit(new Set(['Items.J']), others)).not.toThrow();
    expect(() => checkGroupFieldLimit(new Set(['Items.J', 'Items.K']), others)).toThrow(
      expect.objectContaining({
        name: 'LimitExceededException',
        message: expect.stringMatching(/11 distinct/),
      }),
    );
  });

  test('filterValues: quoted values separated by commas, escapes kept, unquoted values as written', () => {
    expect(parameterValues('"comedy","drama", "horror"')).toEqual(['comedy', 'drama', 'horror']);
    expect(parameterValues('"say \\"hi\\", twice"')).toEqual(['say "hi", twice']);
    expect(parameterValues('10')).toEqual(['10']);
    expect(parameterValues('')).toEqual([]);
  });
});
