import { CustomResource, type Duration, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { OWNER_TAG_ENV } from '../contract/ownership';
import type { PersonalizePermission } from '../contract/api-routes';
import type { HandlerFunction } from './handler-function';
import { addPollingProvider, type PollingProvider } from './polling-provider';

export interface PersonalizeCleanupProps {
  readonly datasetGroupArn: string;
  readonly solutionArn: string;
  /**
   * How long a delete may wait for campaigns and event trackers to go (a campaign still being created
   * cannot be deleted until it is ACTIVE).
   * @default DEFAULTS.customResource.totalTimeout (1 hour)
   */
  readonly totalTimeout?: Duration;
  /** @default DEFAULTS.customResource.queryInterval (30 seconds) */
  readonly queryInterval?: Duration;
}

/**
 * What lambda/cleanupResources.ts calls, granted by the model on its resources: the listings (no resource-
 * level permission), deleting campaigns and event trackers that carry this stack's owner tag, and stopping
 * this solution's versions still training (automatic ones carry no tag, so that is scoped by the solution).
 */
export const CLEANUP_PERMISSIONS: readonly PersonalizePermission[] = [
  {
    actions: [
      'personalize:ListCampaigns',
      'personalize:ListEventTrackers',
      'personalize:ListSolutionVersions',
      // Whether the dataset group outlives a replaced solution (then its event tracker is kept).
      'personalize:ListSolutions',
    ],
    resources: ['wildcardOnly'],
  },
  { actions: ['personalize:DeleteCampaign'], resources: ['campaign'], owner: 'tagged' },
  { actions: ['personalize:DeleteEventTracker'], resources: ['eventTracker'], owner: 'tagged' },
  { actions: ['personalize:StopSolutionVersionCreation'], resources: ['solutionVersion'] },
];

/**
 * Removes, when the stack is deleted, what the API created at run time under the dataset group and the
 * solution (campaigns, event trackers, solution versions still training): CloudFormation does not know them,
 * and they would block deleting the solution and the dataset group. Its handlers get no permission here:
 * the model grants them CLEANUP_PERMISSIONS.
 */
export class PersonalizeCleanup extends Construct {
  public readonly resource: CustomResource;
  /** The onEvent and isComplete functions, to be granted CLEANUP_PERMISSIONS. */
  public readonly handlers: readonly HandlerFunction[];

  constructor(scope: Construct, id: string, props: PersonalizeCleanupProps) {
    super(scope, id);
    const { onEvent, isComplete, provider } = this.addProvider(props);
    this.handlers = [onEvent, isComplete];
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::PersonalizeCleanup',
      properties: {
        DatasetGroupArn: props.datasetGroupArn,
        SolutionArn: props.solutionArn,
      },
    });
  }

  /** The handlers of lambda/cleanupResources.ts and the Provider framework that polls them. */
  private addProvider(props: PersonalizeCleanupProps): PollingProvider {
    return addPollingProvider(this, {
      entry: 'cleanupResources',
      onEventDescription:
        'Deletes the campaigns and event trackers the API created, when the stack is deleted',
      isCompleteDescription: 'Reports whether the campaigns and event trackers the API created are gone',
      // The handler names, in an error, the tag a campaign it may not delete lacks.
      environment: { [OWNER_TAG_ENV]: Stack.of(this).stackName },
      totalTimeout: props.totalTimeout,
      queryInterval: props.queryInterval,
    });
  }
}
