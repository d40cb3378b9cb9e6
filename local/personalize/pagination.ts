import { invalidNextToken } from './errors';
import { optionalInteger, optionalString, type RequestBody } from './validation';

const MAX_RESULTS_LIMIT = 100;

/**
 * One page of a List operation: `maxResults` (at most 100) from the offset in `nextToken`, newest first
 * unless the list has an order of its own.
 */
export function page<R, S>(
  body: RequestBody,
  key: string,
  records: R[],
  toSummary: (r: R) => S,
  newestFirst = true,
): unknown {
  const maxResults = optionalInteger(body, 'maxResults', 1, MAX_RESULTS_LIMIT) ?? MAX_RESULTS_LIMIT;
  const token = optionalString(body, 'nextToken', { max: 1500 });
  let start = 0;
  if (token !== undefined) {
    start = Number(
      Buffer.from(token, 'base64')
        .toString('utf8')
        .replace(/^offset:/, ''),
    );
    if (!Number.isInteger(start) || start < 0) throw invalidNextToken(`Invalid nextToken ${token}`);
  }
  const ordered = newestFirst
    ? [...records].sort(
        (a, b) =>
          (b as { creationDateTime: number }).creationDateTime -
          (a as { creationDateTime: number }).creationDateTime,
      )
    : records;
  const end = start + maxResults;
  return {
    [key]: ordered.slice(start, end).map(toSummary),
    nextToken: end < ordered.length ? Buffer.from(`offset:${end}`).toString('base64') : undefined,
  };
}
