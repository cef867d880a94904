/** Security groups: names unique per VPC, allow-all egress, and held by Lambda's ENIs that use them. */
import type { SecurityGroup, TagSpecification } from '@aws-sdk/client-ec2';
import type { SimContext } from '../context.js';
import { describeOperation, recordsOf } from '../describe.js';
import {
  ec2DependencyViolation,
  ec2Error,
  Ec2ErrorCode,
  ec2InvalidParameter,
  ec2MissingParameter,
} from '../errors.js';
import type { FilterFields } from '../filters.js';
import { newRecord } from '../lifecycle.js';
import type { SecurityGroupRecord, Tags } from '../model.js';
import { requireSecurityGroup, requireVpc } from './lookup.js';
import { liveInterfaces } from './network-interfaces.js';
import { rulesOf, toIpPermissions } from './security-group-rules.js';
import { tagList, tagsFromSpecifications } from './tags.js';

export interface NewSecurityGroup {
  vpcId: string | undefined;
  name: string | undefined;
  description: string | undefined;
  tags: Tags;
  visibleAt: number;
}

export function insertSecurityGroup(ctx: SimContext, spec: NewSecurityGroup): SecurityGroupRecord {
  const { name, description } = spec;
  if (name === undefined) throw ec2MissingParameter('groupName');
  if (description === undefined) throw ec2MissingParameter('groupDescription');
  // Without a VpcId, AWS uses the default VPC.
  const vpcId = spec.vpcId ?? recordsOf(ctx.state.vpcs).find((v) => v.isDefault)?.id;
  if (vpcId === undefined) throw ec2Error(Ec2ErrorCode.missingParameter, 'No default VPC for this user');
  const vpc = requireVpc(ctx, vpcId);
  if (name.length === 0 || name.length > 255 || name.startsWith('sg-')) {
    throw ec2InvalidParameter(`Invalid security group name: '${name}'`);
  }
  const taken = recordsOf(ctx.state.securityGroups).some((sg) => sg.vpcId === vpc.id && sg.name === name);
  if (taken)
    throw ec2Error(
      Ec2ErrorCode.groupDuplicate,
      `The security group '${name}' already exists for VPC '${vpc.id}'`,
    );
  const group: SecurityGroupRecord = {
    ...newRecord(ctx, 'sg', spec.visibleAt, spec.tags),
    vpcId: vpc.id,
    name,
    description,
    isDefault: false,
  };
  ctx.state.securityGroups[group.id] = group;
  return group;
}

function toSecurityGroup(ctx: SimContext, sg: SecurityGroupRecord): SecurityGroup {
  const { region, accountId } = ctx.state;
  return {
    GroupId: sg.id,
    GroupName: sg.name,
    Description: sg.description,
    VpcId: sg.vpcId,
    OwnerId: accountId,
    SecurityGroupArn: `arn:aws:ec2:${region}:${accountId}:security-group/${sg.id}`,
    // AWS's default for a new group: no ingress, all egress.
    IpPermissions: toIpPermissions(rulesOf(sg, 'ingress')),
    IpPermissionsEgress: toIpPermissions(rulesOf(sg, 'egress')),
    Tags: tagList(sg.tags),
  };
}

function securityGroupFields(ctx: SimContext): FilterFields<SecurityGroupRecord> {
  return {
    'group-id': (g) => g.id,
    'group-name': (g) => g.name,
    'vpc-id': (g) => g.vpcId,
    description: (g) => g.description,
    'owner-id': () => ctx.state.accountId,
  };
}

/** GroupNames: names alone only address groups of the default VPC, as in AWS. */
function byGroupNames(
  ctx: SimContext,
  found: SecurityGroupRecord[],
  input: { GroupNames?: string[] },
): SecurityGroupRecord[] {
  if (!input.GroupNames?.length) return found;
  const defaultVpcId = recordsOf(ctx.state.vpcs).find((v) => v.isDefault)?.id;
  const inDefault = found.filter((g) => g.vpcId === defaultVpcId);
  const missing = input.GroupNames.filter((name) => !inDefault.some((g) => g.name === name));
  if (missing.length > 0) {
    throw ec2Error(
      Ec2ErrorCode.groupNotFound,
      `The security group '${missing[0] ?? ''}' does not exist in default VPC '${defaultVpcId ?? 'none'}'`,
    );
  }
  return inDefault.filter((g) => input.GroupNames?.includes(g.name));
}

export const securityGroupOperations = {
  DescribeSecurityGroups: describeOperation({
    list: 'SecurityGroups',
    records: (ctx) => recordsOf(ctx.state.securityGroups),
    ids: (input: { GroupIds?: string[]; GroupNames?: string[] }) => input.GroupIds,
    fields: securityGroupFields,
    notFound: (missing) =>
      ec2Error(Ec2ErrorCode.groupNotFound, `The security group '${missing.join("', '")}' does not exist`),
    narrow: byGroupNames,
    show: toSecurityGroup,
  }),

  CreateSecurityGroup(
    ctx: SimContext,
    input: {
      GroupName?: string;
      Description?: string;
      VpcId?: string;
      TagSpecifications?: TagSpecification[];
    },
  ): object {
    const tags = tagsFromSpecifications(input.TagSpecifications, 'security-group');
    const group = insertSecurityGroup(ctx, {
      vpcId: input.VpcId,
      name: input.GroupName,
      description: input.Description,
      tags,
      visibleAt: ctx.now + ctx.timings.eventualConsistencyMs,
    });
    return {
      GroupId: group.id,
      SecurityGroupArn: toSecurityGroup(ctx, group).SecurityGroupArn,
      Tags: tagList(group.tags),
    };
  },

  DeleteSecurityGroup(ctx: SimContext, input: { GroupId?: string; GroupName?: string }): object {
    let group: SecurityGroupRecord;
    if (input.GroupId !== undefined) {
      group = requireSecurityGroup(ctx, input.GroupId);
    } else {
      const defaultVpcId = recordsOf(ctx.state.vpcs).find((v) => v.isDefault)?.id;
      const named = recordsOf(ctx.state.securityGroups).find(
        (g) => g.vpcId === defaultVpcId && g.name === input.GroupName,
      );
      group = requireSecurityGroup(ctx, named?.id ?? input.GroupName);
    }
    if (group.isDefault) {
      throw ec2Error(
        Ec2ErrorCode.cannotDelete,
        `the specified group: "${group.id}" name: "default" cannot be deleted by a user`,
      );
    }
    if (liveInterfaces(ctx).some((eni) => eni.groupIds.includes(group.id))) {
      throw ec2DependencyViolation(`resource ${group.id} has a dependent object`);
    }
    delete ctx.state.securityGroups[group.id];
    return { Return: true, GroupId: group.id };
  },
};
