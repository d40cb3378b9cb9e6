import type { IncomingMessage } from 'node:http';
import type { Clock } from './clock';
import type { RequestBody } from './validation';

/** One request the emulator answered, as an IAM policy would see it (`recordCalls: true`). */
export interface RecordedCall {
  /** The IAM action: `personalize:<Operation>`. */
  readonly action: string;
  /** The operation: the `x-amz-target` name (control plane) or the events/runtime operation of the path. */
  readonly operation: string;
  /** From the SigV4 `Authorization` header (`Credential=<AKID>/...`); undefined for an unsigned request. */
  readonly accessKeyId: string | undefined;
  /**
   * Every Personalize ARN the request names (anywhere in its body, recipes included), then the ARN of the
   * resource a successful Create call made. PutEvents names none: it carries a tracking id.
   */
  readonly resources: readonly string[];
  /** The tags the request carries (`tags` of a Create call or TagResource), by key. */
  readonly requestTags: Readonly<Record<string, string>>;
  /** The tag keys the request names: those of `requestTags`, or UntagResource's `tagKeys` (aws:TagKeys). */
  readonly tagKeys: readonly string[];
  /** For each named resource that existed when the request arrived: its tags then (`{}` for none). */
  readonly resourceTags: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** The HTTP status answered. */
  readonly status: number;
  /** The error's type (`ResourceNotFoundException`, ...), when it failed. */
  readonly errorType?: string;
  /** When the request arrived, in ms since the epoch. */
  readonly at: number;
}

const PERSONALIZE_ARN = /^arn:[^:]+:personalize:/;
const CREDENTIAL = /Credential=([^/,\s]+)\//;

/** Looks up a resource's current tags; undefined when it does not exist. */
export type TagLookup = (arn: string) => Record<string, string> | undefined;

/** The calls answered since the last clear, in the order they were answered. Off unless asked for. */
export class CallRecorder {
  private readonly entries: RecordedCall[] = [];

  constructor(private readonly clock: Clock) {}

  get calls(): readonly RecordedCall[] {
    return [...this.entries];
  }

  clear(): void {
    this.entries.length = 0;
  }

  /** A request has arrived for `operation`; the returned call is completed as the request is answered. */
  begin(request: IncomingMessage, operation: string): PendingCall {
    return new PendingCall(operation, accessKeyOf(request), this.clock.now(), (entry) =>
      this.entries.push(entry),
    );
  }
}

export class PendingCall {
  private resources: string[] = [];
  private requestTags: Record<string, string> = {};
  private tagKeys: string[] = [];
  private resourceTags: Record<string, Record<string, string>> = {};
  private done = false;

  constructor(
    readonly operation: string,
    private readonly accessKeyId: string | undefined,
    private readonly at: number,
    private readonly record: (entry: RecordedCall) => void,
  ) {}

  /** The decoded body, before the operation runs: what it names, and those resources' tags now. */
  request(body: RequestBody, tagsOf: TagLookup): void {
    this.resources = personalizeArns(body);
    for (const arn of this.resources) {
      const tags = tagsOf(arn);
      if (tags) this.resourceTags[arn] = tags;
    }
    const tags = body['tags'];
    if (Array.isArray(tags)) {
      this.requestTags = Object.fromEntries(
        tags.flatMap((t: unknown) => {
          const { tagKey, tagValue } = (t ?? {}) as { tagKey?: unknown; tagValue?: unknown };
          return typeof tagKey === 'string' && typeof tagValue === 'string' ? [[tagKey, tagValue]] : [];
        }),
      );
    }
    const keys = body['tagKeys'];
    this.tagKeys = Array.isArray(keys)
      ? keys.filter((k): k is string => typeof k === 'string')
      : Object.keys(this.requestTags);
  }

  /** The answer: its status, its error's type, and the response body (a Create call's new ARN is in it). */
  finish(status: number, errorType: string | undefined, output: unknown): void {
    if (this.done) return;
    this.done = true;
    const resources = [...this.resources];
    if (status === 200 && this.operation.startsWith('Create') && typeof output === 'object' && output) {
      for (const value of Object.values(output)) {
        if (typeof value === 'string' && PERSONALIZE_ARN.test(value) && !resources.includes(value))
          resources.push(value);
      }
    }
    this.record(
      Object.freeze({
        action: `personalize:${this.operation}`,
        operation: this.operation,
        accessKeyId: this.accessKeyId,
        resources,
        requestTags: this.requestTags,
        tagKeys: this.tagKeys,
        resourceTags: this.resourceTags,
        status,
        ...(errorType === undefined ? {} : { errorType }),
        at: this.at,
      }),
    );
  }
}

function accessKeyOf(request: IncomingMessage): string | undefined {
  const authorization = request.headers.authorization;
  return typeof authorization === 'string' ? CREDENTIAL.exec(authorization)?.[1] : undefined;
}

/** Every string in the body that is a Personalize ARN, once each, in the order they appear. */
function personalizeArns(body: RequestBody): string[] {
  const found: string[] = [];
  const pending: unknown[] = [body];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value === 'string') {
      if (PERSONALIZE_ARN.test(value) && !found.includes(value)) found.push(value);
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) pending.push(value[i]);
    } else if (typeof value === 'object' && value !== null) {
      pending.push(...Object.values(value as Record<string, unknown>).reverse());
    }
  }
  return found;
}
