// First import: the factories set the test environment before any SDK client is created.
import {
  CAMPAIGN_ARN,
  SOLUTION_VERSION_ARN,
  STACK_NAME,
  apiEvent,
  bodyOf,
  expectGenericServerError,
  lambdaContext,
  restoreFunctionEnvironment,
  serviceError,
  unexpectedError,
} from './factories';
import { expect } from '@jest/globals';
import { CreateCampaignCommand, PersonalizeClient } from '@aws-sdk/client-personalize';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../lambda/createCampaign';
import { MAX_MIN_PROVISIONED_TPS } from '../../lib/contract/requests';

const personalize = mockClient(PersonalizeClient);
const post = (body: unknown) => handler(apiEvent({ path: '/campaign', body }), lambdaContext());

beforeEach(() => {
  personalize.reset();
  restoreFunctionEnvironment();
});

describe('POST /campaign', () => {
  it('deploys the solution version with 1 provisioned TPS and answers the CreateCampaign response', async () => {
    personalize
      .on(CreateCampaignCommand)
      .resolves({ campaignArn: CAMPAIGN_ARN, $metadata: { httpStatusCode: 200 } });

    const result = await post({ solutionVersionArn: SOLUTION_VERSION_ARN, name: 'movies-campaign' });

    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual({ campaignArn: CAMPAIGN_ARN, $metadata: { httpStatusCode: 200 } });
    expect(personalize).toHaveReceivedCommandWith(CreateCampaignCommand, {
      name: 'movies-campaign',
      solutionVersionArn: SOLUTION_VERSION_ARN,
      minProvisionedTPS: 1,
    });
  });

  it('passes a requested minProvisionedTPS through', async () => {
    personalize.on(CreateCampaignCommand).resolves({ campaignArn: CAMPAIGN_ARN });

    await post({ solutionVersionArn: SOLUTION_VERSION_ARN, name: 'movies-campaign', minProvisionedTPS: 5 });

    expect(personalize).toHaveReceivedCommandWith(CreateCampaignCommand, { minProvisionedTPS: 5 });
  });

  it('passes the campaign config through, item exploration included', async () => {
    personalize.on(CreateCampaignCommand).resolves({ campaignArn: CAMPAIGN_ARN });
    const campaignConfig = {
      itemExplorationConfig: { explorationWeight: '0.3', explorationItemAgeCutOff: '30' },
      syncWithLatestSolutionVersion: false,
    };

    const result = await post({
      solutionVersionArn: SOLUTION_VERSION_ARN,
      name: 'movies-campaign',
      campaignConfig,
    });

    expect(result.statusCode).toBe(200);
    expect(personalize).toHaveReceivedCommandWith(CreateCampaignCommand, { campaignConfig });
  });

  it.each([
    [
      { itemExplorationConfig: { explorationWeight: '1.5' } },
      'campaignConfig.itemExplorationConfig.explorationWeight',
    ],
    [
      { itemExplorationConfig: { explorationWeight: 0.3 } },
      'campaignConfig.itemExplorationConfig.explorationWeight',
    ],
    [
      { itemExplorationConfig: { explorationItemAgeCutOff: '0' } },
      'campaignConfig.itemExplorationConfig.explorationItemAgeCutOff',
    ],
    [{ itemExploration: {} }, 'campaignConfig'],
  ])('answers 400 naming the field for campaignConfig %j', async (campaignConfig, field) => {
    const result = await post({
      solutionVersionArn: SOLUTION_VERSION_ARN,
      name: 'movies-campaign',
      campaignConfig,
    });

    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body)).toEqual(
      expect.objectContaining({ message: expect.stringContaining(field) }),
    );
    expect(personalize).not.toHaveReceivedAnyCommand();
  });

  it(`accepts the cap, MAX_MIN_PROVISIONED_TPS = ${MAX_MIN_PROVISIONED_TPS}`, async () => {
    personalize.on(CreateCampaignCommand).resolves({ campaignArn: CAMPAIGN_ARN });

    const result = await post({
      solutionVersionArn: SOLUTION_VERSION_ARN,
      name: 'movies-campaign',
      minProvisionedTPS: MAX_MIN_PROVISIONED_TPS,
    });

    expect(result.statusCode).toBe(200);
    expect(MAX_MIN_PROVISIONED_TPS).toBe(10);
  });

  it.each([
    ['a missing solutionVersionArn', { name: 'c' }, 'solutionVersionArn: is required'],
    [
      'a malformed solutionVersionArn',
      { solutionVersionArn: 'version-1', name: 'c' },
      'solutionVersionArn: must be a Personalize solution ARN',
    ],
    ['a missing name', { solutionVersionArn: SOLUTION_VERSION_ARN }, 'name: is required'],
    [
      'a name with spaces',
      { solutionVersionArn: SOLUTION_VERSION_ARN, name: 'my campaign' },
      'name: must match',
    ],
    [
      'a minProvisionedTPS of 0',
      { solutionVersionArn: SOLUTION_VERSION_ARN, name: 'c', minProvisionedTPS: 0 },
      'minProvisionedTPS: ',
    ],
    [
      'a minProvisionedTPS above the cap (it bills every hour)',
      { solutionVersionArn: SOLUTION_VERSION_ARN, name: 'c', minProvisionedTPS: MAX_MIN_PROVISIONED_TPS + 1 },
      `minProvisionedTPS: must be a whole number from 1 to ${MAX_MIN_PROVISIONED_TPS}`,
    ],
    [
      'the old cap of 500',
      { solutionVersionArn: SOLUTION_VERSION_ARN, name: 'c', minProvisionedTPS: 500 },
      'minProvisionedTPS: must be a whole number from 1 to 10 (the cap, MAX_MIN_PROVISIONED_TPS',
    ],
    [
      'a fractional minProvisionedTPS',
      { solutionVersionArn: SOLUTION_VERSION_ARN, name: 'c', minProvisionedTPS: 1.5 },
      'minProvisionedTPS: ',
    ],
  ])('answers 400 naming the field for %s', async (_case, body, message) => {
    const result = await post(body);

    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toEqual({
      code: 'ValidationException',
      message: expect.stringContaining(message),
    });
    expect(personalize).not.toHaveReceivedAnyCommand();
  });

  it('answers an unexpected failure with a generic 500', async () => {
    personalize.on(CreateCampaignCommand).rejects(unexpectedError());

    expectGenericServerError(
      await post({ solutionVersionArn: SOLUTION_VERSION_ARN, name: 'movies-campaign' }),
    );
  });
});

describe("createCampaign: what it creates is tagged as this stack's", () => {
  it('tags a campaign with nrt-recommendations:stack=<stack name>, which the IAM policies require', async () => {
    personalize.on(CreateCampaignCommand).resolves({ campaignArn: CAMPAIGN_ARN });

    const result = await post({ solutionVersionArn: SOLUTION_VERSION_ARN, name: 'movies-campaign' });

    expect(result.statusCode).toBe(200);
    expect(personalize).toHaveReceivedCommandWith(CreateCampaignCommand, {
      tags: [{ tagKey: 'nrt-recommendations:stack', tagValue: STACK_NAME }],
    });
  });

  it('creates nothing, answering a generic 500, when OWNER_TAG_VALUE is not set', async () => {
    delete process.env.OWNER_TAG_VALUE;

    expectGenericServerError(
      await post({ solutionVersionArn: SOLUTION_VERSION_ARN, name: 'movies-campaign' }),
    );
    expect(personalize).not.toHaveReceivedAnyCommand();
  });
});

describe('POST /campaign: access denied', () => {
  it("answers the role's AccessDeniedException with a clear 403, not a bare 500", async () => {
    personalize
      .on(CreateCampaignCommand)
      .rejects(
        serviceError(
          'AccessDeniedException',
          'User: arn:aws:sts::123456789012:assumed-role/r/f is not authorized to perform: ' +
            `personalize:CreateCampaign on resource: ${CAMPAIGN_ARN} because no identity-based policy allows it`,
          403,
        ),
      );

    const result = await post({ solutionVersionArn: SOLUTION_VERSION_ARN, name: 'movies-campaign' });

    expect(result.statusCode).toBe(403);
    expect(bodyOf(result)).toEqual({
      code: 'AccessDeniedException',
      message:
        `The stack's role is not allowed to perform personalize:CreateCampaign on ${CAMPAIGN_ARN}: this API ` +
        `acts only on the Personalize resources it created, tagged nrt-recommendations:stack=${STACK_NAME}`,
    });
  });
});
