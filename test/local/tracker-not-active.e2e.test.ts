/**
 * An event tracker's status as the event routes see it, in local mode (its own process-wide handlers and
 * emulator: the handlers' SDK clients are created once per module, for one local mode).
 */
import { expect } from '@jest/globals';
import { STACK_OUTPUTS } from '../../lib/contract/stack-outputs';
import { startLocalMode, type LocalMode } from '../../local/start';
import { callApi, silenceHandlerLogs, temporaryDirectory, waitFor, type ApiResponse } from './helpers';

jest.setTimeout(120_000);

/**
 * An event tracker's status as the event routes see it: for a second or two after `POST /eventTracker` the
 * tracker is being created and Personalize refuses its events. `/putEvents` says so (409, retryable), and the
 * stream consumer waits for the tracker rather than setting the records aside or spending Lambda's retries.
 * An event tracker's steps take a second here, so the window is wide enough to be hit on purpose; every other
 * kind's take 20 ms, so local mode's start (provisioning, the import) is not slowed down with it.
 */
describe('an event tracker not ACTIVE yet, in local mode', () => {
  let local: LocalMode;
  let state: ReturnType<typeof temporaryDirectory>;
  let restoreStdout: () => void;

  const api = (method: string, path: string, body?: unknown): Promise<ApiResponse> =>
    callApi(local.url, local.apiKey, method, path, body);

  beforeAll(async () => {
    restoreStdout = silenceHandlerLogs();
    state = temporaryDirectory('tracker-not-active-e2e');
    local = await startLocalMode({
      port: 0,
      stateDir: state.path,
      apiKey: 'tracker-key',
      personalizeTransitionMs: 20,
      personalizeTransitionMsByKind: { eventTracker: 1000 },
      eventSourceSettings: { maxBatchingWindowSeconds: 0.1 },
      consumerRetryDelayMs: () => 200,
      log: () => undefined,
    });
  });

  afterAll(async () => {
    await local?.close();
    state?.remove();
    restoreStdout?.();
  });

  it('answers /putEvents 409 "not active yet"; the consumer waits for the tracker and delivers the record of /data', async () => {
    const datasetGroupArn = local.outputs[STACK_OUTPUTS.datasetGroupArn]!;
    // Loads the handler first (a tracking id the model lets through and the handler refuses: 200 emoji are
    // 400 UTF-16 units), so the window below is not spent importing it.
    const warm = await api('POST', '/putEvents', {
      userId: 'u',
      itemId: 'i',
      eventType: 'click',
      trackingId: '\u{1F600}'.repeat(200),
      interactions: 1,
    });
    expect(warm.status).toBe(400);

    const created = await api('POST', '/eventTracker', { name: 'not-yet', datasetGroupArn });
    expect(created.status).toBe(200);
    const { eventTrackerArn, trackingId } = created.body as Record<string, string>;
    const batch = { userId: 'u-1', itemId: '12', eventType: 'click', trackingId, interactions: 3 };

    const early = await api('POST', '/putEvents', batch);
    const viaStream = await api('POST', '/data', { Data: { ...batch, userId: 'u-2' }, PartitionKey: 'u-2' });

    expect(early.status).toBe(409);
    expect(early.body).toEqual({
      code: 'ResourceInUseException',
      message: expect.stringMatching(
        new RegExp(
          `^event tracker ${eventTrackerArn} is not active yet \\(CREATE (PENDING|IN_PROGRESS)\\): retry in a few seconds$`,
        ),
      ),
      eventTrackerArn,
      status: expect.stringMatching(/^CREATE (PENDING|IN_PROGRESS)$/),
    });
    expect(viaStream.status).toBe(200);

    const later = await waitFor(
      '/putEvents to be accepted',
      async () => {
        const response = await api('POST', '/putEvents', batch);
        return response.status === 409 ? undefined : response;
      },
      30_000,
      200,
    );
    expect(later.status).toBe(200);
    await waitFor('the consumer to deliver the record', () =>
      local.consumer.stats.deliveredRecords > 0 ? true : undefined,
    );
    expect(local.failedRecords.list('consumer/')).toEqual([]);
    expect(local.failedRecords.list('aws/lambda/')).toEqual([]);
    expect(local.consumer.stats.deliveredRecords).toBe(1);
  });
});
