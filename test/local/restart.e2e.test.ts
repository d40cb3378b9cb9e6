/** A restart with the same state directory keeps the key and every provisioned resource, and re-creates nothing. */
import { readFileSync } from 'node:fs';
import { DescribeSolutionCommand, PersonalizeClient } from '@aws-sdk/client-personalize';
import { personalizeNames } from '../../lib/contract/personalize-schemas';
import { STACK_OUTPUTS } from '../../lib/contract/stack-outputs';
import { parseArguments, startLocalMode } from '../../local/start';
import { temporaryDirectory } from './helpers';

jest.setTimeout(120_000);

describe('local mode across restarts', () => {
  it('reuses the API key and the provisioned resources from the state directory', async () => {
    const state = temporaryDirectory('local-mode-restart');
    try {
      const lines: string[] = [];
      const first = await startLocalMode({
        port: 0,
        stateDir: state.path,
        personalizeTransitionMs: 20,
        log: (line) => lines.push(line),
      });
      const firstOutputs = first.outputs;
      const control = new PersonalizeClient({ region: 'us-east-1', endpoint: first.personalize.endpoint });
      const { solution } = await control.send(
        new DescribeSolutionCommand({ solutionArn: firstOutputs[STACK_OUTPUTS.solutionArn] }),
      );
      control.destroy();
      await first.close();
      expect(solution).toMatchObject({
        performAutoTraining: false,
        latestSolutionUpdate: { status: 'ACTIVE', performAutoTraining: false },
      });
      expect(lines.some((line) => line.startsWith('Creating dataset group'))).toBe(true);
      // As the stack: the new solution's automatic training is turned off once it is ACTIVE.
      expect(lines).toContain(
        `Turning automatic training off for solution ${personalizeNames('NearRealTimeRecommendations').solution}`,
      );

      lines.length = 0;
      const second = await startLocalMode({
        port: 0,
        stateDir: state.path,
        personalizeTransitionMs: 20,
        log: (line) => lines.push(line),
      });
      await second.close();

      expect(second.apiKey).toBe(first.apiKey);
      // The event source mapping keeps its UUID, so its on-failure objects stay under one prefix.
      expect(second.eventSourceMappingUuid).toBe(first.eventSourceMappingUuid);
      expect(second.eventSourceMappingUuid).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
      );
      expect(second.apiKey).toMatch(/^[A-Za-z0-9]{40}$/);
      const { ApiUrl: _first, ...kept } = firstOutputs;
      const { ApiUrl: _second, ...again } = second.outputs;
      expect(again).toEqual(kept);
      expect(lines.filter((line) => /^(Creating|Importing|Turning|Scheduling)/.test(line))).toEqual([]);
      expect(JSON.parse(readFileSync(second.outputsFile, 'utf8'))).toEqual({
        [second.stackName]: second.outputs,
      });

      // The stack's autoTraining context with a schedule keeps automatic training on, on that schedule.
      lines.length = 0;
      const third = await startLocalMode({
        port: 0,
        stateDir: state.path,
        personalizeTransitionMs: 20,
        autoTraining: 'rate(3 days)',
        log: (line) => lines.push(line),
      });
      const thirdControl = new PersonalizeClient({
        region: 'us-east-1',
        endpoint: third.personalize.endpoint,
      });
      const scheduled = await thirdControl.send(
        new DescribeSolutionCommand({ solutionArn: third.outputs[STACK_OUTPUTS.solutionArn] }),
      );
      thirdControl.destroy();
      await third.close();
      expect(lines).toContain(
        `Scheduling automatic training rate(3 days) for solution ${personalizeNames('NearRealTimeRecommendations').solution}`,
      );
      expect(scheduled.solution).toMatchObject({
        performAutoTraining: true,
        solutionConfig: { autoTrainingConfig: { schedulingExpression: 'rate(3 days)' } },
        latestSolutionUpdate: { status: 'ACTIVE', performAutoTraining: true },
      });
    } finally {
      state.remove();
    }
  });
});

describe('npm start options', () => {
  it('takes the deploy parameter names, also in cdk deploy --parameters form', () => {
    expect(
      parseArguments([
        '--interactionDataLocation',
        'my.csv',
        '--parameters',
        'itemDataLocation=s3://b/items.csv',
        '--state-dir=/tmp/s',
      ]),
    ).toEqual({
      interactionDataLocation: 'my.csv',
      itemDataLocation: 's3://b/items.csv',
      stateDir: '/tmp/s',
    });
  });

  it("takes the stack's autoTraining context: false, or a schedule that keeps it on", () => {
    expect(parseArguments(['--autoTraining', 'false'])).toEqual({ autoTraining: false });
    expect(parseArguments(['--autoTraining=rate(3 days)'])).toEqual({ autoTraining: 'rate(3 days)' });
  });

  it("takes the catalogue's options as the stack's context names them", () => {
    expect(parseArguments(['--usersDataset', '--retirableItems'])).toEqual({
      usersDataset: true,
      retirableItems: true,
    });
    expect(parseArguments([])).toEqual({});
  });

  it('takes the batching window in seconds, 0 to 300, as the stack takes it', () => {
    expect(parseArguments(['--batching-window', '0'])).toEqual({
      eventSourceSettings: { maxBatchingWindowSeconds: 0 },
    });
    expect(parseArguments(['--batching-window=5'])).toEqual({
      eventSourceSettings: { maxBatchingWindowSeconds: 5 },
    });
    expect(() => parseArguments(['--batching-window', '0.5'])).toThrow(
      /--batching-window must be a whole number/,
    );
    expect(() => parseArguments(['--batching-window', '301'])).toThrow(/from 0 to 300, got "301"/);
  });

  it('rejects an unknown option by name', () => {
    expect(() => parseArguments(['--bogus'])).toThrow(/Unknown option --bogus/);
  });
});
