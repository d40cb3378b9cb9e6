/**
 * Custom resource handler (onEvent + isComplete of a custom-resources Provider) for one Personalize filter,
 * which CloudFormation has no resource type for (lib/constructs/personalize-filters.ts).
 *
 * onEvent calls nothing: it checks the properties and names the resource by the filter's ARN (derived from
 * the dataset group's; a changed expression comes with a new name, so CloudFormation creates the new filter
 * and then deletes the old one). isComplete does the work, one step per poll: on Create and Update it creates
 * the filter unless it exists and completes once it is ACTIVE (CREATE FAILED fails the deploy with the
 * service's reason); on Delete it deletes the filter and completes once it is gone.
 */
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { personalize } from './shared/clients/personalize';
import type { IsCompleteResponse, OnEventResponse } from './shared/custom-resource';
import { ensureFilter, removeFilter, type FilterSpec } from './shared/filters';
import { logger } from './shared/logger';
import { filterArnOf } from '../lib/contract/personalize-filters';

function specOf(properties: Record<string, unknown>): FilterSpec {
  const { DatasetGroupArn, FilterName, FilterExpression } = properties;
  for (const [key, value] of Object.entries({ DatasetGroupArn, FilterName, FilterExpression })) {
    if (typeof value !== 'string' || value.length === 0) {
      throw new Error(`PersonalizeFilter needs the property ${key}`);
    }
  }
  return {
    datasetGroupArn: String(DatasetGroupArn),
    name: String(FilterName),
    expression: String(FilterExpression),
  };
}

export function onEvent(
  event: CloudFormationCustomResourceEvent,
  context?: Context,
): Promise<OnEventResponse> {
  // eslint-disable-next-line @typescript-eslint/require-await -- async so that invalid properties (specOf throws) reject the returned promise, as the provider framework expects
  return logger.withRequestId(context?.awsRequestId ?? event.RequestId, async () => {
    const spec = specOf(event.ResourceProperties);
    return {
      PhysicalResourceId:
        event.RequestType === 'Delete'
          ? event.PhysicalResourceId
          : filterArnOf(spec.datasetGroupArn, spec.name),
    };
  });
}

export function isComplete(
  event: CloudFormationCustomResourceEvent,
  context?: Context,
): Promise<IsCompleteResponse & { Data?: { FilterArn: string } }> {
  return logger.withRequestId(context?.awsRequestId ?? event.RequestId, async () => {
    const spec = specOf(event.ResourceProperties);
    if (event.RequestType === 'Delete') {
      // The resource's own ARN: a replaced filter's Delete names the old one.
      const filterArn = event.PhysicalResourceId;
      const complete = !filterArn.includes(':filter/') || (await removeFilter(personalize, filterArn));
      logger.info('Filter deletion', { filterArn, complete });
      return { IsComplete: complete };
    }
    const complete = await ensureFilter(personalize, spec);
    const filterArn = filterArnOf(spec.datasetGroupArn, spec.name);
    logger.info('Filter', { filterArn, requestType: event.RequestType, complete });
    return complete ? { IsComplete: true, Data: { FilterArn: filterArn } } : { IsComplete: false };
  });
}
