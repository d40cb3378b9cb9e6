/**
 * The stack's Personalize filters, declared as code: the stack creates them (CloudFormation has no filter
 * resource: a custom resource does, lib/constructs/personalize-filters.ts) and local mode creates the same.
 * Add your own here: a name (letters, digits, `-` or `_`, at most 19 characters) and an expression in
 * Personalize's filter grammar (https://docs.aws.amazon.com/personalize/latest/dg/filter-expressions.html).
 */
import { AVAILABILITY_FIELD, fingerprint, RETIRED, type PersonalizeNames } from './personalize-schemas';

/** The ARN of a filter of a dataset group: `arn:...:dataset-group/x` → `arn:...:filter/<name>` (same account, region). */
export function filterArnOf(datasetGroupArn: string, filterName: string): string {
  return datasetGroupArn.replace(/:dataset-group\/.*$/, `:filter/${filterName}`);
}

export interface FilterDefinition {
  /** The filter's short name: its output, its entry in GET /status and the demo page know it by this. */
  readonly name: string;
  readonly expression: string;
  /** What it is for, in the stack output's description. */
  readonly description: string;
}

/** Filters for the sample data (its event types are `click` and `watch`; items have a GENRE). */
export const DEFAULT_FILTERS: readonly FilterDefinition[] = [
  {
    name: 'unwatched',
    expression: 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("watch")',
    description: 'Leaves out the items the user watched',
  },
  {
    name: 'genre',
    expression: 'INCLUDE ItemID WHERE Items.GENRE IN ($GENRE)',
    description: 'Only items of the genres given as filterValues {"GENRE": "\\"Comedy\\""}',
  },
];

/** The expression that leaves retired items out (items schema with AVAILABILITY: context `retirableItems=true`). */
const RETIRED_EXCLUSION = `EXCLUDE ItemID WHERE Items.${AVAILABILITY_FIELD} IN ("${RETIRED}")`;

/** The short name of the filter GET /getRecommendations applies when the request names none (retirable items). */
export const AVAILABLE_FILTER_NAME = 'available';

/**
 * The filters of a stack whose items can be retired: `available` (retired items left out, applied by
 * GET /getRecommendations when a request names no filter), and each declared filter with retired items left out
 * too, so that no filter of the stack lets one through. Personalize combines expressions joined by `|`: with an
 * INCLUDE, "Include (A or B) - (C or D)"
 * (https://docs.aws.amazon.com/personalize/latest/dg/multiple-expression-example.html).
 */
export function retiringFilters(definitions: readonly FilterDefinition[]): FilterDefinition[] {
  return [
    {
      name: AVAILABLE_FILTER_NAME,
      expression: RETIRED_EXCLUSION,
      description: 'Leaves out retired items (GET /getRecommendations applies it when no filterArn is given)',
    },
    ...definitions.map((definition) => ({
      ...definition,
      expression: `${definition.expression} | ${RETIRED_EXCLUSION}`,
    })),
  ];
}

const SHORT_NAME = /^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,18}$/;

/** Throws, naming the definition, when a short name is not valid or used twice. */
export function validateFilterDefinitions(definitions: readonly FilterDefinition[]): void {
  const seen = new Set<string>();
  for (const definition of definitions) {
    if (!SHORT_NAME.test(definition.name)) {
      throw new Error(
        `Filter name "${definition.name}" must be 1 to 19 letters, digits, - or _, starting with a letter or digit`,
      );
    }
    if (seen.has(definition.name)) throw new Error(`Filter name "${definition.name}" is declared twice`);
    seen.add(definition.name);
    if (definition.expression.length === 0 || definition.expression.length > 2500) {
      throw new Error(`Filter "${definition.name}": an expression has 1 to 2,500 characters`);
    }
  }
}

/**
 * The filter's Personalize name: the stack's prefix, its short name and a fingerprint of its dataset group and
 * expression. A filter cannot be updated, so a changed expression (or a new group) is a new filter, which
 * CloudFormation creates before it deletes the old one: it needs a name of its own.
 */
export function filterResourceName(names: PersonalizeNames, definition: FilterDefinition): string {
  const base = names.datasetGroup.replace(/-dataset-group-[0-9a-f]+$/, '');
  return `${base}-${definition.name}-${fingerprint({ group: names.datasetGroup, expression: definition.expression })}`;
}

/** The stack output holding a filter's ARN: `FilterArnUnwatched`. */
export function filterOutputName(definition: FilterDefinition): string {
  const words = definition.name.split(/[-_]/).filter((w) => w !== '');
  return `FilterArn${words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('')}`;
}
