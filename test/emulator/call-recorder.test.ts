import {
  CreateDatasetGroupCommand,
  CreateEventTrackerCommand,
  DescribeCampaignCommand,
  PersonalizeClient,
  TagResourceCommand,
} from '@aws-sdk/client-personalize';
import { PutEventsCommand } from '@aws-sdk/client-personalize-events';
import { GetRecommendationsCommand } from '@aws-sdk/client-personalize-runtime';
import type { RecordedCall } from '../../local/personalize';
import { settle, startHarness, type Harness } from './harness';

const ARN_PREFIX = 'arn:aws:personalize:us-east-1:000000000000:';

describe('Personalize emulator call recorder (recordCalls), for IAM conformance tests', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ keepState: false, recordCalls: true });
  });
  afterAll(() => h.close());
  beforeEach(() => h.emulator.clearCalls());

  const only = (operation: string): RecordedCall[] =>
    h.emulator.calls.filter((c) => c.operation === operation);

  test('a Create call is recorded with its action, access key, request tags, and the ARN it created', async () => {
    const before = Date.now();
    const { datasetGroupArn = '' } = await h.personalize.send(
      new CreateDatasetGroupCommand({
        name: 'recorded-group',
        tags: [{ tagKey: 'nrt-recommendations:stack', tagValue: 'Stack' }],
      }),
    );
    expect(only('CreateDatasetGroup')).toEqual([
      {
        action: 'personalize:CreateDatasetGroup',
        operation: 'CreateDatasetGroup',
        accessKeyId: 'local',
        resources: [datasetGroupArn],
        requestTags: { 'nrt-recommendations:stack': 'Stack' },
        tagKeys: ['nrt-recommendations:stack'],
        resourceTags: {},
        status: 200,
        at: expect.any(Number) as number,
      },
    ]);
    expect(only('CreateDatasetGroup')[0]?.at).toBeGreaterThanOrEqual(before);
    await settle(h, 'datasetGroup', datasetGroupArn);

    // A call that names one resource and creates another lists both, and the tags the named one has now.
    const { eventTrackerArn = '' } = await h.personalize.send(
      new CreateEventTrackerCommand({ name: 'recorded-tracker', datasetGroupArn }),
    );
    expect(only('CreateEventTracker')).toEqual([
      expect.objectContaining({
        resources: [datasetGroupArn, eventTrackerArn],
        requestTags: {},
        resourceTags: { [datasetGroupArn]: { 'nrt-recommendations:stack': 'Stack' } },
        status: 200,
      }),
    ]);
  });

  test("resourceTags are the named resource's tags before the call: TagResource shows the old ones", async () => {
    const { datasetGroupArn = '' } = await h.personalize.send(
      new CreateDatasetGroupCommand({ name: 'retagged', tags: [{ tagKey: 'env', tagValue: 'dev' }] }),
    );
    await h.personalize.send(
      new TagResourceCommand({ resourceArn: datasetGroupArn, tags: [{ tagKey: 'env', tagValue: 'prod' }] }),
    );
    expect(only('TagResource')).toEqual([
      expect.objectContaining({
        action: 'personalize:TagResource',
        resources: [datasetGroupArn],
        requestTags: { env: 'prod' },
        resourceTags: { [datasetGroupArn]: { env: 'dev' } },
      }),
    ]);
  });

  test('failed calls are recorded with their status and error type, in the events and runtime APIs too', async () => {
    const campaignArn = `${ARN_PREFIX}campaign/absent`;
    await expect(h.personalize.send(new DescribeCampaignCommand({ campaignArn }))).rejects.toThrow();
    await expect(
      h.runtime.send(new GetRecommendationsCommand({ campaignArn, userId: 'u' })),
    ).rejects.toThrow();
    await expect(
      h.events.send(
        new PutEventsCommand({
          trackingId: 'no-such-tracker',
          sessionId: 's',
          eventList: [{ eventType: 'click', itemId: 'i', sentAt: new Date() }],
        }),
      ),
    ).rejects.toThrow();
    expect(h.emulator.calls.map((c) => [c.action, c.status, c.errorType, c.resources])).toEqual([
      ['personalize:DescribeCampaign', 400, 'ResourceNotFoundException', [campaignArn]],
      ['personalize:GetRecommendations', 404, 'ResourceNotFoundException', [campaignArn]],
      // PutEvents names a tracking id, not an ARN.
      ['personalize:PutEvents', 400, 'InvalidInputException', []],
    ]);
    expect(h.emulator.calls.every((c) => c.accessKeyId === 'local')).toBe(true);
    // A resource that does not exist has no entry in resourceTags.
    expect(h.emulator.calls[0]?.resourceTags).toEqual({});
  });

  test('the access key comes from the SigV4 Authorization header; an unsigned request has none', async () => {
    const other = new PersonalizeClient({
      endpoint: h.emulator.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIAOTHERAPPLICATION', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    await expect(
      other.send(new DescribeCampaignCommand({ campaignArn: `${ARN_PREFIX}campaign/absent` })),
    ).rejects.toThrow();
    other.destroy();
    await fetch(`${h.emulator.endpoint}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AmazonPersonalize.ListCampaigns',
      },
      body: '{}',
    });
    expect(h.emulator.calls.map((c) => [c.operation, c.accessKeyId, c.status])).toEqual([
      ['DescribeCampaign', 'AKIAOTHERAPPLICATION', 400],
      ['ListCampaigns', undefined, 200],
    ]);
  });

  test('injected faults and malformed bodies are recorded as answered; admin routes are not', async () => {
    h.emulator.injectFaults({ ListCampaigns: { failNext: 1, errorType: 'ThrottlingException' } });
    await fetch(`${h.emulator.endpoint}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AmazonPersonalize.ListCampaigns',
      },
      body: JSON.stringify({ solutionArn: `${ARN_PREFIX}solution/s` }),
    });
    await fetch(`${h.emulator.endpoint}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{not json',
    });
    await fetch(`${h.emulator.endpoint}/_emulator/health`);
    expect(h.emulator.calls.map((c) => [c.operation, c.status, c.errorType, c.resources])).toEqual([
      ['ListCampaigns', 400, 'ThrottlingException', [`${ARN_PREFIX}solution/s`]],
      ['PutEvents', 400, 'InvalidInputException', []],
    ]);
  });

  test('calls is a copy; clearCalls empties it; GET and DELETE /_emulator/calls do the same over HTTP', async () => {
    await h.personalize
      .send(new DescribeCampaignCommand({ campaignArn: `${ARN_PREFIX}campaign/x` }))
      .catch(() => undefined);
    const snapshot = h.emulator.calls;
    expect(snapshot).toHaveLength(1);
    const overHttp = (await (await fetch(`${h.emulator.endpoint}/_emulator/calls`)).json()) as {
      recording: boolean;
      calls: RecordedCall[];
    };
    expect(overHttp).toEqual({
      recording: true,
      calls: JSON.parse(JSON.stringify(snapshot)) as RecordedCall[],
    });
    h.emulator.clearCalls();
    expect(h.emulator.calls).toEqual([]);
    expect(snapshot).toHaveLength(1);
    await h.personalize
      .send(new DescribeCampaignCommand({ campaignArn: `${ARN_PREFIX}campaign/x` }))
      .catch(() => undefined);
    await fetch(`${h.emulator.endpoint}/_emulator/calls`, {
      method: 'DELETE',
      headers: { 'x-emulator-admin': '1' },
    });
    expect(h.emulator.calls).toEqual([]);
  });

  test('recording is off by default', async () => {
    const quiet = await startHarness({ keepState: false });
    try {
      await quiet.personalize.send(new CreateDatasetGroupCommand({ name: 'unrecorded' }));
      expect(quiet.emulator.calls).toEqual([]);
      const overHttp = (await (await fetch(`${quiet.emulator.endpoint}/_emulator/calls`)).json()) as unknown;
      expect(overHttp).toEqual({ recording: false, calls: [] });
    } finally {
      await quiet.close();
    }
  });
});
