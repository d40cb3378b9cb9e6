/**
 * The AWS integration of `POST /data` in local mode's gateway: the stack's request template
 * (lib/contract/kinesis-integration.ts) renders Kinesis PutRecord's input, the record is put on the stack's
 * stream, and Kinesis's answer goes through the stack's integration responses, as API Gateway does.
 */
import { type KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { PUT_RECORD_ERROR_RESPONSES } from '../../lib/contract/gateway-responses';
import {
  PUT_RECORD_RESPONSE_TEMPLATE,
  putRecordRequestTemplate,
} from '../../lib/contract/kinesis-integration';
import { type GatewayRequest, type Reply, requestContextVariables } from './request';
import { renderMappingTemplate } from './vtl';

/** What the integration needs from the gateway. */
export interface KinesisIntegrationSettings {
  /** The stack's stream: the template always writes to it, whatever the request's `stream-name` says. */
  readonly streamName: string;
  readonly kinesis: KinesisClient;
  readonly log: (line: string) => void;
}

/** Kinesis's answer as the integration sees it: its HTTP status and its JSON document. */
interface KinesisAnswer {
  readonly status: number;
  readonly body: string;
}

/** Puts the request's record on the stream; Kinesis's answer (or error) as the integration response. */
export async function putRecordIntegration(
  settings: KinesisIntegrationSettings,
  request: GatewayRequest,
  body: string,
): Promise<Reply> {
  const input = renderMappingTemplate(putRecordRequestTemplate(settings.streamName), {
    body,
    headers: singleValueHeaders(request.incoming.rawHeaders),
    queryString: Object.fromEntries(request.url.searchParams),
  }).body;
  const answer = await putRecord(settings.kinesis, input);
  if (answer.status !== 200) {
    settings.log(
      `gateway: ${request.requestId}: Kinesis PutRecord failed (${answer.status}): ${answer.body}`,
    );
  }
  return integrationResponse(request, answer);
}

/**
 * The stack's stream is encrypted with the AWS-managed key (lib/constructs/event-pipeline.ts), so PutRecord
 * answers `EncryptionType: KMS` on AWS (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecord.html).
 * kinesalite has no encryption and answers none: the stand-in answers as the stack's stream does.
 */
const STACK_STREAM_ENCRYPTION = 'KMS';

/** Sends the rendered input; a template Kinesis cannot parse is its 400 SerializationException. */
async function putRecord(kinesis: KinesisClient, rendered: string): Promise<KinesisAnswer> {
  try {
    const input = JSON.parse(rendered) as { StreamName?: string; Data?: string; PartitionKey?: string };
    const output = await kinesis.send(
      new PutRecordCommand({
        StreamName: input.StreamName,
        // The template base64-encodes Data, as Kinesis's JSON protocol carries it; the SDK encodes bytes itself.
        Data: Buffer.from(input.Data ?? '', 'base64'),
        PartitionKey: input.PartitionKey,
      }),
    );
    const { SequenceNumber, ShardId, EncryptionType = STACK_STREAM_ENCRYPTION } = output;
    return { status: 200, body: JSON.stringify({ SequenceNumber, ShardId, EncryptionType }) };
  } catch (error) {
    if (error instanceof SyntaxError) {
      const body = { __type: 'SerializationException', message: 'The request body is not valid JSON' };
      return { status: 400, body: JSON.stringify(body) };
    }
    const failure = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    return {
      status: failure.$metadata?.httpStatusCode ?? 500,
      body: JSON.stringify({ __type: failure.name ?? 'InternalFailure', message: failure.message ?? '' }),
    };
  }
}

/** The integration response whose selection pattern matches Kinesis's status, its template rendered. */
function integrationResponse(request: GatewayRequest, answer: KinesisAnswer): Reply {
  const errorResponse = Object.values(PUT_RECORD_ERROR_RESPONSES).find((candidate) =>
    new RegExp(`^(?:${candidate.selectionPattern})$`).test(String(answer.status)),
  );
  const ok = answer.status === 200;
  const template = ok ? PUT_RECORD_RESPONSE_TEMPLATE : (errorResponse?.template ?? '$input.body');
  const result = renderMappingTemplate(template, {
    body: answer.body,
    context: requestContextVariables(request),
  });
  return {
    statusCode: result.statusOverride ?? (ok ? 200 : (errorResponse?.statusCode ?? answer.status)),
    headers: { 'content-type': 'application/json', ...result.headerOverrides },
    body: result.body,
  };
}

function singleValueHeaders(rawHeaders: readonly string[]): Record<string, string> {
  const headers = new Map<string, string>();
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    headers.set(rawHeaders[index] as string, rawHeaders[index + 1] as string);
  }
  return Object.fromEntries(headers);
}
