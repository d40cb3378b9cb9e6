/**
 * Replays the records kept in the failed-records bucket to Personalize:
 *
 *   npm run replay-failures -- s3://<bucket>[/<prefix>] --dataset-group-arn <arn> [--tracking-id <id>] [--dry-run] [--keep]
 *
 * It reads every object under the location, in either of the bucket's formats (lambda/shared/failed-records.ts:
 * Lambda's on-failure invocation records under `aws/lambda/`, the consumer's own under `consumer/`), decodes
 * each record with the consumer's own code (so a record expands to the very events, and event ids, the
 * consumer would have sent), sends them with PutEvents, prints a summary per object, and deletes each object
 * once Personalize accepted all of its records. Malformed records cannot be sent: their object is kept and
 * they are reported. A record whose calls fail is reported and its object kept; replaying it again later
 * sends its events with the same event ids.
 *
 * It applies the consumer's guard (lambda/shared/trackers.ts): events go only to a tracking id of an event
 * tracker of the stack's dataset group. `personalize:PutEvents` has no resource-level permission, so the
 * operator's credentials could send a record's events into another application's dataset group; a record
 * whose tracking id is not the stack's (the very records the consumer sets aside for it) is refused,
 * reported and its object kept: send it to the stack's tracker with --tracking-id.
 *
 *   --dataset-group-arn <arn>  the stack's dataset group (its DatasetGroupArn output; or DATASET_GROUP_ARN)
 *   --tracking-id <id>  send to this tracking id instead of the records' own (their tracker was deleted)
 *   --dry-run           decode and report, send and delete nothing
 *   --keep              send, but delete no object
 *
 * The SDK clients use the default configuration: region from AWS_REGION, credentials from the default
 * chain, endpoints from AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_PERSONALIZE and
 * AWS_ENDPOINT_URL_PERSONALIZE_EVENTS when set (which is how it runs against local mode's stand-ins). What
 * it prints of the records (keys, ids, errors) has its control characters escaped, so a record cannot forge
 * a line of the report. Exit status: 0 when nothing failed (malformed records, which no retry can fix, are
 * reported but do not fail the run), 1 when a record failed or was refused, or an object could not be read,
 * understood or deleted, 2 on bad usage.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { PersonalizeClient } from '@aws-sdk/client-personalize';
import { PersonalizeEventsClient, PutEventsCommand } from '@aws-sdk/client-personalize-events';
import { DeleteObjectCommand, GetObjectCommand, paginateListObjectsV2, S3Client } from '@aws-sdk/client-s3';
import { expandInteractions, toPutEventsBatches, type InteractionEvent } from '../lambda/shared/events';
import { type FailureFormat, readFailures } from '../lambda/shared/failed-records';
import {
  type RecordPayload,
  decodeRecord,
  expandOptionsOf,
  messageOf,
  parseRecord,
} from '../lambda/shared/records';
import { errorMessage } from '../lambda/shared/service-errors';
import { TrackingIdGuard } from '../lambda/shared/trackers';
import { DATASET_GROUP_ARN_ENV } from '../lib/contract/function-environment';

const USAGE =
  'Usage: npm run replay-failures -- s3://<bucket>[/<prefix>] --dataset-group-arn <arn> [--tracking-id <id>] [--dry-run] [--keep]';

export interface ReplayOptions {
  readonly bucket: string;
  /** Key prefix of the objects to replay ('' for the whole bucket). */
  readonly prefix: string;
  /** The stack's dataset group: events go only to its event trackers' tracking ids. */
  readonly datasetGroupArn: string;
  /** Sends every record to this tracking id instead of its own. */
  readonly trackingId?: string;
  readonly dryRun: boolean;
  readonly keep: boolean;
}

export interface ReplayClients {
  readonly s3: S3Client;
  /** Lists the dataset group's event trackers (ListEventTrackers, DescribeEventTracker). */
  readonly personalize: PersonalizeClient;
  readonly personalizeEvents: PersonalizeEventsClient;
}

interface RecordProblem {
  readonly sequenceNumber: string;
  readonly error: string;
}

/** What became of one object. */
export interface ObjectSummary {
  readonly key: string;
  /** `unrecognised`: neither format (kept); `unreadable`: GetObject failed. */
  readonly format: FailureFormat | 'unrecognised' | 'unreadable';
  readonly records: number;
  /** Records whose events Personalize accepted (with --dry-run: that would have been sent). */
  readonly delivered: number;
  readonly eventsSent: number;
  readonly malformed: readonly RecordProblem[];
  /** Records whose tracking id is not one of the stack's dataset group: nothing of them was sent. */
  readonly refused: readonly RecordProblem[];
  readonly failed: readonly RecordProblem[];
  readonly deleted: boolean;
  /** Why the object could not be read or understood. */
  readonly error?: string;
  /** Why it could not be deleted, although all its records were accepted. */
  readonly deleteError?: string;
}

const OPTIONS = {
  'dataset-group-arn': { type: 'string' },
  'tracking-id': { type: 'string' },
  'dry-run': { type: 'boolean' },
  keep: { type: 'boolean' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

/** Options that take a value. */
const VALUED: ReadonlySet<string> = new Set(['tracking-id', 'dataset-group-arn']);

/**
 * Parses the command line (the arguments after `--`); throws an Error saying what is wrong. parseArgs reads
 * it (`--tracking-id <id>` or `--tracking-id=<id>`); its tokens are checked here so a bad argument gets a
 * message naming it. The dataset group comes from --dataset-group-arn, else from DATASET_GROUP_ARN (the
 * consumer's own variable).
 */
export function parseArguments(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ReplayOptions {
  const { values, tokens } = parseArgs({
    args: [...argv],
    options: OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  let location: string | undefined;
  for (const token of tokens) {
    if (token.kind === 'option-terminator') throw new Error('unknown option --');
    if (token.kind === 'option' && token.rawName.startsWith('--')) {
      const known = Object.hasOwn(OPTIONS, token.name);
      if (!known || (!VALUED.has(token.name) && token.inlineValue)) {
        throw new Error(`unknown option ${argv[token.index]}`);
      }
      if (VALUED.has(token.name) && (!token.value || token.value.startsWith('--'))) {
        throw new Error(`--${token.name} needs a value`);
      }
      continue;
    }
    // The location; a short option (`-x`) is no option of this command and stands where the location does.
    if (location !== undefined) throw new Error(`unexpected argument ${argv[token.index]}`);
    location = argv[token.index];
  }
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(location ?? '');
  if (!match?.[1]) throw new Error('the location must be s3://<bucket>[/<prefix>]');
  const trackingId = values['tracking-id'];
  const given = values['dataset-group-arn'];
  const datasetGroupArn = typeof given === 'string' ? given : env[DATASET_GROUP_ARN_ENV];
  if (!datasetGroupArn) {
    throw new Error(
      `the stack's dataset group is needed, whose event trackers alone may receive the events: ` +
        `--dataset-group-arn <the stack's DatasetGroupArn output> (or ${DATASET_GROUP_ARN_ENV})`,
    );
  }
  if (!/^arn:aws[\w-]*:personalize:[\w-]+:\d{12}:dataset-group\/[\w-]+$/.test(datasetGroupArn)) {
    throw new Error(
      `--dataset-group-arn must be a Personalize dataset group ARN, got ${printable(datasetGroupArn)}`,
    );
  }
  return {
    bucket: match[1],
    prefix: match[2] ?? '',
    datasetGroupArn,
    trackingId: typeof trackingId === 'string' ? trackingId : undefined,
    dryRun: values['dry-run'] === true,
    keep: values.keep === true,
  };
}

/** Every key under the prefix (ListObjectsV2, all pages), folder markers left out. */
async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) {
    for (const { Key } of page.Contents ?? []) if (Key && !Key.endsWith('/')) keys.push(Key);
  }
  return keys;
}

/** The events of a record as the consumer expands them, optionally sent to another tracking id. */
function eventsOf(payload: RecordPayload, trackingId: string | undefined): InteractionEvent[] {
  const record = { kinesis: payload };
  if (trackingId === undefined) return decodeRecord(record);
  return expandInteractions({ ...parseRecord(record), trackingId }, expandOptionsOf(record));
}

interface RecordOutcome {
  readonly eventsSent: number;
  readonly malformed?: string;
  readonly refused?: string;
  readonly failed?: string;
}

/**
 * Whether the record's events may go to their tracking id: refused (a message) when it is not one of the
 * stack's dataset group's, failed when that cannot be told now (the lookup failed, or the tracker is still
 * being created). The guard is the consumer's.
 */
async function ownershipOf(
  trackingIds: TrackingIdGuard,
  calls: ReturnType<typeof toPutEventsBatches>,
  datasetGroupArn: string,
): Promise<Pick<RecordOutcome, 'refused' | 'failed'>> {
  for (const trackingId of new Set(calls.map((call) => call.trackingId ?? ''))) {
    let own: boolean;
    try {
      own = await trackingIds.acceptsEvents(trackingId);
    } catch (error) {
      return { failed: `the tracking id ${trackingId} could not be checked: ${messageOf(error)}` };
    }
    if (!own) {
      return {
        refused:
          `trackingId ${trackingId} is not the tracking id of an event tracker of ${datasetGroupArn}: ` +
          "nothing sent (send it to the stack's tracker with --tracking-id)",
      };
    }
  }
  return {};
}

/** Sends one record's events, call after call, if their tracking id is the stack's; stops at the first failed call. */
async function replayRecord(
  clients: ReplayClients,
  trackingIds: TrackingIdGuard,
  payload: RecordPayload,
  options: ReplayOptions,
): Promise<RecordOutcome> {
  let calls: ReturnType<typeof toPutEventsBatches>;
  try {
    calls = toPutEventsBatches(eventsOf(payload, options.trackingId));
  } catch (error) {
    return { eventsSent: 0, malformed: messageOf(error) };
  }
  const ownership = await ownershipOf(trackingIds, calls, options.datasetGroupArn);
  if (ownership.refused !== undefined || ownership.failed !== undefined)
    return { eventsSent: 0, ...ownership };
  let eventsSent = 0;
  for (const call of calls) {
    if (!options.dryRun) {
      try {
        await clients.personalizeEvents.send(new PutEventsCommand(call));
      } catch (error) {
        return { eventsSent, failed: messageOf(error) };
      }
    }
    eventsSent += call.eventList.length;
  }
  return { eventsSent };
}

/** Reads one object and replays its records; deletes it if all were accepted (unless --dry-run or --keep). */
async function replayObject(
  clients: ReplayClients,
  trackingIds: TrackingIdGuard,
  options: ReplayOptions,
  key: string,
): Promise<ObjectSummary> {
  const summary = {
    key,
    records: 0,
    delivered: 0,
    eventsSent: 0,
    malformed: [],
    refused: [],
    failed: [],
    deleted: false,
  };
  let json: unknown;
  try {
    const object = await clients.s3.send(new GetObjectCommand({ Bucket: options.bucket, Key: key }));
    const text = (await object.Body?.transformToString('utf8')) ?? '';
    try {
      json = JSON.parse(text);
    } catch {
      return { ...summary, format: 'unrecognised', error: 'not JSON' };
    }
  } catch (error) {
    return { ...summary, format: 'unreadable', error: messageOf(error) };
  }
  const read = readFailures(json);
  if (!read) return { ...summary, format: 'unrecognised', error: 'neither failure format' };

  const malformed: RecordProblem[] = [];
  const refused: RecordProblem[] = [];
  const failed: RecordProblem[] = [];
  let delivered = 0;
  let eventsSent = 0;
  for (const payload of read.records) {
    const outcome = await replayRecord(clients, trackingIds, payload, options);
    eventsSent += outcome.eventsSent;
    const { sequenceNumber } = payload;
    if (outcome.malformed !== undefined) malformed.push({ sequenceNumber, error: outcome.malformed });
    else if (outcome.refused !== undefined) refused.push({ sequenceNumber, error: outcome.refused });
    else if (outcome.failed !== undefined) failed.push({ sequenceNumber, error: outcome.failed });
    else delivered += 1;
  }
  const result = {
    ...summary,
    format: read.format,
    records: read.records.length,
    delivered,
    eventsSent,
    malformed,
    refused,
    failed,
  };
  if (options.dryRun || options.keep || malformed.length > 0 || refused.length > 0 || failed.length > 0) {
    return result;
  }
  try {
    await clients.s3.send(new DeleteObjectCommand({ Bucket: options.bucket, Key: key }));
    return { ...result, deleted: true };
  } catch (error) {
    return { ...result, deleteError: messageOf(error) };
  }
}

/**
 * Replays every object under the location, one at a time, and answers a summary per object (also handed to
 * `report` as each object is done).
 */
export async function replayFailures(
  clients: ReplayClients,
  options: ReplayOptions,
  report: (summary: ObjectSummary) => void = () => undefined,
): Promise<ObjectSummary[]> {
  const summaries: ObjectSummary[] = [];
  const trackingIds = new TrackingIdGuard(clients.personalize, {
    [DATASET_GROUP_ARN_ENV]: options.datasetGroupArn,
  });
  for (const key of await listKeys(clients.s3, options.bucket, options.prefix)) {
    const summary = await replayObject(clients, trackingIds, options, key);
    report(summary);
    summaries.push(summary);
  }
  return summaries;
}

/**
 * Text from the bucket (keys, sequence numbers, ids inside errors) made safe for a terminal line: control
 * characters (C0, DEL, C1), line and paragraph separators and bidirectional overrides escaped as `\\uXXXX`
 * (a backslash as `\\\\`), so a record cannot end a line, rewrite it or forge the summary.
 */
export function printable(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (char === '\\') out += '\\\\';
    else if (unprintable(code)) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += char;
  }
  return out;
}

/** C0 and C1 controls, DEL, line and paragraph separators, bidirectional embeddings, overrides and isolates. */
function unprintable(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    (code >= 0x2028 && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

/** One object's summary, for the terminal; whatever came from the bucket is printable(). */
export function formatSummary(summary: ObjectSummary, dryRun = false): string {
  const lines = [
    `${printable(summary.key)}: ${summary.format}, ${summary.records} record(s), ${summary.delivered} ` +
      `${dryRun ? 'would be sent' : 'delivered'} (${summary.eventsSent} events), ` +
      `${summary.malformed.length} malformed, ${summary.refused.length} refused, ${summary.failed.length} failed; ` +
      `${summary.deleted ? 'deleted' : 'kept'}${summary.error ? ` (${printable(summary.error)})` : ''}` +
      `${summary.deleteError ? ` (delete failed: ${printable(summary.deleteError)})` : ''}`,
  ];
  const problems = { malformed: summary.malformed, refused: summary.refused, failed: summary.failed };
  for (const [kind, list] of Object.entries(problems)) {
    for (const { sequenceNumber, error } of list) {
      lines.push(`  ${kind} ${printable(sequenceNumber)}: ${printable(error)}`);
    }
  }
  return lines.join('\n');
}

/**
 * True when the run leaves something to do: a record failed (may succeed on another run) or was refused
 * (needs --tracking-id), an object could not be read or understood (kept), or a delete failed. Malformed
 * records, which nothing can fix, are reported only.
 */
export function anyFailure(summaries: readonly ObjectSummary[]): boolean {
  return summaries.some(
    (summary) =>
      summary.failed.length > 0 ||
      summary.refused.length > 0 ||
      summary.format === 'unreadable' ||
      summary.format === 'unrecognised' ||
      summary.deleteError !== undefined,
  );
}

async function main(): Promise<void> {
  let options: ReplayOptions;
  try {
    options = parseArguments(process.argv.slice(2));
  } catch (error) {
    console.error(`${errorMessage(error)}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const clients = {
    s3: new S3Client({}),
    personalize: new PersonalizeClient({}),
    personalizeEvents: new PersonalizeEventsClient({}),
  };
  const summaries = await replayFailures(clients, options, (summary) =>
    console.log(formatSummary(summary, options.dryRun)),
  );
  const total = (pick: (summary: ObjectSummary) => number) => summaries.reduce((sum, s) => sum + pick(s), 0);
  console.log(
    `${summaries.length} object(s), ${total((s) => s.records)} record(s): ${total((s) => s.delivered)} ` +
      `${options.dryRun ? 'would be sent' : 'delivered'}, ${total((s) => s.malformed.length)} malformed, ` +
      `${total((s) => s.refused.length)} refused, ${total((s) => s.failed.length)} failed; ` +
      `${summaries.filter((s) => s.deleted).length} object(s) deleted`,
  );
  if (anyFailure(summaries)) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
