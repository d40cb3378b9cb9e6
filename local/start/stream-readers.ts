/**
 * The stream's readers, started once the model exists: the event source mapping (the consumer handler fed
 * from the stream, failures to the failed-records bucket) and the Firehose archive.
 */
import { join } from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { PUT_EVENTS_CONSUMER } from '../../lib/contract/api-routes';
import { StreamArchive } from '../firehose/archive';
import { CheckpointFile } from '../lambda/checkpoints';
import { loadOrCreateMappingUuid, type FailedRecordsBucket } from '../lambda/failed-records';
import { StreamConsumer, type KinesisHandler } from '../lambda/stream-consumer';
import { ACCOUNT_ID, type LocalModeConfig, type LocalModeOptions } from './options';
import { loadHandler, type Services } from './services';
import type { Stops } from './shutdown';

export interface StreamReaders {
  readonly eventSourceMappingUuid: string;
  readonly consumer: StreamConsumer;
  readonly archive: StreamArchive;
}

/** The stream's readers, once the model exists: the event source mapping (the consumer) and the archive. */
export async function startStreamReaders(
  config: LocalModeConfig,
  options: LocalModeOptions,
  { kinesis, failedRecords }: Services,
  stops: Stops,
): Promise<StreamReaders> {
  const eventSourceMappingUuid = loadOrCreateMappingUuid(join(config.stateDir, 'event-source-mapping.json'));
  const consumer = await startConsumer(
    config,
    options,
    kinesis.client,
    failedRecords,
    eventSourceMappingUuid,
  );
  stops.push(() => consumer.close());
  const archive = await startArchive(config, options, kinesis.client);
  stops.push(() => archive.close());
  return { eventSourceMappingUuid, consumer, archive };
}

/** The event source mapping: the consumer handler, fed from the stream, failures to the bucket. */
async function startConsumer(
  config: LocalModeConfig,
  options: LocalModeOptions,
  kinesis: KinesisClient,
  failedRecords: FailedRecordsBucket,
  mappingUuid: string,
): Promise<StreamConsumer> {
  const consumer = new StreamConsumer({
    kinesis,
    streamName: config.streamName,
    streamArn: config.streamArn,
    region: config.region,
    accountId: ACCOUNT_ID,
    functionName: `${config.stackName}-${PUT_EVENTS_CONSUMER.handler}`,
    handler: await loadHandler<KinesisHandler>(PUT_EVENTS_CONSUMER.handler),
    checkpoints: new CheckpointFile(join(config.stateDir, 'consumer-checkpoints.json')),
    onFailure: failedRecords,
    mappingUuid,
    log: config.log,
    ...(options.eventSourceSettings ? { settings: options.eventSourceSettings } : {}),
    ...(options.consumerRetryDelayMs ? { retryDelayMs: options.consumerRetryDelayMs } : {}),
  });
  await consumer.start();
  return consumer;
}

async function startArchive(
  config: LocalModeConfig,
  options: LocalModeOptions,
  kinesis: KinesisClient,
): Promise<StreamArchive> {
  const archive = new StreamArchive({
    kinesis,
    streamName: config.streamName,
    deliveryStreamName: `${config.stackName}-archive`,
    bucketDir: join(config.s3Dir, config.archiveBucketName),
    checkpoints: new CheckpointFile(join(config.stateDir, 'archive-checkpoints.json')),
    bufferingIntervalSeconds: options.archiveBufferingSeconds ?? 60,
    log: config.log,
  });
  await archive.start();
  return archive;
}
