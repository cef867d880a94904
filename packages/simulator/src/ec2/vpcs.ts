/** VPCs. Creating one also makes its main route table and its 'default' security group, as AWS does. */
import type { TagSpecification, Vpc } from '@aws-sdk/client-ec2';
import { parseCidr } from '../cidr.js';
import type { SimContext } from '../context.js';
import { describeOperation, recordsOf } from '../describe.js';
import {
  ec2DependencyViolation,
  ec2Error,
  Ec2ErrorCode,
  ec2InvalidParameter,
  ec2MissingParameter,
  ec2NotFound,
} from '../errors.js';
import type { FilterFields } from '../filters.js';
import { newId } from '../ids.js';
import type { Tags, VpcRecord } from '../model.js';
import { requireVpc } from './lookup.js';
import { tagList, tagsFromSpecifications } from './tags.js';

/** AWS's default quota of VPCs per region. */
export const VPC_LIMIT = 5;

export interface NewVpc {
  cidr: string;
  isDefault: boolean;
  tags: Tags;
  visibleAt: number;
}

export function validateVpcCidr(cidrBlock: string | undefined): void {
  if (cidrBlock === undefined) throw ec2MissingParameter('cidrBlock');
  const cidr = parseCidr(cidrBlock);
  if (!cidr)
    throw ec2InvalidParameter(
      `Value (${cidrBlock}) for parameter cidrBlock is invalid. This is not a valid CIDR block.`,
    );
  if (cidr.prefix < 16 || cidr.prefix > 28)
    throw ec2Error(Ec2ErrorCode.vpcRange, `The CIDR '${cidrBlock}' is invalid.`);
}

/** Adds a VPC with its main route table (local route only) and default security group. */
export function insertVpc(ctx: SimContext, spec: NewVpc): VpcRecord {
  const { state, now } = ctx;
  const vpcId = newId(state, 'vpc');
  const mainRouteTableId = newId(state, 'rtb');
  const defaultSecurityGroupId = newId(state, 'sg');
  const vpc: VpcRecord = {
    id: vpcId,
    createdAt: now,
    visibleAt: spec.visibleAt,
    tags: spec.tags,
    cidr: spec.cidr,
    isDefault: spec.isDefault,
    mainRouteTableId,
    defaultSecurityGroupId,
    dhcpOptionsId: newId(state, 'dopt'),
    cidrAssociationId: newId(state, 'vpc-cidr-assoc'),
  };
  state.vpcs[vpcId] = vpc;
  state.routeTables[mainRouteTableId] = {
    id: mainRouteTableId,
    createdAt: now,
    visibleAt: spec.visibleAt,
    tags: {},
    vpcId,
    routes: [{ destination: spec.cidr, gatewayId: 'local', origin: 'CreateRouteTable' }],
    associations: [{ id: newId(state, 'rtbassoc'), subnetId: null, main: true }],
  };
  state.securityGroups[defaultSecurityGroupId] = {
    id: defaultSecurityGroupId,
    createdAt: now,
    visibleAt: spec.visibleAt,
    tags: {},
    vpcId,
    name: 'default',
    description: 'default VPC security group',
    isDefault: true,
  };
  return vpc;
}

function toVpc(ctx: SimContext, vpc: VpcRecord): Vpc {
  return {
    VpcId: vpc.id,
    CidrBlock: vpc.cidr,
    State: 'available',
    IsDefault: vpc.isDefault,
    DhcpOptionsId: vpc.dhcpOptionsId,
    InstanceTenancy: 'default',
    OwnerId: ctx.state.accountId,
    CidrBlockAssociationSet: [
      { AssociationId: vpc.cidrAssociationId, CidrBlock: vpc.cidr, CidrBlockState: { State: 'associated' } },
    ],
    Tags: tagList(vpc.tags),
  };
}

function vpcFields(ctx: SimContext): FilterFields<VpcRecord> {
  return {
    'vpc-id': (v) => v.id,
    cidr: (v) => v.cidr,
    'cidr-block': (v) => v.cidr,
    'cidr-block-association.cidr-block': (v) => v.cidr,
    'cidr-block-association.association-id': (v) => v.cidrAssociationId,
    'cidr-block-association.state': () => 'associated',
    state: () => 'available',
    'is-default': (v) => v.isDefault,
    isDefault: (v) => v.isDefault,
    'dhcp-options-id': (v) => v.dhcpOptionsId,
    'owner-id': () => ctx.state.accountId,
  };
}

export const vpcOperations = {
  DescribeVpcs: describeOperation({
    list: 'Vpcs',
    records: (ctx) => recordsOf(ctx.state.vpcs),
    ids: (input: { VpcIds?: string[] }) => input.VpcIds,
    fields: vpcFields,
    notFound: (missing) => ec2NotFound(Ec2ErrorCode.vpcNotFound, 'vpc', missing),
    show: toVpc,
  }),

  CreateVpc(ctx: SimContext, input: { CidrBlock?: string; TagSpecifications?: TagSpecification[] }): object {
    validateVpcCidr(input.CidrBlock);
    const tags = tagsFromSpecifications(input.TagSpecifications, 'vpc');
    if (recordsOf(ctx.state.vpcs).length >= VPC_LIMIT)
      throw ec2Error(Ec2ErrorCode.vpcLimit, 'The maximum number of VPCs has been reached.');
    const vpc = insertVpc(ctx, {
      cidr: input.CidrBlock ?? '',
      isDefault: false,
      tags,
      visibleAt: ctx.now + ctx.timings.eventualConsistencyMs,
    });
    // A new VPC reports 'pending' in the CreateVpc response, as AWS's does.
    return { Vpc: { ...toVpc(ctx, vpc), State: 'pending' } };
  },

  DeleteVpc(ctx: SimContext, input: { VpcId?: string }): object {
    const vpc = requireVpc(ctx, input.VpcId);
    const { state } = ctx;
    const dependencies = [
      recordsOf(state.subnets).some((s) => s.vpcId === vpc.id),
      recordsOf(state.internetGateways).some((igw) => igw.vpcId === vpc.id),
      recordsOf(state.routeTables).some((rt) => rt.vpcId === vpc.id && rt.id !== vpc.mainRouteTableId),
      recordsOf(state.securityGroups).some((sg) => sg.vpcId === vpc.id && !sg.isDefault),
    ];
    if (dependencies.some(Boolean))
      throw ec2DependencyViolation(`The vpc '${vpc.id}' has dependencies and cannot be deleted.`);
    delete state.routeTables[vpc.mainRouteTableId];
    delete state.securityGroups[vpc.defaultSecurityGroupId];
    delete state.vpcs[vpc.id];
    return {};
  },
};
