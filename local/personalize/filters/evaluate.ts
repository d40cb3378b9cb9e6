import { invalidInput } from '../errors';
import type { Item } from '../model/types';
import type { Condition, Expression, Operand, ParsedFilter } from './expression';
import { parametersOf } from './expression';

/*
 * A filter applied to one request: which items it lets through. Sources:
 *   [combining] https://docs.aws.amazon.com/personalize/latest/dg/multiple-expression-example.html
 *     "Exclude A | Exclude B" excludes either's result, "Include A | Include B" includes either's, and with both
 *     actions the result is "Include (A or B) - (C or D)", whatever the order.
 *   [runtime]   GetRecommendations, filterValues (botocore personalize-runtime 2018-05-22 and the API reference):
 *     "For filter expressions that use an INCLUDE element ... you must provide values for all parameters ...
 *     For filters with expressions that use an EXCLUDE element ..., you can omit the filter-values. In this
 *     case, Amazon Personalize doesn't use that portion of the expression". Values are the parameter name (in
 *     matching case) as a key, "Separate multiple values for one parameter with a comma".
 *   [guidelines] "Amazon Personalize ignores case only when matching event types."
 */

/** What a filter reads at serving time, for one user (and, for related items, one current item). */
export interface FilterData {
  /**
   * The items the user interacted with through the given event types (lower-cased), or through any type
   * (`all`), within the most recent interactions per type the service considers; with `outside`, through
   * an event type not in the set.
   */
  interactedItems(eventTypes: 'all' | ReadonlySet<string>, outside?: boolean): ReadonlySet<string>;
  /** An item's metadata; undefined when the catalogue has none for it (its fields then match no value). */
  item(itemId: string): Item | undefined;
  /** The item a related-items request names. */
  readonly currentItem?: Item;
}

/** A request's filterValues: parameter name → the values written in the value string. */
export type FilterValues = Readonly<Record<string, string>>;

/**
 * The values of one parameter: `"\"comedy\",\"drama\""` → comedy, drama. The guide quotes each value; an
 * unquoted value (`10` for a number) is taken as written.
 */
export function parameterValues(raw: string): string[] {
  const values: string[] = [];
  let i = 0;
  while (i <= raw.length) {
    while (raw[i] === ' ') i++;
    let value = '';
    if (raw[i] === '"') {
      i++;
      while (i < raw.length && raw[i] !== '"') {
        if (raw[i] === '\\' && i + 1 < raw.length) i++;
        value += raw[i];
        i++;
      }
      i++;
      while (i < raw.length && raw[i] !== ',') i++;
    } else {
      const end = raw.indexOf(',', i);
      value = raw.slice(i, end === -1 ? raw.length : end).trim();
      i = end === -1 ? raw.length : end;
    }
    values.push(value);
    i++;
  }
  return values.filter((v) => v !== '');
}

/**
 * Compiles a filter with a request's values into a predicate on item ids (true: the item may be returned).
 * `field` names the request member for messages (`filterValues`, `promotions.1.filterValues`).
 */
export function compileFilter(
  filter: ParsedFilter,
  values: FilterValues | undefined,
  data: FilterData,
  field = 'filterValues',
): (itemId: string) => boolean {
  const known = parametersOf(filter);
  for (const name of Object.keys(values ?? {})) {
    if (!known.has(name)) {
      throw invalidInput(
        `${field}.${name}: the filter has no parameter $${name} (its parameters: ${known.size > 0 ? [...known].map((p) => `$${p}`).join(', ') : 'none'}; names are case-sensitive)`,
      );
    }
  }
  const includes: ((itemId: string) => boolean)[] = [];
  const excludes: ((itemId: string) => boolean)[] = [];
  for (const expression of filter.expressions) {
    const missing = [...parametersOfExpression(expression)].filter((p) => values?.[p] === undefined);
    if (missing.length > 0) {
      if (expression.action === 'INCLUDE') {
        throw invalidInput(
          `${field}: the filter's INCLUDE expression needs a value for ${missing.map((p) => `$${p}`).join(', ')}`,
        );
      }
      continue; // An EXCLUDE expression without its values is not used.
    }
    const matches = compileExpression(expression, values ?? {}, data, field);
    (expression.action === 'INCLUDE' ? includes : excludes).push(matches);
  }
  return (itemId) =>
    (includes.length === 0 || includes.some((matches) => matches(itemId))) &&
    !excludes.some((matches) => matches(itemId));
}

function parametersOfExpression(expression: Expression): Set<string> {
  return parametersOf({ expressions: [expression] });
}

function compileExpression(
  expression: Expression,
  values: FilterValues,
  data: FilterData,
  field: string,
): (itemId: string) => boolean {
  const anyOf = expression.anyOf.map((allOf) =>
    allOf.map((condition) => compileCondition(condition, values, data, field)),
  );
  return (itemId) => anyOf.some((allOf) => allOf.every((holds) => holds(itemId)));
}

function compileCondition(
  condition: Condition,
  values: FilterValues,
  data: FilterData,
  field: string,
): (itemId: string) => boolean {
  const operand = resolve(condition.operand, values, data, field);
  const { operator } = condition;
  if (condition.dataset === 'Interactions') {
    // NOT IN: the items the user interacted with through an event type outside the list.
    const interacted =
      operand === 'all'
        ? data.interactedItems('all', operator === 'NOT IN')
        : data.interactedItems(new Set(operand.map((v) => v.toLowerCase())), operator === 'NOT IN');
    return (itemId) => interacted.has(itemId);
  }
  if (operand === 'all') return () => false; // refused by CreateFilter
  if (operator === 'IN' || operator === 'NOT IN') {
    const wanted = new Set(operand);
    const inList = (itemId: string) => itemValues(data, itemId, condition.field).some((v) => wanted.has(v));
    return operator === 'IN' ? inList : (itemId) => !inList(itemId);
  }
  const bound = Number(operand[0]);
  if (operand.length !== 1 || !Number.isFinite(bound)) {
    if (condition.operand.kind === 'parameter') {
      throw invalidInput(
        `${field}.${condition.operand.name}: Items.${condition.field} ${operator} $${condition.operand.name} needs one number`,
      );
    }
    return () => false; // the current item has no value to compare with
  }
  return (itemId) => {
    const [first] = itemValues(data, itemId, condition.field);
    const value = Number(first);
    if (first === undefined || !Number.isFinite(value)) return false;
    switch (operator) {
      case '=':
        return value === bound;
      case '<':
        return value < bound;
      case '<=':
        return value <= bound;
      case '>':
        return value > bound;
      case '>=':
        return value >= bound;
    }
  };
}

/** The values of an operand for this request: fixed, from filterValues, the current item's, or `all`. */
function resolve(
  operand: Operand,
  values: FilterValues,
  data: FilterData,
  field: string,
): readonly string[] | 'all' {
  switch (operand.kind) {
    case 'all':
      return 'all';
    case 'values':
      return operand.values;
    case 'parameter': {
      const raw = values[operand.name] ?? '';
      const parsed = parameterValues(raw);
      if (parsed.length === 0)
        throw invalidInput(`${field}.${operand.name}: no value given for $${operand.name}`);
      return parsed;
    }
    case 'currentItem':
      return data.currentItem ? itemFieldValues(data.currentItem, operand.field) : [];
  }
}

function itemValues(data: FilterData, itemId: string, field: string): readonly string[] {
  const item = data.item(itemId);
  if (field === 'ITEM_ID') return [itemId];
  return item ? itemFieldValues(item, field) : [];
}

/**
 * A field's values of an item: GENRE is categorical (`Comedy|Drama` holds both), YEAR one value, any other field
 * as the item holds it (none when it has no value).
 */
function itemFieldValues(item: Item, field: string): readonly string[] {
  switch (field) {
    case 'ITEM_ID':
      return [item.itemId];
    case 'GENRE':
      return item.genres;
    case 'YEAR':
      return item.year === undefined ? [] : [item.year];
    default:
      return item.fields?.[field] ?? [];
  }
}
