/**
 * A CloudFormation WaitCondition in local mode: its handle is a URL on 127.0.0.1 that takes the signal as
 * CloudFormation's presigned URL does (a PUT of `{Status, UniqueId, Reason, Data}`), and the condition is
 * met by the first SUCCESS or failed by a FAILURE (Count 1). Its Data is `{"<UniqueId>": "<Data>"}`, the
 * WaitCondition's Data attribute
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-cloudformation-waitcondition.html).
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer, listenOn } from '../shared/listen';
import { readBody } from '../shared/http';

export interface WaitCondition {
  /** The handle: where the signal is PUT. */
  readonly url: string;
  /** The condition's Data attribute once signalled SUCCESS; rejects with the Reason of a FAILURE. */
  readonly data: Promise<string>;
  close(): Promise<void>;
}

interface Signal {
  readonly Status?: unknown;
  readonly UniqueId?: unknown;
  readonly Reason?: unknown;
  readonly Data?: unknown;
}

export async function createWaitCondition(): Promise<WaitCondition> {
  const path = `/wait-condition/${randomUUID()}`;
  let settle: { resolve(data: string): void; reject(error: Error): void } | undefined;
  const data = new Promise<string>((resolve, reject) => (settle = { resolve, reject }));
  // A failure nobody awaits yet must not become an unhandled rejection.
  data.catch(() => undefined);
  const server = createServer((request, response) => {
    void (async () => {
      if (request.method !== 'PUT' || request.url !== path) {
        response.writeHead(403).end();
        return;
      }
      const { body, tooLarge } = await readBody(request, { maxBytes: 64 * 1024 });
      if (tooLarge) throw new Error('signal too large');
      const signal = JSON.parse(body.toString('utf8')) as Signal;
      response.writeHead(200).end();
      if (signal.Status === 'SUCCESS') {
        settle?.resolve(
          JSON.stringify({ [String(signal.UniqueId)]: typeof signal.Data === 'string' ? signal.Data : '' }),
        );
      } else {
        settle?.reject(
          new Error(`WaitCondition received a ${String(signal.Status)} signal: ${String(signal.Reason)}`),
        );
      }
    })().catch(() => response.writeHead(400).end());
  });
  await listenOn(server, 0, 'WaitCondition handle');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    data,
    close: () => closeServer(server),
  };
}
