/**
 * The dead-letter queue of local mode: one JSON-lines file under the state directory. Both paths that
 * dead-letter on AWS write to it: the event source mapping's on-failure destination (records that kept
 * failing or grew too old) and the consumer's own SendMessage (malformed records), through a minimal SQS
 * endpoint that speaks the SDK's awsJson1_0 protocol.
 */
import { createHash, randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { closeServer, listenOn } from './listen';

export type DeadLetter =
  | {
      readonly source: 'event-source-mapping';
      readonly timestamp: string;
      /** As Lambda's on-failure destination records it: `RetryAttemptsExhausted` or `RecordAgeExceeded`. */
      readonly condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded';
      readonly error?: string;
      readonly approximateInvokeCount: number;
      readonly KinesisBatchInfo: {
        readonly shardId: string;
        readonly startSequenceNumber: string;
        readonly endSequenceNumber: string;
        readonly approximateArrivalOfFirstRecord: string;
        readonly approximateArrivalOfLastRecord: string;
        readonly batchSize: number;
        readonly streamArn: string;
      };
      /** The records themselves (Lambda sends only their coordinates; locally we have them, so keep them). */
      readonly records: ReadonlyArray<{
        readonly sequenceNumber: string;
        readonly partitionKey: string;
        /** Base64, as in the Kinesis event. */
        readonly data: string;
      }>;
    }
  | {
      readonly source: 'sqs';
      readonly timestamp: string;
      readonly queueUrl: string;
      readonly messageId: string;
      /** The message body, parsed when it is JSON. */
      readonly body: unknown;
      readonly messageAttributes?: unknown;
    };

export class DeadLetterFile {
  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
  }

  /** Appends synchronously: a dead letter is acknowledged only once it is on disk. */
  append(entry: DeadLetter): void {
    appendFileSync(this.path, `${JSON.stringify(entry)}\n`);
  }

  readAll(): DeadLetter[] {
    if (!existsSync(this.path)) return [];
    return readFileSync(this.path, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as DeadLetter);
  }
}

export interface SqsStandIn {
  readonly endpoint: string;
  /** The queue URL to give the consumer (its origin is this endpoint, as the SDK uses the URL's host). */
  readonly queueUrl: string;
  close(): Promise<void>;
}

export async function startSqsStandIn(options: {
  readonly port: number;
  readonly queueName: string;
  readonly deadLetters: DeadLetterFile;
  readonly accountId?: string;
}): Promise<SqsStandIn> {
  const accountId = options.accountId ?? '000000000000';
  let queueUrl = '';
  const server: Server = createServer((request, response) => {
    handleSqsRequest(request, response, options.deadLetters, () => queueUrl).catch((error: unknown) => {
      sendSqsError(response, 500, 'InternalError', error instanceof Error ? error.message : String(error));
    });
  });
  await listenOn(server, options.port, 'SQS dead-letter queue');
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  queueUrl = `${endpoint}/${accountId}/${options.queueName}`;
  return { endpoint, queueUrl, close: () => closeServer(server) };
}

async function handleSqsRequest(
  request: IncomingMessage,
  response: ServerResponse,
  deadLetters: DeadLetterFile,
  queueUrl: () => string,
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const target = String(request.headers['x-amz-target'] ?? '');
  const operation = target.startsWith('AmazonSQS.') ? target.slice('AmazonSQS.'.length) : '';
  let input: Record<string, unknown>;
  try {
    input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
  } catch {
    sendSqsError(response, 400, 'InvalidParameterValue', 'The request body is not JSON');
    return;
  }
  const knownQueue = (url: unknown) =>
    typeof url === 'string' && new URL(url).pathname === new URL(queueUrl()).pathname;
  const accept = (body: unknown, attributes: unknown) => {
    const text = typeof body === 'string' ? body : '';
    const messageId = randomUUID();
    deadLetters.append({
      source: 'sqs',
      timestamp: new Date().toISOString(),
      queueUrl: queueUrl(),
      messageId,
      body: parseJsonOrText(text),
      ...(attributes === undefined ? {} : { messageAttributes: attributes }),
    });
    // The SDK checks this digest against the body it sent.
    return { MessageId: messageId, MD5OfMessageBody: createHash('md5').update(text, 'utf8').digest('hex') };
  };
  switch (operation) {
    case 'SendMessage': {
      if (!knownQueue(input.QueueUrl)) {
        sendSqsError(
          response,
          400,
          'QueueDoesNotExist',
          `The specified queue does not exist: ${String(input.QueueUrl)}`,
        );
        return;
      }
      if (typeof input.MessageBody !== 'string' || input.MessageBody.length === 0) {
        sendSqsError(
          response,
          400,
          'MissingParameter',
          'The request must contain the parameter MessageBody.',
        );
        return;
      }
      sendSqsJson(response, 200, accept(input.MessageBody, input.MessageAttributes));
      return;
    }
    case 'SendMessageBatch': {
      if (!knownQueue(input.QueueUrl)) {
        sendSqsError(
          response,
          400,
          'QueueDoesNotExist',
          `The specified queue does not exist: ${String(input.QueueUrl)}`,
        );
        return;
      }
      const entries = Array.isArray(input.Entries) ? (input.Entries as Array<Record<string, unknown>>) : [];
      const successful = entries.map((entry) => ({
        Id: entry.Id,
        ...accept(entry.MessageBody, entry.MessageAttributes),
      }));
      sendSqsJson(response, 200, { Successful: successful, Failed: [] });
      return;
    }
    case 'GetQueueUrl':
      sendSqsJson(response, 200, { QueueUrl: queueUrl() });
      return;
    default:
      sendSqsError(
        response,
        400,
        'UnsupportedOperation',
        `Local mode's SQS supports SendMessage only, not ${operation || target}`,
      );
  }
}

function parseJsonOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function sendSqsJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  });
  response.end(text);
}

function sendSqsError(response: ServerResponse, status: number, code: string, message: string): void {
  if (response.headersSent) return;
  // awsJson1_0 errors: the SDK reads `__type` and throws the matching exception class.
  sendSqsJson(response, status, { __type: `com.amazonaws.sqs#${code}`, message });
}
