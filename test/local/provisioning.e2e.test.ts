/**
 * The one-shot provisioning in local mode: the stack's handler (lambda/provisionLifecycle.ts) with its real
 * SDK client against the Personalize emulator over HTTP, driven as the Provider framework drives it; then
 * `startLocalMode({ provision: true })` end to end, and again on its kept state.
 */
import { expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import {
  CreateSolutionCommand,
  DescribeSolutionCommand,
  ListDatasetsCommand,
  PersonalizeClient,
} from '@aws-sdk/client-personalize';
import type { ProvisionedLifecycle } from '../../lambda/provisionLifecycle';
import { OWNER_TAG_KEY } from '../../lambda/shared/ownership';
import { PROVISIONING_OUTPUTS, STACK_OUTPUTS } from '../../lib/contract/stack-outputs';
import { driveCreate, type CustomResourceHandlers } from '../../local/cloudformation/custom-resource-driver';
import { startLocalMode, type LocalMode } from '../../local/start';
import { callApi, silenceHandlerLogs, temporaryDirectory, waitFor } from './helpers';

jest.setTimeout(180_000);

type Handlers = CustomResourceHandlers<ProvisionedLifecycle> & {
  provisionedName(stackName: string): string;
};

/**
 * The handlers' SDK clients are created once per module (as in Lambda), from the environment of the first
 * local mode of this file: every local mode here serves Personalize on that same port.
 */
let personalizePort = 0;

const creates = (local: LocalMode) =>
  local.personalize.calls.filter((call) => call.operation.startsWith('Create') && call.status === 200);

describe('the provisioning handler against the emulator', () => {
  let local: LocalMode;
  let state: ReturnType<typeof temporaryDirectory>;
  let restoreStdout: () => void;
  let handlers: Handlers;
  let client: PersonalizeClient;
  let datasetArns: string[];

  const drive = (properties: Record<string, unknown>) =>
    driveCreate(handlers, {
      resourceType: 'Custom::PersonalizeProvisioning',
      logicalResourceId: 'Provisioning',
      properties,
      stackName: local.stackName,
      region: local.region,
      accountId: '000000000000',
      pollIntervalMs: 10,
      timeoutMs: 60_000,
    });
  const modelProperties = () => ({
    DatasetGroupArn: local.outputs[STACK_OUTPUTS.datasetGroupArn],
    SolutionArn: local.outputs[STACK_OUTPUTS.solutionArn],
    DatasetArns: datasetArns,
    Name: 'handler-test',
  });

  beforeAll(async () => {
    restoreStdout = silenceHandlerLogs();
    state = temporaryDirectory('provisioning-handler-e2e');
    local = await startLocalMode({
      port: 0,
      stateDir: state.path,
      apiKey: 'provisioning-key',
      personalizeTransitionMs: 20,
      recordCalls: true,
      log: () => undefined,
    });
    personalizePort = local.personalize.port;
    // Loaded once local mode pointed the SDK at the emulator, as local mode itself loads it.
    handlers = await import('../../lambda/provisionLifecycle');
    client = new PersonalizeClient({ region: local.region, endpoint: local.personalize.endpoint });
    const { datasets } = await client.send(
      new ListDatasetsCommand({ datasetGroupArn: local.outputs[STACK_OUTPUTS.datasetGroupArn] }),
    );
    datasetArns = (datasets ?? []).map((dataset) => dataset.datasetArn ?? '');
    expect(datasetArns).toHaveLength(2);
  });

  afterAll(async () => {
    client?.destroy();
    await local?.close();
    state?.remove();
    restoreStdout?.();
  });

  it('refuses a resource without its dataset ARNs, naming the property', async () => {
    await expect(drive({ ...modelProperties(), DatasetArns: [] })).rejects.toThrow(/DatasetArns/);
  });

  it('fails with the reason of a call the service refuses', async () => {
    local.personalize.injectFaults({
      CreateSolutionVersion: {
        failNext: 1,
        errorType: 'InvalidInputException',
        message: 'Injected: no quota',
      },
    });
    await expect(drive(modelProperties())).rejects.toThrow(/Injected: no quota/);
  });

  it("fails with the training's failureReason when the version fails", async () => {
    // A solution trained on an event type no interaction has: the emulator's training fails, with a reason.
    const { solutionArn } = await client.send(
      new CreateSolutionCommand({
        name: 'provisioning-no-such-events',
        datasetGroupArn: local.outputs[STACK_OUTPUTS.datasetGroupArn],
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
    await expect(drive({ ...modelProperties(), SolutionArn: solutionArn })).rejects.toThrow(
      /CREATE FAILED: No interactions to train on/,
    );
  });

  it('goes from imports to an ACTIVE campaign and tracker, one Create per step, tagged, and they serve', async () => {
    local.personalize.clearCalls();
    const data = await drive(modelProperties());
    expect(data).toEqual({
      SolutionVersionArn: expect.stringMatching(/:solution\/.+\/.+/),
      CampaignArn: expect.stringMatching(/:campaign\/handler-test$/),
      EventTrackerArn: expect.stringMatching(/:event-tracker\//),
      TrackingId: expect.any(String),
    });
    const made = creates(local);
    expect(made.map((call) => call.operation)).toEqual([
      'CreateSolutionVersion',
      'CreateCampaign',
      'CreateEventTracker',
    ]);
    for (const call of made) expect(call.requestTags).toEqual({ [OWNER_TAG_KEY]: local.stackName });

    const recommendations = await callApi(
      local.url,
      local.apiKey,
      'GET',
      `/getRecommendations?campaignArn=${encodeURIComponent(data!.CampaignArn)}&userId=1`,
    );
    expect(recommendations.status).toBe(200);
    expect((recommendations.body as { itemList: unknown[] }).itemList.length).toBeGreaterThan(0);

    // Driven again (a retried deploy): everything is found, nothing created.
    local.personalize.clearCalls();
    await expect(drive(modelProperties())).resolves.toEqual(data);
    expect(creates(local)).toEqual([]);
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
