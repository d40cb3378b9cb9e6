/**
 * A service of local mode (the Personalize emulator, Kinesis) in a child process of its own, so local mode
 * uses both cores of a small machine: the gateway and the handlers on one, what they call on the other.
 * The child (service-host.ts) is started with an IPC channel and dies with it: local mode killed, however,
 * leaves no service running. Its stdout and stderr are local mode's, and it prints nothing unless it fails.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { LocalKinesisOptions } from '../kinesis/kinesis';
import type { PersonalizeEmulatorOptions, ServiceDataPoint } from '../personalize';

/** What a child process runs: the service and its options (plain data: they cross the process boundary). */
export type ServiceSpec =
  | {
      readonly service: 'personalize';
      readonly options: Omit<PersonalizeEmulatorOptions, 'time' | 'models'>;
    }
  | { readonly service: 'kinesis'; readonly options: LocalKinesisOptions };

/** Local mode to the child. */
export type ParentMessage =
  { readonly type: 'stop' } | { readonly type: 'stats'; readonly id: number; readonly gc: boolean };

/** The child to local mode. */
export type HostMessage =
  | { readonly type: 'ready'; readonly endpoint: string; readonly port: number }
  | { readonly type: 'failed'; readonly message: string; readonly code?: string }
  | { readonly type: 'service-metrics'; readonly points: readonly ServiceDataPoint[] }
  | {
      readonly type: 'stats';
      readonly id: number;
      readonly rssMb: number;
      readonly longestStallMs: number;
    };

/** A child process's own figures, for the benchmark. */
interface ProcessStats {
  /** Resident memory, in MB (after a full garbage collection when asked for). */
  readonly rssMb: number;
  /** The longest event-loop stall since the last call, in ms. */
  readonly longestStallMs: number;
}

export interface ServiceProcess {
  readonly endpoint: string;
  readonly port: number;
  readonly pid: number;
  /** Its resident memory and longest event-loop stall since the last call (which starts a new count). */
  stats(options?: { gc?: boolean }): Promise<ProcessStats>;
  /** Stops the service and waits for the process to exit. */
  close(): Promise<void>;
}

export class ServiceStartError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'ServiceStartError';
  }
}

const HOST = join(__dirname, 'service-host.ts');
/** A child that does not exit this long after being told to stop is killed. */
const STOP_GRACE_MS = 10_000;

/**
 * Starts `spec` in a child process and resolves once it listens. `onData` receives the emulator's
 * AWS/Personalize data points as it counts them; `onExit` is called if the child exits before close().
 */
export function startServiceProcess(
  spec: ServiceSpec,
  handlers: {
    readonly onData?: (points: readonly ServiceDataPoint[]) => void;
    readonly onExit?: (error: Error) => void;
  } = {},
): Promise<ServiceProcess> {
  // The child runs this file's TypeScript neighbour through tsx, as npm start runs local mode.
  const child = fork(HOST, [JSON.stringify(spec)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  const pending = new Map<number, (stats: ProcessStats) => void>();
  let nextId = 0;
  let closing: Promise<void> | undefined;
  return new Promise((resolve, reject) => {
    let started = false;
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    child.once('exit', (code, signal) => {
      if (!started) {
        reject(new Error(`${spec.service} process exited (${signal ?? code}) before it was up`));
        return;
      }
      if (!closing)
        handlers.onExit?.(new Error(`The ${spec.service} process exited unexpectedly (${signal ?? code})`));
    });
    child.once('error', (error) => {
      if (!started) reject(error);
    });
    child.on('message', (message: HostMessage) => {
      switch (message.type) {
        case 'ready':
          started = true;
          resolve(handle(child, message, exited));
          break;
        case 'failed':
          reject(new ServiceStartError(message.message, message.code));
          break;
        case 'service-metrics':
          handlers.onData?.(message.points);
          break;
        case 'stats':
          pending.get(message.id)?.({ rssMb: message.rssMb, longestStallMs: message.longestStallMs });
          pending.delete(message.id);
          break;
      }
    });
  });

  function handle(
    process: ChildProcess,
    ready: { endpoint: string; port: number },
    exited: Promise<void>,
  ): ServiceProcess {
    return {
      endpoint: ready.endpoint,
      port: ready.port,
      pid: process.pid ?? -1,
      stats: ({ gc = false } = {}) =>
        new Promise((resolve) => {
          const id = nextId++;
          pending.set(id, resolve);
          send(process, { type: 'stats', id, gc });
        }),
      close: () =>
        (closing ??= (async () => {
          if (process.exitCode !== null || process.signalCode !== null) return;
          send(process, { type: 'stop' });
          const timer = setTimeout(() => process.kill('SIGKILL'), STOP_GRACE_MS);
          await exited;
          clearTimeout(timer);
        })()),
    };
  }
}

function send(child: ChildProcess, message: ParentMessage): void {
  if (child.connected) child.send(message);
}
