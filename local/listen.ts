/** Listening on 127.0.0.1 with a message that says what to change when the port is taken. */
import type { Server } from 'node:http';

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

export function listenOn(server: Server, port: number, service: string, variable?: string): Promise<void> {
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

/** Closes a server, dropping idle keep-alive connections so close does not wait for them. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeIdleConnections();
  });
}
