import type { AddressInfo } from 'node:net';
import { systemTime, type Time } from './clock';
import type { ModelModule } from './context';
import { DAY_MS, DEFAULT_AUTO_TRAINING_DELAY_MS } from './control-plane/auto-training';
import { FaultInjector, type FaultSpec } from './faults';
import type { TransitionMsByKind } from './lifecycle';
import { loadModel, train } from './model';
import { CallRecorder, type RecordedCall } from './recorder';
import { createEmulatorServer } from './server';
import { PersonalizeService } from './service';
import type { ServiceMetrics } from './service-metrics';
import { EmulatorStore } from './store';
import { KEEP_ALIVE_TIMEOUT_MS } from '../shared/listen';

/** @public The type of `injectFaults`'s faults. */
export type { FaultSpec } from './faults';
export type { ModelModule } from './context';
export { ManualTime, systemTime } from './clock';
/** @public The type of the options' `transitionMsByKind`. */
export type { TransitionMsByKind } from './lifecycle';
/** @public The type of the options' `time`. */
export type { Time } from './clock';
export type { RecordedCall } from './recorder';
/** @public The type of `serviceMetrics` (and of its data points). */
export type { ServiceDataPoint, ServiceMetrics } from './service-metrics';
export { DEFAULT_AUTO_TRAINING_DELAY_MS } from './control-plane/auto-training';
export { AUTOMATIC_UPDATE_MS } from './exploration';

export interface PersonalizeEmulatorOptions {
  /**
   * Port to listen on; 0 picks a free port.
   * @default 0
   */
  readonly port?: number;
  /**
   * Interface to bind. The emulator is for this machine only.
   * @default '127.0.0.1'
   */
  readonly host?: string;
  /** Directory standing for S3: `s3://bucket/key` is `<s3Dir>/bucket/key`. */
  readonly s3Dir: string;
  /**
   * Directory that keeps resources, imported data, accepted events and trained models across restarts.
   * @default - state lives in memory only
   */
  readonly stateDir?: string;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default '000000000000' */
  readonly accountId?: string;
  /**
   * Time each lifecycle step takes (CREATE PENDING → CREATE IN_PROGRESS → ACTIVE, DELETE PENDING → ...).
   * Training and imports take at least this long, plus the work itself.
   * @default 200
   */
  readonly transitionMs?: number;
  /**
   * Each step's duration for some kinds of resource instead of `transitionMs`: `{ eventTracker: 1000 }` keeps a
   * new event tracker CREATE PENDING/IN_PROGRESS for seconds while everything else moves at `transitionMs`.
   * @default - every kind takes `transitionMs`
   */
  readonly transitionMsByKind?: TransitionMsByKind;
  /**
   * The clock and scheduler behind every timestamp, timer and status transition. Tests pass a ManualTime
   * and advance it.
   * @default systemTime - the system clock and Node's timers
   */
  readonly time?: Time;
  /**
   * The recommendation models.
   * @default - the emulator's own models (./model)
   */
  readonly models?: ModelModule;
  /**
   * Time from a solution with performAutoTraining (the default) becoming ACTIVE, or from an update that
   * turned auto training on completing, to its first automatic solution version. AWS starts it "within
   * one hour".
   * @default 3,600,000 (one hour)
   */
  readonly autoTrainingDelayMs?: number;
  /**
   * The length of a day in a solution's schedulingExpression `rate(N days)`: automatic versions follow
   * every N of these. Tests shorten it.
   * @default 86,400,000
   */
  readonly autoTrainingDayMs?: number;
  /**
   * Time between User-Personalization's automatic updates, which bring items added with PutItems into the served
   * model for exploration ("every two hours", the recipe page). `runAutomaticUpdates()` runs them at once.
   * @default 7,200,000 (two hours)
   */
  readonly automaticUpdateMs?: number;
  /**
   * Keep a record of every request answered (control plane, events, runtime): `emulator.calls`, also
   * `GET /_emulator/calls`. For IAM conformance tests.
   * @default false
   */
  readonly recordCalls?: boolean;
}

export interface PersonalizeEmulator {
  /** Base URL for all three SDK clients (`endpoint`, or AWS_ENDPOINT_URL_PERSONALIZE[_EVENTS|_RUNTIME]). */
  readonly endpoint: string;
  readonly port: number;
  /** Makes the next calls of an operation fail; the same as `POST /_emulator/faults`. */
  injectFaults(faults: Readonly<Record<string, FaultSpec>>): void;
  clearFaults(): void;
  /**
   * The requests answered since the start (or the last clearCalls), oldest first, when started with
   * `recordCalls: true`; always empty otherwise. A copy: later calls do not change it.
   */
  readonly calls: readonly RecordedCall[];
  /** The AWS/Personalize metrics Personalize would publish (PutEventsRequests), counted: service-metrics.ts. */
  readonly serviceMetrics: ServiceMetrics;
  clearCalls(): void;
  /**
   * Runs User-Personalization's automatic updates now instead of at their two-hourly time (the same as
   * `POST /_emulator/automatic-updates`): items added with PutItems since reach exploration. Returns the versions
   * updated.
   */
  runAutomaticUpdates(): string[];
  /** Stops serving and stops lifecycles; state already accepted is on disk when a stateDir is given. */
  close(): Promise<void>;
}

/** Starts the Personalize emulator: control plane, events and runtime APIs on one port. */
export async function startPersonalizeEmulator(
  options: PersonalizeEmulatorOptions,
): Promise<PersonalizeEmulator> {
  const faults = new FaultInjector();
  const time = options.time ?? systemTime;
  const service = new PersonalizeService({
    store: new EmulatorStore(options.stateDir),
    models: options.models ?? { train, loadModel },
    s3Dir: options.s3Dir,
    region: options.region ?? 'us-east-1',
    accountId: options.accountId ?? '000000000000',
    transitionMs: options.transitionMs ?? 200,
    ...(options.transitionMsByKind ? { transitionMsByKind: options.transitionMsByKind } : {}),
    clock: time,
    scheduler: time,
    autoTrainingDelayMs: options.autoTrainingDelayMs ?? DEFAULT_AUTO_TRAINING_DELAY_MS,
    autoTrainingDayMs: options.autoTrainingDayMs ?? DAY_MS,
    ...(options.automaticUpdateMs !== undefined ? { automaticUpdateMs: options.automaticUpdateMs } : {}),
  });
  const recorder = options.recordCalls ? new CallRecorder(time) : undefined;
  const server = createEmulatorServer(service, faults, recorder);
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://${host}:${port}`,
    port,
    injectFaults: (spec) => faults.set(spec),
    clearFaults: () => faults.clear(),
    get calls() {
      return recorder?.calls ?? [];
    },
    serviceMetrics: service.serviceMetrics,
    clearCalls: () => recorder?.clear(),
    runAutomaticUpdates: () => service.runAutomaticUpdates(),
    close: async () => {
      service.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
