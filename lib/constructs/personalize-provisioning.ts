import { CfnWaitCondition, CfnWaitConditionHandle, CustomResource, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { createHash } from 'node:crypto';
import { OWNER_TAG_ENV } from '../contract/ownership';
import { LIST_GROUP_RESOURCES, type PersonalizePermission } from '../contract/api-routes';
import {
  PROVISIONING_TIMEOUT_SECONDS,
  provisioningDefinition,
  SIGNAL_FUNCTION_PLACEHOLDER,
} from '../contract/provisioning-workflow';
import { acknowledge, attributeFinding } from './acknowledge';
import { DEFAULTS } from './defaults';
import { HandlerFunction } from './handler-function';
import type { PersonalizeModel } from './personalize-model';
import { addOnEventProvider } from './polling-provider';
import {
  PROVISIONED_RESOURCE_TYPE,
  PROVISIONING_RESOURCE_TYPE,
  provisionedName,
} from '../contract/provisioning-workflow';

/**
 * What the provisioning workflow calls (its Personalize SDK integrations, lib/contract/provisioning-workflow.ts),
 * granted by the model on its resources: the listings (no resource-level permission), training a version of
 * this solution and creating a campaign and the event tracker with this stack's owner tag, and describing
 * only what carries it (or, for versions, this solution's).
 */
const PROVISIONING_PERMISSIONS: readonly PersonalizePermission[] = [
  {
    actions: LIST_GROUP_RESOURCES.actions.filter((action) =>
      ['personalize:ListDatasetImportJobs', 'personalize:ListEventTrackers'].includes(action),
    ),
    resources: ['wildcardOnly'],
  },
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
}

/**
 * The one-shot provisioning of `cdk deploy -c provision=true`, in CloudFormation's limits: a custom resource
 * waits one hour at most, so the work is a Step Functions workflow (lib/contract/provisioning-workflow.ts)
 * that a custom resource only starts, and the stack waits for it on a WaitCondition (up to 12 hours). Its
 * last step signals the condition with the ARNs and the tracking id, which a second custom resource reads
 * into the stack's outputs; a failed step signals the failure, and the stack rolls back.
 *
 * Nothing keeps billing after a rollback or `cdk destroy`: the starter depends on the clean-up, so it is
 * deleted first, and its Delete stops the execution; the clean-up then deletes the campaign and the event
 * tracker, and stops a version still training.
 */
export class PersonalizeProvisioning extends Construct {
  /** The resource whose attributes are the outputs (SolutionVersionArn, CampaignArn, ...). */
  public readonly resource: CustomResource;
  /** The custom resource that starts the workflow, and stops it when deleted. */
  public readonly starter: CustomResource;
  public readonly stateMachine: sfn.StateMachine;
  public readonly waitCondition: CfnWaitCondition;
  /** The custom resources' function, and the workflow's signal function. */
  public readonly handlers: readonly HandlerFunction[];
  public readonly signalFunction: HandlerFunction;

  constructor(scope: Construct, id: string, props: PersonalizeProvisioningProps) {
    super(scope, id);
    const { model } = props;
    const stack = Stack.of(this);

    this.signalFunction = new HandlerFunction(this, 'Signal', {
      entry: 'provisionLifecycle',
      exportName: 'signal',
      description: "Signals the one-shot provisioning's WaitCondition with its outputs or its failure",
      timeout: DEFAULTS.customResource.handlerTimeout,
      logRetention: DEFAULTS.logRetention.customResource,
    });
    this.stateMachine = this.workflow(model);

    const { onEvent, provider } = addOnEventProvider(this, {
      entry: 'provisionLifecycle',
      onEventDescription:
        'Starts the one-shot provisioning workflow (and stops it when deleted); reads its outputs',
      environment: { [OWNER_TAG_ENV]: stack.stackName },
    });
    this.stateMachine.grantStartExecution(onEvent.function);
    this.stateMachine.grantExecution(onEvent.function, 'states:DescribeExecution', 'states:StopExecution');
    this.handlers = [onEvent];
    acknowledge(
      onEvent.role,
      'AwsSolutions-IAM5',
      "DescribeExecution and StopExecution on this state machine's executions (execution:<name>:*), whose names are the deploy's request ids; the Delete of a rollback or cdk destroy stops the running one.",
      [
        `Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${stack.getLogicalId(this.stateMachine.node.defaultChild as sfn.CfnStateMachine)}"}]}]}:*`,
      ],
    );

    // A new handle and condition for every new model (its names fingerprint what replaces it): a
    // WaitCondition cannot be updated, and a replaced group or solution must be provisioned again.
    const fingerprint = createHash('sha256')
      .update(`${model.names.datasetGroup}/${model.names.solution}`)
      .digest('hex')
      .slice(0, 8);
    const handle = new CfnWaitConditionHandle(this, `WaitHandle${fingerprint}`);
    this.starter = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: PROVISIONING_RESOURCE_TYPE,
      properties: {
        StateMachineArn: this.stateMachine.stateMachineArn,
        DatasetGroupArn: model.datasetGroup.attrDatasetGroupArn,
        SolutionArn: model.solution.attrSolutionArn,
        DatasetArns: [model.interactionsDataset.attrDatasetArn, model.itemsDataset.attrDatasetArn],
        Name: provisionedName(stack.stackName),
        WaitHandle: handle.ref,
      },
    });
    // Created after the clean-up and the auto-training setting, so deleted before them: the execution is
    // stopped before the clean-up's last pass (campaigns, trackers, versions in training).
    this.starter.node.addDependency(model.cleanup.resource, model.autoTraining.resource);

    this.waitCondition = new CfnWaitCondition(this, `Wait${fingerprint}`, {
      handle: handle.ref,
      // CloudFormation's maximum (43200 s): the WaitCondition's Timeout "can't exceed 43200".
      timeout: String(PROVISIONING_TIMEOUT_SECONDS),
      count: 1,
    });
    this.waitCondition.node.addDependency(this.starter);

    this.resource = new CustomResource(this, 'Outputs', {
      serviceToken: provider.serviceToken,
      resourceType: PROVISIONED_RESOURCE_TYPE,
      properties: { Signals: this.waitCondition.attrData },
    });
  }

  /**
   * The state machine: the contract's definition as it is (the signal function's ARN substituted by
   * CloudFormation), logged and traced, allowed exactly the calls of its SDK integrations.
   */
  private workflow(model: PersonalizeModel): sfn.StateMachine {
    const stateMachine = new sfn.StateMachine(this, 'Workflow', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(JSON.stringify(provisioningDefinition())),
      definitionSubstitutions: {
        [SIGNAL_FUNCTION_PLACEHOLDER.slice(2, -1)]: this.signalFunction.function.functionArn,
      },
      comment: 'The one-shot provisioning of -c provision=true',
      logs: {
        destination: new logs.LogGroup(this, 'WorkflowLogs', {
          retention: DEFAULTS.logRetention.customResource,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
        level: sfn.LogLevel.ALL,
        // The input holds the WaitCondition's presigned URL: the log keeps the states, not the data.
        includeExecutionData: false,
      },
      tracingEnabled: true,
    });
    model.grant(stateMachine, PROVISIONING_PERMISSIONS);
    this.signalFunction.function.grantInvoke(stateMachine);
    const role = stateMachine.role.node.findChild('DefaultPolicy');
    acknowledge(
      role,
      'AwsSolutions-IAM5',
      'Step Functions needs these on "*" to deliver its logs to CloudWatch Logs and traces to X-Ray (logs:CreateLogDelivery and the rest, xray:PutTraceSegments and the rest have no resource-level permission); the signal function may be invoked in any of its versions (its ARN followed by :*).',
      ['Resource::*', attributeFinding(this.signalFunction.function, 'Arn', ':*')],
    );
    return stateMachine;
  }
}
