/**
 * The one-shot provisioning (`cdk deploy -c provision=true`, `npm start -- --provision`) as ONE Amazon States
 * Language definition: the stack deploys it as a Step Functions state machine, and local mode runs this same
 * object with an ASL interpreter against the emulator (local/stepfunctions). It waits for the imports, trains
 * a solution version, creates a campaign on it and the dataset group's event tracker, each ACTIVE before the
 * next, then signals the stack's CloudFormation WaitCondition with their ARNs and the tracking id (or with
 * the failure, which rolls the stack back).
 *
 * Why a workflow and a WaitCondition rather than a custom resource that polls: a custom resource times out
 * after one hour at most (ServiceTimeout defaults to and is capped at 3600 s:
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-cloudformation-customresource.html;
 * aws-cdk-lib's Provider framework: "The maximum timeout is 1 hour"), while imports, a FULL training and a
 * campaign can take longer together. A WaitCondition waits up to 43200 s, twelve hours
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-cloudformation-waitcondition.html),
 * and a standard workflow's Wait states cost nothing while they wait.
 *
 * The Personalize calls are Step Functions' AWS SDK integrations (`arn:aws:states:::aws-sdk:personalize:...`):
 * parameters and results are in PascalCase even though Personalize's API is camelCase, and a service error
 * is named `Personalize.<Exception>` (https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html).
 * Only JSONPath and intrinsic functions are used (no JSONata), so the interpreter runs it as AWS does.
 */
import { OWNER_TAG_KEY } from './ownership';

/** How long the WaitCondition, and so the whole workflow, may take: CloudFormation's maximum, 12 hours. */
export const PROVISIONING_TIMEOUT_SECONDS = 43_200;
/** Between two checks of a resource still being created. */
const PROVISIONING_POLL_SECONDS = 60;
/** The signal's UniqueId: the WaitCondition's Data attribute is `{"<UniqueId>": "<Data>"}`. */
export const PROVISIONING_SIGNAL_ID = 'provisioning';
/** Replaced by the signal function's ARN (the state machine's DefinitionSubstitutions). */
export const SIGNAL_FUNCTION_PLACEHOLDER = '${SignalFunctionArn}';

/** The execution's input (the strings CloudFormation gives the custom resource that starts it). */
export interface ProvisioningInput {
  readonly DatasetGroupArn: string;
  readonly SolutionArn: string;
  readonly DatasetArns: readonly string[];
  /** Name of the solution version, the campaign and the event tracker it creates. */
  readonly Name: string;
  /** The owner tag's value (the stack's name), which the API's policies require. */
  readonly OwnerTag: string;
  /** The WaitCondition handle's presigned URL, which the signal function PUTs to. */
  readonly WaitHandle: string;
  /**
   * A solution version to deploy instead of training one (local mode's `--provision` after the campaign of
   * an earlier one was deleted). @default - a version is trained
   */
  readonly SolutionVersionArn?: string;
}

/** What the workflow signals and the stack outputs (PROVISIONING_OUTPUTS). */
export interface ProvisioningResult {
  readonly SolutionVersionArn: string;
  readonly CampaignArn: string;
  readonly EventTrackerArn: string;
  readonly TrackingId: string;
}

/** What the signal function is invoked with: a WaitCondition signal and where to send it. */
export interface WaitConditionSignal {
  readonly Url: string;
  readonly Status: 'SUCCESS' | 'FAILURE';
  readonly UniqueId: string;
  readonly Reason: string;
  readonly Data: string;
}

type State = Record<string, unknown>;

const sdk = (action: string) => `arn:aws:states:::aws-sdk:personalize:${action}`;
const ownerTags = [{ TagKey: OWNER_TAG_KEY, 'TagValue.$': '$.OwnerTag' }];
const wait = (next: string): State => ({ Type: 'Wait', Seconds: PROVISIONING_POLL_SECONDS, Next: next });

/**
 * A resource being created: describe it, go on when ACTIVE, fail with its description when CREATE FAILED,
 * else wait and describe again.
 */
function untilActive(options: {
  readonly name: string;
  readonly action: string;
  readonly parameters: State;
  /** Where the description goes, and the path of its status within it. */
  readonly resultPath: string;
  readonly statusPath: string;
  readonly next: string;
}): Record<string, State> {
  const { name } = options;
  return {
    [`WaitFor${name}`]: wait(`Describe${name}`),
    [`Describe${name}`]: {
      Type: 'Task',
      Resource: sdk(options.action),
      Parameters: options.parameters,
      ResultPath: options.resultPath,
      Next: `Is${name}Active`,
    },
    [`Is${name}Active`]: {
      Type: 'Choice',
      Choices: [
        { Variable: options.statusPath, StringEquals: 'ACTIVE', Next: options.next },
        { Variable: options.statusPath, StringEquals: 'CREATE FAILED', Next: `${name}Failed` },
      ],
      Default: `WaitFor${name}`,
    },
    [`${name}Failed`]: {
      Type: 'Pass',
      Parameters: { 'Cause.$': `States.JsonToString(${options.resultPath})` },
      ResultPath: '$.Failure',
      Next: `Fail${name}`,
    },
    [`Fail${name}`]: { Type: 'Fail', Error: `Provisioning.${name}Failed`, CausePath: '$.Failure.Cause' },
  };
}

/** Every dataset's import jobs ACTIVE (none pending, none failed); a dataset with none yet is waited for. */
function waitForImports(next: string): Record<string, State> {
  const processor = {
    StartAt: 'ListImportJobs',
    States: {
      ListImportJobs: {
        Type: 'Task',
        Resource: sdk('listDatasetImportJobs'),
        Parameters: { 'DatasetArn.$': '$.DatasetArn', MaxResults: 100 },
        ResultSelector: { 'Jobs.$': '$.DatasetImportJobs' },
        ResultPath: '$.Listed',
        Next: 'ImportStatuses',
      },
      // One status per job, always an array (a Map's result), whatever the number of jobs.
      ImportStatuses: {
        Type: 'Map',
        ItemsPath: '$.Listed.Jobs',
        ItemProcessor: {
          ProcessorConfig: { Mode: 'INLINE' },
          StartAt: 'ImportStatus',
          States: { ImportStatus: { Type: 'Pass', InputPath: '$.Status', End: true } },
        },
        ResultPath: '$.Statuses',
        Next: 'SummarizeImports',
      },
      SummarizeImports: {
        Type: 'Pass',
        Parameters: {
          'Failed.$': "States.ArrayContains($.Statuses, 'CREATE FAILED')",
          'Pending.$': "States.ArrayContains($.Statuses, 'CREATE PENDING')",
          'InProgress.$': "States.ArrayContains($.Statuses, 'CREATE IN_PROGRESS')",
          'Count.$': 'States.ArrayLength($.Statuses)',
        },
        ResultPath: '$.Imports',
        Next: 'AreImportsActive',
      },
      AreImportsActive: {
        Type: 'Choice',
        Choices: [
          { Variable: '$.Imports.Failed', BooleanEquals: true, Next: 'ImportFailed' },
          {
            Or: [
              { Variable: '$.Imports.Count', NumericEquals: 0 },
              { Variable: '$.Imports.Pending', BooleanEquals: true },
              { Variable: '$.Imports.InProgress', BooleanEquals: true },
            ],
            Next: 'WaitForImports',
          },
        ],
        Default: 'ImportsActive',
      },
      WaitForImports: wait('ListImportJobs'),
      ImportFailed: {
        Type: 'Pass',
        Parameters: { 'Cause.$': 'States.JsonToString($.Listed.Jobs)' },
        ResultPath: '$.Failure',
        Next: 'FailImport',
      },
      FailImport: { Type: 'Fail', Error: 'Provisioning.ImportFailed', CausePath: '$.Failure.Cause' },
      ImportsActive: { Type: 'Succeed' },
    },
  };
  return {
    Imports: {
      Type: 'Map',
      ItemsPath: '$.DatasetArns',
      ItemSelector: { 'DatasetArn.$': '$$.Map.Item.Value' },
      MaxConcurrency: 1,
      ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, ...processor },
      ResultPath: null,
      Next: next,
    },
  };
}

/**
 * Imports → solution version (trained, or the one given) → campaign → event tracker, each ACTIVE; the
 * branch's output is the result.
 */
function provisioningSteps(): State {
  return {
    StartAt: 'Imports',
    States: {
      ...waitForImports('IsSolutionVersionGiven'),
      ...solutionVersionSteps('CreateCampaign'),
      ...campaignSteps('CreateEventTracker'),
      ...eventTrackerSteps('Provisioned'),
      Provisioned: {
        Type: 'Pass',
        Parameters: {
          'SolutionVersionArn.$': '$.SolutionVersion.SolutionVersionArn',
          'CampaignArn.$': '$.Campaign.CampaignArn',
          'EventTrackerArn.$': '$.EventTracker.EventTrackerArn',
          'TrackingId.$': '$.Tracking.EventTracker.TrackingId',
        },
        End: true,
      },
    },
  };
}

/** The solution version given in the input, else one trained (FULL), then waited for until ACTIVE. */
function solutionVersionSteps(next: string): Record<string, State> {
  return {
    IsSolutionVersionGiven: {
      Type: 'Choice',
      Choices: [{ Variable: '$.SolutionVersionArn', IsPresent: true, Next: 'UseSolutionVersion' }],
      Default: 'TrainSolutionVersion',
    },
    UseSolutionVersion: {
      Type: 'Pass',
      Parameters: { 'SolutionVersionArn.$': '$.SolutionVersionArn' },
      ResultPath: '$.SolutionVersion',
      Next: 'DescribeSolutionVersion',
    },
    TrainSolutionVersion: {
      Type: 'Task',
      Resource: sdk('createSolutionVersion'),
      Parameters: {
        'SolutionArn.$': '$.SolutionArn',
        'Name.$': '$.Name',
        TrainingMode: 'FULL',
        Tags: ownerTags,
      },
      ResultSelector: { 'SolutionVersionArn.$': '$.SolutionVersionArn' },
      ResultPath: '$.SolutionVersion',
      // Another version in training (automatic training, if kept on): try again once it is done.
      Retry: [
        {
          ErrorEquals: ['Personalize.ResourceInUseException'],
          IntervalSeconds: PROVISIONING_POLL_SECONDS,
          MaxAttempts: 120,
          BackoffRate: 1,
        },
      ],
      Next: 'WaitForSolutionVersion',
    },
    ...untilActive({
      name: 'SolutionVersion',
      action: 'describeSolutionVersion',
      parameters: { 'SolutionVersionArn.$': '$.SolutionVersion.SolutionVersionArn' },
      resultPath: '$.Training',
      statusPath: '$.Training.SolutionVersion.Status',
      next,
    }),
  };
}

/** A campaign on the solution version (1 TPS provisioned, the minimum), waited for until ACTIVE. */
function campaignSteps(next: string): Record<string, State> {
  return {
    CreateCampaign: {
      Type: 'Task',
      Resource: sdk('createCampaign'),
      Parameters: {
        'Name.$': '$.Name',
        'SolutionVersionArn.$': '$.SolutionVersion.SolutionVersionArn',
        MinProvisionedTPS: 1,
        Tags: ownerTags,
      },
      ResultSelector: { 'CampaignArn.$': '$.CampaignArn' },
      ResultPath: '$.Campaign',
      Next: 'WaitForCampaign',
    },
    ...untilActive({
      name: 'Campaign',
      action: 'describeCampaign',
      parameters: { 'CampaignArn.$': '$.Campaign.CampaignArn' },
      resultPath: '$.Deployment',
      statusPath: '$.Deployment.Campaign.Status',
      next,
    }),
  };
}

/** The dataset group's event tracker, created or the one it already has, waited for until ACTIVE. */
function eventTrackerSteps(next: string): Record<string, State> {
  return {
    CreateEventTracker: {
      Type: 'Task',
      Resource: sdk('createEventTracker'),
      Parameters: { 'Name.$': '$.Name', 'DatasetGroupArn.$': '$.DatasetGroupArn', Tags: ownerTags },
      ResultSelector: { 'EventTrackerArn.$': '$.EventTrackerArn' },
      ResultPath: '$.EventTracker',
      // A dataset group has at most one event tracker: the one that exists (the walkthrough's) is used.
      Catch: [
        {
          ErrorEquals: ['Personalize.ResourceAlreadyExistsException', 'Personalize.LimitExceededException'],
          ResultPath: null,
          Next: 'FindEventTracker',
        },
      ],
      Next: 'WaitForEventTracker',
    },
    FindEventTracker: {
      Type: 'Task',
      Resource: sdk('listEventTrackers'),
      Parameters: { 'DatasetGroupArn.$': '$.DatasetGroupArn', MaxResults: 100 },
      ResultSelector: { 'EventTrackerArn.$': '$.EventTrackers[0].EventTrackerArn' },
      ResultPath: '$.EventTracker',
      Next: 'WaitForEventTracker',
    },
    ...untilActive({
      name: 'EventTracker',
      action: 'describeEventTracker',
      parameters: { 'EventTrackerArn.$': '$.EventTracker.EventTrackerArn' },
      resultPath: '$.Tracking',
      statusPath: '$.Tracking.EventTracker.Status',
      next,
    }),
  };
}

/** The signal function's invocation; its transient errors retried as Step Functions recommends for Lambda. */
function signal(status: WaitConditionSignal['Status'], fields: State): State {
  return {
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke',
    Parameters: {
      FunctionName: SIGNAL_FUNCTION_PLACEHOLDER,
      Payload: { 'Url.$': '$.WaitHandle', Status: status, UniqueId: PROVISIONING_SIGNAL_ID, ...fields },
    },
    ResultPath: null,
    Retry: [
      {
        ErrorEquals: [
          'Lambda.ServiceException',
          'Lambda.AWSLambdaException',
          'Lambda.SdkClientException',
          'Lambda.TooManyRequestsException',
        ],
        IntervalSeconds: 2,
        MaxAttempts: 6,
        BackoffRate: 2,
      },
    ],
  };
}

/**
 * The definition. Every step runs inside one Parallel state whose Catch signals FAILURE with the error and
 * its cause, so a failed step fails the WaitCondition (and the deploy, with that reason) at once rather than
 * after twelve hours.
 */
export function provisioningDefinition(): Record<string, unknown> {
  return {
    Comment:
      'One-shot provisioning: imports, a trained solution version, a campaign and the event tracker, then the stack WaitCondition signalled',
    TimeoutSeconds: PROVISIONING_TIMEOUT_SECONDS,
    StartAt: 'Provision',
    States: {
      Provision: {
        Type: 'Parallel',
        Branches: [provisioningSteps()],
        ResultSelector: { 'Outputs.$': '$[0]' },
        ResultPath: '$.Provisioned',
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.Failure', Next: 'SignalFailure' }],
        Next: 'SignalSuccess',
      },
      SignalSuccess: {
        ...signal('SUCCESS', {
          Reason: 'Provisioned',
          'Data.$': 'States.JsonToString($.Provisioned.Outputs)',
        }),
        OutputPath: '$.Provisioned.Outputs',
        End: true,
      },
      SignalFailure: {
        ...signal('FAILURE', {
          'Reason.$': "States.Format('{}: {}', $.Failure.Error, $.Failure.Cause)",
          Data: '',
        }),
        Next: 'Failed',
      },
      Failed: { Type: 'Fail', ErrorPath: '$.Failure.Error', CausePath: '$.Failure.Cause' },
    },
  };
}

/** The custom resource types of the one-shot provisioning (its starter, and the outputs it reads). */
export const PROVISIONING_RESOURCE_TYPE = 'Custom::PersonalizeProvisioning';
export const PROVISIONED_RESOURCE_TYPE = 'Custom::PersonalizeProvisioned';

/** The name of the provisioned version, campaign and tracker: `<stack>-provisioned`, within 63 characters. */
export function provisionedName(stackName: string): string {
  return `${stackName.replace(/[^a-zA-Z0-9\-_]/g, '-').slice(0, 51)}-provisioned`;
}
