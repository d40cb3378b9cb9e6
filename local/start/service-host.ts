/**
 * The entry of a child process of local mode that runs one service on its own core: the Personalize emulator
 * or Kinesis (kinesalite). Started by service-process.ts with the service's description as its one argument
 * and an IPC channel to local mode.
 *
 * It lives only as long as that channel: when local mode exits, however it exits (kill -9 included), the
 * channel closes and this process stops its service and exits, so no service is left holding a port or the
 * state directory. Ctrl-C in the terminal reaches the whole process group: this process ignores it and lets
 * local mode stop the services in its own order.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { errorMessage } from '../../lambda/shared/service-errors';
import { startKinesis } from '../kinesis/kinesis';
import { startPersonalizeEmulator, type ServiceMetrics } from '../personalize';
import { loadModel, trainChunksInWorker, trainInWorker } from '../personalize/model/worker-training';
import type { HostMessage, ParentMessage, ServiceSpec } from './service-process';

/** How often the emulator's AWS/Personalize data points are sent to local mode's metrics page. */
const METRICS_FLUSH_MS = 1000;

interface Hosted {
  readonly endpoint: string;
  readonly port: number;
  close(): Promise<void>;
  readonly serviceMetrics?: ServiceMetrics;
}

async function startService(spec: ServiceSpec): Promise<Hosted> {
  if (spec.service === 'kinesis') {
    const kinesis = await startKinesis(spec.options);
    return { ...kinesis, port: Number(new URL(kinesis.endpoint).port) };
  }
  // Training runs on a worker thread: this process goes on answering recommendations while a version trains.
  return startPersonalizeEmulator({
    ...spec.options,
    models: { train: trainInWorker, trainChunks: trainChunksInWorker, loadModel },
  });
}

function send(message: HostMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '') as ServiceSpec;
  process.on('SIGINT', () => undefined);
  const stall = monitorEventLoopDelay({ resolution: 10 });
  stall.enable();
  let hosted: Hosted | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (code: number) => {
    stopping ??= (hosted?.close() ?? Promise.resolve()).then(
      () => process.exit(code),
      (error: unknown) => {
        console.error(`${spec.service}: while stopping: ${errorMessage(error)}`);
        process.exit(1);
      },
    );
  };
  // Local mode gone (exited, killed or stopping us): stop too.
  process.on('disconnect', () => stop(0));
  process.once('SIGTERM', () => stop(0));
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'stop') stop(0);
    else if (message.type === 'stats') {
      if (message.gc) (runInNewContext('gc') as () => void)();
      send({
        type: 'stats',
        id: message.id,
        rssMb: process.memoryUsage().rss / 2 ** 20,
        longestStallMs: stall.max / 1e6,
      });
      stall.reset();
    }
  });
  setFlagsFromString('--expose-gc');
  try {
    hosted = await startService(spec);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    send({ type: 'failed', message: errorMessage(error), ...(code ? { code } : {}) });
    process.disconnect();
    process.exit(1);
  }
  send({ type: 'ready', endpoint: hosted.endpoint, port: hosted.port });
  const metrics = hosted.serviceMetrics;
  if (metrics) {
    let sent = 0;
    setInterval(() => {
      const { points, next } = metrics.pointsAfter(sent);
      sent = next;
      if (points.length > 0) send({ type: 'service-metrics', points });
    }, METRICS_FLUSH_MS).unref();
  }
}

main().catch((error: unknown) => {
  console.error(errorMessage(error));
  process.exit(1);
});
