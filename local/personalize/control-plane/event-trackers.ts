import { randomBytes, randomUUID } from 'node:crypto';
import { type EmulatorContext, resourceArn } from '../context';
import { alreadyExists, limitExceeded } from '../errors';
import { page } from '../pagination';
import { must, mustBeActive, mustBeSettled } from '../preconditions';
import type { EventTrackerRecord } from '../store';
import { optionalArn, requiredName, type RequestBody } from '../validation';
import { initialTags } from './tags';

export function createEventTracker(ctx: EmulatorContext, body: RequestBody): unknown {
  const name = requiredName(body);
  const group = must(ctx, 'datasetGroup', body, 'datasetGroupArn');
  mustBeActive(group, 'Dataset group');
  if (ctx.store.list('eventTracker', (t) => t.name === name).length > 0) {
    throw alreadyExists(`Event tracker ${name} already exists`);
  }
  const existing = ctx.store.list('eventTracker', (t) => t.datasetGroupArn === group.arn);
  if (existing.length > 0) {
    throw limitExceeded(
      `Dataset group ${group.arn} already has an event tracker (${existing[0]?.arn}): the limit is one`,
    );
  }
  const arn = resourceArn(ctx, `event-tracker/${randomBytes(4).toString('hex')}`);
  const trackingId = randomUUID();
  const tags = initialTags(body, arn);
  ctx.lifecycle.create<EventTrackerRecord>({
    kind: 'eventTracker',
    arn,
    name,
    datasetGroupArn: group.arn,
    trackingId,
    accountId: ctx.options.accountId,
    ...(tags ? { tags } : {}),
    ...ctx.lifecycle.fresh(),
  });
  return { eventTrackerArn: arn, trackingId };
}

export function describeEventTracker(ctx: EmulatorContext, body: RequestBody): unknown {
  const r = must(ctx, 'eventTracker', body, 'eventTrackerArn');
  return {
    eventTracker: {
      name: r.name,
      eventTrackerArn: r.arn,
      accountId: r.accountId,
      trackingId: r.trackingId,
      datasetGroupArn: r.datasetGroupArn,
      status: r.status,
      creationDateTime: r.creationDateTime,
      lastUpdatedDateTime: r.lastUpdatedDateTime,
    },
  };
}

export function listEventTrackers(ctx: EmulatorContext, body: RequestBody): unknown {
  const group = optionalArn(body, 'datasetGroupArn');
  return page(
    body,
    'eventTrackers',
    ctx.store.list('eventTracker', (r) => !group || r.datasetGroupArn === group),
    (r) => ({
      name: r.name,
      eventTrackerArn: r.arn,
      status: r.status,
      creationDateTime: r.creationDateTime,
      lastUpdatedDateTime: r.lastUpdatedDateTime,
    }),
  );
}

export function deleteEventTracker(ctx: EmulatorContext, body: RequestBody): unknown {
  const tracker = must(ctx, 'eventTracker', body, 'eventTrackerArn');
  mustBeSettled(tracker);
  ctx.lifecycle.delete(tracker);
  return {};
}
