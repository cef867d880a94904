import type { IpPermission, SecurityGroup } from '@aws-sdk/client-ec2';
import { idRef, type IacResource, type IacValue } from '../model/iac.js';
import type { AwsPort } from '../aws/port.js';
import { dropRecord, type StackContext, type Targets, vpcIdOf } from '../model/context.js';
import { isOurs, nameTag, tagSpec } from '../model/tags.js';
import { whenVisible } from './eventual.js';
import { ownedBy } from './find.js';
import {
  type DryRun,
  type Kind,
  type KindName,
  PLACEHOLDER,
  type RemoveOptions,
  type RemoveOutcome,
} from '../model/kind.js';
import { deleteWhenFree } from './retry.js';

/** What the two security group kinds (the functions', the NAT instance's) share. */

/** Deletes a recorded group once AWS lets go of it (`waitingFor` says what holds it meanwhile). */
export async function deleteGroup(
  ctx: StackContext,
  kind: Extract<KindName, 'securityGroup' | 'natSecurityGroup'>,
  id: string,
  options: RemoveOptions & { waitingFor: string },
): Promise<RemoveOutcome> {
  const outcome = await deleteWhenFree(ctx, {
    ...options,
    what: `security group ${id}`,
    notFound: ['InvalidGroup.NotFound'],
    busy: ['DependencyViolation'],
    attempt: () => ctx.aws.ec2.DeleteSecurityGroup({ GroupId: id }),
  });
  await dropRecord(ctx, kind, undefined);
  return { outcome, detail: id };
}

/** The CreateSecurityGroup a kind of this role would make, with DryRun. */
export function createGroupDryRun(aws: AwsPort, stack: string, role: string, targets: Targets): DryRun {
  return {
    action: 'ec2:CreateSecurityGroup',
    call: () =>
      aws.ec2.CreateSecurityGroup({
        DryRun: true,
        GroupName: nameTag(role, stack),
        Description: 'fixed-ip dry run',
        VpcId: targets.vpcId ?? `vpc-${PLACEHOLDER}`,
        TagSpecifications: tagSpec('security-group', role, stack),
      }),
  };
}

/**
 * Group names are unique in a VPC: one of this role's name that fixed-ip did not make for this
 * stack would stop setup halfway (InvalidGroup.Duplicate), so plan and setup name it first.
 */
export function nameTaken(ctx: StackContext, role: string): string[] {
  const name = nameTag(role, ctx.name);
  const taken = ctx.world.securityGroups.find((g) => g.GroupName === name && !isOurs(g.Tags, ctx.name, role));
  if (!taken) return [];
  return [
    `${vpcIdOf(ctx)} already has a security group named ${name} (${taken.GroupId ?? ''}) that fixed-ip did not make for stack ${ctx.name}: pick a free stack name with --name, or rename that group`,
  ];
}

/**
 * The group of this role by its unique name in the VPC, while AWS makes a new one visible (a create
 * whose response was lost); only if its tags prove it is this stack's. Otherwise the name is
 * someone else's: `cause` (AWS's InvalidGroup.Duplicate) is thrown.
 */
export async function findOwnGroup(ctx: StackContext, kind: Kind, cause: Error): Promise<SecurityGroup> {
  const group = await whenVisible(ctx, async () => {
    const found = await ctx.aws.ec2.DescribeSecurityGroups({
      Filters: [
        { Name: 'vpc-id', Values: [vpcIdOf(ctx)] },
        { Name: 'group-name', Values: [nameTag(kind.role, ctx.name)] },
      ],
    });
    return found.SecurityGroups?.find((g) =>
      ownedBy({ id: g.GroupId ?? '', tags: g.Tags, zone: undefined, extra: {} }, ctx.name, kind, undefined),
    );
  });
  if (!group) throw cause;
  return group;
}

/**
 * A security group as code, with its rules as they are live: Terraform's inline `ingress`/`egress`
 * (every field, as its JSON syntax needs) and CloudFormation's, one entry per source. A rule naming
 * the group itself stays a literal id (a reference to itself would be a cycle).
 */
export function securityGroupAsCode(ctx: StackContext, id: string, tags: IacResource['tags']): IacResource {
  const group = ctx.world.securityGroups.find((g) => g.GroupId === id);
  const vpcId = idRef(group?.VpcId ?? vpcIdOf(ctx));
  const other = (groupId: string | undefined): IacValue =>
    groupId === id ? (groupId ?? '') : idRef(groupId ?? '');
  const terraformRules = (permissions: IpPermission[] | undefined): IacValue[] =>
    (permissions ?? []).map((p) => ({
      description: p.IpRanges?.[0]?.Description ?? '',
      protocol: p.IpProtocol ?? '-1',
      from_port: p.FromPort ?? 0,
      to_port: p.ToPort ?? 0,
      cidr_blocks: (p.IpRanges ?? []).map((r) => r.CidrIp ?? ''),
      ipv6_cidr_blocks: (p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6 ?? ''),
      prefix_list_ids: (p.PrefixListIds ?? []).map((r) => r.PrefixListId ?? ''),
      security_groups: (p.UserIdGroupPairs ?? [])
        .filter((g) => g.GroupId !== id)
        .map((g) => other(g.GroupId)),
      self: (p.UserIdGroupPairs ?? []).some((g) => g.GroupId === id),
    }));
  const cloudFormationRules = (permissions: IpPermission[] | undefined, egress: boolean): IacValue[] =>
    (permissions ?? []).flatMap((p) => {
      const ports = {
        IpProtocol: p.IpProtocol ?? '-1',
        ...(p.FromPort === undefined ? {} : { FromPort: p.FromPort }),
        ...(p.ToPort === undefined ? {} : { ToPort: p.ToPort }),
      };
      const described = (text: string | undefined) => (text ? { Description: text } : {});
      return [
        ...(p.IpRanges ?? []).map((r) => ({ ...ports, CidrIp: r.CidrIp ?? '', ...described(r.Description) })),
        ...(p.Ipv6Ranges ?? []).map((r) => ({
          ...ports,
          CidrIpv6: r.CidrIpv6 ?? '',
          ...described(r.Description),
        })),
        ...(p.UserIdGroupPairs ?? []).map((g) => ({
          ...ports,
          [egress ? 'DestinationSecurityGroupId' : 'SourceSecurityGroupId']: other(g.GroupId),
          ...described(g.Description),
        })),
      ];
    });
  return {
    id,
    part: '',
    tags,
    terraform: {
      type: 'aws_security_group',
      attributes: {
        name: group?.GroupName ?? '',
        description: group?.Description ?? '',
        vpc_id: vpcId,
        ingress: terraformRules(group?.IpPermissions),
        egress: terraformRules(group?.IpPermissionsEgress),
      },
      importId: id,
    },
    cloudformation: {
      type: 'AWS::EC2::SecurityGroup',
      properties: {
        GroupName: group?.GroupName ?? '',
        GroupDescription: group?.Description ?? '',
        VpcId: vpcId,
        SecurityGroupIngress: cloudFormationRules(group?.IpPermissions, false),
        SecurityGroupEgress: cloudFormationRules(group?.IpPermissionsEgress, true),
      },
      identifier: { Id: id },
    },
  };
}
