/**
 * IAM conformance: the README walkthrough, the custom resources and the one-shot provisioning's workflow
 * (synthesized with `provision=true`) run in local mode; every AWS call each function or role makes is
 * recorded where the call lands (the Personalize emulator, the S3 stand-in), and each call is evaluated
 * against THAT function's policies in the synthesized template, with AWS's action -> resource-type data.
 * A missing or mis-scoped grant fails (a call the policy would deny on AWS), and so does an over-broad one
 * (`*` on an action that has resource-level permissions, or a Personalize action no call of the function
 * needs). It also shows that a key holder cannot reach another application's campaign: the calls the API
 * makes on an untagged campaign are denied by the same policies.
 *
 * Calls are attributed to functions by running the walkthrough one step at a time: local mode runs every
 * handler in one process with one set of credentials, as the emulator sees them.
 */
import {
  CreateCampaignCommand,
  DescribeEventTrackerCommand,
  ListCampaignsCommand,
  ListDatasetsCommand,
  PersonalizeClient,
} from '@aws-sdk/client-personalize';
import { CfnElement, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { HandlerFunction } from '../../lib/constructs/handler-function';
import { PROVISIONING_OUTPUTS, STACK_OUTPUTS } from '../../lib/contract/stack-outputs';
import { provisionLifecycle } from '../../local/cloudformation/provision-lifecycle';
import { startLocalMode, type LocalMode } from '../../local/start';
import { STACK_NAME, synthesize, type Synthesized } from '../infra/synth';
import {
  callApi,
  silenceHandlerLogs,
  temporaryDirectory,
  untilActive,
  waitFor,
  type ApiResponse,
} from '../local/helpers';
import { actionExists, evaluate, isWildcardOnly, type Call, type Statement } from './policy-evaluator';
import { roleStatements, type Bindings } from './template-policies';
import { CATALOGUE_ENV } from '../../lib/contract/function-environment';

jest.setTimeout(360_000);

const REGION = 'us-east-1';
const ACCOUNT_ID = '000000000000';

/** A function of the stack, as the test knows it: its role's logical id and the calls it made. */
interface Principal {
  readonly name: string;
  readonly roleLogicalId: string;
  readonly calls: Call[];
  /**
   * Functions that run the same code and share one permission set: a grant is used if any of them uses it
   * (the clean-up's onEvent and isComplete both run one pass, each retrying what the other could not do).
   */
  readonly group?: string;
}

function logicalId(construct: IConstruct): string {
  const cfn = CfnElement.isCfnElement(construct) ? construct : construct.node.defaultChild;
  if (!cfn || !CfnElement.isCfnElement(cfn))
    throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return String(Stack.of(cfn).resolve(Stack.of(cfn).getLogicalId(cfn)));
}

/** The role of the HandlerFunction at `path` (e.g. `Api/CreateCampaignFunction`). */
function roleAt(stack: Stack, path: string): string {
  const construct = stack.node.findChild(path.split('/')[0]!);
  let node: IConstruct = construct;
  for (const part of path.split('/').slice(1)) node = node.node.findChild(part);
  return logicalId(node.node.findChild('Role'));
}

describe("IAM conformance: every call of the walkthrough is allowed by its function's policy, and no grant is unused", () => {
  let synth: Synthesized;
  let templateJson: { Resources: Record<string, { Type: string; Properties?: Record<string, never> }> };
  let bindings: Bindings;
  let local: LocalMode;
  let state: ReturnType<typeof temporaryDirectory>;
  let restoreStdout: () => void;
  const principals = new Map<string, Principal>();
  /** What the walkthrough created, for the later specs. */
  let created: { campaignArn: string; solutionVersionArn: string; trackingId: string } | undefined;

  const api = (method: string, path: string, body?: unknown): Promise<ApiResponse> =>
    callApi(local.url, local.apiKey, method, path, body);
  const ok = async (response: Promise<ApiResponse>) => {
    const result = await response;
    if (result.status !== 200) throw new Error(`Expected 200, got ${result.status}: ${result.text}`);
    return result.body as Record<string, unknown>;
  };
  const recorded = () => local.personalize.calls.length;
  /** The test's own client: its calls are not any function's. */
  const HARNESS_KEY = 'test-harness';
  let harness: PersonalizeClient;
  /** Runs `step` and gives every Personalize and S3 call a function made meanwhile to `principal`. */
  const as = async <T>(principal: string, step: () => Promise<T>): Promise<T> => {
    const [fromPersonalize, fromS3] = [recorded(), local.s3.calls.length];
    const result = await step();
    const calls = [...local.personalize.calls.slice(fromPersonalize), ...local.s3.calls.slice(fromS3)];
    principals.get(principal)!.calls.push(...calls.filter((call) => call.accessKeyId !== HARNESS_KEY));
    return result;
  };
  const statementsOf = (principal: string): Statement[] =>
    roleStatements(templateJson, principals.get(principal)!.roleLogicalId, bindings);

  beforeAll(async () => {
    restoreStdout = silenceHandlerLogs();
    // With the one-shot provisioning, whose workflow and starter are replayed too, and the catalogue's options
    // (a Users dataset for POST /users, retirable items and their default filter).
    synth = synthesize({ context: { provision: 'true', usersDataset: 'true', retirableItems: 'true' } });
    templateJson = synth.template.toJSON() as typeof templateJson;
    state = temporaryDirectory('iam-conformance');
    local = await startLocalMode({
      port: 0,
      stateDir: state.path,
      apiKey: 'iam-key',
      stackName: STACK_NAME,
      personalizeTransitionMs: 20,
      recordCalls: true,
      eventSourceSettings: { maxBatchingWindowSeconds: 0.1 },
      usersDataset: true,
      retirableItems: true,
      log: () => undefined,
    });
    const { stack } = synth;
    const routeFunctions: Record<string, string> = {
      createSolutionVersion: 'Api/CreateSolutionVersionFunction',
      describeSolutionVersion: 'Api/DescribeSolutionVersionFunction',
      createCampaign: 'Api/CreateCampaignFunction',
      describeCampaign: 'Api/DescribeCampaignFunction',
      createEventTracker: 'Api/CreateEventTrackerFunction',
      getRecommendations: 'Api/GetRecommendationsFunction',
      getPersonalizedRanking: 'Api/GetPersonalizedRankingFunction',
      putEventsDirect: 'Api/PutEventsDirectFunction',
      putItems: 'Api/PutItemsFunction',
      putUsers: 'Api/PutUsersFunction',
      deleteResources: 'Api/DeleteResourcesFunction',
      getStatus: 'Api/GetStatusFunction',
      putEvents: 'PutEventsConsumer',
    };
    for (const [name, path] of Object.entries(routeFunctions)) {
      principals.set(name, { name, roleLogicalId: roleAt(stack, path), calls: [] });
    }
    const customResourceRoles: Record<string, HandlerFunction> = {
      configureSolution: stack.model.autoTraining.worker,
      configureFilter: stack.model.filters.worker,
      cleanupOnEvent: stack.model.cleanup.handlers[0]!,
      cleanupIsComplete: stack.model.cleanup.handlers[1]!,
    };
    for (const [name, fn] of Object.entries(customResourceRoles)) {
      const group = name.startsWith('cleanup') ? 'cleanup' : name;
      principals.set(name, { name, roleLogicalId: logicalId(fn.role), calls: [], group });
    }
    const provisioning = stack.provisioning!;
    principals.set('provisioningWorkflow', {
      name: 'provisioningWorkflow',
      roleLogicalId: logicalId(provisioning.stateMachine.role),
      calls: [],
    });
    principals.set('provisioningStarter', {
      name: 'provisioningStarter',
      roleLogicalId: logicalId(provisioning.handlers[0]!.role),
      calls: [],
    });
    principals.set('apiGateway', {
      name: 'apiGateway',
      roleLogicalId: logicalId(stack.api.kinesisRole),
      calls: [],
    });
    harness = new PersonalizeClient({
      region: REGION,
      endpoint: local.personalize.endpoint,
      credentials: { accessKeyId: HARNESS_KEY, secretAccessKey: 'x' },
    });
    bindings = {
      partition: 'aws',
      region: REGION,
      accountId: ACCOUNT_ID,
      refs: { [logicalId(stack.provisioning!.stateMachine)]: stateMachineArn() },
      attributes: {
        [`${logicalId(stack.provisioning!.signalFunction.function)}.Arn`]: signalFunctionArn(),
        [`${logicalId(stack.model.datasetGroup)}.DatasetGroupArn`]:
          local.outputs[STACK_OUTPUTS.datasetGroupArn]!,
        [`${logicalId(stack.model.solution)}.SolutionArn`]: local.outputs[STACK_OUTPUTS.solutionArn]!,
        // Local mode gives the functions its datasets' ARNs as the stack does.
        [`${logicalId(stack.model.itemsDataset)}.DatasetArn`]: process.env[CATALOGUE_ENV.itemsDatasetArn]!,
        [`${logicalId(stack.model.usersDataset!)}.DatasetArn`]: process.env[CATALOGUE_ENV.usersDatasetArn]!,
        [`${logicalId(stack.events.stream)}.Arn`]: streamArn(),
        [`${logicalId(stack.events.failedRecordsBucket)}.Arn`]: `arn:aws:s3:::${local.failedRecords.name}`,
      },
    };
  });

  const stateMachineArn = () => `arn:aws:states:${REGION}:${ACCOUNT_ID}:stateMachine:ProvisioningWorkflow`;
  const signalFunctionArn = () => `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:ProvisioningSignal`;
  const streamArn = () =>
    `arn:aws:kinesis:${REGION}:${ACCOUNT_ID}:stream/${local.outputs[STACK_OUTPUTS.streamName]}`;

  afterAll(async () => {
    harness?.destroy();
    await local?.close();
    state?.remove();
    restoreStdout?.();
  });

  it('runs the walkthrough, one function at a time', async () => {
    const solutionArn = local.outputs[STACK_OUTPUTS.solutionArn]!;
    const datasetGroupArn = local.outputs[STACK_OUTPUTS.datasetGroupArn]!;
    const active = (principal: string, path: string, body: unknown) =>
      untilActive(path, () => as(principal, () => ok(api('POST', path, body))));

    const { solutionVersionArn } = await as('createSolutionVersion', () =>
      ok(api('POST', '/solutionVersion', { solutionArn, version: 'v1' })),
    );
    await active('describeSolutionVersion', '/describeSolutionVersion', { solutionVersionArn });
    const { campaignArn } = await as('createCampaign', () =>
      ok(api('POST', '/campaign', { solutionVersionArn, name: 'iam' })),
    );
    await active('describeCampaign', '/describeCampaign', { campaignArn });
    const tracker = await as('createEventTracker', () =>
      ok(api('POST', '/eventTracker', { name: 'iam', datasetGroupArn })),
    );
    const trackingId = tracker.trackingId as string;
    // Events are accepted once the tracker is ACTIVE; the test polls with its own client, outside any step.
    await waitFor('the event tracker ACTIVE', async () => {
      const { eventTracker } = await harness.send(
        new DescribeEventTrackerCommand({ eventTrackerArn: String(tracker.eventTrackerArn) }),
      );
      return eventTracker?.status === 'ACTIVE' || undefined;
    });
    // Lists every kind of resource and describes the tracker (tagged: its tracking id is readable).
    const status = await as('getStatus', () => ok(api('GET', '/status')));
    expect(status.eventTrackers).toEqual([expect.objectContaining({ trackingId })]);
    await as('getRecommendations', () =>
      ok(api('GET', `/getRecommendations?campaignArn=${encodeURIComponent(String(campaignArn))}&userId=429`)),
    );
    // The walkthrough's campaign is USER_PERSONALIZATION: Personalize refuses the ranking (400, naming the
    // operation to use), but the call is made, and is what the function's policy must allow.
    const ranking = await as('getPersonalizedRanking', () =>
      api('POST', '/getPersonalizedRanking', { campaignArn, userId: '429', inputList: ['12', '13'] }),
    );
    expect(ranking.status).toBe(400);
    // Filtered, with a promotion: GetRecommendations authorizes against the campaign only.
    const genre = local.outputs['FilterArnGenre']!;
    const values = encodeURIComponent(JSON.stringify({ GENRE: '"Comedy"' }));
    await as('getRecommendations', () =>
      ok(
        api(
          'GET',
          `/getRecommendations?campaignArn=${encodeURIComponent(String(campaignArn))}&userId=429&filterArn=${encodeURIComponent(local.outputs['FilterArnUnwatched']!)}&promotionFilterArn=${encodeURIComponent(genre)}&promotionFilterValues=${values}&promotionPercent=20`,
        ),
      ),
    );
    // The catalogue: an item added, then retired (PutItems); a user added (PutUsers). Both act on a dataset.
    await as('putItems', () =>
      ok(
        api('POST', '/items', {
          items: [{ itemId: 'iam-new', properties: { genre: 'Comedy', year: '2026' } }],
        }),
      ),
    );
    await as('putItems', () =>
      ok(
        api('POST', '/items', {
          items: [{ itemId: 'iam-new', properties: { year: '2026', availability: 'retired' } }],
        }),
      ),
    );
    await as('putUsers', () =>
      ok(api('POST', '/users', { users: [{ userId: 'iam-user', properties: { membership: 'premium' } }] })),
    );
    const data = { userId: '429', itemId: '12', eventType: 'click', trackingId, interactions: 2 };
    await as('putEventsDirect', () => ok(api('POST', '/putEvents', data)));
    await as('putEvents', async () => {
      const delivered = local.consumer.stats.deliveredRecords;
      await ok(api('POST', '/data', { Data: data, PartitionKey: '429' }));
      await waitFor(
        'the consumer to deliver',
        () => local.consumer.stats.deliveredRecords > delivered || undefined,
      );
    });
    await as('putEvents', async () => {
      const unknown = { ...data, trackingId: '00000000-0000-0000-0000-000000000000' };
      await ok(api('POST', '/data', { Data: unknown, PartitionKey: '429' }));
      await waitFor(
        'the consumer to set the record aside',
        () => local.failedRecords.list('consumer/').length > 0 || undefined,
      );
    });
    // What AWS services do with the stack's roles, which local mode does through kinesalite and files rather
    // than a recorder: API Gateway's PutRecord for each /data (with its integration role), and Lambda's event
    // source mapping, which reads the stream and writes on-failure records with the consumer's role (the
    // Lambda developer guide lists these actions for a Kinesis mapping and an S3 destination).
    principals.get('apiGateway')!.calls.push({ action: 'kinesis:PutRecord', resources: [streamArn()] });
    const onFailureKey = `aws/lambda/${local.eventSourceMappingUuid}/shardId-000000000000/2026/01/01/2026-01-01T00.00.00-x`;
    principals.get('putEvents')!.calls.push(
      ...['DescribeStream', 'DescribeStreamSummary', 'GetRecords', 'GetShardIterator', 'ListShards'].map(
        (operation) => ({ action: `kinesis:${operation}`, resources: [streamArn()] }),
      ),
      {
        action: 's3:PutObject',
        resources: [`arn:aws:s3:::${local.failedRecords.name}/${onFailureKey}`],
      },
      { action: 's3:ListBucket', resources: [`arn:aws:s3:::${local.failedRecords.name}`] },
    );
    created = {
      campaignArn: String(campaignArn),
      solutionVersionArn: String(solutionVersionArn),
      trackingId,
    };
    await as('deleteResources', () =>
      ok(api('DELETE', '/deleteResources', { campaignArn, eventTrackerArn: tracker.eventTrackerArn })),
    );
    await describeDeletedCampaign(String(campaignArn));
  });

  /**
   * README's "then 404" after DELETE /deleteResources, as AWS answers it: the campaign is gone, so its tag
   * no longer matches the function's `aws:ResourceTag` condition and IAM denies DescribeCampaign (shown by
   * evaluating that call). The emulator, which evaluates no IAM, is told to answer as IAM does; the route then
   * lists the campaigns (allowed on "*") and answers 404.
   */
  async function describeDeletedCampaign(campaignArn: string): Promise<void> {
    await waitFor('the campaign to be deleted', async () => {
      const { campaigns } = await harness.send(new ListCampaignsCommand({}));
      return !campaigns?.some((campaign) => campaign.campaignArn === campaignArn) || undefined;
    });
    const from = recorded();
    local.personalize.injectFaults({
      DescribeCampaign: {
        failNext: 1,
        errorType: 'AccessDeniedException',
        message: `User is not authorized to perform: personalize:DescribeCampaign on resource: ${campaignArn}`,
      },
    });
    const answer = await api('POST', '/describeCampaign', { campaignArn });
    expect({ status: answer.status, body: answer.body }).toEqual({
      status: 404,
      body: { code: 'ResourceNotFoundException', message: 'Campaign is deleted or does not exist' },
    });
    const calls = local.personalize.calls.slice(from);
    const describe = calls.filter((call) => call.operation === 'DescribeCampaign');
    expect(describe).toHaveLength(1);
    const decision = await evaluate(statementsOf('describeCampaign'), describe[0]!);
    expect(decision.allowed).toBe(false);
    principals
      .get('describeCampaign')!
      .calls.push(...calls.filter((call) => call.operation !== 'DescribeCampaign'));
  }

  it('runs the custom resources against the emulator: the auto-training setting and the clean-up on delete', async () => {
    if (!created) throw new Error('the walkthrough did not run');
    const solutionArn = local.outputs[STACK_OUTPUTS.solutionArn]!;
    const datasetGroupArn = local.outputs[STACK_OUTPUTS.datasetGroupArn]!;
    // The handlers build their clients on load, from the environment local mode set for the functions.
    const configure = await import('../../lambda/configureSolution');
    const cleanup = await import('../../lambda/cleanupResources');
    const event = (RequestType: string, ResourceProperties: Record<string, string>, extra = {}) =>
      ({ RequestType, ResourceProperties, PhysicalResourceId: 'x', RequestId: 'r', ...extra }) as never;
    const untilComplete = async (poll: () => Promise<{ IsComplete: boolean }>) =>
      waitFor(
        'the custom resource to complete',
        async () => (await poll()).IsComplete || undefined,
        30_000,
        50,
      );

    const settings: Array<Record<string, string>> = [
      { PerformAutoTraining: 'true', SchedulingExpression: 'rate(7 days)' },
      { PerformAutoTraining: 'false' },
    ];
    for (const setting of settings) {
      const properties = { SolutionArn: solutionArn, ...setting };
      await as('configureSolution', async () => {
        const { Data } = await configure.onEvent(event('Update', properties));
        await untilComplete(() => configure.isComplete(event('Update', properties, { Data })));
      });
    }

    // Something for the clean-up to remove: a version still training, a campaign and a tracker.
    await as('createSolutionVersion', () =>
      ok(api('POST', '/solutionVersion', { solutionArn, version: 'v2' })),
    );
    const { campaignArn } = await as('createCampaign', () =>
      ok(api('POST', '/campaign', { solutionVersionArn: created!.solutionVersionArn, name: 'iam-2' })),
    );
    await as('createEventTracker', () =>
      ok(api('POST', '/eventTracker', { name: 'iam-2', datasetGroupArn })),
    );
    // The filter custom resource: delete a declared filter, then create it again, as a replacement would.
    const filter = await import('../../lambda/configureFilter');
    const filterArn = local.outputs['FilterArnUnwatched']!;
    const filterProperties = {
      DatasetGroupArn: datasetGroupArn,
      FilterName: filterArn.split(':filter/')[1]!,
      FilterExpression: 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("watch")',
    };
    await as('configureFilter', async () => {
      const deletion = event('Delete', filterProperties, { PhysicalResourceId: filterArn });
      await untilComplete(() => filter.isComplete(deletion));
      const { PhysicalResourceId } = await filter.onEvent(event('Create', filterProperties));
      expect(PhysicalResourceId).toBe(filterArn);
      await untilComplete(() => filter.isComplete(event('Create', filterProperties)));
    });

    const properties = { DatasetGroupArn: datasetGroupArn, SolutionArn: solutionArn };
    await as('cleanupOnEvent', () => cleanup.onEvent(event('Delete', properties)));
    await as('cleanupIsComplete', () => untilComplete(() => cleanup.isComplete(event('Delete', properties))));
    const { campaigns } = await harness.send(new ListCampaignsCommand({ solutionArn }));
    expect(campaigns?.map((campaign) => campaign.campaignArn)).not.toContain(campaignArn);
  });

  it("runs the provisioning workflow (the stack's definition) against the emulator, and replays its starter's calls", async () => {
    const datasetGroupArn = local.outputs[STACK_OUTPUTS.datasetGroupArn]!;
    // The group's one event tracker exists (the walkthrough's, say): the workflow then finds it by listing.
    await as('createEventTracker', () =>
      ok(api('POST', '/eventTracker', { name: 'iam-3', datasetGroupArn })),
    );
    const { datasets } = await harness.send(new ListDatasetsCommand({ datasetGroupArn }));
    const datasetOf = (type: string) =>
      datasets?.find((dataset) => dataset.datasetType?.toUpperCase() === type)?.datasetArn ?? '';
    const outputs = await as('provisioningWorkflow', () =>
      provisionLifecycle(
        { stackName: STACK_NAME, region: REGION, log: () => undefined },
        {
          datasetGroupArn,
          solutionArn: local.outputs[STACK_OUTPUTS.solutionArn]!,
          interactionsDatasetArn: datasetOf('INTERACTIONS'),
          itemsDatasetArn: datasetOf('ITEMS'),
        },
        { personalizeEndpoint: local.personalize.endpoint, waitMs: 10 },
      ),
    );
    expect(outputs[PROVISIONING_OUTPUTS.campaignArn]).toMatch(
      /:campaign\/NearRealTimeRecommendations-provisioned$/,
    );
    // CreateEventTracker was refused by the service (one tracker per group) after IAM allowed it, so the
    // recorder names no tracker ARN: IAM authorized it against the tracker it would have created.
    const workflowCalls = principals.get('provisioningWorkflow')!.calls;
    workflowCalls.forEach((call, index) => {
      if (
        call.action === 'personalize:CreateEventTracker' &&
        !call.resources.some((arn) => arn.includes(':event-tracker/'))
      ) {
        workflowCalls[index] = {
          ...call,
          resources: [...call.resources, `arn:aws:personalize:${REGION}:${ACCOUNT_ID}:event-tracker/refused`],
        };
      }
    });
    const operations = new Set(workflowCalls.map((call) => call.action));
    expect([...operations].sort()).toEqual([
      'personalize:CreateCampaign',
      'personalize:CreateEventTracker',
      'personalize:CreateSolutionVersion',
      'personalize:DescribeCampaign',
      'personalize:DescribeEventTracker',
      'personalize:DescribeSolutionVersion',
      'personalize:ListDatasetImportJobs',
      'personalize:ListEventTrackers',
    ]);
    // What Step Functions itself does with the workflow's role (invoke the signal function), and the
    // starter's Step Functions calls, which local mode makes in process rather than through an API.
    principals.get('provisioningWorkflow')!.calls.push({
      action: 'lambda:InvokeFunction',
      resources: [signalFunctionArn()],
    });
    const executionArn = `arn:aws:states:${REGION}:${ACCOUNT_ID}:execution:ProvisioningWorkflow:request-1`;
    principals
      .get('provisioningStarter')!
      .calls.push(
        { action: 'states:StartExecution', resources: [stateMachineArn()] },
        { action: 'states:DescribeExecution', resources: [executionArn] },
        { action: 'states:StopExecution', resources: [executionArn] },
      );
  });

  it('allows every recorded call by the policies of the function that made it', async () => {
    const silent = [...principals.values()].filter((principal) => principal.calls.length === 0);
    expect(silent.map((principal) => principal.name)).toEqual([]);
    const denied: string[] = [];
    for (const principal of principals.values()) {
      const statements = statementsOf(principal.name);
      for (const call of principal.calls) {
        const decision = await evaluate(statements, call);
        if (!decision.allowed) denied.push(`${principal.name}:\n${decision.explanation}`);
      }
    }
    expect(denied).toEqual([]);
  });

  it('grants no Personalize action a function does not use, and "*" only where AWS has no resource type', async () => {
    const problems: string[] = [];
    for (const principal of principals.values()) {
      const group = [...principals.values()].filter(
        (other) => other === principal || (principal.group && other.group === principal.group),
      );
      const used = new Set(group.flatMap((member) => member.calls.map((call) => call.action.toLowerCase())));
      for (const statement of statementsOf(principal.name)) {
        if (statement.Effect !== 'Allow') continue;
        const actions = ([] as string[]).concat(statement.Action ?? []);
        const resources = ([] as string[]).concat(statement.Resource ?? []);
        for (const action of actions.filter((a) => a.startsWith('personalize:'))) {
          if (!(await actionExists(action))) problems.push(`${principal.name}: ${action} is not an action`);
          else if (!used.has(action.toLowerCase()))
            problems.push(`${principal.name}: ${action} is never used`);
          if (resources.includes('*') && !(await isWildcardOnly(action))) {
            problems.push(
              `${principal.name}: ${action} on "*" though AWS supports resource-level permissions`,
            );
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it("denies the API's calls on another application's campaign (untagged), though the emulator would answer them", async () => {
    if (!created) throw new Error('the walkthrough did not run');
    const { solutionVersionArn } = created;
    const client = new PersonalizeClient({
      region: REGION,
      endpoint: local.personalize.endpoint,
      credentials: { accessKeyId: 'other-app', secretAccessKey: 'x' },
    });
    const { campaignArn: otherCampaign } = await client.send(
      new CreateCampaignCommand({ name: 'other-application', solutionVersionArn }),
    );
    client.destroy();
    const attempts: Array<[string, () => Promise<ApiResponse>]> = [
      ['describeCampaign', () => api('POST', '/describeCampaign', { campaignArn: otherCampaign })],
      [
        'getRecommendations',
        () => api('GET', `/getRecommendations?campaignArn=${encodeURIComponent(otherCampaign!)}&userId=429`),
      ],
      [
        'getPersonalizedRanking',
        () =>
          api('POST', '/getPersonalizedRanking', {
            campaignArn: otherCampaign,
            userId: '429',
            inputList: ['12'],
          }),
      ],
    ];
    for (const [principal, attempt] of attempts) {
      const from = recorded();
      await attempt();
      const calls = local.personalize.calls
        .slice(from)
        .filter((call) => call.resources.includes(otherCampaign!));
      expect(calls.length).toBeGreaterThan(0);
      for (const call of calls) {
        const decision = await evaluate(statementsOf(principal), call);
        expect({ principal, allowed: decision.allowed }).toEqual({ principal, allowed: false });
      }
    }
  });
});
