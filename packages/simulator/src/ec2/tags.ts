/** Tags: TagSpecifications at create, CreateTags/DeleteTags after, and the `Tags` list Describe shows. */
import type { Tag, TagSpecification } from '@aws-sdk/client-ec2';
import type { SimContext } from '../context.js';
import { ec2Error, Ec2ErrorCode, ec2InvalidParameter, ec2MissingParameter } from '../errors.js';
import type { Tags } from '../model.js';
import { findTaggable, type Taggable } from './lookup.js';

export function tagList(tags: Tags): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

function validateTags(tags: readonly Tag[]): void {
  for (const tag of tags) {
    const key = tag.Key ?? '';
    if (key.length === 0 || key.length > 128)
      throw ec2InvalidParameter(`Tag key must be between 1 and 128 characters: '${key}'`);
    if (key.toLowerCase().startsWith('aws:'))
      throw ec2InvalidParameter(`Tag keys starting with 'aws:' are reserved for internal use`);
    if ((tag.Value ?? '').length > 256)
      throw ec2InvalidParameter(`Tag value exceeds the maximum length of 256 characters`);
  }
}

function mergeTags(current: Tags, add: readonly Tag[]): Tags {
  const merged = { ...current };
  for (const tag of add) merged[tag.Key ?? ''] = tag.Value ?? '';
  if (Object.keys(merged).length > 50) throw tooManyTags();
  return merged;
}

/** AWS: "The maximum number of Tags for a resource has been reached." (TagLimitExceeded). */
function tooManyTags(): Error {
  return ec2Error(
    Ec2ErrorCode.tagLimitExceeded,
    'The maximum number of Tags for a resource has been reached.',
  );
}

/** The tags requested for a new resource of `resourceType`; another type is refused, as by AWS. */
export function tagsFromSpecifications(
  specs: readonly TagSpecification[] | undefined,
  resourceType: string,
): Tags {
  let tags: Tags = {};
  for (const spec of specs ?? []) {
    if (spec.ResourceType !== resourceType) {
      throw ec2InvalidParameter(
        `'${spec.ResourceType ?? ''}' is not a valid taggable resource type for this operation.`,
      );
    }
    validateTags(spec.Tags ?? []);
    tags = mergeTags(tags, spec.Tags ?? []);
  }
  return tags;
}

/**
 * CreateTags and DeleteTags on any taggable id; `others` finds the types that carry their own
 * module (ec2/resource-types.ts, which this module cannot import: they import it).
 */
export function tagOperations(others: (ctx: SimContext, id: string) => Taggable | undefined) {
  const find = (ctx: SimContext, id: string): Taggable =>
    findTaggable(ctx, id, (other) => others(ctx, other));
  return {
    CreateTags(ctx: SimContext, input: { Resources?: string[]; Tags?: Tag[] }): object {
      if (!input.Resources?.length) throw ec2MissingParameter('resourceIdSet');
      if (!input.Tags) throw ec2MissingParameter('tagSet');
      validateTags(input.Tags);
      const targets = input.Resources.map((id) => find(ctx, id));
      const updated = targets.map((target) => mergeTags(target.tags, input.Tags ?? []));
      targets.forEach((target, i) => (target.tags = updated[i] ?? target.tags));
      return {};
    },

    DeleteTags(ctx: SimContext, input: { Resources?: string[]; Tags?: Tag[] }): object {
      if (!input.Resources?.length) throw ec2MissingParameter('resourceIdSet');
      const targets = input.Resources.map((id) => find(ctx, id));
      for (const target of targets) {
        // No Tags removes them all; a tag given with a Value removes it only when the value matches.
        const next = { ...target.tags };
        const toRemove: Tag[] = input.Tags ?? Object.keys(target.tags).map((Key) => ({ Key }));
        for (const tag of toRemove) {
          const key = tag.Key ?? '';
          if (tag.Value === undefined || next[key] === tag.Value) delete next[key];
        }
        target.tags = next;
      }
      return {};
    },
  };
}
