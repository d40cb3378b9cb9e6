import { CustomResource, Duration, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { provisionedName } from '../../lambda/provisionLifecycle';
import { OWNER_TAG_ENV } from '../../lambda/shared/ownership';
import { LIST_GROUP_RESOURCES, type PersonalizePermission } from '../contract/api-routes';
import type { HandlerFunction } from './handler-function';
import type { PersonalizeModel } from './personalize-model';
import { addPollingProvider } from './polling-provider';

/**
 * What lambda/provisionLifecycle.ts calls, granted by the model on its resources: the listings (no resource-
 * level permission), training a version of this solution and creating a campaign and the event tracker with
 * this stack's owner tag, and describing only what carries it (or, for versions, this solution's).
 */
export const PROVISIONING_PERMISSIONS: readonly PersonalizePermission[] = [
  LIST_GROUP_RESOURCES,
  {
    actions: ['personalize:CreateSolutionVersion'],
    resources: ['solution', 'solutionVersion'],
    owner: 'tagOnCreate',
  },
  { actions: ['personalize:DescribeSolutionVersion'], resources: ['solutionVersion'] },
  {
    actions: ['personalize:CreateCampaign'],
    resources: ['campaign', 'solutionVersion'],
    owner: 'tagOnCreate',
  },
  { actions: ['personalize:DescribeCampaign'], resources: ['campaign'], owner: 'tagged' },
  {
    actions: ['personalize:CreateEventTracker'],
    resources: ['eventTracker', 'datasetGroup'],
    owner: 'tagOnCreate',
  },
  { actions: ['personalize:DescribeEventTracker'], resources: ['eventTracker'], owner: 'tagged' },
];

export interface PersonalizeProvisioningProps {
  readonly model: PersonalizeModel;
  /**
   * How long the deploy may wait for the imports, the training and the campaign (the Provider framework
   * allows two hours at most).
   * @default Duration.hours(2)
   */
  readonly totalTimeout?: Duration;
  /** @default Duration.minutes(1) */
  readonly queryInterval?: Duration;
}

/**
 * The one-shot provisioning of `cdk deploy -c provision=true`: a custom resource whose isComplete polls
 * (lambda/provisionLifecycle.ts) until the imports are done, a version is trained, and a campaign and the
 * event tracker are ACTIVE; its attributes are their ARNs and the tracking id.
 */
export class PersonalizeProvisioning extends Construct {
  public readonly resource: CustomResource;
  public readonly handlers: readonly HandlerFunction[];

  constructor(scope: Construct, id: string, props: PersonalizeProvisioningProps) {
    super(scope, id);
    const { model } = props;
    const stack = Stack.of(this);
    const { onEvent, isComplete, provider } = addPollingProvider(this, {
      entry: 'provisionLifecycle',
      onEventDescription:
        'Starts the one-shot provisioning: a trained version, a campaign, the event tracker',
      isCompleteDescription:
        'Advances the one-shot provisioning one step: imports, training, campaign, event tracker',
      environment: { [OWNER_TAG_ENV]: stack.stackName },
      totalTimeout: props.totalTimeout ?? Duration.hours(2),
      queryInterval: props.queryInterval ?? Duration.minutes(1),
    });
    this.handlers = [onEvent, isComplete];
    for (const handler of this.handlers) model.grant(handler.function, PROVISIONING_PERMISSIONS);

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::PersonalizeProvisioning',
      properties: {
        DatasetGroupArn: model.datasetGroup.attrDatasetGroupArn,
        SolutionArn: model.solution.attrSolutionArn,
        DatasetArns: [model.interactionsDataset.attrDatasetArn, model.itemsDataset.attrDatasetArn],
        Name: provisionedName(stack.stackName),
      },
    });
    // Created after the clean-up and the auto-training setting, so deleted before them: the clean-up's last
    // pass (campaigns, trackers) comes after this resource is gone.
    this.resource.node.addDependency(model.cleanup.resource, model.autoTraining.resource);
  }
}
