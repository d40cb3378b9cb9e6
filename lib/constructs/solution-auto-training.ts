import { CustomResource, type Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { PersonalizePermission } from '../contract/api-routes';
import type { AutoTrainingSetting } from '../context';
import type { HandlerFunction } from './handler-function';
import { addPollingProvider } from './polling-provider';

/** What lambda/configureSolution.ts's isComplete calls, granted by the model on this solution only. */
export const AUTO_TRAINING_PERMISSIONS: readonly PersonalizePermission[] = [
  { actions: ['personalize:DescribeSolution', 'personalize:UpdateSolution'], resources: ['solution'] },
];

export interface SolutionAutoTrainingProps {
  readonly solutionArn: string;
  /** @default - off */
  readonly setting?: AutoTrainingSetting;
  /**
   * How long to wait for the solution to be ACTIVE and the update to complete.
   * @default DEFAULTS.customResource.totalTimeout (1 hour)
   */
  readonly totalTimeout?: Duration;
}

/**
 * Sets the solution's automatic training, which AWS::Personalize::Solution cannot: a new solution trains a
 * version every 7 days (the first within an hour of ACTIVE), billed per training hour, unless UpdateSolution
 * turns it off. Off by default; on with a schedule if configured. On delete it turns training off, so no
 * automatic version starts while the clean-up runs. Its isComplete handler is granted by the model.
 */
export class SolutionAutoTraining extends Construct {
  public readonly resource: CustomResource;
  /** The handler that calls Personalize (isComplete), to be granted AUTO_TRAINING_PERMISSIONS. */
  public readonly worker: HandlerFunction;

  constructor(scope: Construct, id: string, props: SolutionAutoTrainingProps) {
    super(scope, id);
    const setting = props.setting ?? { performAutoTraining: false };
    const { isComplete, provider } = addPollingProvider(this, {
      entry: 'configureSolution',
      onEventDescription:
        "Starts setting the automatic training of the stack's Personalize solution (calls nothing)",
      isCompleteDescription:
        "Sets the automatic training of the stack's Personalize solution and waits for it",
      totalTimeout: props.totalTimeout,
    });
    this.worker = isComplete;

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::PersonalizeSolutionAutoTraining',
      properties: {
        SolutionArn: props.solutionArn,
        // CloudFormation passes every property as a string.
        PerformAutoTraining: String(setting.performAutoTraining),
        ...(setting.performAutoTraining ? { SchedulingExpression: setting.schedulingExpression } : {}),
      },
    });
  }
}
