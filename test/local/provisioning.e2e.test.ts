/**
 * The one-shot provisioning in local mode: the stack's workflow definition (lib/contract/provisioning-workflow.ts)
 * run by the local Step Functions with the real SDK client against the Personalize emulator over HTTP, its
 * signal PUT by the stack's signal function to a local WaitCondition, the outputs read by the stack's
 * function; then `startLocalMode({ provision: true })` end to end, and again on its kept state.
 */
import { expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import {
  CreateSolutionCommand,
  DescribeSolutionCommand,
  ListDatasetsCommand,
  PersonalizeClient,
} from '@aws-sdk/client-personalize';
import { OWNER_TAG_KEY } from '../../lib/contract/ownership';
import { PROVISIONING_OUTPUTS, STACK_OUTPUTS } from '../../lib/contract/stack-outputs';
import { provisionLifecycle } from '../../local/cloudformation/provision-lifecycle';
import type { ProvisionedModel } from '../../local/cloudformation/provision';
import { startLocalMode, type LocalMode } from '../../local/start';
import { callApi, silenceHandlerLogs, temporaryDirectory, waitFor } from './helpers';

jest.setTimeout(180_000);

/**
 * The functions' SDK clients are created once per module (as in Lambda), from the environment of the first
 * local mode of this file: every local mode here serves Personalize on that same port.
 */
let personalizePort = 0;

const creates = (local: LocalMode) =>
  local.personalize.calls.filter((call) => call.operation.startsWith('Create') && call.status === 200);

describe("the stack's workflow against the emulator", () => {
  let local: LocalMode;
  let state: ReturnType<typeof temporaryDirectory>;
  let restoreStdout: () => void;
  let client: PersonalizeClient;
  let model: ProvisionedModel;
  let runs = 0;

  /** One provisioning, as a new stack's. */
  const provision = (overrides: Partial<ProvisionedModel> = {}, name = `workflow-${++runs}`) =>
    provisionLifecycle(
      { stackName: name, region: local.region, log: () => undefined },
      { ...model, ...overrides },
      { personalizeEndpoint: local.personalize.endpoint, waitMs: 10 },
    );

  beforeAll(async () => {
    restoreStdout = silenceHandlerLogs();
    state = temporaryDirectory('provisioning-workflow-e2e');
    local = await startLocalMode({
      port: 0,
      stateDir: state.path,
      apiKey: 'provisioning-key',
      personalizeTransitionMs: 20,
      recordCalls: true,
      log: () => undefined,
    });
    personalizePort = local.personalize.port;
    client = new PersonalizeClient({ region: local.region, endpoint: local.personalize.endpoint });
    const datasetGroupArn = local.outputs[STACK_OUTPUTS.datasetGroupArn]!;
    const { datasets } = await client.send(new ListDatasetsCommand({ datasetGroupArn }));
    const arnOf = (type: string) =>
      (datasets ?? []).find((dataset) => dataset.datasetType?.toUpperCase() === type)?.datasetArn ?? '';
    model = {
      datasetGroupArn,
      solutionArn: local.outputs[STACK_OUTPUTS.solutionArn]!,
      interactionsDatasetArn: arnOf('INTERACTIONS'),
      itemsDatasetArn: arnOf('ITEMS'),
    };
    expect(model.interactionsDatasetArn).not.toBe('');
  });

  afterAll(async () => {
    client?.destroy();
    await local?.close();
    state?.remove();
    restoreStdout?.();
  });

  it('fails the WaitCondition with the reason of a call the service refuses', async () => {
    local.personalize.injectFaults({
      CreateSolutionVersion: {
        failNext: 1,
        errorType: 'InvalidInputException',
        message: 'Injected: no quota',
      },
    });
    await expect(provision()).rejects.toThrow(
      /FAILURE signal: Personalize\.InvalidInputException: Injected: no quota/,
    );
  });

  it("fails the WaitCondition with the training's failureReason when the version fails", async () => {
    // A solution trained on an event type no interaction has: the emulator's training fails, with a reason.
    const { solutionArn } = await client.send(
      new CreateSolutionCommand({
        name: 'provisioning-no-such-events',
        datasetGroupArn: model.datasetGroupArn,
        recipeArn: 'arn:aws:personalize:::recipe/aws-user-personalization',
        eventType: 'no-such-event-type',
      }),
    );
    await waitFor(
      'the solution to be ACTIVE',
      async () =>
        (await client.send(new DescribeSolutionCommand({ solutionArn }))).solution?.status === 'ACTIVE' ||
        undefined,
    );
    await expect(provision({ solutionArn })).rejects.toThrow(
      /Provisioning\.SolutionVersionFailed: .*CREATE FAILED.*No interactions to train on/,
    );
  });

  it("goes from imports to an ACTIVE campaign, one Create per step, tagged; uses the group's existing tracker; they serve", async () => {
    // The dataset group's one event tracker already exists (the walkthrough's): the workflow uses it.
    const tracker = await callApi(local.url, local.apiKey, 'POST', '/eventTracker', {
      name: 'walkthrough',
      datasetGroupArn: model.datasetGroupArn,
    });
    expect(tracker.status).toBe(200);
    local.personalize.clearCalls();

    const outputs = await provision({}, 'handler-test');

    expect(outputs).toEqual({
      [PROVISIONING_OUTPUTS.solutionVersionArn]: expect.stringMatching(/:solution\/.+\/.+/),
      [PROVISIONING_OUTPUTS.campaignArn]: expect.stringMatching(/:campaign\/handler-test-provisioned$/),
      [PROVISIONING_OUTPUTS.eventTrackerArn]: (tracker.body as { eventTrackerArn: string }).eventTrackerArn,
      [PROVISIONING_OUTPUTS.trackingId]: (tracker.body as { trackingId: string }).trackingId,
    });
    const made = creates(local);
    expect(made.map((call) => call.operation)).toEqual(['CreateSolutionVersion', 'CreateCampaign']);
    for (const call of made) expect(call.requestTags).toEqual({ [OWNER_TAG_KEY]: 'handler-test' });

    const campaignArn = outputs[PROVISIONING_OUTPUTS.campaignArn]!;
    const recommendations = await callApi(
      local.url,
      local.apiKey,
      'GET',
      `/getRecommendations?campaignArn=${encodeURIComponent(campaignArn)}&userId=1`,
    );
    expect(recommendations.status).toBe(200);
    expect((recommendations.body as { itemList: unknown[] }).itemList.length).toBeGreaterThan(0);
  });
});

describe('startLocalMode({ provision: true })', () => {
  let state: ReturnType<typeof temporaryDirectory>;
  let restoreStdout: () => void;

  beforeAll(() => {
    restoreStdout = silenceHandlerLogs();
    state = temporaryDirectory('provisioning-start-e2e');
  });

  afterAll(() => {
    state?.remove();
    restoreStdout?.();
  });

  const start = () =>
    startLocalMode({
      port: 0,
      stateDir: state.path,
      apiKey: 'provision-start-key',
      personalizeTransitionMs: 20,
      recordCalls: true,
      provision: true,
      personalizePort,
      log: () => undefined,
    });

  it('writes the four outputs and answers /getRecommendations at once; a restart reuses them', async () => {
    const first = await start();
    let outputs: Record<string, string>;
    try {
      outputs = first.outputs;
      for (const name of Object.values(PROVISIONING_OUTPUTS))
        expect(outputs[name]).toEqual(expect.any(String));
      expect(outputs[PROVISIONING_OUTPUTS.campaignArn]).toMatch(
        /:campaign\/NearRealTimeRecommendations-provisioned$/,
      );
      const file = JSON.parse(readFileSync(first.outputsFile, 'utf8')) as Record<
        string,
        Record<string, string>
      >;
      expect(file[first.stackName]).toMatchObject(
        Object.fromEntries(Object.values(PROVISIONING_OUTPUTS).map((name) => [name, outputs[name]])),
      );
      const response = await callApi(
        first.url,
        first.apiKey,
        'GET',
        `/getRecommendations?campaignArn=${encodeURIComponent(outputs[PROVISIONING_OUTPUTS.campaignArn]!)}&userId=1`,
      );
      expect(response.status).toBe(200);
      expect((response.body as { itemList: unknown[] }).itemList.length).toBeGreaterThan(0);
    } finally {
      await first.close();
    }

    const second = await start();
    try {
      for (const name of Object.values(PROVISIONING_OUTPUTS))
        expect(second.outputs[name]).toBe(outputs[name]);
      expect(creates(second)).toEqual([]);
    } finally {
      await second.close();
    }
  });
});
