/**
 * Security group rules: Authorize/Revoke ingress and egress. A rule is a protocol, a port range
 * and one peer (a CIDR or a group of the same VPC); the same rule twice is
 * InvalidPermission.Duplicate, revoking one that is not there InvalidPermission.NotFound.
 * A new group has no ingress and AWS's default egress (all traffic to 0.0.0.0/0).
 */
import type { IpPermission } from '@aws-sdk/client-ec2';
import type { SimContext } from '../context.js';
import { ec2Error, Ec2ErrorCode, ec2InvalidParameter, ec2MissingParameter } from '../errors.js';
import { newId } from '../ids.js';
import { parseCidr } from '../cidr.js';
import type { SecurityGroupRecord, SecurityGroupRuleRecord } from '../model.js';
import { requireSecurityGroup } from './lookup.js';

type Direction = 'ingress' | 'egress';

const PROTOCOL_NUMBERS: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp', all: '-1' };

export function defaultEgress(group: SecurityGroupRecord): SecurityGroupRuleRecord[] {
  return [{ id: `${group.id}-default-egress`, protocol: '-1', fromPort: -1, toPort: -1, cidr: '0.0.0.0/0' }];
}

export function rulesOf(group: SecurityGroupRecord, direction: Direction): SecurityGroupRuleRecord[] {
  return direction === 'ingress' ? (group.ingress ?? []) : (group.egress ?? defaultEgress(group));
}

/** Flattens IpPermissions into one rule per peer, checked as AWS checks them. */
function rulesFrom(ctx: SimContext, group: SecurityGroupRecord, permissions: IpPermission[] | undefined) {
  if (!permissions?.length) throw ec2MissingParameter('ipPermissions');
  return permissions.flatMap((p) => {
    const raw = (p.IpProtocol ?? '').toLowerCase();
    const protocol = PROTOCOL_NUMBERS[raw] ?? raw;
    if (!['tcp', 'udp', 'icmp', '-1'].includes(protocol))
      throw ec2InvalidParameter(`Invalid value '${raw}' for IP protocol. Unknown protocol.`);
    const ported = protocol === 'tcp' || protocol === 'udp';
    if (ported && (p.FromPort === undefined || p.ToPort === undefined))
      throw ec2InvalidParameter(
        `Invalid value for portRange. Must specify both from and to ports with TCP/UDP.`,
      );
    const fromPort = ported || protocol === 'icmp' ? (p.FromPort ?? -1) : -1;
    const toPort = ported || protocol === 'icmp' ? (p.ToPort ?? -1) : -1;
    if (ported && (fromPort < 0 || toPort > 65535 || fromPort > toPort))
      throw ec2InvalidParameter(
        `Invalid value for portRange. The port range ${fromPort}-${toPort} is invalid.`,
      );
    const peers: { cidr?: string; groupId?: string; description?: string | undefined }[] = [
      ...(p.IpRanges ?? []).map((r) => {
        if (!parseCidr(r.CidrIp)) throw ec2InvalidParameter(`CIDR block ${String(r.CidrIp)} is malformed`);
        return { cidr: r.CidrIp ?? '', description: r.Description };
      }),
      ...(p.UserIdGroupPairs ?? []).map((pair) => {
        const peer = requireSecurityGroup(ctx, pair.GroupId);
        if (peer.vpcId !== group.vpcId)
          throw ec2InvalidParameter(`You have specified two resources that belong to different networks.`);
        return { groupId: peer.id, description: pair.Description };
      }),
    ];
    if (peers.length === 0) throw ec2MissingParameter('ipRanges or groups');
    return peers.map((peer): SecurityGroupRuleRecord => ({
      id: '',
      protocol,
      fromPort,
      toPort,
      ...(peer.cidr !== undefined ? { cidr: peer.cidr } : {}),
      ...(peer.groupId !== undefined ? { groupId: peer.groupId } : {}),
      ...(peer.description !== undefined ? { description: peer.description } : {}),
    }));
  });
}

function sameRule(a: SecurityGroupRuleRecord, b: SecurityGroupRuleRecord): boolean {
  return (
    a.protocol === b.protocol &&
    a.fromPort === b.fromPort &&
    a.toPort === b.toPort &&
    a.cidr === b.cidr &&
    a.groupId === b.groupId
  );
}

function describeRule(rule: SecurityGroupRuleRecord): string {
  const protocol = rule.protocol === '-1' ? 'ALL' : rule.protocol.toUpperCase();
  return `peer: ${rule.cidr ?? rule.groupId ?? ''}, ${protocol}, from port: ${rule.fromPort}, to port: ${rule.toPort}, ALLOW`;
}

export function toIpPermissions(rules: readonly SecurityGroupRuleRecord[]): IpPermission[] {
  return rules.map((r) => ({
    IpProtocol: r.protocol,
    ...(r.protocol === '-1' ? {} : { FromPort: r.fromPort, ToPort: r.toPort }),
    IpRanges:
      r.cidr !== undefined
        ? [{ CidrIp: r.cidr, ...(r.description ? { Description: r.description } : {}) }]
        : [],
    Ipv6Ranges: [],
    PrefixListIds: [],
    UserIdGroupPairs: r.groupId !== undefined ? [{ GroupId: r.groupId }] : [],
  }));
}

function authorize(
  ctx: SimContext,
  direction: Direction,
  input: { GroupId?: string; IpPermissions?: IpPermission[] },
) {
  const group = requireSecurityGroup(ctx, input.GroupId);
  const current = rulesOf(group, direction);
  const added = rulesFrom(ctx, group, input.IpPermissions);
  added.forEach((rule, i) => {
    if (current.some((r) => sameRule(r, rule)) || added.slice(0, i).some((r) => sameRule(r, rule))) {
      throw ec2Error(
        Ec2ErrorCode.permissionDuplicate,
        `the specified rule "${describeRule(rule)}" already exists`,
      );
    }
  });
  const stored = added.map((rule) => ({ ...rule, id: newId(ctx.state, 'sgr') }));
  group[direction] = [...current, ...stored];
  return {
    Return: true,
    SecurityGroupRules: stored.map((r) => ({
      SecurityGroupRuleId: r.id,
      GroupId: group.id,
      GroupOwnerId: ctx.state.accountId,
      IsEgress: direction === 'egress',
      IpProtocol: r.protocol,
      FromPort: r.fromPort,
      ToPort: r.toPort,
      ...(r.cidr !== undefined ? { CidrIpv4: r.cidr } : {}),
      ...(r.groupId !== undefined
        ? { ReferencedGroupInfo: { GroupId: r.groupId, UserId: ctx.state.accountId } }
        : {}),
    })),
  };
}

function revoke(
  ctx: SimContext,
  direction: Direction,
  input: { GroupId?: string; IpPermissions?: IpPermission[] },
) {
  const group = requireSecurityGroup(ctx, input.GroupId);
  const current = rulesOf(group, direction);
  const removed = rulesFrom(ctx, group, input.IpPermissions);
  for (const rule of removed) {
    if (!current.some((r) => sameRule(r, rule)))
      throw ec2Error(
        Ec2ErrorCode.permissionNotFound,
        'The specified rule does not exist in this security group.',
      );
  }
  group[direction] = current.filter((r) => !removed.some((x) => sameRule(r, x)));
  return { Return: true };
}

type RuleInput = { GroupId?: string; IpPermissions?: IpPermission[] };

export const securityGroupRuleOperations = {
  AuthorizeSecurityGroupIngress: (ctx: SimContext, input: RuleInput): object =>
    authorize(ctx, 'ingress', input),
  AuthorizeSecurityGroupEgress: (ctx: SimContext, input: RuleInput): object =>
    authorize(ctx, 'egress', input),
  RevokeSecurityGroupIngress: (ctx: SimContext, input: RuleInput): object => revoke(ctx, 'ingress', input),
  RevokeSecurityGroupEgress: (ctx: SimContext, input: RuleInput): object => revoke(ctx, 'egress', input),
};
