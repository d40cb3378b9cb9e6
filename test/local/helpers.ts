/** Shared helpers of the local-mode tests: temp state directories, HTTP calls, polling, emulator counts. */
import { DescribeEventTrackerCommand, PersonalizeClient } from '@aws-sdk/client-personalize';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { STACK_OUTPUTS } from '../../lib/contract/stack-outputs';
import type { LocalMode } from '../../local/start';

export function temporaryDirectory(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
  readonly text: string;
  readonly headers: Headers;
}

/** Calls the API over real HTTP, with the key unless `apiKey` is null. */
export async function callApi(
  baseUrl: string,
  apiKey: string | null,
  method: string,
  path: string,
  body?: unknown,
): Promise<ApiResponse> {
  const headers: Record<string, string> = {};
  if (apiKey !== null) headers['x-api-key'] = apiKey;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, body: parsed, text, headers: response.headers };
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Polls a describe call of the API (POST /describeSolutionVersion, /describeCampaign, which answer the
 * status as a JSON string) until it answers ACTIVE; training and campaign creation take the emulator's
 * lifecycle steps. The bound is generous: at a load of 28 on 2 cores, training the sample took more than 60 s.
 */
export async function untilActive(what: string, describe: () => Promise<unknown>): Promise<void> {
  await waitFor(
    `${what} ACTIVE`,
    async () => ((await describe()) === 'ACTIVE' ? true : undefined),
    180_000,
    50,
  );
}

/** Polls the Personalize emulator (its own client, outside the API) until the event tracker is ACTIVE. */
async function untilEventTrackerActive(
  local: Pick<LocalMode, 'region' | 'personalize'>,
  eventTrackerArn: string,
): Promise<void> {
  const control = new PersonalizeClient({ region: local.region, endpoint: local.personalize.endpoint });
  try {
    await waitFor('the event tracker to be ACTIVE', async () => {
      const { eventTracker } = await control.send(new DescribeEventTrackerCommand({ eventTrackerArn }));
      return eventTracker?.status === 'ACTIVE' ? true : undefined;
    });
  } finally {
    control.destroy();
  }
}

/** Creates an event tracker for the stack's dataset group over the API (POST /eventTracker), ACTIVE when it returns. */
export async function createActiveEventTracker(
  local: LocalMode,
  name: string,
): Promise<{ eventTrackerArn: string; trackingId: string }> {
  const created = await callApi(local.url, local.apiKey, 'POST', '/eventTracker', {
    name,
    datasetGroupArn: local.outputs[STACK_OUTPUTS.datasetGroupArn],
  });
  if (created.status !== 200) throw new Error(`POST /eventTracker: ${created.status} ${created.text}`);
  const tracker = created.body as { eventTrackerArn: string; trackingId: string };
  await untilEventTrackerActive(local, tracker.eventTrackerArn);
  return { eventTrackerArn: tracker.eventTrackerArn, trackingId: tracker.trackingId };
}

/**
 * Events the Personalize emulator accepted (PutEvents), read from its durable log in the state directory:
 * the emulator-side count, independent of what the consumer believes it sent.
 */
export function acceptedEvents(
  personalizeStateDir: string,
): Array<{ eventId?: string; trackerArn?: string; interaction: { userId: string; itemId: string } }> {
  const log = join(personalizeStateDir, 'live-data.jsonl');
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(
      (line) =>
        JSON.parse(line) as {
          kind: string;
          eventId?: string;
          trackerArn?: string;
          interaction: { userId: string; itemId: string };
        },
    )
    .filter((record) => record.kind === 'event');
}

/**
 * Keeps the handlers' structured JSON log lines (expected errors included) out of the test output;
 * everything else still prints. Returns what restores stdout.
 */
export function silenceHandlerLogs(): () => void {
  const write = process.stdout.write.bind(process.stdout);
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown, ...rest: unknown[]) => {
    if (typeof chunk === 'string' && chunk.startsWith('{"timestamp"')) return true;
    return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
  });
  return () => spy.mockRestore();
}

/** The base64 data of every Kinesis record a failed-records object holds, whichever wrote it. */
export function failedRecordData(object: { key: string; body: unknown }): string[] {
  const body = object.body as {
    payload?: { Records?: Array<{ kinesis: { data: string } }> };
    records?: Array<{ data: string }>;
  };
  if (object.key.startsWith('aws/lambda/'))
    return (body.payload?.Records ?? []).map((record) => record.kinesis.data);
  if (object.key.startsWith('consumer/')) return (body.records ?? []).map((record) => record.data);
  throw new Error(`Not a failed-records object: ${object.key}`);
}

/** The events (interactions) records stand for; a record that is not an interaction batch stands for none. */
export function eventsIn(data: readonly string[]): number {
  return data.reduce((sum, item) => {
    try {
      const batch = JSON.parse(Buffer.from(item, 'base64').toString('utf8')) as { interactions?: number };
      return sum + (batch.interactions ?? 0);
    } catch {
      return sum;
    }
  }, 0);
}

/** The resources GET /status lists (the fields the tests read), newest first. */
export interface StackStatus {
  readonly datasetGroupArn: string;
  readonly solutionVersions: ReadonlyArray<{ solutionVersionArn: string; status: string }>;
  readonly campaigns: ReadonlyArray<{ campaignArn: string; name: string; status: string }>;
  readonly eventTrackers: ReadonlyArray<{
    eventTrackerArn: string;
    name: string;
    status: string;
    trackingId?: string;
  }>;
}

/** GET /status of the API at `baseUrl`; throws on anything but a 200. */
export async function stackStatus(baseUrl: string, apiKey: string): Promise<StackStatus> {
  const response = await callApi(baseUrl, apiKey, 'GET', '/status');
  if (response.status !== 200) throw new Error(`GET /status answered ${response.status}: ${response.text}`);
  return response.body as StackStatus;
}

export interface ScriptRun {
  /** The exit code, or null when a signal ended the script. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `bash <script>` (a path from the project root) with `env` added to this process's environment, without
 * blocking the event loop (local mode runs in this process). `onStdout` sees the output so far as it grows and
 * may signal the script: bash alone, or its whole process group as a terminal's Ctrl-C does (the script runs in
 * a process group of its own, as a terminal's foreground job).
 */
export function runBashScript(
  script: string,
  env: Record<string, string>,
  onStdout?: (output: string, signal: (name: NodeJS.Signals, to?: 'script' | 'group') => void) => void,
): Promise<ScriptRun> {
  const root = resolve(__dirname, '..', '..');
  return new Promise((done, fail) => {
    const child = spawn('bash', [join(root, script)], {
      cwd: root,
      env: { ...process.env, ...env },
      detached: true,
    });
    const signal = (name: NodeJS.Signals, to: 'script' | 'group' = 'script') => {
      if (to === 'group' && child.pid !== undefined) process.kill(-child.pid, name);
      else child.kill(name);
    };
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      onStdout?.(stdout, signal);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', fail);
    child.on('close', (code, signal) => done({ code, signal, stdout, stderr }));
  });
}
