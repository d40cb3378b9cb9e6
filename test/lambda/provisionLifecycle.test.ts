// First import: the factories set the test environment before any SDK client is created.
import {
  ACCOUNT,
  CAMPAIGN_ARN,
  DATASET_GROUP_ARN,
  EVENT_TRACKER_ARN,
  REGION,
  SOLUTION_ARN,
  SOLUTION_VERSION_ARN,
  TRACKING_ID,
  lambdaContext,
} from './factories';
import { expect } from '@jest/globals';
import {
  CreateCampaignCommand,
  CreateEventTrackerCommand,
  CreateSolutionVersionCommand,
  DescribeCampaignCommand,
  DescribeEventTrackerCommand,
  DescribeSolutionVersionCommand,
  ListCampaignsCommand,
  ListDatasetImportJobsCommand,
  ListEventTrackersCommand,
  ListSolutionVersionsCommand,
  PersonalizeClient,
} from '@aws-sdk/client-personalize';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { isComplete, provisionStep } from '../../lambda/provisionLifecycle';

/**
 * The provisioning handler reads every page of its List calls: a dataset group, solution or dataset with more
 * than one page of import jobs, versions, campaigns or trackers (100 a page) is still provisioned once.
 */
const personalize = mockClient(PersonalizeClient);
/** A client of its own for provisionStep; the mock answers every PersonalizeClient's calls. */
const client = new PersonalizeClient({ region: REGION });

const arn = (resource: string) => `arn:aws:personalize:${REGION}:${ACCOUNT}:${resource}`;
const DATASET_ARN = arn('dataset/movies/INTERACTIONS');
const NAME = 'NearRealTimeRecommendations-provisioned';
const OLD = new Date('2024-01-01T00:00:00Z');
const NEW = new Date('2024-02-01T00:00:00Z');
const OTHER_VERSION_ARN = `${SOLUTION_ARN}/0a0a0a0a`;

const target = {
  datasetGroupArn: DATASET_GROUP_ARN,
  solutionArn: SOLUTION_ARN,
  datasetArns: [DATASET_ARN],
  name: NAME,
};

function createEvent(): CloudFormationCustomResourceEvent {
  return {
    RequestType: 'Create',
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:provider',
    ResponseURL: 'https://example.invalid/response',
    StackId: `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/NearRealTimeRecommendations/1`,
    RequestId: 'request-1',
    LogicalResourceId: 'Provisioning',
    ResourceType: 'Custom::PersonalizeProvisioning',
    ResourceProperties: {
      ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:provider',
      DatasetGroupArn: DATASET_GROUP_ARN,
      SolutionArn: SOLUTION_ARN,
      DatasetArns: [DATASET_ARN],
      Name: NAME,
    },
  };
}

/** One dataset whose import jobs fit one page, the newest ACTIVE. */
function importsDone(): void {
  personalize
    .on(ListDatasetImportJobsCommand)
    .resolves({ datasetImportJobs: [{ jobName: 'import', status: 'ACTIVE', creationDateTime: OLD }] });
}

beforeEach(() => personalize.reset());

describe('the provisioning handler reads every page', () => {
  it('waits for the newest import job when it is on the second page', async () => {
    personalize
      .on(ListDatasetImportJobsCommand, { datasetArn: DATASET_ARN, nextToken: undefined })
      .resolves({
        datasetImportJobs: [{ jobName: 'first-import', status: 'ACTIVE', creationDateTime: OLD }],
        nextToken: 'page-2',
      })
      .on(ListDatasetImportJobsCommand, { datasetArn: DATASET_ARN, nextToken: 'page-2' })
      .resolves({
        datasetImportJobs: [{ jobName: 'user-import', status: 'CREATE IN_PROGRESS', creationDateTime: NEW }],
      });

    await expect(provisionStep(client, target)).resolves.toEqual({
      waiting: 'import job user-import (CREATE IN_PROGRESS)',
    });
    expect(personalize).toHaveReceivedCommandTimes(ListDatasetImportJobsCommand, 2);
    expect(personalize).toHaveReceivedCommandWith(ListDatasetImportJobsCommand, { maxResults: 100 });
    expect(personalize).not.toHaveReceivedCommand(CreateSolutionVersionCommand);
  });

  it('completes with the version, campaign and tracker found on second pages, creating nothing', async () => {
    importsDone();
    personalize
      .on(ListSolutionVersionsCommand, { solutionArn: SOLUTION_ARN, nextToken: undefined })
      .resolves({
        solutionVersions: [
          { solutionVersionArn: OTHER_VERSION_ARN, status: 'ACTIVE', creationDateTime: OLD },
        ],
        nextToken: 'versions-2',
      })
      .on(ListSolutionVersionsCommand, { solutionArn: SOLUTION_ARN, nextToken: 'versions-2' })
      .resolves({
        solutionVersions: [
          { solutionVersionArn: SOLUTION_VERSION_ARN, status: 'ACTIVE', creationDateTime: OLD },
        ],
      });
    personalize
      .on(DescribeSolutionVersionCommand, { solutionVersionArn: OTHER_VERSION_ARN })
      .resolves({
        solutionVersion: { solutionVersionArn: OTHER_VERSION_ARN, name: 'automatic', status: 'ACTIVE' },
      })
      .on(DescribeSolutionVersionCommand, { solutionVersionArn: SOLUTION_VERSION_ARN })
      .resolves({
        solutionVersion: { solutionVersionArn: SOLUTION_VERSION_ARN, name: NAME, status: 'ACTIVE' },
      });
    personalize
      .on(ListCampaignsCommand, { solutionArn: SOLUTION_ARN, nextToken: undefined })
      .resolves({
        campaigns: [{ name: 'another-campaign', campaignArn: arn('campaign/another'), status: 'ACTIVE' }],
        nextToken: 'campaigns-2',
      })
      .on(ListCampaignsCommand, { solutionArn: SOLUTION_ARN, nextToken: 'campaigns-2' })
      .resolves({ campaigns: [{ name: NAME, campaignArn: CAMPAIGN_ARN, status: 'ACTIVE' }] });
    personalize
      .on(DescribeCampaignCommand, { campaignArn: CAMPAIGN_ARN })
      .resolves({ campaign: { campaignArn: CAMPAIGN_ARN, status: 'ACTIVE' } });
    personalize
      .on(ListEventTrackersCommand, { datasetGroupArn: DATASET_GROUP_ARN, nextToken: undefined })
      .resolves({
        eventTrackers: [{ eventTrackerArn: arn('event-tracker/going'), status: 'DELETE IN_PROGRESS' }],
        nextToken: 'trackers-2',
      })
      .on(ListEventTrackersCommand, { datasetGroupArn: DATASET_GROUP_ARN, nextToken: 'trackers-2' })
      .resolves({ eventTrackers: [{ eventTrackerArn: EVENT_TRACKER_ARN, status: 'ACTIVE' }] });
    personalize.on(DescribeEventTrackerCommand, { eventTrackerArn: EVENT_TRACKER_ARN }).resolves({
      eventTracker: { eventTrackerArn: EVENT_TRACKER_ARN, status: 'ACTIVE', trackingId: TRACKING_ID },
    });

    await expect(isComplete(createEvent(), lambdaContext())).resolves.toEqual({
      IsComplete: true,
      Data: {
        SolutionVersionArn: SOLUTION_VERSION_ARN,
        CampaignArn: CAMPAIGN_ARN,
        EventTrackerArn: EVENT_TRACKER_ARN,
        TrackingId: TRACKING_ID,
      },
    });
    for (const command of [ListSolutionVersionsCommand, ListCampaignsCommand, ListEventTrackersCommand]) {
      expect(personalize).toHaveReceivedCommandTimes(command, 2);
    }
    expect(personalize).not.toHaveReceivedCommand(CreateSolutionVersionCommand);
    expect(personalize).not.toHaveReceivedCommand(CreateCampaignCommand);
    expect(personalize).not.toHaveReceivedCommand(CreateEventTrackerCommand);
  });
});
