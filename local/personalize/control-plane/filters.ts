import { type EmulatorContext, resourceArn } from '../context';
import { limitExceeded } from '../errors';
import { parseFilterExpression, type ParsedFilter } from '../filters/expression';
import { checkFilterRules, checkGroupFieldLimit, MAX_FILTERS_PER_DATASET_GROUP } from '../filters/rules';
import { page } from '../pagination';
import { must, mustBeActive, mustBeNew, mustBeSettled } from '../preconditions';
import type { DatasetType, FilterRecord, SchemaField } from '../store';
import { optionalArn, requiredName, requiredString, type RequestBody } from '../validation';
import { initialTags } from './tags';

// CreateFilter, DescribeFilter, ListFilters, DeleteFilter as botocore's personalize 2018-05-22 model defines
// them (members, errors, ListFilters' `Filters` key); the expression is checked when the filter is created
// (filters/expression.ts, filters/rules.ts), so a CREATE FAILED filter is never left behind.
// https://docs.aws.amazon.com/personalize/latest/dg/API_CreateFilter.html

export function createFilter(ctx: EmulatorContext, body: RequestBody): unknown {
  const name = requiredName(body);
  const group = must(ctx, 'datasetGroup', body, 'datasetGroupArn');
  const filterExpression = requiredString(body, 'filterExpression', { min: 1, max: 2500 });
  mustBeActive(group, 'Dataset group');
  const arn = resourceArn(ctx, `filter/${name}`);
  mustBeNew(ctx, arn, `Filter ${name} already exists`);
  const fields = checkFilterRules(parseFilterExpression(filterExpression), {
    interactions: schemaFields(ctx, group.arn, 'Interactions'),
    items: schemaFields(ctx, group.arn, 'Items'),
  });
  const others = ctx.store.list('filter', (f) => f.datasetGroupArn === group.arn);
  if (others.length >= MAX_FILTERS_PER_DATASET_GROUP) {
    throw limitExceeded(
      `Dataset group ${group.arn} already has ${others.length} filters: the limit is ${MAX_FILTERS_PER_DATASET_GROUP}`,
    );
  }
  checkGroupFieldLimit(
    fields,
    others.map((f) => [...f.fields]),
  );
  const tags = initialTags(body, arn);
  ctx.lifecycle.create<FilterRecord>({
    kind: 'filter',
    arn,
    name,
    datasetGroupArn: group.arn,
    filterExpression,
    fields: [...fields],
    ...(tags ? { tags } : {}),
    ...ctx.lifecycle.fresh(),
  });
  return { filterArn: arn };
}

export function describeFilter(ctx: EmulatorContext, body: RequestBody): unknown {
  const r = must(ctx, 'filter', body, 'filterArn');
  return {
    filter: {
      name: r.name,
      filterArn: r.arn,
      creationDateTime: r.creationDateTime,
      lastUpdatedDateTime: r.lastUpdatedDateTime,
      datasetGroupArn: r.datasetGroupArn,
      failureReason: r.failureReason,
      filterExpression: r.filterExpression,
      status: r.status,
    },
  };
}

export function listFilters(ctx: EmulatorContext, body: RequestBody): unknown {
  const group = optionalArn(body, 'datasetGroupArn');
  // The model names the list `Filters` (capitalised, unlike every other List operation's key).
  return page(
    body,
    'Filters',
    ctx.store.list('filter', (r) => !group || r.datasetGroupArn === group),
    (r) => ({
      name: r.name,
      filterArn: r.arn,
      creationDateTime: r.creationDateTime,
      lastUpdatedDateTime: r.lastUpdatedDateTime,
      datasetGroupArn: r.datasetGroupArn,
      failureReason: r.failureReason,
      status: r.status,
    }),
  );
}

export function deleteFilter(ctx: EmulatorContext, body: RequestBody): unknown {
  const filter = must(ctx, 'filter', body, 'filterArn');
  // The service refuses while a batch inference job uses the filter; the emulator runs no batch jobs, so
  // only a filter still moving (being created or deleted) is in use.
  mustBeSettled(filter);
  ctx.lifecycle.delete(filter);
  return {};
}

/** The parsed expression of a filter, cached by its text (a filter's expression never changes). */
const parsedExpressions = new Map<string, ParsedFilter>();

export function parsedFilter(filter: FilterRecord): ParsedFilter {
  let parsed = parsedExpressions.get(filter.filterExpression);
  if (!parsed) {
    parsed = parseFilterExpression(filter.filterExpression);
    parsedExpressions.set(filter.filterExpression, parsed);
  }
  return parsed;
}

function schemaFields(
  ctx: EmulatorContext,
  datasetGroupArn: string,
  type: DatasetType,
): readonly SchemaField[] | undefined {
  const dataset = ctx.store.list(
    'dataset',
    (d) => d.datasetGroupArn === datasetGroupArn && d.datasetType === type,
  )[0];
  return dataset ? ctx.store.find('schema', dataset.schemaArn)?.fields : undefined;
}
