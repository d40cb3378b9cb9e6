/**
 * `npm start`: the whole system on this machine, on 127.0.0.1, with no AWS account: the Personalize
 * emulator, Kinesis (kinesalite), S3 (the failed-records bucket, the archive, the CSVs), the event source
 * mapping with its on-failure destination, the Firehose archive and the API gateway, provisioned as the
 * stack provisions and serving the same API at `/prod`.
 *
 * This file is the command; its parts live in `local/start/`: `command-line.ts` (the arguments),
 * `options.ts` (what they resolve to), `local-mode.ts` (`startLocalMode`, the programmatic entry point tests
 * and the benchmark start on free ports), `services.ts`, `provisioning.ts`, `stream-readers.ts`, `outputs.ts`
 * (the outputs file), `banner.ts` and `shutdown.ts`.
 */
import { errorMessage } from '../lambda/shared/service-errors';
import { banner, localState } from './start/banner';
import { parseArguments } from './start/command-line';
import { startLocalMode, type LocalMode } from './start/local-mode';
import { invocationWorkersSetting } from './start/options';
import { abortOnSignals, exitOnUnexpectedErrors, stopOnSignals } from './start/shutdown';

export { replayFailuresCommand } from './start/banner';
export { parseArguments } from './start/command-line';
export { startLocalMode, type LocalMode } from './start/local-mode';
export type { LocalModeOptions } from './start/options';

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  const started: { local?: LocalMode } = {};
  exitOnUnexpectedErrors(() => started.local);
  console.log('Starting local mode (Personalize emulator, Kinesis, S3, gateway)...');
  const startUp = new AbortController();
  const stopStarting = abortOnSignals(startUp);
  let local: LocalMode;
  try {
    // The emulator and Kinesis in processes of their own, the handlers on worker threads: the gateway's thread
    // keeps its HTTP work.
    local = await startLocalMode({
      ...options,
      separateProcesses: true,
      invocationWorkers: invocationWorkersSetting(),
      signal: startUp.signal,
    });
  } catch (error) {
    if (!startUp.signal.aborted) throw error;
    console.log(
      'Stopped during start-up. The state directory is kept as it is: the next npm start continues from it (npm start -- --reset starts over).',
    );
    process.exit(130);
  } finally {
    stopStarting();
  }
  started.local = local;
  console.log(banner(local, await localState(local), options.provision ? 'provisioned' : 'kept'));
  stopOnSignals(local);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`\nLocal mode did not start: ${errorMessage(error)}`);
    process.exit(1);
  });
}
