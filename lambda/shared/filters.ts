/**
 * A Personalize filter brought into being or removed one step at a time, the client as a parameter: the
 * filters custom resource (lambda/configureFilter.ts) and local mode's provisioning run the same steps.
 */
import {
  CreateFilterCommand,
  DeleteFilterCommand,
  DescribeFilterCommand,
  type Filter,
  type PersonalizeClient,
} from '@aws-sdk/client-personalize';
import { isServiceError } from './service-errors';
import { filterArnOf } from '../../lib/contract/personalize-filters';

export interface FilterSpec {
  readonly datasetGroupArn: string;
  /** The filter's Personalize name. */
  readonly name: string;
  readonly expression: string;
}

async function describe(client: PersonalizeClient, filterArn: string): Promise<Filter | undefined> {
  try {
    return (await client.send(new DescribeFilterCommand({ filterArn }))).filter;
  } catch (error) {
    if (isServiceError(error, 'ResourceNotFoundException')) return undefined;
    throw error;
  }
}

/** One step towards the filter existing and ACTIVE: true once it is. */
export async function ensureFilter(client: PersonalizeClient, spec: FilterSpec): Promise<boolean> {
  const filterArn = filterArnOf(spec.datasetGroupArn, spec.name);
  const filter = await describe(client, filterArn);
  if (!filter) {
    await client.send(
      new CreateFilterCommand({
        name: spec.name,
        datasetGroupArn: spec.datasetGroupArn,
        filterExpression: spec.expression,
      }),
    );
    return false;
  }
  if (filter.status === 'ACTIVE') return true;
  if (filter.status === 'CREATE FAILED') {
    throw new Error(`Filter ${filterArn} failed: ${filter.failureReason ?? 'no reason given'}`);
  }
  return false;
}

/** One step towards the filter being gone: true once it is. */
export async function removeFilter(client: PersonalizeClient, filterArn: string): Promise<boolean> {
  const filter = await describe(client, filterArn);
  if (!filter) return true;
  if (filter.status === 'ACTIVE' || filter.status === 'CREATE FAILED') {
    try {
      await client.send(new DeleteFilterCommand({ filterArn }));
    } catch (error) {
      if (isServiceError(error, 'ResourceNotFoundException')) return true;
      if (!isServiceError(error, 'ResourceInUseException')) throw error;
    }
  }
  return false;
}
