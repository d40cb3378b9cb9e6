/**
 * The API Gateway mapping templates of `POST /data` (an AWS service integration to Kinesis PutRecord).
 * The stack gives them to API Gateway; local mode's gateway renders the very same templates with velocityjs.
 */

/**
 * VTL that renders `expression` as the inside of a JSON string literal. `$util.escapeJavaScript` alone is
 * not enough: it escapes `'` as `\'`, which is not a JSON escape, so a single quote in the value would make
 * the rendered document invalid JSON. API Gateway's documentation gives this very fix (turn `\'` back into
 * `'`); every other escape it produces (`\"`, `\\`, `\/`, `\n`, `\uXXXX`...) is valid JSON.
 */
export function jsonStringContent(expression: string): string {
  return `$util.escapeJavaScript(${expression}).replaceAll("\\\\'","'")`;
}

/**
 * Request template. The stream name is the stack's own stream, never the request's `stream-name`
 * (the seed trusted the caller's value). `Data` is re-serialised as JSON and base64 encoded, as Kinesis expects.
 */
export function putRecordRequestTemplate(streamName: string): string {
  return [
    '{',
    `  "StreamName": "${streamName}",`,
    `  "Data": "$util.base64Encode($input.json('$.Data'))",`,
    `  "PartitionKey": "${jsonStringContent("$input.path('$.PartitionKey')")}"`,
    '}',
  ].join('\n');
}

/** Response template: the seed's success message with Kinesis's PutRecord response as `data`. */
export const PUT_RECORD_RESPONSE_TEMPLATE = '{"Message": "Event sent successfully", "data": $input.body}';
