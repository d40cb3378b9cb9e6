/**
 * What marks a Personalize resource as this stack's own. The API tags what it creates (campaigns, event
 * trackers, solution versions) with OWNER_TAG_KEY = the stack's name, and the functions' IAM policies allow
 * acting only on resources that carry that tag (`aws:RequestTag` on create, `aws:ResourceTag` after), so an
 * API key of this stack cannot touch another application's campaign in the same account.
 */

/** The tag key; its value is the stack name, given to every function as OWNER_TAG_VALUE. */
export const OWNER_TAG_KEY = 'nrt-recommendations:stack';

/** Environment variable holding the tag value (the stack name). */
export const OWNER_TAG_ENV = 'OWNER_TAG_VALUE';

/** The tags to create a resource with, in the SDK's shape; fails loudly if the function was not told its owner. */
export function ownerTags(env: NodeJS.ProcessEnv = process.env): Array<{ tagKey: string; tagValue: string }> {
  const value = env[OWNER_TAG_ENV];
  if (!value) throw new Error(`${OWNER_TAG_ENV} is not set: the function cannot tag what it creates`);
  return [{ tagKey: OWNER_TAG_KEY, tagValue: value }];
}

/** Environment variable naming the bucket that keeps records the consumer could not deliver. */
export const FAILED_RECORDS_BUCKET_ENV = 'FAILED_RECORDS_BUCKET';

/** Key prefix of the records the consumer itself sets aside (Lambda's own on-failure records use `aws/lambda/`). */
export const CONSUMER_FAILURES_PREFIX = 'consumer/';
