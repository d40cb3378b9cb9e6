/**
 * The HTTP plumbing local mode's servers share (the API gateway, S3, the Personalize emulator, the demo
 * page): reading a body under a size limit, writing a reply with its length, JSON replies, and answering
 * or else dropping the connection. Listening on 127.0.0.1 and closing are local/shared/listen.ts.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';

export interface BodyLimits {
  /** Bodies larger than this are read to their end (so the client reads the answer, not a reset) and refused. */
  readonly maxBytes: number;
  /**
   * Past this many bytes the connection is cut instead of drained; a larger declared content-length is
   * refused before reading. @default no limit
   */
  readonly maxDrainBytes?: number;
}

export interface RequestBody {
  /** The whole body; empty when it is too large. */
  readonly body: Buffer;
  readonly tooLarge: boolean;
}

/** Reads the whole body, or tells it is too large (see BodyLimits). Rejects on a request stream error. */
export function readBody(request: IncomingMessage, limits: BodyLimits): Promise<RequestBody> {
  const { maxBytes, maxDrainBytes = Infinity } = limits;
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxDrainBytes) {
      resolve({ body: Buffer.alloc(0), tooLarge: true });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
      else if (size > maxDrainBytes) request.destroy();
    });
    request.on('end', () =>
      resolve(
        size > maxBytes
          ? { body: Buffer.alloc(0), tooLarge: true }
          : { body: Buffer.concat(chunks), tooLarge: false },
      ),
    );
    request.on('error', reject);
  });
}

/**
 * Writes a whole reply; a body gets its content-length unless the headers give one (a HEAD answer gives
 * the length of what GET would send). Throws when a header is invalid.
 */
export function sendReply(
  response: ServerResponse,
  status: number,
  headers: OutgoingHttpHeaders,
  body?: string | Buffer,
): void {
  const length =
    body === undefined || 'content-length' in headers ? {} : { 'content-length': Buffer.byteLength(body) };
  response.writeHead(status, { ...headers, ...length });
  response.end(body);
}

/** A JSON reply (`application/json` unless the headers name another JSON media type). */
export function sendJson(
  response: ServerResponse,
  status: number,
  value: unknown,
  headers: OutgoingHttpHeaders = {},
): void {
  sendReply(response, status, { 'content-type': 'application/json', ...headers }, JSON.stringify(value));
}

/**
 * Answers with `send` when the reply has not begun and can still be written; otherwise, or when `send`
 * throws, drops the connection: the client sees a reset, never a half-written answer.
 */
export function answerOrDrop(response: ServerResponse, send: () => void): void {
  if (response.headersSent || response.destroyed) {
    response.destroy();
    return;
  }
  try {
    send();
  } catch {
    response.destroy();
  }
}
