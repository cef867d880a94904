import type { StackContext } from '../model/context.js';
import { isOurs, whyNotOurs } from '../model/tags.js';
import type { Kind, KindName, Listed } from '../model/kind.js';
import { kindNamed } from './registry.js';

/**
 * A kind's live resource for one identity: the one the state records, else one whose complete tag
 * set names this stack, kind and zone (what an interrupted run made but had not recorded yet).
 * A resource of the first release has no zone tag: its placement must then match the zone.
 */
export function findListed(ctx: StackContext, kind: Kind, zone: string | undefined): Listed | undefined {
  const recorded = ctx.state.resources[zone === undefined ? kind.name : `${kind.name}@${zone}`]?.id;
  const listed = kind.list(ctx.world);
  return (
    listed.find((item) => item.id === recorded) ?? listed.find((item) => ownedBy(item, ctx.name, kind, zone))
  );
}

/** The complete tag set names this stack, kind and zone (or, untagged by zone, its placement does). */
export function ownedBy(item: Listed, stack: string, kind: Kind, zone: string | undefined): boolean {
  if (!isOurs(item.tags, stack, kind.role, zone)) return false;
  if (!kind.zonal || zone === undefined) return true;
  const tagged = item.tags?.find((t) => t.Key === 'fixed-ip:zone')?.Value;
  return tagged !== undefined || item.zone === undefined || item.zone === zone;
}

/** Why the live resource does not prove it is this stack's (undefined when ownedBy holds). */
export function whyNotOwnedBy(
  item: Listed,
  stack: string,
  kind: Kind,
  zone: string | undefined,
): string | undefined {
  if (ownedBy(item, stack, kind, zone)) return undefined;
  return (
    whyNotOurs(item.tags, stack, kind.role, zone) ??
    `it carries no zone tag and lies in ${item.zone ?? 'another zone'}, not ${zone ?? ''}`
  );
}

/** The tags prove the resource is this stack's, of one of these kinds (in any zone): what a step may delete in passing. */
export function provenAs(tags: Listed['tags'], stack: string, kinds: readonly KindName[]): boolean {
  return kinds.some((name) => isOurs(tags, stack, kindNamed(name).role));
}
