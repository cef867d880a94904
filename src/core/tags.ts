import type { Tag, TagSpecification, ResourceType } from '@aws-sdk/client-ec2';
import type { VpcConfigRecord } from '../state/schema.js';

/**
 * Every resource fixed-ip creates is tagged at creation. The tags are how a stack is found again
 * when its state file is lost, and the proof that fixed-ip made a resource: nothing without them is
 * ever deleted. Reused resources (an existing internet gateway, an adopted Elastic IP) are never tagged.
 */
export const TAG_STACK = 'fixed-ip:stack';
export const TAG_MANAGED_BY = 'fixed-ip:managed-by';
export const TAG_ROLE = 'fixed-ip:role';
/** On the private subnet: one tag per function moved into it, holding its previous VpcConfig. */
export const TAG_FUNCTION_PREFIX = 'fixed-ip:function:';
export const MANAGED_BY = 'fixed-ip';

export type Role =
  | 'vpc'
  | 'internet-gateway'
  | 'public-subnet'
  | 'public-route-table'
  | 'private-subnet'
  | 'security-group'
  | 'elastic-ip'
  | 'nat-gateway'
  | 'private-route-table';

/** Names in the article's style. */
export function nameTag(role: Role, stack: string): string {
  switch (role) {
    case 'public-subnet':
      return `public-${stack}`;
    case 'private-subnet':
      return `private-${stack}`;
    case 'public-route-table':
      return `public-routing-${stack}`;
    case 'private-route-table':
      return `private-routing-${stack}`;
    case 'nat-gateway':
      return `nat-${stack}`;
    case 'elastic-ip':
      return `eip-${stack}`;
    default:
      return `fixed-ip-${stack}`;
  }
}

export function stackTags(role: Role, stack: string, extra: Tag[] = []): Tag[] {
  return [
    { Key: 'Name', Value: nameTag(role, stack) },
    { Key: TAG_STACK, Value: stack },
    { Key: TAG_MANAGED_BY, Value: MANAGED_BY },
    { Key: TAG_ROLE, Value: role },
    ...extra,
  ];
}

export function tagSpec(
  resourceType: ResourceType,
  role: Role,
  stack: string,
  extra: Tag[] = [],
): TagSpecification[] {
  return [{ ResourceType: resourceType, Tags: stackTags(role, stack, extra) }];
}

export function tagValue(tags: Tag[] | undefined, key: string): string | undefined {
  return tags?.find((tag) => tag.Key === key)?.Value;
}

/** True when this stack's fixed-ip created the resource (optionally in this role). */
export function isOurs(tags: Tag[] | undefined, stack: string, role?: Role): boolean {
  return (
    tagValue(tags, TAG_STACK) === stack &&
    tagValue(tags, TAG_MANAGED_BY) === MANAGED_BY &&
    (role === undefined || tagValue(tags, TAG_ROLE) === role)
  );
}

export const stackFilter = (stack: string) => ({ Name: `tag:${TAG_STACK}`, Values: [stack] });

/** Tag values allow letters, digits, spaces and _ . : / = + - @, so ids are joined with + and /. */
export function encodeVpcConfig(config: VpcConfigRecord): string {
  if (config.subnetIds.length === 0) return 'none';
  return `${config.subnetIds.join('+')}/${config.securityGroupIds.join('+')}`;
}

export function decodeVpcConfig(value: string): VpcConfigRecord {
  if (value === 'none' || !value.includes('/')) return { subnetIds: [], securityGroupIds: [] };
  const [subnets = '', groups = ''] = value.split('/');
  return {
    subnetIds: subnets.split('+').filter(Boolean),
    securityGroupIds: groups.split('+').filter(Boolean),
  };
}

export function functionTag(functionName: string, previous: VpcConfigRecord): Tag {
  return { Key: `${TAG_FUNCTION_PREFIX}${functionName}`, Value: encodeVpcConfig(previous) };
}
