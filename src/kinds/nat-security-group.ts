import type { SecurityGroup } from '@aws-sdk/client-ec2';
import * as z from 'zod/mini';
import { awsErrorName } from '../aws/errors.js';
import { putRecord, type StackContext, type Targets, vpcIdOf } from '../model/context.js';
import { nameTag, tagSpec } from '../model/tags.js';
import { findListed } from './find.js';
import { baseRecord, type Kind, PLACEHOLDER } from '../model/kind.js';
import { createGroupDryRun, deleteGroup, findOwnGroup, nameTaken, securityGroupAsCode } from './groups.js';
import { notRecorded } from './status.js';
import { SECURITY_GROUPS } from '../model/world.js';

const ROLE = 'nat-security-group';
const ANY_PROTOCOL = '-1';
const groupName = (stack: string): string => nameTag(ROLE, stack);

export const natSecurityGroupRecord = z.extend(baseRecord, { kind: z.literal('natSecurityGroup') });

// This kind's state record, declared where the state's identities are (src/state/identity.ts).
declare module '../state/identity.js' {
  interface KindRecords {
    natSecurityGroup: z.infer<typeof natSecurityGroupRecord>;
  }
}

/** The CIDRs the NAT instance forwards for: the stack's private subnets, and nothing else. */
function wantedCidrs(ctx: StackContext, targets: Targets | undefined): string[] {
  const zones = ctx.state.shape.zones;
  // (not recordsOf: the state schema imports the kinds)
  const recorded = Object.values(ctx.state.resources).flatMap((r) =>
    r.kind === 'privateSubnet' && zones.includes(r.zone ?? '') ? [r] : [],
  );
  const cidrs = zones.map(
    (zone) => recorded.find((s) => s.zone === zone)?.cidr ?? targets?.privateCidrs[zone] ?? '',
  );
  return [...new Set(cidrs.filter(Boolean))].sort();
}

function ingressCidrs(group: SecurityGroup | undefined): string[] {
  return (group?.IpPermissions ?? [])
    .filter((p) => p.IpProtocol === ANY_PROTOCOL)
    .flatMap((p) => (p.IpRanges ?? []).map((r) => r.CidrIp ?? ''))
    .sort();
}

/** Any other inbound rule (another protocol, a port, another group): admits more than the stack's subnets. */
function foreignRules(group: SecurityGroup | undefined, wanted: readonly string[]): boolean {
  return (group?.IpPermissions ?? []).some(
    (p) =>
      p.IpProtocol !== ANY_PROTOCOL ||
      (p.UserIdGroupPairs ?? []).length > 0 ||
      (p.Ipv6Ranges ?? []).length > 0 ||
      (p.IpRanges ?? []).some((r) => !wanted.includes(r.CidrIp ?? '')),
  );
}

function live(ctx: StackContext): SecurityGroup | undefined {
  const listed = findListed(ctx, natSecurityGroup, undefined);
  return listed ? ctx.world.securityGroups.find((g) => g.GroupId === listed.id) : undefined;
}

/**
 * Part of step 5 with `--nat instance`: the NAT instance's security group. Inbound: all traffic
 * from the stack's private subnets, nothing else (the instance is not reachable from the
 * internet); outbound: AWS's default allow-all, so forwarded traffic can leave.
 */
export const natSecurityGroup: Kind = {
  name: 'natSecurityGroup',
  part: SECURITY_GROUPS,
  role: ROLE,
  zonal: false,
  article: 5,
  title: 'NAT instance security group',
  record: natSecurityGroupRecord,
  iam: {
    read: ['ec2:DescribeSecurityGroups'],
    create: [
      'ec2:CreateSecurityGroup',
      'ec2:CreateTags',
      'ec2:AuthorizeSecurityGroupIngress',
      'ec2:RevokeSecurityGroupIngress',
    ],
    remove: ['ec2:DeleteSecurityGroup'],
  },
  needs: [SECURITY_GROUPS],
  hourlyUsd: () => 0,
  iac: (ctx, record, live) => ({ owned: [securityGroupAsCode(ctx, record.id, live.tags)] }),

  list: (world) =>
    world.securityGroups.map((g) => ({ id: g.GroupId ?? '', tags: g.Tags, zone: undefined, extra: {} })),

  plan(ctx, _zone, targets) {
    const wanted = wantedCidrs(ctx, targets);
    const group = live(ctx);
    if (!group)
      return {
        action: 'create',
        detail: `${groupName(ctx.name)}, inbound only from ${wanted.join(', ')}, all outbound`,
      };
    const right = ingressCidrs(group).join() === wanted.join() && !foreignRules(group, wanted);
    return {
      action: right ? 'done' : 'repair',
      detail: `${group.GroupId ?? ''} (from ${wanted.join(', ')})`,
    };
  },

  async ensure(ctx, _zone, targets) {
    let group = live(ctx);
    let id = group?.GroupId;
    if (!id) {
      ctx.checkpoint();
      try {
        const created = await ctx.aws.ec2Create.CreateSecurityGroup({
          GroupName: groupName(ctx.name),
          Description: `fixed-ip ${ctx.name}: NAT instance, reachable only from the stack's private subnets`,
          VpcId: vpcIdOf(ctx),
          TagSpecifications: tagSpec('security-group', ROLE, ctx.name),
        });
        id = created.GroupId ?? '';
      } catch (error) {
        // Made by an attempt whose response was lost: the name is unique in the VPC.
        if (awsErrorName(error) !== 'InvalidGroup.Duplicate') throw error;
        group = await findOwnGroup(ctx, natSecurityGroup, error as Error);
        id = group.GroupId ?? '';
      }
    }
    await putRecord(ctx, { kind: 'natSecurityGroup', id, owned: true });
    const wanted = wantedCidrs(ctx, targets);
    const has = ingressCidrs(group);
    const missing = wanted.filter((cidr) => !has.includes(cidr));
    if (missing.length > 0) {
      ctx.checkpoint();
      try {
        await ctx.aws.ec2.AuthorizeSecurityGroupIngress({
          GroupId: id,
          IpPermissions: [
            {
              IpProtocol: ANY_PROTOCOL,
              IpRanges: missing.map((CidrIp) => ({ CidrIp, Description: 'fixed-ip private subnet' })),
            },
          ],
        });
      } catch (error) {
        // Added by an attempt whose response was lost.
        if (awsErrorName(error) !== 'InvalidPermission.Duplicate') throw error;
      }
    }
    // A zone the stack no longer has: its block may be reused by someone else.
    const stale = has.filter((cidr) => !wanted.includes(cidr));
    if (stale.length > 0) {
      ctx.checkpoint();
      await ctx.aws.ec2.RevokeSecurityGroupIngress({
        GroupId: id,
        IpPermissions: [{ IpProtocol: ANY_PROTOCOL, IpRanges: stale.map((CidrIp) => ({ CidrIp })) }],
      });
    }
    return `${id} (${groupName(ctx.name)}, inbound from ${wanted.join(', ')})`;
  },

  check(ctx) {
    const record = ctx.state.resources.natSecurityGroup;
    if (!record) return notRecorded('NAT instance security group');
    const group = ctx.world.securityGroups.find((g) => g.GroupId === record.id);
    if (!group)
      return {
        ok: false,
        id: record.id,
        state: 'missing',
        problem: `NAT instance security group ${record.id} was deleted; run fixed-ip setup to recreate it`,
      };
    const wanted = wantedCidrs(ctx, undefined);
    const has = ingressCidrs(group);
    const lacking = wanted.filter((cidr) => !has.includes(cidr));
    if (lacking.length > 0)
      return {
        ok: false,
        id: record.id,
        state: 'drifted',
        problem: `NAT instance security group ${record.id} no longer admits ${lacking.join(', ')}: those functions have no egress; run fixed-ip setup to repair`,
      };
    if (foreignRules(group, wanted))
      return {
        ok: false,
        id: record.id,
        state: 'drifted',
        problem: `NAT instance security group ${record.id} admits more than the stack's private subnets; run fixed-ip setup to repair`,
      };
    return { ok: true, id: record.id, state: 'active' };
  },

  async remove(ctx, _zone, options) {
    const record = ctx.state.resources.natSecurityGroup;
    if (!record) return { outcome: 'gone', detail: '' };
    return deleteGroup(ctx, 'natSecurityGroup', record.id, {
      ...options,
      waitingFor: 'the NAT instance network interface to go',
    });
  },

  blockers: (ctx) => Promise.resolve(nameTaken(ctx, ROLE)),

  dryRuns: (aws, stack, _zone, targets) => [
    createGroupDryRun(aws, stack, ROLE, targets),
    {
      action: 'ec2:AuthorizeSecurityGroupIngress',
      onOwnResource: true,
      call: () =>
        aws.ec2.AuthorizeSecurityGroupIngress({
          DryRun: true,
          GroupId: `sg-${PLACEHOLDER}`,
          IpPermissions: [{ IpProtocol: ANY_PROTOCOL, IpRanges: [{ CidrIp: '10.0.0.0/24' }] }],
        }),
    },
  ],
};
