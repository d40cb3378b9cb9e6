/** Local mode's servers keep idle keep-alive connections for a minute, not Node's 5 s (local/shared/listen.ts). */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPersonalizeEmulator } from '../../local/personalize';
import { closeServer, listenOn } from '../../local/shared/listen';

/** The Keep-Alive hint a server sends a keep-alive client. */
function keepAliveHint(url: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', headers: { connection: 'keep-alive' } }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.headers['keep-alive']?.toString()));
    });
    req.on('error', reject);
    req.end();
  });
}

describe("local mode's servers and idle keep-alive connections", () => {
  it('a server listening through listenOn (the gateway, local S3, Kinesis) keeps them a minute', async () => {
    const server: Server = createServer((_, response) => response.end('ok'));
    await listenOn(server, 0, 'test');
    try {
      const { port } = server.address() as AddressInfo;
      expect(await keepAliveHint(`http://127.0.0.1:${port}/`)).toBe('timeout=60');
    } finally {
      await closeServer(server);
    }
  });

  it('the Personalize emulator keeps them a minute', async () => {
    const root = mkdtempSync(join(tmpdir(), 'keep-alive-'));
    const emulator = await startPersonalizeEmulator({ s3Dir: root });
    try {
      expect(await keepAliveHint(emulator.endpoint)).toBe('timeout=60');
    } finally {
      await emulator.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
