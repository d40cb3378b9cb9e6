/// <reference lib="dom" />
/**
 * The page's calls to the stack's API, with the same bodies as the README walkthrough, and its errors as
 * messages that say what to do.
 */

export interface Recommendation {
  readonly itemId: string;
  readonly score?: number;
}

export interface Recommendations {
  readonly itemList: Recommendation[];
  readonly recommendationId?: string;
}

/** The parts of `GET /status` the page reads. */
export interface StackStatus {
  readonly campaigns?: Array<{ campaignArn: string; status: string }>;
  readonly eventTrackers?: Array<{ eventTrackerArn: string; status: string; trackingId?: string }>;
  readonly filters?: Array<{ name: string; filterArn: string; status: string }>;
}

/** A filter for GetRecommendations: its ARN and, for one with `$PARAMETER`s, their values. */
export interface RequestFilter {
  readonly filterArn: string;
  readonly filterValues?: Readonly<Record<string, string>>;
}

export type Channel = 'data' | 'putEvents';

/** The sample data's event types: the stack's `unwatched` filter leaves out what was watched. */
export type EventType = 'click' | 'watch';

export interface Click {
  readonly userId: string;
  readonly itemId: string;
  readonly trackingId: string;
  /** The recommendationId of the list the item was clicked in (implicit impressions). */
  readonly recommendationId?: string;
}

/** An API call that failed, with the message the page shows. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** What the page says for a failed call: the status's meaning and what to do about it. */
function explainFailure(status: number, serverMessage: string | undefined, what: string): string {
  const said = serverMessage ? ` The API said: ${serverMessage}` : '';
  switch (status) {
    case 403:
      return `The API refused the key (403 Forbidden). Enter the API key again: npm start prints it; on AWS, read it with aws apigateway get-api-key --include-value.`;
    case 404:
      return `${what}: not found (404). No campaign serves yet, or it was deleted: train a solution version and deploy a campaign (README, Walkthrough steps 1 and 2, or KEEP=1 bash scripts/walkthrough.sh), then press Connect again.${said}`;
    case 429:
      return `${what}: too many requests (429). The API is throttling: wait a few seconds, then try again.${said}`;
    case 400:
      return `${what}: the API refused the request (400).${said}`;
    default:
      return `${what} failed (${status}).${said}`;
  }
}

export class Api {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string,
  ) {}

  getRecommendations(
    campaignArn: string,
    userId: string,
    numResults = 10,
    filter?: RequestFilter,
  ): Promise<Recommendations> {
    const query = new URLSearchParams({ campaignArn, userId, numResults: String(numResults) });
    if (filter) query.set('filterArn', filter.filterArn);
    // The API takes filterValues as a JSON object, URL-encoded (URLSearchParams encodes it).
    if (filter?.filterValues) query.set('filterValues', JSON.stringify(filter.filterValues));
    return this.call<Recommendations>('GET', `getRecommendations?${query}`, undefined, 'Recommendations');
  }

  /** Local mode's "provision now" (not an API route: local mode serves it beside the page). */
  provision(url: string): Promise<{ CampaignArn?: string; TrackingId?: string }> {
    return this.call('POST', url, undefined, 'Provisioning');
  }

  /** Items added to the stack's Items dataset (PutItems), properties in the schema's camelCase field names. */
  putItems(
    items: readonly { itemId: string; properties: Record<string, string> }[],
  ): Promise<{ datasetArn: string; itemIds: string[] }> {
    return this.call('POST', 'items', { items }, 'Adding the item');
  }

  status(): Promise<StackStatus> {
    return this.call<StackStatus>('GET', 'status', undefined, 'The stack status');
  }

  /**
   * One event (a click, or a watch): through Kinesis (`/data`, asynchronous) or straight to Personalize
   * (`/putEvents`).
   */
  sendClick(
    channel: Channel,
    click: Click,
    idempotencyKey: string,
    eventType: EventType = 'click',
  ): Promise<unknown> {
    const batch = { ...click, eventType, interactions: 1, idempotencyKey };
    return channel === 'data'
      ? this.call(
          'POST',
          'data',
          { 'stream-name': 'ignored', PartitionKey: click.userId, Data: batch },
          `The ${eventType}`,
        )
      : this.call('POST', 'putEvents', batch, `The ${eventType}`);
  }

  private async call<T>(method: string, path: string, body: unknown, what: string): Promise<T> {
    const headers: Record<string, string> = { 'x-api-key': this.apiKey };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(new URL(path, this.baseUrl), {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch {
      throw new ApiError(
        0,
        `${what}: the API at ${this.baseUrl} did not answer. Is local mode running (npm start), and is the API URL right?`,
      );
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const message = (parsed as { message?: unknown } | undefined)?.message;
      throw new ApiError(
        response.status,
        explainFailure(response.status, typeof message === 'string' ? message : undefined, what),
      );
    }
    return parsed as T;
  }
}

/** An idempotency key for one click (the API's pattern: letters, digits and `._:-`, up to 64). */
export function newIdempotencyKey(): string {
  if (typeof crypto !== 'undefined' && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}
