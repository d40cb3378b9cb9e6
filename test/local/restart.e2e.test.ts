/** A restart with the same state directory keeps the key and every provisioned resource, and re-creates nothing. */
import { readFileSync } from 'node:fs';
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
      await first.close();
      expect(lines.some((line) => line.startsWith('Creating dataset group'))).toBe(true);

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
      expect(lines.filter((line) => /^(Creating|Importing)/.test(line))).toEqual([]);
      expect(JSON.parse(readFileSync(second.outputsFile, 'utf8'))).toEqual({
        [second.stackName]: second.outputs,
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

  it('rejects an unknown option by name', () => {
    expect(() => parseArguments(['--bogus'])).toThrow(/Unknown option --bogus/);
  });
});
