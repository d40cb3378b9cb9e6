import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  internalError,
  invalidInput,
  ServiceError,
  tooLarge,
  unknownOperation,
  unsupportedMediaType as unsupportedMediaTypeError,
} from './errors';
import { errorMessage } from '../../lambda/shared/service-errors';
import { readBody, sendJson } from '../shared/http';
import { jsonDepth, MAX_JSON_DEPTH } from '../shared/json-depth';
import type { FaultInjector, FaultSpec } from './faults';
import type { CallRecorder, PendingCall } from './recorder';
import type { PersonalizeService } from './service';
import type { RequestBody } from './validation';

const TARGET_PREFIX = 'AmazonPersonalize.';
/** Larger bodies are answered 413 (the biggest legal request, 10 PutItems of 32,000 characters, is ~320 KB). */
const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** A body that is still arriving past this point is cut off rather than drained. */
const MAX_DRAIN_BYTES = 10 * MAX_BODY_BYTES;
/** Media types the three APIs accept (the SDK sends the first two); no content-type is read as JSON too. */
const JSON_MEDIA_TYPE = /^application\/(json|x-amz-json-1\.[01]|[\w.+-]+\+json)$/;

/** The calls being answered, when a recorder is on: send() completes each with what it answers. */
const pendingCalls = new WeakMap<ServerResponse, PendingCall>();

/**
 * One HTTP server for the three Personalize APIs: the control plane (awsJson1_1 on `POST /`, the operation
 * in `x-amz-target`), events and runtime (restJson1, the operation in the path), plus `/_emulator/*`.
 * With a recorder, every request to an operation is recorded as it is answered.
 */
export function createEmulatorServer(
  service: PersonalizeService,
  faults: FaultInjector,
  recorder?: CallRecorder,
): Server {
  // No request, however malformed, may stop the server: every error is answered, or the connection dropped.
  return createServer((request, response) => {
    serveRequest(service, faults, recorder, request, response).catch(() => response.destroy());
  });
}

async function serveRequest(
  service: PersonalizeService,
  faults: FaultInjector,
  recorder: CallRecorder | undefined,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  try {
    const operation = recorder && operationOf(service, request);
    if (recorder && operation) pendingCalls.set(response, recorder.begin(request, operation));
    const { body, tooLarge: bodyTooLarge } = await readBody(request, {
      maxBytes: MAX_BODY_BYTES,
      maxDrainBytes: MAX_DRAIN_BYTES,
    });
    if (bodyTooLarge) {
      throw tooLarge(`The request body is larger than the emulator's limit of ${MAX_BODY_BYTES} bytes`);
    }
    const raw = body.toString('utf8');
    route(service, faults, request, raw, response, recorder);
  } catch (error) {
    const serviceError = asServiceError(error);
    if (response.headersSent) {
      response.destroy();
      return;
    }
    if (serviceError.status.rest === 413) response.setHeader('connection', 'close');
    sendError(request, response, serviceError);
  }
}

/** Errors in the protocol the request came in: awsJson1_1 (`__type` in the body) or restJson1 (header). */
function sendError(request: IncomingMessage, response: ServerResponse, error: ServiceError): void {
  if (request.method === 'POST' && typeof request.headers['x-amz-target'] === 'string')
    sendJsonError(response, error);
  else sendRestError(response, error);
}

function unsupportedMediaType(request: IncomingMessage): ServiceError | undefined {
  const header = request.headers['content-type'];
  if (header === undefined || header.trim() === '') return undefined;
  const mediaType = header.split(';')[0]?.trim().toLowerCase() ?? '';
  if (JSON_MEDIA_TYPE.test(mediaType)) return undefined;
  return unsupportedMediaTypeError(
    `Unsupported content-type ${header}: the Personalize APIs take application/x-amz-json-1.1 (control plane) or application/json (events, runtime)`,
  );
}

/** The operation a request is for (the name it gives, even one not implemented); undefined for admin and unknown paths. */
function operationOf(service: PersonalizeService, request: IncomingMessage): string | undefined {
  const path = (request.url ?? '/').split('?')[0] ?? '/';
  if (path.startsWith('/_emulator/')) return undefined;
  const target = request.headers['x-amz-target'];
  if (request.method === 'POST' && typeof target === 'string')
    return target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
  return request.method === 'POST' && Object.hasOwn(service.restOperations, path)
    ? service.restOperations[path]?.operation
    : undefined;
}

/**
 * When the call is recorded: notes what the body names (and those resources' tags) before anything runs,
 * injected faults included. A body that does not decode names nothing; parseBody answers for it.
 */
function noteRequest(service: PersonalizeService, response: ServerResponse, raw: string): void {
  const call = pendingCalls.get(response);
  if (!call) return;
  let body: RequestBody;
  try {
    body = parseBody(raw);
  } catch {
    return;
  }
  call.request(body, (arn) => service.tagsOf(arn));
}

function route(
  service: PersonalizeService,
  faults: FaultInjector,
  request: IncomingMessage,
  raw: string,
  response: ServerResponse,
  recorder: CallRecorder | undefined,
): void {
  const path = (request.url ?? '/').split('?')[0] ?? '/';
  const target = request.headers['x-amz-target'];
  if (path.startsWith('/_emulator/')) {
    handleAdmin(request, service, faults, recorder, request.method ?? 'GET', path, raw, response);
    return;
  }
  if (request.method === 'POST' && typeof target === 'string') {
    handleJsonProtocol(service, faults, target, raw, request, response);
    return;
  }
  const rest = Object.hasOwn(service.restOperations, path) ? service.restOperations[path] : undefined;
  if (request.method === 'POST' && rest) {
    const mediaTypeError = unsupportedMediaType(request);
    if (mediaTypeError) {
      sendRestError(response, mediaTypeError);
      return;
    }
    try {
      noteRequest(service, response, raw);
      const fault = faults.take(rest.operation);
      if (fault) throw new ServiceError(fault.errorType, fault.message);
      const output = rest.call(parseBody(raw));
      send(response, 200, 'application/json', output ?? {});
    } catch (error) {
      sendRestError(response, asServiceError(error));
    }
    return;
  }
  sendRestError(
    response,
    unknownOperation(
      `The Personalize emulator does not implement ${request.method} ${path}${path === '/' && request.method === 'POST' ? ' without an x-amz-target header (AmazonPersonalize.<Operation>)' : ''}`,
    ),
  );
}

function handleJsonProtocol(
  service: PersonalizeService,
  faults: FaultInjector,
  target: string,
  raw: string,
  request: IncomingMessage,
  response: ServerResponse,
): void {
  const operationName = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
  noteRequest(service, response, raw);
  try {
    // Own properties only: `AmazonPersonalize.constructor` must not reach Object.prototype.
    const operation =
      target.startsWith(TARGET_PREFIX) && Object.hasOwn(service.operations, operationName)
        ? service.operations[operationName]
        : undefined;
    if (!operation) {
      throw unknownOperation(
        `The Personalize emulator does not implement the operation ${operationName} (x-amz-target: ${target})`,
      );
    }
    const mediaTypeError = unsupportedMediaType(request);
    if (mediaTypeError) throw mediaTypeError;
    const fault = faults.take(operationName);
    if (fault) throw new ServiceError(fault.errorType, fault.message);
    const output = operation(parseBody(raw));
    send(response, 200, 'application/x-amz-json-1.1', output ?? {});
  } catch (error) {
    sendJsonError(response, asServiceError(error));
  }
}

/**
 * The header every admin request that changes something (arming faults, clearing the calls) must carry. A
 * web page can POST `text/plain` to any origin without asking, so a page open in the browser could arm
 * faults; a custom header makes the browser ask first (a CORS preflight), which the emulator never grants.
 */
const ADMIN_HEADER = 'x-emulator-admin';

function handleAdmin(
  request: IncomingMessage,
  service: PersonalizeService,
  faults: FaultInjector,
  recorder: CallRecorder | undefined,
  method: string,
  path: string,
  raw: string,
  response: ServerResponse,
): void {
  try {
    if (method !== 'GET' && method !== 'HEAD' && !request.headers[ADMIN_HEADER]) {
      send(response, 403, 'application/json', {
        message: `${method} ${path} needs the header ${ADMIN_HEADER}: 1 (a web page cannot send it to another origin)`,
      });
      return;
    }
    if (path === '/_emulator/health' && method === 'GET') {
      send(response, 200, 'application/json', { status: 'ok' });
    } else if (path === '/_emulator/faults' && method === 'POST') {
      faults.set(faultSpecs(parseBody(raw)));
      send(response, 200, 'application/json', { armed: faults.armed() });
    } else if (path === '/_emulator/faults' && method === 'GET') {
      send(response, 200, 'application/json', { armed: faults.armed() });
    } else if (path === '/_emulator/faults' && method === 'DELETE') {
      faults.clear();
      send(response, 200, 'application/json', { armed: {} });
    } else if (path === '/_emulator/calls' && method === 'GET') {
      send(response, 200, 'application/json', {
        recording: recorder !== undefined,
        calls: recorder?.calls ?? [],
      });
    } else if (path === '/_emulator/automatic-updates' && method === 'POST') {
      // User-Personalization's two-hourly automatic updates, now: new items reach exploration without the wait.
      send(response, 200, 'application/json', { updated: service.runAutomaticUpdates() });
    } else if (path === '/_emulator/calls' && method === 'DELETE') {
      recorder?.clear();
      send(response, 200, 'application/json', { recording: recorder !== undefined, calls: [] });
    } else {
      send(response, 404, 'application/json', { message: `No emulator admin route ${method} ${path}` });
    }
  } catch (error) {
    send(response, 400, 'application/json', { message: errorMessage(error) });
  }
}

/**
 * The body of `POST /_emulator/faults`, checked: each error type is answered later in a header
 * (x-amzn-errortype), so it must be a name, not text that cannot be a header value.
 */
function faultSpecs(body: RequestBody): Record<string, FaultSpec> {
  for (const [operation, spec] of Object.entries(body)) {
    if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
      throw new Error(`The fault for ${operation} must be an object {failNext, errorType?, message?}`);
    }
    const { errorType, message } = spec as { errorType?: unknown; message?: unknown };
    if (
      errorType !== undefined &&
      (typeof errorType !== 'string' || !/^[A-Za-z][\w.:#-]{0,127}$/.test(errorType))
    ) {
      throw new Error(`errorType for ${operation} must be an error name such as ThrottlingException`);
    }
    if (message !== undefined && typeof message !== 'string') {
      throw new Error(`message for ${operation} must be a string`);
    }
  }
  return body as Record<string, FaultSpec>;
}

/** Any error as the service answers it: a ServiceError as it is, anything else as an internal error. */
function asServiceError(error: unknown): ServiceError {
  if (error instanceof ServiceError) return error;
  return internalError(`Internal error in the Personalize emulator: ${errorMessage(error)}`);
}

/** awsJson1_1: the SDK reads the error's name from `__type`. */
function sendJsonError(response: ServerResponse, error: ServiceError): void {
  send(response, error.status.json, 'application/x-amz-json-1.1', {
    __type: error.type,
    message: error.message,
  });
}

function sendRestError(response: ServerResponse, error: ServiceError): void {
  // restJson1: the SDK reads the error's name from this header.
  response.setHeader('x-amzn-errortype', error.type);
  send(response, error.status.rest, 'application/json', { message: error.message });
}

function send(response: ServerResponse, status: number, contentType: string, body: unknown): void {
  sendJson(response, status, body, { 'content-type': contentType, 'x-amzn-requestid': randomUUID() });
  const call = pendingCalls.get(response);
  if (call) {
    pendingCalls.delete(response);
    const header = response.getHeader('x-amzn-errortype');
    const errorType =
      status === 200
        ? undefined
        : typeof header === 'string'
          ? header
          : ((body as { __type?: string } | undefined)?.__type ?? undefined);
    call.finish(status, errorType, body);
  }
}

function parseBody(raw: string): RequestBody {
  if (raw.trim() === '') return {};
  if (jsonDepth(raw) > MAX_JSON_DEPTH) {
    throw invalidInput(`The request body nests JSON deeper than ${MAX_JSON_DEPTH} levels`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalidInput('The request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalidInput('The request body must be a JSON object');
  }
  return parsed as RequestBody;
}
