/** listenOn's guard of a request handler local mode does not own (kinesalite's), and only of that one. */
import { Agent, createServer, get, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer, listenOn } from '../../local/shared/listen';

async function statusOf(url: string): Promise<number> {
  const response = await fetch(url, { method: 'POST', body: 'x' });
  await response.text();
  return response.status;
}

describe('listenOn', () => {
  it("with guardRequestListeners, a handler's throw (synchronous or from a request listener it added) fails that request only, with a 500", async () => {
    const server = createServer((request: IncomingMessage, response: ServerResponse) => {
      if (request.url === '/sync') throw new Error('thrown by the handler');
      if (request.url === '/listener') {
        request.on('data', () => {
          throw new Error('thrown by its data listener');
        });
        return;
      }
      request.resume();
      response.end('ok');
    });
    await listenOn(server, 0, 'test', undefined, { guardRequestListeners: true });
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      expect(await statusOf(`${base}/sync`)).toBe(500);
      expect(await statusOf(`${base}/listener`)).toBe(500);
      expect(await statusOf(`${base}/fine`)).toBe(200);
    } finally {
      await closeServer(server);
    }
  });

  it("leaves local mode's own handlers (the gateway, S3) as they are: no wrapper on every request", async () => {
    const handler = (_: IncomingMessage, response: ServerResponse) => response.end('ok');
    const server = createServer(handler);
    await listenOn(server, 0, 'test');
    try {
      expect(server.listeners('request')).toEqual([handler]);
    } finally {
      await closeServer(server);
    }
  });

  it('closeServer ends once a request under way is answered, though its keep-alive connection then goes idle', async () => {
    let requested: () => void = () => undefined;
    const arrived = new Promise<void>((resolve) => (requested = resolve));
    const held: ServerResponse[] = [];
    const server = createServer((_: IncomingMessage, response: ServerResponse) => {
      held.push(response);
      requested();
    });
    await listenOn(server, 0, 'test');
    const agent = new Agent({ keepAlive: true });
    const answered = new Promise<string | undefined>((resolve) =>
      get({ port: (server.address() as AddressInfo).port, agent }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.headers.connection));
      }),
    );
    await arrived;
    const closed = closeServer(server);
    held[0]?.end('ok');
    // The answer keeps its connection alive: only a sweep after it ends the close, not the 60 s idle timeout.
    expect(await answered).toBe('keep-alive');
    await closed;
    expect(server.listening).toBe(false);
    agent.destroy();
  });
});
