import { ArnFormat, CustomResource, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { PersonalizePermission } from '../contract/api-routes';
import {
  filterResourceName,
  validateFilterDefinitions,
  type FilterDefinition,
} from '../contract/personalize-filters';
import type { PersonalizeNames } from '../contract/personalize-schemas';
import type { HandlerFunction } from './handler-function';
import { addPollingProvider } from './polling-provider';

/**
 * What lambda/configureFilter.ts's isComplete calls, granted by the model on this stack's filters only
 * (CreateFilter authorizes against the dataset group and the filter: Service Authorization Reference).
 */
export const FILTER_PERMISSIONS: readonly PersonalizePermission[] = [
  { actions: ['personalize:CreateFilter'], resources: ['datasetGroup', 'filter'] },
  { actions: ['personalize:DescribeFilter', 'personalize:DeleteFilter'], resources: ['filter'] },
];

export interface PersonalizeFiltersProps {
  readonly datasetGroupArn: string;
  /** The model's names: a filter's name derives from its dataset group's. */
  readonly names: PersonalizeNames;
  readonly definitions: readonly FilterDefinition[];
}

/** One declared filter as the stack creates it. */
export interface DeclaredFilter {
  readonly definition: FilterDefinition;
  /** Its Personalize name (prefix, short name, fingerprint). */
  readonly name: string;
  /** Known at synth time from the name: grants name it exactly. */
  readonly arn: string;
  readonly resource: CustomResource;
}

/**
 * The stack's Personalize filters (lib/contract/personalize-filters.ts), which CloudFormation has no
 * resource type for: one custom resource per filter, all served by one polling provider whose isComplete
 * handler creates a filter and waits for it to be ACTIVE, and deletes it with the stack. The model grants
 * that handler FILTER_PERMISSIONS on exactly these filters' ARNs.
 */
export class PersonalizeFilters extends Construct {
  public readonly filters: readonly DeclaredFilter[];
  /** The handler that calls Personalize (isComplete), to be granted FILTER_PERMISSIONS. */
  public readonly worker: HandlerFunction;

  constructor(scope: Construct, id: string, props: PersonalizeFiltersProps) {
    super(scope, id);
    validateFilterDefinitions(props.definitions);
    const { isComplete, provider } = addPollingProvider(this, {
      entry: 'configureFilter',
      onEventDescription: "Names a Personalize filter of the stack's dataset group (calls nothing)",
      isCompleteDescription:
        "Creates (or deletes) a Personalize filter of the stack's dataset group and waits for it",
    });
    this.worker = isComplete;
    const stack = Stack.of(this);
    this.filters = props.definitions.map((definition) => {
      const name = filterResourceName(props.names, definition);
      const resource = new CustomResource(this, `Filter-${definition.name}`, {
        serviceToken: provider.serviceToken,
        resourceType: 'Custom::PersonalizeFilter',
        properties: {
          DatasetGroupArn: props.datasetGroupArn,
          FilterName: name,
          FilterExpression: definition.expression,
        },
      });
      const arn = stack.formatArn({
        service: 'personalize',
        resource: 'filter',
        resourceName: name,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      });
      return { definition, name, arn, resource };
    });
  }
}
