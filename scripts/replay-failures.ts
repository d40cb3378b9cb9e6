/**
 * Replays the records kept in the failed-records bucket to Personalize:
 *
 *   npm run replay-failures -- s3://<bucket>[/<prefix>] [--tracking-id <id>] [--dry-run] [--keep]
 *
 * It reads every object under the location, in either of the bucket's formats (lambda/shared/failed-records.ts:
 * Lambda's on-failure invocation records under `aws/lambda/`, the consumer's own under `consumer/`), decodes
 * each record with the consumer's own code (so a record expands to the very events, and event ids, the
 * consumer would have sent), sends them with PutEvents, prints a summary per object, and deletes each object
 * once Personalize accepted all of its records. Malformed records cannot be sent: their object is kept and
 * they are reported. A record whose calls fail is reported and its object kept; replaying it again later
 * sends its events with the same event ids.
 *
 *   --tracking-id <id>  send to this tracking id instead of the records' own (their tracker was deleted)
 *   --dry-run           decode and report, send and delete nothing
 *   --keep              send, but delete no object
 *
 * The SDK clients use the default configuration: region from AWS_REGION, credentials from the default
 * chain, endpoints from AWS_ENDPOINT_URL_S3 and AWS_ENDPOINT_URL_PERSONALIZE_EVENTS when set (which is how it
 * runs against local mode's stand-ins). Exit status: 0 when nothing failed (malformed records, which no
 * retry can fix, are reported but do not fail the run), 1 when a record or an object failed, 2 on bad usage.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
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

export const USAGE =
  'Usage: npm run replay-failures -- s3://<bucket>[/<prefix>] [--tracking-id <id>] [--dry-run] [--keep]';

export interface ReplayOptions {
  readonly bucket: string;
  /** Key prefix of the objects to replay ('' for the whole bucket). */
  readonly prefix: string;
  /** Sends every record to this tracking id instead of its own. */
  readonly trackingId?: string;
  readonly dryRun: boolean;
  readonly keep: boolean;
}

export interface ReplayClients {
  readonly s3: S3Client;
  readonly personalizeEvents: PersonalizeEventsClient;
}

export interface RecordProblem {
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
  readonly failed: readonly RecordProblem[];
  readonly deleted: boolean;
  /** Why the object could not be read or understood. */
  readonly error?: string;
  /** Why it could not be deleted, although all its records were accepted. */
  readonly deleteError?: string;
}

const OPTIONS = {
  'tracking-id': { type: 'string' },
  'dry-run': { type: 'boolean' },
  keep: { type: 'boolean' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

/**
 * Parses the command line (the arguments after `--`); throws an Error saying what is wrong. parseArgs reads
 * it (`--tracking-id <id>` or `--tracking-id=<id>`); its tokens are checked here so a bad argument gets a
 * message naming it.
 */
export function parseArguments(argv: readonly string[]): ReplayOptions {
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
      if (!known || (token.name !== 'tracking-id' && token.inlineValue)) {
        throw new Error(`unknown option ${argv[token.index]}`);
      }
      if (token.name === 'tracking-id' && (!token.value || token.value.startsWith('--'))) {
        throw new Error('--tracking-id needs a value');
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
  return {
    bucket: match[1],
    prefix: match[2] ?? '',
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
  readonly failed?: string;
}

/** Sends one record's events, call after call; stops at the first failed call. */
async function replayRecord(
  clients: ReplayClients,
  payload: RecordPayload,
  options: ReplayOptions,
): Promise<RecordOutcome> {
  let calls: ReturnType<typeof toPutEventsBatches>;
  try {
    calls = toPutEventsBatches(eventsOf(payload, options.trackingId));
  } catch (error) {
    return { eventsSent: 0, malformed: messageOf(error) };
  }
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
  options: ReplayOptions,
  key: string,
): Promise<ObjectSummary> {
  const summary = { key, records: 0, delivered: 0, eventsSent: 0, malformed: [], failed: [], deleted: false };
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
  const failed: RecordProblem[] = [];
  let delivered = 0;
  let eventsSent = 0;
  for (const payload of read.records) {
    const outcome = await replayRecord(clients, payload, options);
    eventsSent += outcome.eventsSent;
    const { sequenceNumber } = payload;
    if (outcome.malformed !== undefined) malformed.push({ sequenceNumber, error: outcome.malformed });
    else if (outcome.failed !== undefined) failed.push({ sequenceNumber, error: outcome.failed });
    else delivered += 1;
  }
  const result = { ...summary, format: read.format, records: read.records.length, delivered, eventsSent };
  if (options.dryRun || options.keep || malformed.length > 0 || failed.length > 0) {
    return { ...result, malformed, failed };
  }
  try {
    await clients.s3.send(new DeleteObjectCommand({ Bucket: options.bucket, Key: key }));
    return { ...result, malformed, failed, deleted: true };
  } catch (error) {
    return { ...result, malformed, failed, deleteError: messageOf(error) };
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
  for (const key of await listKeys(clients.s3, options.bucket, options.prefix)) {
    const summary = await replayObject(clients, options, key);
    report(summary);
    summaries.push(summary);
  }
  return summaries;
}

/** One object's summary, for the terminal. */
export function formatSummary(summary: ObjectSummary, dryRun = false): string {
  const lines = [
    `${summary.key}: ${summary.format}, ${summary.records} record(s), ${summary.delivered} ` +
      `${dryRun ? 'would be sent' : 'delivered'} (${summary.eventsSent} events), ` +
      `${summary.malformed.length} malformed, ${summary.failed.length} failed; ` +
      `${summary.deleted ? 'deleted' : 'kept'}${summary.error ? ` (${summary.error})` : ''}` +
      `${summary.deleteError ? ` (delete failed: ${summary.deleteError})` : ''}`,
  ];
  for (const { sequenceNumber, error } of summary.malformed)
    lines.push(`  malformed ${sequenceNumber}: ${error}`);
  for (const { sequenceNumber, error } of summary.failed) lines.push(`  failed ${sequenceNumber}: ${error}`);
  return lines.join('\n');
}

/** True when something may succeed on another run: a failed record, an unreadable object, a failed delete. */
export function anyFailure(summaries: readonly ObjectSummary[]): boolean {
  return summaries.some(
    (summary) =>
      summary.failed.length > 0 || summary.format === 'unreadable' || summary.deleteError !== undefined,
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
  const clients = { s3: new S3Client({}), personalizeEvents: new PersonalizeEventsClient({}) };
  const summaries = await replayFailures(clients, options, (summary) =>
    console.log(formatSummary(summary, options.dryRun)),
  );
  const total = (pick: (summary: ObjectSummary) => number) => summaries.reduce((sum, s) => sum + pick(s), 0);
  console.log(
    `${summaries.length} object(s), ${total((s) => s.records)} record(s): ${total((s) => s.delivered)} ` +
      `${options.dryRun ? 'would be sent' : 'delivered'}, ${total((s) => s.malformed.length)} malformed, ` +
      `${total((s) => s.failed.length)} failed; ${summaries.filter((s) => s.deleted).length} object(s) deleted`,
  );
  if (anyFailure(summaries)) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
