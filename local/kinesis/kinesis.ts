/**
 * Kinesis for local mode: kinesalite (a Kinesis implementation on LevelDB) on 127.0.0.1, in memory or
 * persisted under the state directory so a restart keeps the stream and its records.
 */
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { AddressInfo } from 'node:net';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  waitUntilStreamExists,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { isServiceError } from '../../lambda/shared/service-errors';
import { listenOn } from '../shared/listen';
import { cacheStreamDescriptions } from './stream-descriptions';

// kinesalite ships no types; this is the part of its API local mode uses.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const kinesalite = require('kinesalite') as (options: {
  path?: string;
  createStreamMs?: number;
  deleteStreamMs?: number;
  updateStreamMs?: number;
  shardLimit?: number;
}) => Server;

export interface LocalKinesisOptions {
  /** Port on 127.0.0.1; 0 picks a free one. */
  readonly port: number;
  /** Directory for kinesalite's LevelDB; in memory when absent. */
  readonly dataDir?: string;
  /** Name of the environment variable that sets the port, named in the port-in-use message. */
  readonly portVariable?: string;
}

export interface LocalKinesis {
  readonly endpoint: string;
  /** Closes the server and its database. */
  close(): Promise<void>;
}

export async function startKinesis(options: LocalKinesisOptions): Promise<LocalKinesis> {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  cacheStreamDescriptions();
  // Stream creation is near instant locally: nothing waits 500 ms for CREATING to become ACTIVE.
  const server = kinesalite({
    path: options.dataDir,
    createStreamMs: 10,
    deleteStreamMs: 10,
    updateStreamMs: 10,
  });
  // kinesalite's handler is not ours: what it throws fails its request, not the process.
  await listenOn(server, options.port, 'Kinesis (kinesalite)', options.portVariable, {
    guardRequestListeners: true,
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** A Kinesis client for kinesalite: the SDK's default HTTP/2-capable handler fails against it. */
export function createKinesisClient(endpoint: string, region: string): KinesisClient {
  return new KinesisClient({
    endpoint,
    region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: new NodeHttpHandler(),
    maxAttempts: 3,
  });
}

/**
 * How long `ensureStream` waits for a new stream to be ACTIVE, in the SDK waiter's seconds. kinesalite makes
 * it ACTIVE after `createStreamMs` (10 ms above), so the waiter polls from 25 ms, backing off to 250 ms.
 */
const STREAM_ACTIVE_WAIT = { minDelay: 0.025, maxDelay: 0.25, maxWaitTime: 10 } as const;

/** Creates the stream unless it exists, and waits until it is ACTIVE. */
export async function ensureStream(client: KinesisClient, streamName: string, shardCount = 1): Promise<void> {
  try {
    await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
  } catch (error) {
    if (!isServiceError(error, 'ResourceNotFoundException')) throw error;
    await client.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shardCount }));
  }
  try {
    await waitUntilStreamExists({ client, ...STREAM_ACTIVE_WAIT }, { StreamName: streamName });
  } catch (error) {
    throw new Error(
      `Kinesis stream ${streamName} did not become ACTIVE within ${STREAM_ACTIVE_WAIT.maxWaitTime} s`,
      { cause: error },
    );
  }
}
