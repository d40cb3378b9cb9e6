/** Listening on 127.0.0.1 with a message that says what to change when the port is taken. */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { answerOrDrop, sendReply } from './http';

export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    readonly service: string,
    readonly variable?: string,
  ) {
    super(
      `Port ${port} (${service}) is already in use.` +
        (variable ? ` Stop what uses it, or choose another port: ${variable}=<port> npm start` : ''),
    );
    this.name = 'PortInUseError';
  }
}

/**
 * How long local mode's servers keep an idle keep-alive connection open. Node's default, 5 s, races a client
 * that sends on an idle socket just as the server closes it: the request fails with ECONNRESET
 * (https://github.com/nodejs/node/issues/47130); a loaded event loop widens the race, and an AWS SDK client then
 * retries or, with one attempt, fails the call (seen under load in the emulator's tests). A minute is longer
 * than any pause between one client's calls here.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 60_000;

export function listenOn(
  server: Server,
  port: number,
  service: string,
  variable?: string,
  options: { readonly guardRequestListeners?: boolean } = {},
): Promise<void> {
  if (options.guardRequestListeners) guardRequestListeners(server);
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(port, service, variable) : error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, '127.0.0.1');
  });
}

/** How often a closing server drops the keep-alive connections that went idle since it began to close. */
const CLOSING_SWEEP_MS = 50;

/**
 * Closes a server once its requests under way are answered, dropping its idle keep-alive connections so close does
 * not wait for them. A connection whose request was under way when close began goes idle only once answered, and
 * Node's close drops idle connections only at the moment it is called: kept alive (KEEP_ALIVE_TIMEOUT_MS), that
 * connection would hold the server, and the process, for a minute. So the idle connections are swept again until
 * the close completes.
 */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    const sweep = setInterval(() => server.closeIdleConnections(), CLOSING_SWEEP_MS).unref();
    server.close((error) => {
      clearInterval(sweep);
      if (error) reject(error);
      else resolve();
    });
    server.closeIdleConnections();
  });
}

type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;
type EventListener = (...args: unknown[]) => void;

/**
 * For request handlers local mode does not own (kinesalite's, `listenOn`'s `guardRequestListeners`): what a
 * handler throws, synchronously or from a listener it adds to the request while it runs, fails that request
 * only (a 500, or the connection dropped once the answer has begun), never the process. kinesalite throws from
 * its request's `error` listener, so a client that disconnects mid-body ended local mode. local mode's own
 * servers catch their errors themselves and are not wrapped: the wrapper's closures cost every request.
 */
function guardRequestListeners(server: Server): void {
  const listeners = server.listeners('request') as RequestListener[];
  if (listeners.length === 0) return;
  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const fail = () => failRequest(response);
    const guard =
      (listener: EventListener): EventListener =>
      (...args) => {
        try {
          listener.apply(request, args);
        } catch {
          fail();
        }
      };
    // While the handler runs, the listeners it adds to the request are guarded too.
    const on = request.on.bind(request);
    request.on = ((event: string | symbol, listener: EventListener) =>
      on(event, guard(listener))) as typeof request.on;
    try {
      for (const listener of listeners) listener.call(server, request, response);
    } catch {
      fail();
    } finally {
      request.on = on;
    }
  });
}

function failRequest(response: ServerResponse): void {
  answerOrDrop(response, () =>
    sendReply(response, 500, { 'content-type': 'text/plain', connection: 'close' }, 'Internal error\n'),
  );
}
