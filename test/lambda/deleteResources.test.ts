// First import: the factories set the test environment before any SDK client is created.
import {
  CAMPAIGN_ARN,
  EVENT_TRACKER_ARN,
  SOLUTION_ARN,
  apiEvent,
  bodyOf,
  lambdaContext,
  serviceError,
  unexpectedError,
} from './factories';
import {
  DeleteCampaignCommand,
  DeleteEventTrackerCommand,
  PersonalizeClient,
} from '@aws-sdk/client-personalize';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../lambda/deleteResources';

const personalize = mockClient(PersonalizeClient);
const del = (body: unknown) =>
  handler(apiEvent({ method: 'DELETE', path: '/deleteResources', body }), lambdaContext());
const both = { campaignArn: CAMPAIGN_ARN, eventTrackerArn: EVENT_TRACKER_ARN };

beforeEach(() => personalize.reset());

describe('DELETE /deleteResources', () => {
  it('deletes the campaign and the event tracker and answers both responses as a JSON string body', async () => {
    personalize.on(DeleteCampaignCommand).resolves({ $metadata: { httpStatusCode: 200, requestId: 'c' } });
    personalize
      .on(DeleteEventTrackerCommand)
      .resolves({ $metadata: { httpStatusCode: 200, requestId: 't' } });

    const result = await del(both);

    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual({
      campaign: { deleted: true, response: { $metadata: { httpStatusCode: 200, requestId: 'c' } } },
      eventTracker: { deleted: true, response: { $metadata: { httpStatusCode: 200, requestId: 't' } } },
    });
    expect(personalize).toHaveReceivedCommandWith(DeleteCampaignCommand, { campaignArn: CAMPAIGN_ARN });
    expect(personalize).toHaveReceivedCommandWith(DeleteEventTrackerCommand, {
      eventTrackerArn: EVENT_TRACKER_ARN,
    });
  });

  it('still deletes the event tracker when the campaign is missing, and answers 404 saying which one', async () => {
    personalize
      .on(DeleteCampaignCommand)
      .rejects(serviceError('ResourceNotFoundException', `Could not find ${CAMPAIGN_ARN}`));
    personalize.on(DeleteEventTrackerCommand).resolves({ $metadata: { httpStatusCode: 200 } });

    const result = await del(both);

    expect(result.statusCode).toBe(404);
    expect(personalize).toHaveReceivedCommandTimes(DeleteEventTrackerCommand, 1);
    expect(bodyOf(result)).toEqual({
      code: 'ResourceNotFoundException',
      message: `campaignArn: Could not find ${CAMPAIGN_ARN} (the event tracker was deleted)`,
      campaign: {
        deleted: false,
        error: { code: 'ResourceNotFoundException', message: `Could not find ${CAMPAIGN_ARN}` },
      },
      eventTracker: { deleted: true, response: { $metadata: { httpStatusCode: 200 } } },
    });
  });

  it('still deletes the campaign when the event tracker is in use, and answers 409 saying which one', async () => {
    personalize.on(DeleteCampaignCommand).resolves({});
    personalize
      .on(DeleteEventTrackerCommand)
      .rejects(serviceError('ResourceInUseException', 'Event tracker is in use'));

    const result = await del(both);

    expect(result.statusCode).toBe(409);
    expect(bodyOf(result)).toMatchObject({
      code: 'ResourceInUseException',
      message: 'eventTrackerArn: Event tracker is in use (the campaign was deleted)',
      campaign: { deleted: true },
      eventTracker: { deleted: false, error: { code: 'ResourceInUseException' } },
    });
  });

  it('answers with the more severe status when both deletions fail', async () => {
    personalize.on(DeleteCampaignCommand).rejects(serviceError('ResourceNotFoundException', 'no campaign'));
    personalize.on(DeleteEventTrackerCommand).rejects(unexpectedError());

    const result = await del(both);

    expect(result.statusCode).toBe(500);
    expect(bodyOf(result)).toEqual({
      code: 'InternalServerException',
      message: 'campaignArn: no campaign; eventTrackerArn: Internal server error (nothing was deleted)',
      campaign: { deleted: false, error: { code: 'ResourceNotFoundException', message: 'no campaign' } },
      eventTracker: {
        deleted: false,
        error: { code: 'InternalServerException', message: 'Internal server error' },
      },
    });
    expect(result.body).not.toMatch(/ECONNREFUSED|10\.0\.0\.12/);
  });

  it.each([
    [
      'a solution ARN as campaignArn',
      { ...both, campaignArn: SOLUTION_ARN },
      'campaignArn: must be a Personalize campaign ARN',
    ],
    [
      'a campaign ARN as eventTrackerArn',
      { ...both, eventTrackerArn: CAMPAIGN_ARN },
      'eventTrackerArn: must be a Personalize event-tracker ARN',
    ],
  ])('answers 400 naming the field for %s, deleting nothing', async (_case, body, message) => {
    const result = await del(body);

    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toEqual({ code: 'ValidationException', message });
    expect(personalize).not.toHaveReceivedAnyCommand();
  });

  it('answers a Personalize error on both as the shared mapping does, saying neither was deleted', async () => {
    personalize.on(DeleteCampaignCommand).rejects(serviceError('ResourceInUseException'));
    personalize.on(DeleteEventTrackerCommand).rejects(serviceError('ResourceInUseException'));

    const result = await del(both);

    expect(result.statusCode).toBe(409);
    expect(bodyOf(result)).toMatchObject({
      code: 'ResourceInUseException',
      campaign: { deleted: false },
      eventTracker: { deleted: false },
    });
  });

  it('answers an unexpected failure of both with a generic 500', async () => {
    personalize.on(DeleteCampaignCommand).rejects(unexpectedError());
    personalize.on(DeleteEventTrackerCommand).rejects(unexpectedError());

    const result = await del(both);

    expect(result.statusCode).toBe(500);
    expect(result.body).not.toMatch(/ECONNREFUSED|10\.0\.0\.12|\/var\/task/);
  });
});

describe('DELETE /deleteResources with one of the two', () => {
  it('deletes only the campaign when only campaignArn is given (the tracker is kept for the next run)', async () => {
    personalize.on(DeleteCampaignCommand).resolves({ $metadata: { httpStatusCode: 200 } });

    const result = await del({ campaignArn: CAMPAIGN_ARN });

    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual({
      campaign: { deleted: true, response: { $metadata: { httpStatusCode: 200 } } },
    });
    expect(personalize).toHaveReceivedCommandTimes(DeleteEventTrackerCommand, 0);
  });

  it('deletes only the event tracker when only eventTrackerArn is given', async () => {
    personalize.on(DeleteEventTrackerCommand).resolves({ $metadata: { httpStatusCode: 200 } });

    const result = await del({ eventTrackerArn: EVENT_TRACKER_ARN });

    expect(result.statusCode).toBe(200);
    expect(Object.keys(bodyOf(result) as object)).toEqual(['eventTracker']);
    expect(personalize).toHaveReceivedCommandTimes(DeleteCampaignCommand, 0);
  });

  it('answers 400 naming the fields when neither is given, and deletes nothing', async () => {
    const result = await del({});

    expect(result.statusCode).toBe(400);
    expect((bodyOf(result) as { message: string }).message).toBe(
      'campaignArn: name campaignArn, eventTrackerArn or both',
    );
    expect(personalize).toHaveReceivedCommandTimes(DeleteCampaignCommand, 0);
    expect(personalize).toHaveReceivedCommandTimes(DeleteEventTrackerCommand, 0);
  });

  it('reports a failure of the only deletion asked for as nothing deleted', async () => {
    personalize
      .on(DeleteCampaignCommand)
      .rejects(serviceError('ResourceNotFoundException', `Could not find ${CAMPAIGN_ARN}`));

    const result = await del({ campaignArn: CAMPAIGN_ARN });

    expect(result.statusCode).toBe(404);
    expect((bodyOf(result) as { message: string }).message).toBe(
      `campaignArn: Could not find ${CAMPAIGN_ARN} (nothing was deleted)`,
    );
  });
});
