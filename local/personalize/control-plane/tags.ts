import type { EmulatorContext } from '../context';
import { inUse, invalidInput, notFound, tooManyTagKeys, tooManyTags } from '../errors';
import { recipeByArn } from '../recipes';
import type { ResourceRecord, Tag } from '../store';
import { requiredArn, type RequestBody } from '../validation';

// Tags: the model's rules (key 1-128, value 0-256, the tag character set, at most 200 in a request) are
// checked with every request (rules.ts); these are the documented rules on top of them
// (https://docs.aws.amazon.com/personalize/latest/dg/personalize-managing-tags.html).

/** "Maximum number of tags per resource – 50". */
const MAX_TAGS_PER_RESOURCE = 50;
/** "Your tag keys and tag values can't start with aws:" (AWS applies those itself). */
const RESERVED_PREFIX = 'aws:';

/**
 * The tags of a request (`tags`, already of the model's shape), refusing keys and values that start with
 * `aws:`. A key given twice keeps its last value.
 */
function tagsOfRequest(body: RequestBody, field = 'tags'): Tag[] {
  const value = body[field];
  if (value === undefined || value === null) return [];
  const tags = value as Tag[];
  tags.forEach((tag, i) => {
    for (const member of ['tagKey', 'tagValue'] as const) {
      if (tag[member].toLowerCase().startsWith(RESERVED_PREFIX)) {
        throw invalidInput(
          `Value '${tag[member]}' at '${field}.${i + 1}.${member}' may not start with ${RESERVED_PREFIX}: that prefix is reserved for AWS`,
        );
      }
    }
  });
  return tags;
}

/** Tags a new resource is created with; TooManyTagsException past the per-resource limit. */
export function initialTags(body: RequestBody, arn: string): Tag[] | undefined {
  const tags = merge(undefined, tagsOfRequest(body), arn);
  return tags.length > 0 ? tags : undefined;
}

function merge(existing: readonly Tag[] | undefined, added: readonly Tag[], arn: string): Tag[] {
  const merged = new Map<string, string>((existing ?? []).map((t) => [t.tagKey, t.tagValue]));
  for (const tag of added) merged.set(tag.tagKey, tag.tagValue);
  if (merged.size > MAX_TAGS_PER_RESOURCE) {
    throw tooManyTags(
      `Resource ${arn} would have ${merged.size} tags: the limit is ${MAX_TAGS_PER_RESOURCE} per resource`,
    );
  }
  return [...merged].map(([tagKey, tagValue]) => ({ tagKey, tagValue }));
}

/** The resource a tag operation names: it must exist and be of a kind that takes tags. */
function taggedResource(ctx: EmulatorContext, body: RequestBody): ResourceRecord {
  const arn = requiredArn(body, 'resourceArn');
  const record = ctx.store.get(arn);
  if (!record) {
    if (recipeByArn(arn)) throw invalidInput(`Recipe ${arn} takes no tags`);
    throw notFound(`Could not find resource ${arn}`);
  }
  // Personalize tags the resources whose IAM resource types take aws:ResourceTag: not schemas.
  if (record.kind === 'schema') throw invalidInput(`Schema ${arn} takes no tags`);
  return record;
}

/** ... and, to change its tags, not be on its way out. */
function taggable(ctx: EmulatorContext, body: RequestBody): ResourceRecord {
  const record = taggedResource(ctx, body);
  if (record.status.startsWith('DELETE'))
    throw inUse(`Resource ${record.arn} is ${record.status}: its tags can no longer change`);
  return record;
}

export function tagResource(ctx: EmulatorContext, body: RequestBody): unknown {
  const added = tagsOfRequest(body);
  const record = taggable(ctx, body);
  record.tags = merge(record.tags, added, record.arn);
  ctx.store.touched();
  return {};
}

export function untagResource(ctx: EmulatorContext, body: RequestBody): unknown {
  const keys = body['tagKeys'] as string[];
  // "The request contains more tag keys than can be associated with a resource (50 tag keys per resource)".
  if (keys.length > MAX_TAGS_PER_RESOURCE) {
    throw tooManyTagKeys(
      `The request names ${keys.length} tag keys: a resource has at most ${MAX_TAGS_PER_RESOURCE}`,
    );
  }
  const record = taggable(ctx, body);
  const remaining = (record.tags ?? []).filter((t) => !keys.includes(t.tagKey));
  record.tags = remaining.length > 0 ? remaining : undefined;
  ctx.store.touched();
  return {};
}

export function listTagsForResource(ctx: EmulatorContext, body: RequestBody): unknown {
  return { tags: taggedResource(ctx, body).tags ?? [] };
}
