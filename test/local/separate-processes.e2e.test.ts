/**
 * Local mode as npm start runs it: the Personalize emulator and Kinesis each in a child process of their own,
 * the gateway in local mode's and the handlers on its invocation workers, calling them over HTTP with the real
 * SDK clients. The children are stopped with local mode, and die with it when it is killed.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { STACK_OUTPUTS } from '../../lib/contract/stack-outputs';
import { InvocationPool } from '../../local/lambda/invocation-pool';
import { processInfo } from '../../local/shared/state-lock';
import { startLocalMode } from '../../local/start';
import {
  callApi,
  createActiveEventTracker,
  stackStatus,
  temporaryDirectory,
  untilActive,
  waitFor,
} from './helpers';

jest.setTimeout(240_000);

const ROOT = join(__dirname, '..', '..');

/** Running, and not a zombie waiting to be reaped. */
const running = (pid: number): boolean => {
  const info = processInfo(pid);
  return info !== undefined && info.state !== 'Z';
};

const childPids = (pid: number): number[] =>
  readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
    .split(' ')
    .filter((text) => text.trim() !== '')
    .map(Number);

describe('local mode with the emulator and Kinesis in processes of their own', () => {
  it('trains (on a worker thread of the emulator process), serves (the handlers on an invocation worker) and takes events through them, and stops them on close', async () => {
    const state = temporaryDirectory('local-mode-split');
    const invocations = jest.spyOn(InvocationPool.prototype, 'invoke');
    try {
      const local = await startLocalMode({
        port: 0,
        stateDir: state.path,
        personalizeTransitionMs: 20,
        log: () => undefined,
        separateProcesses: true,
        invocationWorkers: 1,
      });
      const pids = [local.processes.personalize?.pid, local.processes.kinesis?.pid];
      try {
        expect(pids.every((pid) => pid !== undefined && pid !== process.pid && running(pid))).toBe(true);
        const api = (method: string, path: string, body?: unknown) =>
          callApi(local.url, local.apiKey, method, path, body);
        const { solutionVersionArn } = (
          await api('POST', '/solutionVersion', {
            solutionArn: local.outputs[STACK_OUTPUTS.solutionArn],
            version: 'split',
          })
        ).body as { solutionVersionArn: string };
        await untilActive(
          'the solution version',
          async () => (await api('POST', '/describeSolutionVersion', { solutionVersionArn })).body,
        );
        const { campaignArn } = (await api('POST', '/campaign', { solutionVersionArn, name: 'split' }))
          .body as { campaignArn: string };
        await untilActive(
          'the campaign',
          async () => (await api('POST', '/describeCampaign', { campaignArn })).body,
        );
        const recommendations = await api(
          'GET',
          `/getRecommendations?campaignArn=${encodeURIComponent(campaignArn)}&userId=429&numResults=5`,
        );
        expect(recommendations.status).toBe(200);
        expect((recommendations.body as { itemList: unknown[] }).itemList).toHaveLength(5);
        // Run on the worker, with the stack values set once provisioned (GET /status reads the solution's
        // ARN from them); the metrics written there counted on the metrics page.
        const status = await stackStatus(local.url, local.apiKey);
        expect(status.solutionVersions.map((version) => version.solutionVersionArn)).toEqual([
          solutionVersionArn,
        ]);
        expect(invocations.mock.calls.map(([module]) => module.replace(/.*\//, ''))).toEqual(
          expect.arrayContaining([
            'createSolutionVersion',
            'createCampaign',
            'getRecommendations',
            'getStatus',
          ]),
        );
        expect(local.metrics.summary().recommendationLatency.requests).toBe(1);

        // An event through the stream (Kinesis's process) to the emulator's: its count reaches the metrics page.
        const { trackingId } = await createActiveEventTracker(local, 'split');
        const sent = await api('POST', '/data', {
          Data: { userId: '429', itemId: '12', eventType: 'click', trackingId, interactions: 2 },
          PartitionKey: '429',
        });
        expect(sent.status).toBe(200);
        const counted = await waitFor(
          "the emulator's PutEventsRequests in local mode's metrics",
          () => {
            const points = local.personalize.serviceMetrics.since(0);
            const events = points
              .filter((point) => point.dimensions.EventType === undefined)
              .reduce((sum, point) => sum + point.value, 0);
            return events >= 2 ? events : undefined;
          },
          60_000,
        );
        expect(counted).toBe(2);
        // What needs an emulator in this process says where to go instead.
        expect(() => local.personalize.calls).toThrow('/_emulator/calls');
      } finally {
        await local.close();
      }
      expect(pids.some((pid) => pid !== undefined && running(pid))).toBe(false);
    } finally {
      invocations.mockRestore();
      state.remove();
    }
  });

  it('leaves no service process running when npm start is killed with kill -9, and starts again on the same state', async () => {
    const state = temporaryDirectory('local-mode-split-kill');
    const start = () => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'local/start.ts', '--state-dir', state.path],
        {
          cwd: ROOT,
          env: { ...process.env, PORT: '0' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const up = waitFor(
        'npm start to be up',
        () => (out.includes('Local mode is up') ? true : undefined),
        180_000,
      );
      return { child, up, output: () => out };
    };
    try {
      const first = start();
      await first.up;
      const pid = first.child.pid as number;
      const services = childPids(pid).filter((child) =>
        readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('service-host'),
      );
      expect(services).toHaveLength(2);
      const exited = new Promise((resolve) => first.child.once('exit', resolve));
      process.kill(pid, 'SIGKILL');
      await exited;
      await waitFor('the service processes to exit', () => (services.some(running) ? undefined : true));

      // Nothing holds the state directory, Kinesis's database or a port: a new start comes up on it.
      const second = start();
      await second.up;
      const stopped = new Promise<string>((resolve) =>
        second.child.once('exit', (code, signal) => resolve(`${code ?? signal}`)),
      );
      const secondServices = childPids(second.child.pid as number).filter((child) =>
        readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('service-host'),
      );
      expect(secondServices).toHaveLength(2);
      second.child.kill('SIGINT');
      expect({ exit: await stopped, output: second.output().slice(-300) }).toEqual({
        exit: '0',
        output: expect.stringContaining('Stopped. State kept in') as unknown,
      });
      await waitFor("the second start's service processes to exit", () =>
        secondServices.some(running) ? undefined : true,
      );
    } finally {
      state.remove();
    }
  });
});
