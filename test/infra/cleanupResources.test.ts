import {
  DeleteCampaignCommand,
  DeleteEventTrackerCommand,
  ListCampaignsCommand,
  ListEventTrackersCommand,
  ListSolutionsCommand,
  ListSolutionVersionsCommand,
  PersonalizeClient,
  ResourceInUseException,
  ResourceNotFoundException,
  StopSolutionVersionCreationCommand,
} from '@aws-sdk/client-personalize';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { isComplete, onEvent } from '../../lambda/cleanupResources';

const personalize = mockClient(PersonalizeClient);

const DATASET_GROUP_ARN = 'arn:aws:personalize:us-east-1:123456789012:dataset-group/stack-dataset-group';
const SOLUTION_ARN = 'arn:aws:personalize:us-east-1:123456789012:solution/stack-solution';
const CAMPAIGN_ARN = 'arn:aws:personalize:us-east-1:123456789012:campaign/movies';
const TRACKER_ARN = 'arn:aws:personalize:us-east-1:123456789012:event-tracker/abc123';
const VERSION_ARN = `${SOLUTION_ARN}/1a2b3c4d`;

const OTHER_SOLUTION_ARN = 'arn:aws:personalize:us-east-1:123456789012:solution/stack-solution-new';
const OTHER_GROUP_ARN = 'arn:aws:personalize:us-east-1:123456789012:dataset-group/stack-group-new';

function cfnEvent(requestType: 'Create' | 'Update' | 'Delete'): CloudFormationCustomResourceEvent {
  const base = {
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:provider',
    ResponseURL: 'https://cloudformation-custom-resource-response.example/',
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/stack/1',
    RequestId: 'request-1',
    LogicalResourceId: 'ModelCleanup',
    ResourceType: 'Custom::PersonalizeCleanup',
    ResourceProperties: {
      ServiceToken: 'token',
      DatasetGroupArn: DATASET_GROUP_ARN,
      SolutionArn: SOLUTION_ARN,
    },
  };
  if (requestType === 'Create') return { ...base, RequestType: 'Create' };
  if (requestType === 'Update') {
    return {
      ...base,
      RequestType: 'Update',
      PhysicalResourceId: 'cleanup-id',
      OldResourceProperties: { ServiceToken: 'token' },
    };
  }
  return { ...base, RequestType: 'Delete', PhysicalResourceId: 'cleanup-id' };
}

function nothingLeft(): void {
  personalize.on(ListCampaignsCommand).resolves({ campaigns: [] });
  personalize.on(ListEventTrackersCommand).resolves({ eventTrackers: [] });
  personalize.on(ListSolutionVersionsCommand).resolves({ solutionVersions: [] });
}

/** The structured log lines written since the test began (lambda/shared/logger.ts writes to stdout). */
let logLines: Array<Record<string, unknown>>;

beforeEach(() => {
  personalize.reset();
  // The dataset group holds this stack's solution alone unless a test says otherwise.
  personalize
    .on(ListSolutionsCommand)
    .resolves({ solutions: [{ solutionArn: SOLUTION_ARN, status: 'ACTIVE' }] });
  logLines = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    if (typeof chunk === 'string' && chunk.startsWith('{'))
      logLines.push(JSON.parse(chunk) as Record<string, unknown>);
    return true;
  });
});

afterEach(() => {
  jest.restoreAllMocks();
});

describe('onEvent', () => {
  it('creates nothing and touches no Personalize resource on Create', async () => {
    const response = await onEvent(cfnEvent('Create'));
    expect(response.PhysicalResourceId).toBe(`${DATASET_GROUP_ARN}|${SOLUTION_ARN}`);
    expect(personalize.calls()).toHaveLength(0);
  });

  it('keeps its physical id on an Update that changes neither the dataset group nor the solution', async () => {
    const event = {
      ...cfnEvent('Update'),
      PhysicalResourceId: `${DATASET_GROUP_ARN}/cleanup`,
      OldResourceProperties: {
        ServiceToken: 'token',
        DatasetGroupArn: DATASET_GROUP_ARN,
        SolutionArn: SOLUTION_ARN,
      },
    } as CloudFormationCustomResourceEvent;
    // Even an id of an older format: a new id would make CloudFormation delete the live campaigns.
    await expect(onEvent(event)).resolves.toEqual({ PhysicalResourceId: `${DATASET_GROUP_ARN}/cleanup` });
    expect(personalize.calls()).toHaveLength(0);
  });

  it('keeps its physical id when the old properties carry neither ARN (a resource from before they were passed)', async () => {
    await expect(onEvent(cfnEvent('Update'))).resolves.toEqual({ PhysicalResourceId: 'cleanup-id' });
  });

  it('fails an Update whose old properties are not a target, instead of taking it as unchanged', async () => {
    const event = {
      ...cfnEvent('Update'),
      OldResourceProperties: { ServiceToken: 'token', DatasetGroupArn: DATASET_GROUP_ARN },
    } as CloudFormationCustomResourceEvent;
    await expect(onEvent(event)).rejects.toThrow(/needs the properties DatasetGroupArn and SolutionArn/);
    expect(personalize.calls()).toHaveLength(0);
  });

  it.each([
    ['the solution is replaced (a new recipe)', DATASET_GROUP_ARN, OTHER_SOLUTION_ARN],
    ['the dataset group and solution are replaced (a new schema)', OTHER_GROUP_ARN, OTHER_SOLUTION_ARN],
  ])(
    'takes a new physical id when %s, so CloudFormation sends Delete with the old properties',
    async (_, datasetGroupArn, solutionArn) => {
      const event = {
        ...cfnEvent('Update'),
        ResourceProperties: {
          ServiceToken: 'token',
          DatasetGroupArn: datasetGroupArn,
          SolutionArn: solutionArn,
        },
        OldResourceProperties: {
          ServiceToken: 'token',
          DatasetGroupArn: DATASET_GROUP_ARN,
          SolutionArn: SOLUTION_ARN,
        },
      } as CloudFormationCustomResourceEvent;
      const response = await onEvent(event);
      expect(response.PhysicalResourceId).toBe(`${datasetGroupArn}|${solutionArn}`);
      expect(response.PhysicalResourceId).not.toBe('cleanup-id');
      expect(personalize.calls()).toHaveLength(0);
    },
  );

  it('keeps the event tracker of a dataset group that outlives the replaced solution (it serves the new one)', async () => {
    personalize.on(ListSolutionsCommand).resolves({
      solutions: [
        { solutionArn: SOLUTION_ARN, status: 'ACTIVE' },
        { solutionArn: OTHER_SOLUTION_ARN, status: 'ACTIVE' },
      ],
    });
    personalize
      .on(ListCampaignsCommand)
      .resolves({ campaigns: [{ campaignArn: CAMPAIGN_ARN, status: 'ACTIVE' }] });
    personalize
      .on(ListEventTrackersCommand)
      .resolves({ eventTrackers: [{ eventTrackerArn: TRACKER_ARN, status: 'ACTIVE' }] });
    personalize.on(ListSolutionVersionsCommand).resolves({ solutionVersions: [] });

    await onEvent(cfnEvent('Delete'));

    expect(personalize).toHaveReceivedCommandWith(ListSolutionsCommand, {
      datasetGroupArn: DATASET_GROUP_ARN,
    });
    expect(personalize).toHaveReceivedCommandWith(DeleteCampaignCommand, { campaignArn: CAMPAIGN_ARN });
    expect(personalize).not.toHaveReceivedCommand(DeleteEventTrackerCommand);
    await expect(isComplete(cfnEvent('Delete'))).resolves.toEqual({ IsComplete: false });
  });

  it('deletes the event trackers when the only other solutions of the group are being deleted too', async () => {
    personalize.on(ListSolutionsCommand).resolves({
      solutions: [
        { solutionArn: SOLUTION_ARN, status: 'ACTIVE' },
        { solutionArn: OTHER_SOLUTION_ARN, status: 'DELETE PENDING' },
      ],
    });
    personalize.on(ListCampaignsCommand).resolves({ campaigns: [] });
    personalize
      .on(ListEventTrackersCommand)
      .resolves({ eventTrackers: [{ eventTrackerArn: TRACKER_ARN, status: 'ACTIVE' }] });
    personalize.on(ListSolutionVersionsCommand).resolves({ solutionVersions: [] });

    await onEvent(cfnEvent('Delete'));

    expect(personalize).toHaveReceivedCommandWith(DeleteEventTrackerCommand, {
      eventTrackerArn: TRACKER_ARN,
    });
  });

  it('deletes the campaigns of the solution and the event trackers of the dataset group on Delete', async () => {
    personalize
      .on(ListCampaignsCommand)
      .resolves({ campaigns: [{ campaignArn: CAMPAIGN_ARN, status: 'ACTIVE' }] });
    personalize
      .on(ListEventTrackersCommand)
      .resolves({ eventTrackers: [{ eventTrackerArn: TRACKER_ARN, status: 'ACTIVE' }] });
    personalize.on(ListSolutionVersionsCommand).resolves({ solutionVersions: [] });

    await onEvent(cfnEvent('Delete'));

    expect(personalize).toHaveReceivedCommandWith(ListCampaignsCommand, { solutionArn: SOLUTION_ARN });
    expect(personalize).toHaveReceivedCommandWith(ListEventTrackersCommand, {
      datasetGroupArn: DATASET_GROUP_ARN,
    });
    expect(personalize).toHaveReceivedCommandWith(DeleteCampaignCommand, { campaignArn: CAMPAIGN_ARN });
    expect(personalize).toHaveReceivedCommandWith(DeleteEventTrackerCommand, {
      eventTrackerArn: TRACKER_ARN,
    });
  });

  it('follows every page of the listings', async () => {
    const second = 'arn:aws:personalize:us-east-1:123456789012:campaign/second';
    personalize
      .on(ListCampaignsCommand, { nextToken: undefined })
      .resolves({ campaigns: [{ campaignArn: CAMPAIGN_ARN, status: 'ACTIVE' }], nextToken: 'page-2' })
      .on(ListCampaignsCommand, { nextToken: 'page-2' })
      .resolves({ campaigns: [{ campaignArn: second, status: 'ACTIVE' }] });
    personalize.on(ListEventTrackersCommand).resolves({ eventTrackers: [] });
    personalize.on(ListSolutionVersionsCommand).resolves({ solutionVersions: [] });

    await onEvent(cfnEvent('Delete'));

    expect(personalize).toHaveReceivedCommandWith(DeleteCampaignCommand, { campaignArn: CAMPAIGN_ARN });
    expect(personalize).toHaveReceivedCommandWith(DeleteCampaignCommand, { campaignArn: second });
  });

  it('stops solution versions still training, which would block deleting the solution', async () => {
    personalize.on(ListCampaignsCommand).resolves({ campaigns: [] });
    personalize.on(ListEventTrackersCommand).resolves({ eventTrackers: [] });
    personalize.on(ListSolutionVersionsCommand).resolves({
      solutionVersions: [
        { solutionVersionArn: VERSION_ARN, status: 'CREATE IN_PROGRESS' },
        { solutionVersionArn: `${SOLUTION_ARN}/trained`, status: 'ACTIVE' },
      ],
    });

    await onEvent(cfnEvent('Delete'));

    expect(personalize).toHaveReceivedCommandTimes(StopSolutionVersionCreationCommand, 1);
    expect(personalize).toHaveReceivedCommandWith(StopSolutionVersionCreationCommand, {
      solutionVersionArn: VERSION_ARN,
    });
  });

  it('stops an automatic version in training as it stops any other (whatever its trainingMode)', async () => {
    personalize.on(ListCampaignsCommand).resolves({ campaigns: [] });
    personalize.on(ListEventTrackersCommand).resolves({ eventTrackers: [] });
    personalize.on(ListSolutionVersionsCommand).resolves({
      solutionVersions: [
        {
          solutionVersionArn: VERSION_ARN,
          status: 'CREATE PENDING',
          trainingMode: 'AUTOTRAIN',
          trainingType: 'AUTOMATIC',
        },
      ],
    });

    await expect(isComplete(cfnEvent('Delete'))).resolves.toEqual({ IsComplete: false });
    expect(personalize).toHaveReceivedCommandWith(StopSolutionVersionCreationCommand, {
      solutionVersionArn: VERSION_ARN,
    });
  });

  it('does not ask again to delete what is already being deleted', async () => {
    personalize
      .on(ListCampaignsCommand)
      .resolves({ campaigns: [{ campaignArn: CAMPAIGN_ARN, status: 'DELETE IN_PROGRESS' }] });
    personalize.on(ListEventTrackersCommand).resolves({ eventTrackers: [] });
    personalize.on(ListSolutionVersionsCommand).resolves({ solutionVersions: [] });

    await onEvent(cfnEvent('Delete'));

    expect(personalize).not.toHaveReceivedCommand(DeleteCampaignCommand);
  });

  it('treats a dataset group or solution that no longer exists as nothing to clean up', async () => {
    const notFound = new ResourceNotFoundException({ message: 'gone', $metadata: {} });
    personalize.on(ListCampaignsCommand).rejects(notFound);
    personalize.on(ListEventTrackersCommand).rejects(notFound);
    personalize.on(ListSolutionVersionsCommand).rejects(notFound);
    personalize.on(ListSolutionsCommand).rejects(notFound);

    await expect(onEvent(cfnEvent('Delete'))).resolves.toEqual({ PhysicalResourceId: 'cleanup-id' });
    await expect(isComplete(cfnEvent('Delete'))).resolves.toEqual({ IsComplete: true });
  });

  it('fails the delete on an unexpected error instead of reporting success', async () => {
    personalize.on(ListCampaignsCommand).rejects(new Error('AccessDenied'));
    personalize.on(ListEventTrackersCommand).resolves({ eventTrackers: [] });
    personalize.on(ListSolutionVersionsCommand).resolves({ solutionVersions: [] });

    await expect(onEvent(cfnEvent('Delete'))).rejects.toThrow('AccessDenied');
  });

  it("names the owner tag when it may not delete a campaign that is not this stack's", async () => {
    process.env.OWNER_TAG_VALUE = 'stack';
    personalize
      .on(ListCampaignsCommand)
      .resolves({ campaigns: [{ campaignArn: CAMPAIGN_ARN, status: 'ACTIVE' }] });
    personalize.on(ListEventTrackersCommand).resolves({ eventTrackers: [] });
    personalize.on(ListSolutionVersionsCommand).resolves({ solutionVersions: [] });
    const denied = Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' });
    personalize.on(DeleteCampaignCommand).rejects(denied);

    await expect(onEvent(cfnEvent('Delete'))).rejects.toThrow(
      `${CAMPAIGN_ARN} does not carry this stack's tag nrt-recommendations:stack=stack`,
    );
    delete process.env.OWNER_TAG_VALUE;
  });

  it('refuses an event without the dataset group and solution ARNs', async () => {
    const event = cfnEvent('Delete');
    const broken = {
      ...event,
      ResourceProperties: { ServiceToken: 'token' },
    } as CloudFormationCustomResourceEvent;
    await expect(onEvent(broken)).rejects.toThrow(/DatasetGroupArn and SolutionArn/);
  });
});

describe('isComplete', () => {
  it('is complete at once for Create and Update', async () => {
    await expect(isComplete(cfnEvent('Create'))).resolves.toEqual({ IsComplete: true });
    await expect(isComplete(cfnEvent('Update'))).resolves.toEqual({ IsComplete: true });
    expect(personalize.calls()).toHaveLength(0);
  });

  it('is not complete while a campaign or event tracker still exists', async () => {
    personalize
      .on(ListCampaignsCommand)
      .resolves({ campaigns: [{ campaignArn: CAMPAIGN_ARN, status: 'DELETE PENDING' }] });
    personalize.on(ListEventTrackersCommand).resolves({ eventTrackers: [] });
    personalize.on(ListSolutionVersionsCommand).resolves({ solutionVersions: [] });

    await expect(isComplete(cfnEvent('Delete'))).resolves.toEqual({ IsComplete: false });
  });

  it('retries the delete of a campaign that was still being created on an earlier poll', async () => {
    personalize
      .on(ListCampaignsCommand)
      .resolves({ campaigns: [{ campaignArn: CAMPAIGN_ARN, status: 'CREATE IN_PROGRESS' }] });
    personalize.on(ListEventTrackersCommand).resolves({ eventTrackers: [] });
    personalize.on(ListSolutionVersionsCommand).resolves({ solutionVersions: [] });
    personalize
      .on(DeleteCampaignCommand)
      .rejects(new ResourceInUseException({ message: 'in use', $metadata: {} }));

    await expect(isComplete(cfnEvent('Delete'))).resolves.toEqual({ IsComplete: false });
    expect(personalize).toHaveReceivedCommandWith(DeleteCampaignCommand, { campaignArn: CAMPAIGN_ARN });
  });

  it("logs each pass through the project's structured logger, tagged with the CloudFormation request id", async () => {
    nothingLeft();
    await isComplete(cfnEvent('Delete'));

    expect(logLines).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'Cleanup progress',
        requestId: 'request-1',
        datasetGroupArn: DATASET_GROUP_ARN,
        solutionArn: SOLUTION_ARN,
        remaining: [],
      }),
    ]);
  });

  it('is complete once the campaigns, event trackers and training versions are gone', async () => {
    nothingLeft();
    await expect(isComplete(cfnEvent('Delete'))).resolves.toEqual({ IsComplete: true });
  });

  it('catches a version that starts training between two passes, and completes only once it is stopped', async () => {
    personalize.on(ListCampaignsCommand).resolves({ campaigns: [] });
    personalize.on(ListEventTrackersCommand).resolves({ eventTrackers: [] });
    personalize
      .on(ListSolutionVersionsCommand)
      .resolvesOnce({ solutionVersions: [] })
      .resolvesOnce({
        solutionVersions: [
          { solutionVersionArn: VERSION_ARN, status: 'CREATE PENDING', trainingType: 'AUTOMATIC' },
        ],
      })
      .resolvesOnce({ solutionVersions: [{ solutionVersionArn: VERSION_ARN, status: 'CREATE STOPPING' }] })
      .resolves({ solutionVersions: [{ solutionVersionArn: VERSION_ARN, status: 'CREATE STOPPED' }] });

    // onEvent's pass finds nothing; the version appears before the first poll.
    await onEvent(cfnEvent('Delete'));
    await expect(isComplete(cfnEvent('Delete'))).resolves.toEqual({ IsComplete: false });
    expect(personalize).toHaveReceivedCommandWith(StopSolutionVersionCreationCommand, {
      solutionVersionArn: VERSION_ARN,
    });
    await expect(isComplete(cfnEvent('Delete'))).resolves.toEqual({ IsComplete: false });
    await expect(isComplete(cfnEvent('Delete'))).resolves.toEqual({ IsComplete: true });
  });

  it('treats a version that finished training before it could be stopped as gone, not as an error', async () => {
    personalize.on(ListCampaignsCommand).resolves({ campaigns: [] });
    personalize.on(ListEventTrackersCommand).resolves({ eventTrackers: [] });
    personalize.on(ListSolutionVersionsCommand).resolves({
      solutionVersions: [{ solutionVersionArn: VERSION_ARN, status: 'CREATE IN_PROGRESS' }],
    });
    personalize
      .on(StopSolutionVersionCreationCommand)
      .rejects(new ResourceInUseException({ message: 'The solution version is ACTIVE', $metadata: {} }));

    await expect(isComplete(cfnEvent('Delete'))).resolves.toEqual({ IsComplete: true });
  });

  it('is complete when the last campaign disappears between the listing and the delete', async () => {
    personalize
      .on(ListCampaignsCommand)
      .resolves({ campaigns: [{ campaignArn: CAMPAIGN_ARN, status: 'ACTIVE' }] });
    personalize.on(ListEventTrackersCommand).resolves({ eventTrackers: [] });
    personalize.on(ListSolutionVersionsCommand).resolves({ solutionVersions: [] });
    personalize
      .on(DeleteCampaignCommand)
      .rejects(new ResourceNotFoundException({ message: 'gone', $metadata: {} }));

    await expect(isComplete(cfnEvent('Delete'))).resolves.toEqual({ IsComplete: true });
  });
});
