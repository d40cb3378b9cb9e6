/**
 * Local mode started once for a test file (or a describe block) and deployed through the API as the README's
 * walkthrough does it: the sample trained (POST /solutionVersion), a campaign on it (POST /campaign), each
 * waited for until ACTIVE, and optionally an event tracker. The tests of the file share it: they must not need
 * a fresh state, only the deployment. `deployedLocalMode` registers the beforeAll and afterAll hooks itself.
 */
import { STACK_OUTPUTS } from '../../lib/contract/stack-outputs';
import { startLocalMode, type LocalMode, type LocalModeOptions } from '../../local/start';
import {
  callApi,
  createActiveEventTracker,
  silenceHandlerLogs,
  temporaryDirectory,
  untilActive,
  type ApiResponse,
} from './helpers';

export interface DeployedOptions {
  /** Names the state directory, the solution version, the campaign and the event tracker. */
  readonly name: string;
  /** Local mode's options beyond the test defaults (free ports, quiet log, 20 ms lifecycle steps). */
  readonly start?: Omit<LocalModeOptions, 'stateDir'>;
  /** POST /campaign's campaignConfig. */
  readonly campaignConfig?: Record<string, unknown>;
  /** Create an event tracker (POST /eventTracker) and wait for it to be ACTIVE. @default false */
  readonly eventTracker?: boolean;
  /**
   * Only start local mode: no solution version, no campaign (a test that provisions through the page).
   * @default true
   */
  readonly deploy?: boolean;
  /** jest.resetModules() first: several local modes in one file, each with its handlers' environment. */
  readonly freshModules?: boolean;
}

export interface Deployed {
  /** The running local mode (the new one after `restart`). */
  readonly local: LocalMode;
  /** The state directory local mode runs in. */
  readonly stateDir: string;
  /** Empty when `deploy` is false. */
  readonly solutionVersionArn: string;
  readonly campaignArn: string;
  /** Empty without `eventTracker`. */
  readonly eventTrackerArn: string;
  readonly trackingId: string;
  /** A call to the API with local mode's key, over HTTP. */
  readonly api: (method: string, path: string, body?: unknown) => Promise<ApiResponse>;
  /** The same call, throwing on anything but a 200; its JSON body. */
  readonly ok: (method: string, path: string, body?: unknown) => Promise<Record<string, string>>;
  /** Closes local mode and starts it again on the same state directory and options (new ports). */
  readonly restart: () => Promise<LocalMode>;
}

/**
 * Starts local mode before the tests of the enclosing block and closes it after them; the returned function
 * gives the deployment to a test (it throws before beforeAll ran, or when it failed).
 */
export function deployedLocalMode(options: DeployedOptions): () => Deployed {
  let deployed: Deployed | undefined;
  let local: LocalMode | undefined;
  let state: ReturnType<typeof temporaryDirectory> | undefined;
  let restoreStdout: (() => void) | undefined;

  beforeAll(async () => {
    if (options.freshModules) jest.resetModules();
    restoreStdout = silenceHandlerLogs();
    const stateDir = (state = temporaryDirectory(options.name)).path;
    const start = () =>
      startLocalMode({
        port: 0,
        personalizeTransitionMs: 20,
        log: () => undefined,
        ...options.start,
        stateDir,
      });
    const started = (local = await start());
    const current = () => {
      if (!local) throw new Error(`local mode (${options.name}) is not running`);
      return local;
    };
    const api = (method: string, path: string, body?: unknown) =>
      callApi(current().url, current().apiKey, method, path, body);
    const ok = async (method: string, path: string, body?: unknown) => {
      const response = await api(method, path, body);
      if (response.status !== 200) throw new Error(`${method} ${path}: ${response.status} ${response.text}`);
      return response.body as Record<string, string>;
    };
    let solutionVersionArn = '';
    let campaignArn = '';
    if (options.deploy ?? true) {
      ({ solutionVersionArn = '' } = await ok('POST', '/solutionVersion', {
        solutionArn: started.outputs[STACK_OUTPUTS.solutionArn],
        version: options.name,
      }));
      await untilActive('/describeSolutionVersion', () =>
        ok('POST', '/describeSolutionVersion', { solutionVersionArn }),
      );
      ({ campaignArn = '' } = await ok('POST', '/campaign', {
        solutionVersionArn,
        name: options.name,
        ...(options.campaignConfig ? { campaignConfig: options.campaignConfig } : {}),
      }));
      await untilActive('/describeCampaign', () => ok('POST', '/describeCampaign', { campaignArn }));
    }
    const tracker = options.eventTracker
      ? await createActiveEventTracker(started, options.name)
      : { eventTrackerArn: '', trackingId: '' };
    deployed = {
      get local() {
        return current();
      },
      stateDir,
      solutionVersionArn,
      campaignArn,
      ...tracker,
      api,
      ok,
      restart: async () => {
        const running = local;
        local = undefined;
        await running?.close();
        return (local = await start());
      },
    };
  });

  afterAll(async () => {
    await local?.close();
    state?.remove();
    restoreStdout?.();
  });

  return () => {
    if (!deployed) throw new Error(`local mode (${options.name}) did not start and deploy`);
    return deployed;
  };
}
