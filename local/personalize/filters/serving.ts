import type { EmulatorContext } from '../context';
import { parsedFilter } from '../control-plane/filters';
import { invalidInput, notFound } from '../errors';
import type { RecipeName, ScoredItem } from '../model/types';
import type { RequestBody } from '../validation';
import { compileFilter, type FilterValues } from './evaluate';
import { filterData } from './filter-data';

/** Whom a request is for: what a filter reads. */
export interface FilterSubject {
  readonly datasetGroupArn: string;
  readonly recipe: RecipeName;
  readonly userId?: string;
  readonly itemId?: string;
}

export type Accept = (itemId: string) => boolean;

/**
 * The predicate of the filter a request names in `arnField` with its `valuesField`, or undefined when it
 * names none. The filter must exist (ResourceNotFoundException), be ACTIVE ("When using this parameter, be
 * sure the filter resource is ACTIVE": GetRecommendations' filterArn, botocore personalize-runtime) and
 * belong to the campaign's dataset group.
 */
export function requestFilter(
  ctx: EmulatorContext,
  filterArn: string | undefined,
  values: FilterValues | undefined,
  subject: FilterSubject,
  field = 'filterValues',
): Accept | undefined {
  if (filterArn === undefined) {
    if (values !== undefined && Object.keys(values).length > 0) {
      throw invalidInput(`${field} is given without the filterArn it is for`);
    }
    return undefined;
  }
  const filter = ctx.store.find('filter', filterArn);
  if (!filter) throw notFound(`Could not find filter ${filterArn}`);
  if (filter.status !== 'ACTIVE') {
    throw invalidInput(`Filter ${filterArn} is not ACTIVE (status: ${filter.status})`);
  }
  if (filter.datasetGroupArn !== subject.datasetGroupArn) {
    throw invalidInput(
      `Filter ${filterArn} belongs to dataset group ${filter.datasetGroupArn}, not to the campaign's (${subject.datasetGroupArn})`,
    );
  }
  const parsed = parsedFilter(filter);
  // "You can apply a filter with the CurrentItem element only if your domain use case or custom recipe
  // generates related items recommendations" (filter-expression-guidelines-requirements.html).
  const usesCurrentItem = parsed.expressions.some((e) =>
    e.anyOf.flat().some((c) => c.operand.kind === 'currentItem'),
  );
  if (usesCurrentItem && subject.recipe !== 'aws-sims') {
    throw invalidInput(
      `Filter ${filterArn} uses CurrentItem: it applies only to related-items recipes, and this campaign uses ${subject.recipe}`,
    );
  }
  return compileFilter(
    parsed,
    values,
    filterData(ctx, subject.datasetGroupArn, subject.userId, subject.itemId),
    field,
  );
}

/** A request's filterValues member, already of the model's shape (rules.ts checked it). */
export function filterValuesOf(body: RequestBody, field = 'filterValues'): FilterValues | undefined {
  const value = body[field];
  return value === undefined || value === null ? undefined : (value as FilterValues);
}

/** GetRecommendations' `promotions` (at most one, the model's rules already checked). */
export interface Promotion {
  readonly name: string;
  readonly percentPromotedItems: number;
  readonly accept: Accept;
}

export function requestPromotion(
  ctx: EmulatorContext,
  body: RequestBody,
  subject: FilterSubject,
): Promotion | undefined {
  const promotions = body['promotions'] as RequestBody[] | undefined | null;
  const promotion = promotions?.[0];
  if (!promotion) return undefined;
  // The model marks no member of Promotion required; the guide names all three as what a promotion is
  // (https://docs.aws.amazon.com/personalize/latest/dg/promoting-items.html).
  const name = promotion['name'];
  const percent = promotion['percentPromotedItems'];
  const filterArn = promotion['filterArn'];
  if (typeof name !== 'string') throw invalidInput('promotions.1.name is required');
  if (typeof percent !== 'number') throw invalidInput('promotions.1.percentPromotedItems is required');
  if (typeof filterArn !== 'string') throw invalidInput('promotions.1.filterArn is required');
  const accept = requestFilter(
    ctx,
    filterArn,
    filterValuesOf(promotion),
    subject,
    'promotions.1.filterValues',
  );
  return { name, percentPromotedItems: percent, accept: accept ?? (() => true) };
}

/** A recommended item, with the promotion that placed it. */
export interface ServedItem extends ScoredItem {
  readonly promotionName?: string;
}

/**
 * The response's items with a promotion, as https://docs.aws.amazon.com/personalize/latest/dg/promoting-items.html
 * describes it: `percentPromotedItems` of the results are the best items the promotion's filter lets through
 * (the request filter does not apply to them), the rest the best the request filter lets through; "promoted
 * items are positioned randomly relative to other recommended items, but in sorted order relative to other
 * promoted items"; "If there aren't enough items that meet the promotion criteria, the result will contain
 * as many promoted items as possible". How many is a share of numResults the guide does not round: rounded up
 * here, so any percentage promotes at least one item.
 */
export function withPromotion(
  numResults: number,
  promotion: Promotion,
  select: (accept: Accept | undefined, count: number) => ScoredItem[],
  requestAccept: Accept | undefined,
  random: () => number = Math.random,
): ServedItem[] {
  const wanted = Math.min(numResults, Math.ceil((numResults * promotion.percentPromotedItems) / 100));
  const promoted = select(promotion.accept, wanted);
  const promotedIds = new Set(promoted.map((item) => item.itemId));
  const rest = select(
    (itemId) => !promotedIds.has(itemId) && (requestAccept ? requestAccept(itemId) : true),
    numResults - promoted.length,
  );
  const total = promoted.length + rest.length;
  // Random positions for the promoted items, filled in their own order.
  const positions = new Set<number>();
  while (positions.size < promoted.length) positions.add(Math.floor(random() * total));
  const served: ServedItem[] = [];
  let p = 0;
  let r = 0;
  for (let i = 0; i < total; i++) {
    const next = positions.has(i) ? promoted[p++] : rest[r++];
    if (!next) break;
    served.push(positions.has(i) ? { ...next, promotionName: promotion.name } : next);
  }
  return served;
}
