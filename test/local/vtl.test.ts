import {
  putRecordRequestTemplate,
  PUT_RECORD_RESPONSE_TEMPLATE,
} from '../../lib/contract/kinesis-integration';
import { PUT_RECORD_ERROR_RESPONSES } from '../../lib/contract/gateway-responses';
import { escapeJavaScript, evaluateJsonPath, renderMappingTemplate } from '../../local/apigateway/vtl';

const data = { userId: '429', itemId: '1210', eventType: 'click', trackingId: 'tracking-1', interactions: 3 };

describe('the /data request template rendered as API Gateway renders it', () => {
  const render = (body: unknown) =>
    JSON.parse(
      renderMappingTemplate(putRecordRequestTemplate('Stack-events'), { body: JSON.stringify(body) }).body,
    ) as {
      StreamName: string;
      Data: string;
      PartitionKey: string;
    };

  it('writes to the stack stream whatever stream-name the request gives', () => {
    expect(
      render({ 'stream-name': 'someone-elses-stream', Data: data, PartitionKey: '429' }).StreamName,
    ).toBe('Stack-events');
  });

  it('base64-encodes the Data object re-serialised as JSON ($input.json)', () => {
    const rendered = render({ Data: data, PartitionKey: '429' });
    expect(JSON.parse(Buffer.from(rendered.Data, 'base64').toString('utf8'))).toEqual(data);
  });

  it("carries the batch's recommendationId and impression list into the record unchanged", () => {
    const cited = { ...data, recommendationId: 'RID-1f2e', impression: ['1210', 'it\'s "7"', '√'] };
    const rendered = render({ Data: cited, PartitionKey: '429' });
    expect(JSON.parse(Buffer.from(rendered.Data, 'base64').toString('utf8'))).toEqual(cited);
  });

  it('escapes the partition key so quotes, slashes and non-ASCII survive the JSON', () => {
    expect(render({ Data: data, PartitionKey: 'a"b/c\\dé' }).PartitionKey).toBe('a"b/c\\dé');
  });

  it.each([`it's`, `\\'`, `'\\`, `''`])(
    'renders valid JSON for a partition key with single quotes: %s',
    (key) => {
      expect(render({ Data: data, PartitionKey: key }).PartitionKey).toBe(key);
    },
  );
});

describe('the /data response templates', () => {
  it('wraps the PutRecord response in the seed message ($input.body)', () => {
    const kinesis = JSON.stringify({
      SequenceNumber: '495',
      ShardId: 'shardId-000000000000',
      EncryptionType: 'KMS',
    });
    expect(JSON.parse(renderMappingTemplate(PUT_RECORD_RESPONSE_TEMPLATE, { body: kinesis }).body)).toEqual({
      Message: 'Event sent successfully',
      data: { SequenceNumber: '495', ShardId: 'shardId-000000000000', EncryptionType: 'KMS' },
    });
  });

  it('turns Kinesis throttling into a 429 through $context.responseOverride and Java String methods', () => {
    const rendered = renderMappingTemplate(PUT_RECORD_ERROR_RESPONSES.clientError.template, {
      body: JSON.stringify({ __type: 'ProvisionedThroughputExceededException', message: 'Rate exceeded' }),
    });
    expect(rendered.statusOverride).toBe(429);
    expect(JSON.parse(rendered.body)).toMatchObject({ code: 'TooManyRequestsException' });
  });

  it("keeps Kinesis's single-quoted values in an error message valid JSON", () => {
    const message = "1 validation error detected: Value 'k' at 'partitionKey' failed to satisfy constraint";
    const rendered = renderMappingTemplate(PUT_RECORD_ERROR_RESPONSES.clientError.template, {
      body: JSON.stringify({ __type: 'ValidationException', message }),
    });
    expect(JSON.parse(rendered.body)).toEqual({
      message: `Kinesis rejected the record: ${message}`,
      code: 'ValidationException',
    });
  });

  it('keeps other Kinesis client errors at the template status, with the message escaped', () => {
    const rendered = renderMappingTemplate(PUT_RECORD_ERROR_RESPONSES.clientError.template, {
      body: JSON.stringify({ __type: 'InvalidArgumentException', message: 'Key "x" is invalid' }),
    });
    expect(rendered.statusOverride).toBeUndefined();
    expect(JSON.parse(rendered.body)).toEqual({
      message: 'Kinesis rejected the record: Key "x" is invalid',
      code: 'ValidationException',
    });
  });

  it.each(['ResourceNotFoundException', 'KMSDisabledException', 'KMSAccessDeniedException'])(
    "answers Kinesis's %s (a fault of the stack, not of the request) with a 500",
    (type) => {
      const rendered = renderMappingTemplate(PUT_RECORD_ERROR_RESPONSES.clientError.template, {
        body: JSON.stringify({ __type: type, message: 'Stream x not found' }),
      });
      expect(rendered.statusOverride).toBe(500);
      expect(JSON.parse(rendered.body)).toEqual({
        message: "The stack's stream is not available: the event was not written, retry later",
        code: 'InternalServerException',
      });
    },
  );
});

describe('$util and $input', () => {
  it('escapeJavaScript escapes as Apache Commons StringEscapeUtils does', () => {
    expect(escapeJavaScript(`it's "a"/b\\c\n\tä`)).toBe(`it\\'s \\"a\\"\\/b\\\\c\\n\\t\\u00E4`);
  });

  it('$input.path renders an object as Java maps print, and a string as itself', () => {
    const body = JSON.stringify({ Data: { userId: '429', n: 3 } });
    expect(renderMappingTemplate("$input.path('$.Data.userId') $input.path('$.Data')", { body }).body).toBe(
      '429 {userId=429, n=3}',
    );
  });

  it('evaluates the JSONPath forms mapping templates use', () => {
    const document = { a: { 'b-c': [10, 20] } };
    expect(evaluateJsonPath(document, '$')).toBe(document);
    expect(evaluateJsonPath(document, "$.a['b-c'][1]")).toBe(20);
    expect(evaluateJsonPath(document, '$.missing.deeper')).toBeUndefined();
  });
});
