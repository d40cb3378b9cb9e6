/**
 * Drives a custom resource's onEvent and isComplete handlers as the custom-resources Provider framework does
 * on AWS: onEvent once, then isComplete with onEvent's answer merged into the event, every `pollIntervalMs`,
 * until it answers IsComplete (its Data are the resource's attributes) or throws (the deploy would fail with
 * that message) or `timeoutMs` passes. Local mode runs the stack's unchanged handlers through it.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout } from 'node:timers/promises';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';

export interface CustomResourceHandlers<Data> {
  onEvent(
    event: CloudFormationCustomResourceEvent,
  ): Promise<{ PhysicalResourceId: string; Data?: Record<string, string> }>;
  isComplete(event: CloudFormationCustomResourceEvent): Promise<{ IsComplete: boolean; Data?: Data }>;
}

export interface DriveOptions {
  /** e.g. `Custom::PersonalizeProvisioning` */
  readonly resourceType: string;
  readonly logicalResourceId: string;
  readonly properties: Record<string, unknown>;
  readonly stackName: string;
  readonly region: string;
  readonly accountId: string;
  /** @default 250 */
  readonly pollIntervalMs?: number;
  /** @default 600000 */
  readonly timeoutMs?: number;
}

/** Runs a Create to completion; resolves with isComplete's Data. */
export async function driveCreate<Data>(
  handlers: CustomResourceHandlers<Data>,
  options: DriveOptions,
): Promise<Data | undefined> {
  const event = {
    RequestType: 'Create',
    ServiceToken: 'local',
    ResponseURL: 'http://127.0.0.1/unused',
    StackId: `arn:aws:cloudformation:${options.region}:${options.accountId}:stack/${options.stackName}/local`,
    RequestId: randomUUID(),
    LogicalResourceId: options.logicalResourceId,
    ResourceType: options.resourceType,
    ResourceProperties: { ServiceToken: 'local', ...options.properties },
  } as CloudFormationCustomResourceEvent;
  const started = await handlers.onEvent(event);
  const polled = { ...event, PhysicalResourceId: started.PhysicalResourceId, Data: started.Data ?? {} };
  const pollIntervalMs = options.pollIntervalMs ?? 250;
  const timeoutMs = options.timeoutMs ?? 600_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await handlers.isComplete(polled);
    if (answer.IsComplete) return answer.Data;
    if (Date.now() > deadline) {
      throw new Error(
        `${options.resourceType} ${options.logicalResourceId} did not complete in ${timeoutMs} ms`,
      );
    }
    await setTimeout(pollIntervalMs);
  }
}
