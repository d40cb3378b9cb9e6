/**
 * The API Gateway mapping templates of `POST /data` (an AWS service integration to Kinesis PutRecord).
 * The stack gives them to API Gateway; local mode's gateway renders the very same templates with velocityjs.
 */

/**
 * Request template. The stream name is the stack's own stream, never the request's `stream-name`
 * (the seed trusted the caller's value). `Data` is re-serialised as JSON and base64 encoded, as Kinesis expects.
 */
export function putRecordRequestTemplate(streamName: string): string {
  return [
    '{',
    `  "StreamName": "${streamName}",`,
    `  "Data": "$util.base64Encode($input.json('$.Data'))",`,
    `  "PartitionKey": "$util.escapeJavaScript($input.path('$.PartitionKey'))"`,
    '}',
  ].join('\n');
}

/** Response template: the seed's success message with Kinesis's PutRecord response as `data`. */
export const PUT_RECORD_RESPONSE_TEMPLATE = '{"Message": "Event sent successfully", "data": $input.body}';
