import type { Tag, TagSpecification, ResourceType } from '@aws-sdk/client-ec2';
import type { VpcConfigRecord } from '../state/schema.js';

/**
 * Every resource fixed-ip creates is tagged at creation. The tags are how a stack is found again
 * when its state file is lost, and the proof that fixed-ip made a resource: nothing without the
 * complete set is ever deleted. Reused resources (an existing internet gateway, an adopted Elastic
 * IP) are never tagged.
 */
export const TAG_STACK = 'fixed-ip:stack';
export const TAG_MANAGED_BY = 'fixed-ip:managed-by';
export const TAG_ROLE = 'fixed-ip:role';
/** On zonal kinds: the Availability Zone the resource serves. */
export const TAG_ZONE = 'fixed-ip:zone';
/** On the first private subnet: one tag per function moved into it, holding its previous VpcConfig. */
export const TAG_FUNCTION_PREFIX = 'fixed-ip:function:';
export const MANAGED_BY = 'fixed-ip';
/** What every tag key of fixed-ip's starts with (and no one else's should). */
export const TAG_PREFIX = 'fixed-ip:';

type Tags = ReadonlyArray<{ Key?: string | undefined; Value?: string | undefined }> | undefined;

/** Names in the article's style, with the zone for zonal resources of a multi-zone stack. */
export function nameTag(role: string, stack: string, zone?: string): string {
  const base: Record<string, string> = {
    'public-subnet': `public-${stack}`,
    'private-subnet': `private-${stack}`,
    'public-route-table': `public-routing-${stack}`,
    'private-route-table': `private-routing-${stack}`,
    'nat-gateway': `nat-${stack}`,
    'regional-nat-gateway': `nat-${stack}`,
    'elastic-ip': `eip-${stack}`,
    'nat-security-group': `fixed-ip-nat-${stack}`,
    'nat-interface': `nat-${stack}`,
    'nat-instance': `nat-${stack}`,
  };
  const name = base[role] ?? `fixed-ip-${stack}`;
  return zone ? `${name}-${zone}` : name;
}

export function stackTags(role: string, stack: string, zone?: string, extra: Tag[] = []): Tag[] {
  return [
    { Key: 'Name', Value: nameTag(role, stack, zone) },
    { Key: TAG_STACK, Value: stack },
    { Key: TAG_MANAGED_BY, Value: MANAGED_BY },
    { Key: TAG_ROLE, Value: role },
    ...(zone ? [{ Key: TAG_ZONE, Value: zone }] : []),
    ...extra,
  ];
}

export function tagSpec(
  resourceType: ResourceType,
  role: string,
  stack: string,
  zone?: string,
  extra: Tag[] = [],
): TagSpecification[] {
  return [{ ResourceType: resourceType, Tags: stackTags(role, stack, zone, extra) }];
}

/** fixed-ip's own tag keys among these tags. */
export function ourTagKeys(tags: Tags): string[] {
  return (tags ?? []).flatMap((tag) => (tag.Key?.startsWith(TAG_PREFIX) === true ? [tag.Key] : []));
}

export function tagValue(tags: Tags, key: string): string | undefined {
  return tags?.find((tag) => tag.Key === key)?.Value;
}

/**
 * True when the tags prove this stack's fixed-ip made the resource in this role: the stack, the
 * managed-by marker and the role, all three; one or two of them prove nothing. A zone tag, when
 * present, must name `zone` (resources of the first release carry none: their zone is their
 * placement, checked by the caller).
 */
export function isOurs(tags: Tags, stack: string, role: string, zone?: string): boolean {
  if (
    tagValue(tags, TAG_STACK) !== stack ||
    tagValue(tags, TAG_MANAGED_BY) !== MANAGED_BY ||
    tagValue(tags, TAG_ROLE) !== role
  )
    return false;
  const tagged = tagValue(tags, TAG_ZONE);
  return zone === undefined || tagged === undefined || tagged === zone;
}

/**
 * Why the tags do not prove this stack's fixed-ip made the resource in this role (undefined when
 * they do): what a user reads next to a resource fixed-ip keeps rather than deletes.
 */
export function whyNotOurs(tags: Tags, stack: string, role: string, zone?: string): string | undefined {
  const named = tagValue(tags, TAG_STACK);
  if (named === undefined) return `it carries no ${TAG_STACK} tag`;
  if (named !== stack) return `its tags name stack ${named}`;
  const missing = [TAG_MANAGED_BY, TAG_ROLE].filter((key) => tagValue(tags, key) === undefined);
  if (missing.length > 0) return `it carries stack ${stack}'s tag but not ${missing.join(' or ')}`;
  if (tagValue(tags, TAG_MANAGED_BY) !== MANAGED_BY)
    return `its ${TAG_MANAGED_BY} tag is ${tagValue(tags, TAG_MANAGED_BY) ?? ''}`;
  if (tagValue(tags, TAG_ROLE) !== role)
    return `its ${TAG_ROLE} tag is ${tagValue(tags, TAG_ROLE) ?? ''}, not ${role}`;
  const tagged = tagValue(tags, TAG_ZONE);
  if (zone !== undefined && tagged !== undefined && tagged !== zone)
    return `its ${TAG_ZONE} tag is ${tagged}, not ${zone}`;
  return undefined;
}

/** Any resource carrying a fixed-ip stack tag, whatever its other tags say. */
export const stackFilter = (stack: string) => ({ Name: `tag:${TAG_STACK}`, Values: [stack] });

/** Tag values allow letters, digits, spaces and _ . : / = + - @, so ids are joined with + and /. */
/**
 * `SUBNETS/GROUPS`, with `/ipv6` after them when the function had Ipv6AllowedForDualStack on (tags
 * written before it was recorded, and older readers, have two parts only: missing means off).
 */
export function encodeVpcConfig(config: VpcConfigRecord): string {
  if (config.subnetIds.length === 0) return 'none';
  const base = `${config.subnetIds.join('+')}/${config.securityGroupIds.join('+')}`;
  return config.ipv6AllowedForDualStack === true ? `${base}/${IPV6_MARK}` : base;
}

const IPV6_MARK = 'ipv6';

export function decodeVpcConfig(value: string): VpcConfigRecord {
  if (value === 'none' || !value.includes('/')) return { subnetIds: [], securityGroupIds: [] };
  const [subnets = '', groups = '', flag] = value.split('/');
  return {
    subnetIds: subnets.split('+').filter(Boolean),
    securityGroupIds: groups.split('+').filter(Boolean),
    ...(flag === IPV6_MARK ? { ipv6AllowedForDualStack: true } : {}),
  };
}

export function functionTag(functionName: string, previous: VpcConfigRecord): Tag {
  return { Key: `${TAG_FUNCTION_PREFIX}${functionName}`, Value: encodeVpcConfig(previous) };
}
