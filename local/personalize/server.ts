import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { PersonalizeError, type PersonalizeErrorType } from './errors';
import type { FaultInjector, FaultSpec } from './faults';
import type { PersonalizeService } from './service';
import type { RequestBody } from './validation';

const TARGET_PREFIX = 'AmazonPersonalize.';
const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** restJson1 routes of the events and runtime APIs, by path. */
const REST_ROUTES: Readonly<
  Record<string, { operation: string; call: (s: PersonalizeService, b: RequestBody) => unknown }>
> = {
  '/events': { operation: 'PutEvents', call: (s, b) => s.putEvents(b) },
  '/items': { operation: 'PutItems', call: (s, b) => s.putItems(b) },
  '/users': { operation: 'PutUsers', call: (s, b) => s.putUsers(b) },
  '/recommendations': { operation: 'GetRecommendations', call: (s, b) => s.getRecommendations(b) },
  '/personalize-ranking': {
    operation: 'GetPersonalizedRanking',
    call: (s, b) => s.getPersonalizedRanking(b),
  },
};

/**
 * One HTTP server for the three Personalize APIs: the control plane (awsJson1_1 on `POST /`, the operation
 * in `x-amz-target`), events and runtime (restJson1, the operation in the path), plus `/_emulator/*`.
 */
export function createEmulatorServer(service: PersonalizeService, faults: FaultInjector): Server {
  return createServer((request, response) => {
    readBody(request)
      .then((raw) => route(service, faults, request, raw, response))
      .catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        sendRestError(response, error instanceof PersonalizeError ? error : internal(message));
      });
  });
}

function route(
  service: PersonalizeService,
  faults: FaultInjector,
  request: IncomingMessage,
  raw: string,
  response: ServerResponse,
): void {
  const path = (request.url ?? '/').split('?')[0] ?? '/';
  const target = request.headers['x-amz-target'];
  if (request.method === 'POST' && typeof target === 'string') {
    handleJsonProtocol(service, faults, target, raw, response);
    return;
  }
  if (path.startsWith('/_emulator/')) {
    handleAdmin(faults, request.method ?? 'GET', path, raw, response);
    return;
  }
  const rest = REST_ROUTES[path];
  if (request.method === 'POST' && rest) {
    try {
      const fault = faults.take(rest.operation);
      if (fault) throw injected(fault.errorType, fault.message);
      const output = rest.call(service, parseBody(raw));
      send(response, 200, 'application/json', output ?? {});
    } catch (error) {
      sendRestError(response, asServiceError(error));
    }
    return;
  }
  sendRestError(
    response,
    new PersonalizeError(
      'UnknownOperationException',
      `The Personalize emulator does not implement ${request.method} ${path}`,
    ),
  );
}

function handleJsonProtocol(
  service: PersonalizeService,
  faults: FaultInjector,
  target: string,
  raw: string,
  response: ServerResponse,
): void {
  const operationName = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
  try {
    const operation = target.startsWith(TARGET_PREFIX) ? service.operations[operationName] : undefined;
    if (!operation) {
      throw new PersonalizeError(
        'UnknownOperationException',
        `The Personalize emulator does not implement the operation ${operationName} (x-amz-target: ${target})`,
      );
    }
    const fault = faults.take(operationName);
    if (fault) throw injected(fault.errorType, fault.message);
    const output = operation(parseBody(raw));
    send(response, 200, 'application/x-amz-json-1.1', output ?? {});
  } catch (error) {
    const serviceError = asServiceError(error);
    // awsJson1_1: the SDK reads the error's name from `__type`.
    send(response, serviceError.status.json, 'application/x-amz-json-1.1', {
      __type: serviceError.type,
      message: serviceError.message,
    });
  }
}

function handleAdmin(
  faults: FaultInjector,
  method: string,
  path: string,
  raw: string,
  response: ServerResponse,
): void {
  try {
    if (path === '/_emulator/health' && method === 'GET') {
      send(response, 200, 'application/json', { status: 'ok' });
    } else if (path === '/_emulator/faults' && method === 'POST') {
      faults.set(parseBody(raw) as Record<string, FaultSpec>);
      send(response, 200, 'application/json', { armed: faults.armed() });
    } else if (path === '/_emulator/faults' && method === 'GET') {
      send(response, 200, 'application/json', { armed: faults.armed() });
    } else if (path === '/_emulator/faults' && method === 'DELETE') {
      faults.clear();
      send(response, 200, 'application/json', { armed: {} });
    } else {
      send(response, 404, 'application/json', { message: `No emulator admin route ${method} ${path}` });
    }
  } catch (error) {
    send(response, 400, 'application/json', {
      message: error instanceof Error ? error.message : String(error),
    });
  }
}

interface ServiceError {
  readonly type: string;
  readonly message: string;
  readonly status: { readonly json: number; readonly rest: number };
}

function asServiceError(error: unknown): ServiceError {
  if (error instanceof PersonalizeError) {
    return { type: error.type, message: error.message, status: { json: 400, rest: error.restStatus } };
  }
  if (isServiceError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return internal(`Internal error in the Personalize emulator: ${message}`);
}

function isServiceError(error: unknown): error is ServiceError {
  return (
    typeof error === 'object' && error !== null && 'type' in error && 'status' in error && 'message' in error
  );
}

const CLIENT_ERRORS: readonly string[] = [
  'InvalidInputException',
  'InvalidNextTokenException',
  'LimitExceededException',
  'ResourceAlreadyExistsException',
  'ResourceInUseException',
  'ResourceNotFoundException',
] satisfies PersonalizeErrorType[];

function injected(errorType: string, message: string): ServiceError {
  if (CLIENT_ERRORS.includes(errorType)) {
    const error = new PersonalizeError(errorType as PersonalizeErrorType, message);
    return { type: errorType, message, status: { json: 400, rest: error.restStatus } };
  }
  if (errorType === 'ThrottlingException')
    return { type: errorType, message, status: { json: 400, rest: 429 } };
  return { type: errorType, message, status: { json: 500, rest: 500 } };
}

function internal(message: string): ServiceError {
  return { type: 'InternalServerError', message, status: { json: 500, rest: 500 } };
}

function sendRestError(response: ServerResponse, error: PersonalizeError | ServiceError): void {
  const e = error instanceof PersonalizeError ? asServiceError(error) : error;
  // restJson1: the SDK reads the error's name from this header.
  response.setHeader('x-amzn-errortype', e.type);
  send(response, e.status.rest, 'application/json', { message: e.message });
}

function send(response: ServerResponse, status: number, contentType: string, body: unknown): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(payload),
    'x-amzn-requestid': randomUUID(),
  });
  response.end(payload);
}

function parseBody(raw: string): RequestBody {
  if (raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new PersonalizeError('InvalidInputException', 'The request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new PersonalizeError('InvalidInputException', 'The request body must be a JSON object');
  }
  return parsed as RequestBody;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(
          new PersonalizeError('InvalidInputException', `Request body larger than ${MAX_BODY_BYTES} bytes`),
        );
        request.destroy();
      } else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
