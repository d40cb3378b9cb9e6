// First import: the factories set the test environment before any SDK client is created.
import {
  CAMPAIGN_ARN,
  SOLUTION_ARN,
  apiEvent,
  bodyOf,
  expectGenericServerError,
  lambdaContext,
  serviceError,
  unexpectedError,
} from './factories';
import {
  DescribeCampaignCommand,
  ListCampaignsCommand,
  PersonalizeClient,
} from '@aws-sdk/client-personalize';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../lambda/describeCampaign';

const personalize = mockClient(PersonalizeClient);
const post = (body: unknown) => handler(apiEvent({ path: '/describeCampaign', body }), lambdaContext());

beforeEach(() => personalize.reset());

describe('POST /describeCampaign', () => {
  it('answers the status as a JSON string', async () => {
    personalize
      .on(DescribeCampaignCommand, { campaignArn: CAMPAIGN_ARN })
      .resolves({ campaign: { campaignArn: CAMPAIGN_ARN, status: 'ACTIVE' } });

    const result = await post({ campaignArn: CAMPAIGN_ARN });

    expect(result.statusCode).toBe(200);
    expect(result.body).toBe('"ACTIVE"');
  });

  it('answers an unknown campaign with 404 "Campaign is deleted or does not exist"', async () => {
    personalize
      .on(DescribeCampaignCommand)
      .rejects(serviceError('ResourceNotFoundException', `Could not find ${CAMPAIGN_ARN}`));

    const result = await post({ campaignArn: CAMPAIGN_ARN });

    expect(result.statusCode).toBe(404);
    expect(bodyOf(result)).toEqual({
      code: 'ResourceNotFoundException',
      message: 'Campaign is deleted or does not exist',
    });
  });

  describe('a campaign the policy does not let it describe (AccessDeniedException)', () => {
    const denied = () =>
      personalize
        .on(DescribeCampaignCommand)
        .rejects(
          serviceError(
            'AccessDeniedException',
            `User: arn:aws:sts::1:assumed-role/r/f is not authorized to perform: personalize:DescribeCampaign on resource: ${CAMPAIGN_ARN}`,
          ),
        );

    it('answers 404 when ListCampaigns does not list it (deleted: no tag left to match), reading every page', async () => {
      denied();
      personalize
        .on(ListCampaignsCommand, { nextToken: undefined })
        .resolves({ campaigns: [{ campaignArn: `${CAMPAIGN_ARN}-other` }], nextToken: 'page-2' })
        .on(ListCampaignsCommand, { nextToken: 'page-2' })
        .resolves({ campaigns: [{ campaignArn: `${CAMPAIGN_ARN}-third` }] });

      const result = await post({ campaignArn: CAMPAIGN_ARN });

      expect(result.statusCode).toBe(404);
      expect(bodyOf(result)).toEqual({
        code: 'ResourceNotFoundException',
        message: 'Campaign is deleted or does not exist',
      });
      expect(personalize.commandCalls(ListCampaignsCommand)).toHaveLength(2);
    });

    it("keeps the 403 when ListCampaigns lists it (another application's campaign)", async () => {
      denied();
      personalize.on(ListCampaignsCommand).resolves({ campaigns: [{ campaignArn: CAMPAIGN_ARN }] });

      const result = await post({ campaignArn: CAMPAIGN_ARN });

      expect(result.statusCode).toBe(403);
      expect(bodyOf(result)).toMatchObject({ code: 'AccessDeniedException' });
    });
  });

  it.each([
    ['a missing campaignArn', {}, 'campaignArn: is required'],
    ['a solution ARN', { campaignArn: SOLUTION_ARN }, 'campaignArn: must be a Personalize campaign ARN'],
  ])('answers 400 naming the field for %s', async (_case, body, message) => {
    const result = await post(body);

    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toEqual({ code: 'ValidationException', message });
    expect(personalize).not.toHaveReceivedAnyCommand();
  });

  it('answers an unexpected failure with a generic 500', async () => {
    personalize.on(DescribeCampaignCommand).rejects(unexpectedError());

    expectGenericServerError(await post({ campaignArn: CAMPAIGN_ARN }));
  });
});
