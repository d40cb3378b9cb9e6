/**
 * Responses API Gateway itself gives (before or instead of a Lambda function), as data: the API construct
 * registers them as gateway responses and integration responses, and local mode's gateway renders the
 * very same templates, so a client sees the same error bodies on AWS and locally.
 *
 * Every body is the contract's error shape: `{"message": "...", "code": "..."}`, the code one of
 * lib/contract/error-codes.ts.
 */
import { ERROR_CODES } from './error-codes';
import { GATEWAY_ERRORS } from './api-routes';
import { jsonStringContent } from './kinesis-integration';

/** A gateway response: the API Gateway response type, its status and its `application/json` template. */
export interface GatewayResponseDefinition {
  /** API Gateway's response type, e.g. `INVALID_API_KEY` (aws-apigateway `ResponseType.of`). */
  readonly type: string;
  /**
   * Status of the response. Absent on the DEFAULT_4XX/DEFAULT_5XX fallbacks: a status set there would
   * replace the status of every response type that falls back to it (a 413 or 415 would become 400, a 504
   * would become 500), so they keep API Gateway's own status (RESPONSE_TYPE_STATUS).
   */
  readonly statusCode?: number;
  /** VTL template of the body (`$context.error.*` variables are available). */
  readonly template: string;
}

/** How much of the validator's verdict a 400 quotes back: enough to name every field, never the whole input. */
const MAX_ECHOED_VALIDATION_CHARS = 1000;

const body = (message: string, code: string) => `{"message": ${message}, "code": "${code}"}`;

/** The gateway responses of the API, keyed by what they answer. */
export const GATEWAY_RESPONSES = {
  /** A method requires `x-api-key` and the key is missing or unknown. */
  missingApiKey: {
    type: 'INVALID_API_KEY',
    statusCode: GATEWAY_ERRORS.missingApiKey.statusCode,
    template: body(JSON.stringify(GATEWAY_ERRORS.missingApiKey.message), GATEWAY_ERRORS.missingApiKey.code),
  },
  /**
   * The body fails the route's JSON-schema model: not a JSON object, or a required field missing (named by
   * the validator's message); on `/data`, any problem with the batch (see bodyJsonSchema).
   */
  badRequestBody: {
    type: 'BAD_REQUEST_BODY',
    statusCode: GATEWAY_ERRORS.badRequestBody.statusCode,
    // The validator quotes the offending input in full, a bad date twice (pattern and length): a 9 MB value
    // would come back as an 18 MB answer. The verdict is cut after MAX_ECHOED_VALIDATION_CHARS (Java
    // String methods: API Gateway's VTL runs on Java).
    template: [
      '#set($errors = $context.error.validationErrorString)',
      `#set($cut = $errors.length() > ${MAX_ECHOED_VALIDATION_CHARS})`,
      `#if($cut)#set($errors = $errors.substring(0, ${MAX_ECHOED_VALIDATION_CHARS}))#end`,
      body(
        // The validator quotes the offending input, which may hold a `'` (see jsonStringContent).
        `"Invalid request body: ${jsonStringContent('$errors')}#if($cut)... (cut at ${MAX_ECHOED_VALIDATION_CHARS} characters)#end"`,
        GATEWAY_ERRORS.badRequestBody.code,
      ),
    ].join('\n'),
  },
  /** A required query parameter is missing (`messageString` is already a quoted JSON string). */
  badRequestParameters: {
    type: 'BAD_REQUEST_PARAMETERS',
    statusCode: GATEWAY_ERRORS.badRequestParameters.statusCode,
    template: body('$context.error.messageString', GATEWAY_ERRORS.badRequestParameters.code),
  },
  /** No such route. API Gateway reports it as a missing authentication token (403); the contract says 404. */
  notFound: {
    type: 'MISSING_AUTHENTICATION_TOKEN',
    statusCode: GATEWAY_ERRORS.notFound.statusCode,
    template: body('"No route matches this method and path"', GATEWAY_ERRORS.notFound.code),
  },
  /** The usage plan's throttling or quota. */
  throttled: {
    type: 'THROTTLED',
    statusCode: 429,
    template: body('$context.error.messageString', ERROR_CODES.tooManyRequests),
  },
  quotaExceeded: {
    type: 'QUOTA_EXCEEDED',
    statusCode: 429,
    template: body('$context.error.messageString', ERROR_CODES.limitExceeded),
  },
  /** The body is larger than API Gateway's payload limit (10 MB). */
  requestTooLarge: {
    type: 'REQUEST_TOO_LARGE',
    statusCode: 413,
    template: body('$context.error.messageString', ERROR_CODES.requestTooLarge),
  },
  /** `/data` maps `application/json` only (passthrough NEVER): another media type is refused. */
  unsupportedMediaType: {
    type: 'UNSUPPORTED_MEDIA_TYPE',
    statusCode: 415,
    template: body('$context.error.messageString', ERROR_CODES.unsupportedMediaType),
  },
  /** The integration did not answer within API Gateway's timeout. */
  integrationTimeout: {
    type: 'INTEGRATION_TIMEOUT',
    statusCode: 504,
    template: body('$context.error.messageString', ERROR_CODES.integrationTimeout),
  },
  /** Any other 4xx/5xx the gateway produces keeps its status (no statusCode here) and gets the JSON shape. */
  default4xx: {
    type: 'DEFAULT_4XX',
    template: body('$context.error.messageString', ERROR_CODES.badRequest),
  },
  default5xx: {
    type: 'DEFAULT_5XX',
    template: body('$context.error.messageString', ERROR_CODES.internalServer),
  },
} as const satisfies Record<string, GatewayResponseDefinition>;

/**
 * API Gateway's own status of the response types that fall back to DEFAULT_4XX/DEFAULT_5XX here (from
 * "Gateway response types for API Gateway"); local mode answers them with these statuses, as AWS does.
 */
export const RESPONSE_TYPE_STATUS: Readonly<Record<string, number>> = {
  API_CONFIGURATION_ERROR: 500,
  INTEGRATION_FAILURE: 504,
};

/**
 * Integration responses of `POST /data` (Kinesis PutRecord) for Kinesis errors: a Kinesis client error
 * becomes 400 (429 when Kinesis throttles; 500 when the fault is the stack's: its stream missing or its key
 * unusable), a request too large for Kinesis 413, anything else 500, each with the contract's error body and
 * never Kinesis's raw error document.
 */
export const PUT_RECORD_ERROR_RESPONSES = {
  clientError: {
    /**
     * Kinesis answers client errors with HTTP 400, throttling included, and also the errors that are the
     * stack's, not the caller's: ResourceNotFoundException (the stream was deleted) and the KMS errors of the
     * stream's encryption key (PutRecord's errors:
     * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecord.html#API_PutRecord_Errors).
     * A 400 would tell the client never to retry a request that succeeds once the stream is back.
     */
    selectionPattern: '400',
    statusCode: 400,
    template: [
      "#set($type = $input.path('$.__type'))",
      "#if($type.contains('ProvisionedThroughputExceeded') || $type.contains('LimitExceeded') || $type.contains('KMSThrottling'))",
      '#set($context.responseOverride.status = 429)',
      `{"message": "The stream is busy, retry later", "code": "${ERROR_CODES.tooManyRequests}"}`,
      "#elseif($type.contains('ResourceNotFound') || $type.contains('KMS'))",
      '#set($context.responseOverride.status = 500)',
      `{"message": "The stack's stream is not available: the event was not written, retry later", "code": "${ERROR_CODES.internalServer}"}`,
      '#else',
      // Kinesis messages quote values with `'` ("Value 'x' at 'partitionKey' failed to satisfy...").
      `{"message": "Kinesis rejected the record: ${jsonStringContent("$input.path('$.message')")}", "code": "${ERROR_CODES.validation}"}`,
      '#end',
    ].join('\n'),
  },
  requestTooLarge: {
    /** Kinesis refuses a request body larger than it accepts with HTTP 413: no retry can make it fit. */
    selectionPattern: '413',
    statusCode: 413,
    template: `{"message": "Data is too large for a Kinesis record (at most 1 MiB)", "code": "${ERROR_CODES.requestTooLarge}"}`,
  },
  serverError: {
    /** 403 (the gateway's role or key) and 5xx are the stack's problem, not the caller's (413 excepted). */
    selectionPattern: '(40[1-9]|41[0-24-9]|4[2-9][0-9]|5[0-9][0-9])',
    statusCode: 500,
    template: `{"message": "The event could not be written to the stream", "code": "${ERROR_CODES.internalServer}"}`,
  },
} as const;
