import { invalidInput, limitExceeded } from '../errors';
import type { SchemaField } from '../store';
import type { Condition, Expression, ParsedFilter } from './expression';

/*
 * The rules a filter expression must follow beyond its syntax, checked by CreateFilter against the dataset
 * group's schemas. Each cites the page that states it:
 *   [guidelines] https://docs.aws.amazon.com/personalize/latest/dg/filter-expression-guidelines-requirements.html
 *   [elements]   https://docs.aws.amazon.com/personalize/latest/dg/creating-filter-expressions.html
 *   [quotas]     https://docs.aws.amazon.com/personalize/latest/dg/limits.html (Filters)
 */

/** [quotas] "Total number of filters per dataset group: 10". */
export const MAX_FILTERS_PER_DATASET_GROUP = 10;
/** [guidelines], [quotas] "The maximum number of distinct dataset fields for a filter ... is 5". */
const MAX_FIELDS_PER_FILTER = 5;
/** [guidelines], [quotas] "The maximum number of distinct dataset fields across all filters in a dataset group is 10". */
const MAX_FIELDS_PER_DATASET_GROUP = 10;

const NUMERIC_TYPES = ['int', 'long', 'float', 'double'];

export interface GroupSchemas {
  /** The Interactions dataset's fields; undefined when the group has none. */
  readonly interactions?: readonly SchemaField[];
  readonly items?: readonly SchemaField[];
}

/** Checks a parsed filter against the group's schemas; returns its distinct dataset fields (`Items.GENRE`). */
export function checkFilterRules(filter: ParsedFilter, schemas: GroupSchemas): Set<string> {
  const fields = new Set<string>();
  for (const expression of filter.expressions) {
    checkExpression(expression, schemas, fields);
  }
  if (fields.size > MAX_FIELDS_PER_FILTER) {
    throw invalidInput(
      `Invalid filter expression: it uses ${fields.size} distinct dataset fields (${[...fields].join(', ')}); the maximum for a filter is ${MAX_FIELDS_PER_FILTER}`,
    );
  }
  return fields;
}

/** The group-wide limit on distinct fields, given the fields of its other filters. */
export function checkGroupFieldLimit(
  newFields: ReadonlySet<string>,
  otherFilters: readonly string[][],
): void {
  const all = new Set([...otherFilters.flat(), ...newFields]);
  if (all.size > MAX_FIELDS_PER_DATASET_GROUP) {
    throw limitExceeded(
      `The dataset group's filters would use ${all.size} distinct dataset fields (${[...all].join(', ')}); the maximum across all filters of a dataset group is ${MAX_FIELDS_PER_DATASET_GROUP}`,
    );
  }
}

function checkExpression(expression: Expression, schemas: GroupSchemas, fields: Set<string>): void {
  const conditions = expression.anyOf.flat();
  const dataset = conditions[0]?.dataset;
  for (const condition of conditions) {
    // [elements] "Conditions chained together using AND or OR can only affect fields of the dataset used in
    // the first condition"; [guidelines] "You can't use Item Interaction and Item datasets in one expression".
    if (condition.dataset !== dataset) {
      throw invalidInput(
        `Invalid filter expression: ${dataset}.${conditions[0]?.field} and ${condition.dataset}.${condition.field} are in one expression; chain expressions of different datasets with |`,
      );
    }
    if (condition.dataset === 'Interactions') checkInteractionsCondition(condition, schemas);
    else checkItemsCondition(condition, schemas, fields);
    fields.add(`${condition.dataset}.${condition.field}`);
    // [guidelines] "You can't use placeholder parameters in a filter expression that uses the NOT IN operator".
    if (condition.operator === 'NOT IN' && condition.operand.kind === 'parameter') {
      throw invalidInput(
        `Invalid filter expression: ${condition.dataset}.${condition.field} NOT IN ($${condition.operand.name}): placeholder parameters can't be used with NOT IN; use IN with the opposite action`,
      );
    }
  }
  if (expression.ifCurrentUser.length > 0) {
    throw invalidInput(
      'Invalid filter expression: IF CurrentUser conditions are not emulated (the emulator keeps no user metadata)',
    );
  }
}

function checkInteractionsCondition(condition: Condition, schemas: GroupSchemas): void {
  // [guidelines] "If you are filtering based on item ... interactions data, you can only filter based on event type".
  if (condition.field !== 'EVENT_TYPE') {
    throw invalidInput(
      `Invalid filter expression: Interactions.${condition.field}: filters on interactions use only Interactions.EVENT_TYPE`,
    );
  }
  if (!schemas.interactions) {
    throw invalidInput('Invalid filter expression: the dataset group has no Interactions dataset');
  }
  if (condition.operator !== 'IN' && condition.operator !== 'NOT IN') {
    throw invalidInput(
      `Invalid filter expression: Interactions.EVENT_TYPE ${condition.operator}: event types are matched with IN or NOT IN`,
    );
  }
  if (condition.operand.kind === 'currentItem') {
    throw invalidInput(
      'Invalid filter expression: Interactions.EVENT_TYPE cannot be compared with CurrentItem',
    );
  }
}

function checkItemsCondition(condition: Condition, schemas: GroupSchemas, fields: Set<string>): void {
  const field = itemField(condition.field, schemas);
  const { operator, operand } = condition;
  // [elements] "Use * only for filter expressions that use the EVENT_TYPE field of an Interactions dataset".
  if (operand.kind === 'all') {
    throw invalidInput(
      `Invalid filter expression: Items.${condition.field} IN (*): * is for Interactions.EVENT_TYPE only`,
    );
  }
  const numeric = NUMERIC_TYPES.includes(field.type);
  // [elements] "Use =, <, <=, >, >= operators to test numerical data".
  if (operator !== 'IN' && operator !== 'NOT IN' && !numeric) {
    throw invalidInput(
      `Invalid filter expression: Items.${condition.field} ${operator}: comparison operators test numerical fields, and ${condition.field} is of type ${field.type}`,
    );
  }
  if (operand.kind === 'currentItem') {
    const current = itemField(operand.field, schemas, 'CurrentItem');
    if (operator !== 'IN' && operator !== 'NOT IN' && !NUMERIC_TYPES.includes(current.type)) {
      throw invalidInput(
        `Invalid filter expression: CurrentItem.${operand.field} is of type ${current.type}: comparison operators test numerical fields`,
      );
    }
    fields.add(`Items.${operand.field}`);
  } else if (operand.kind === 'values' && operator !== 'IN' && operator !== 'NOT IN') {
    if (operand.values.some((v) => !Number.isFinite(Number(v)))) {
      throw invalidInput(`Invalid filter expression: Items.${condition.field} ${operator} needs a number`);
    }
  }
}

function itemField(name: string, schemas: GroupSchemas, dataset = 'Items'): SchemaField {
  if (!schemas.items) {
    throw invalidInput(
      `Invalid filter expression: ${dataset}.${name}: the dataset group has no Items dataset`,
    );
  }
  const field = schemas.items.find((f) => f.name === name);
  if (!field) {
    throw invalidInput(
      `Invalid filter expression: ${dataset}.${name} is not a field of the Items schema (${schemas.items.map((f) => f.name).join(', ')})`,
    );
  }
  // [guidelines] "You can't create filter expressions that filter using values with a boolean type in your schema".
  if (field.type === 'boolean') {
    throw invalidInput(
      `Invalid filter expression: ${dataset}.${name} is boolean: filters can't use boolean fields (use a string field with "True" and "False", or 0 and 1)`,
    );
  }
  return field;
}
