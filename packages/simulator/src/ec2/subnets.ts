/** Subnets: inside the VPC's CIDR, /16 to /28, never overlapping a sibling, in one of the region's zones. */
import type { Subnet, TagSpecification } from '@aws-sdk/client-ec2';
import { cidrContains, cidrsOverlap, parseCidr } from '../cidr.js';
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
import { newRecord } from '../lifecycle.js';
import type { SubnetRecord, Tags } from '../model.js';
import { azIdOf, zoneByIdOrName, zoneNames } from './availability-zones.js';
import { requireSubnet, requireVpc } from './lookup.js';
import { freeAddressCount, interfacesInSubnet } from './network-interfaces.js';
import { tagList, tagsFromSpecifications } from './tags.js';

export interface NewSubnet {
  vpcId: string | undefined;
  cidr: string | undefined;
  az?: string | undefined;
  azId?: string | undefined;
  tags: Tags;
  visibleAt: number;
  defaultForAz?: boolean;
}

/** Every check CreateSubnet makes, then the insert. */
export function insertSubnet(ctx: SimContext, spec: NewSubnet): SubnetRecord {
  if (spec.vpcId === undefined) throw ec2MissingParameter('vpcId');
  if (spec.cidr === undefined) throw ec2MissingParameter('cidrBlock');
  const vpc = requireVpc(ctx, spec.vpcId);
  const cidr = parseCidr(spec.cidr);
  if (!cidr)
    throw ec2InvalidParameter(
      `Value (${spec.cidr}) for parameter cidrBlock is invalid. This is not a valid CIDR block.`,
    );
  const vpcCidr = parseCidr(vpc.cidr);
  if (!vpcCidr || !cidrContains(vpcCidr, cidr) || cidr.prefix < 16 || cidr.prefix > 28) {
    throw ec2Error(Ec2ErrorCode.subnetRange, `The CIDR '${spec.cidr}' is invalid.`);
  }
  const siblings = recordsOf(ctx.state.subnets).filter((s) => s.vpcId === vpc.id);
  if (siblings.some((s) => cidrsOverlap(parseCidr(s.cidr) ?? cidr, cidr))) {
    throw ec2Error(Ec2ErrorCode.subnetConflict, `The CIDR '${spec.cidr}' conflicts with another subnet`);
  }
  const region = ctx.state.region;
  const requested = spec.az ?? spec.azId;
  const az = requested === undefined ? zoneNames(region)[0] : zoneByIdOrName(region, spec.az, spec.azId);
  if (az === undefined) {
    throw ec2InvalidParameter(
      `Value (${String(requested)}) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: ${zoneNames(region).join(', ')}.`,
    );
  }
  const subnet: SubnetRecord = {
    ...newRecord(ctx, 'subnet', spec.visibleAt, spec.tags),
    vpcId: vpc.id,
    cidr: spec.cidr,
    az,
    defaultForAz: spec.defaultForAz ?? false,
    mapPublicIpOnLaunch: spec.defaultForAz ?? false,
  };
  ctx.state.subnets[subnet.id] = subnet;
  return subnet;
}

function toSubnet(ctx: SimContext, subnet: SubnetRecord): Subnet {
  const { region, accountId } = ctx.state;
  return {
    SubnetId: subnet.id,
    SubnetArn: `arn:aws:ec2:${region}:${accountId}:subnet/${subnet.id}`,
    VpcId: subnet.vpcId,
    CidrBlock: subnet.cidr,
    AvailabilityZone: subnet.az,
    AvailabilityZoneId: azIdOf(region, subnet.az),
    AvailableIpAddressCount: freeAddressCount(ctx, subnet),
    DefaultForAz: subnet.defaultForAz,
    MapPublicIpOnLaunch: subnet.mapPublicIpOnLaunch,
    State: 'available',
    OwnerId: accountId,
    AssignIpv6AddressOnCreation: false,
    Ipv6CidrBlockAssociationSet: subnet.ipv6Cidr
      ? [
          {
            AssociationId: `subnet-cidr-assoc-${subnet.id.slice('subnet-'.length)}`,
            Ipv6CidrBlock: subnet.ipv6Cidr,
            Ipv6CidrBlockState: { State: 'associated' },
          },
        ]
      : [],
    Tags: tagList(subnet.tags),
  };
}

function subnetFields(ctx: SimContext): FilterFields<SubnetRecord> {
  return {
    'subnet-id': (s) => s.id,
    'vpc-id': (s) => s.vpcId,
    'cidr-block': (s) => s.cidr,
    cidr: (s) => s.cidr,
    cidrBlock: (s) => s.cidr,
    'availability-zone': (s) => s.az,
    availabilityZone: (s) => s.az,
    'availability-zone-id': (s) => azIdOf(ctx.state.region, s.az),
    'default-for-az': (s) => s.defaultForAz,
    defaultForAz: (s) => s.defaultForAz,
    'map-public-ip-on-launch': (s) => s.mapPublicIpOnLaunch,
    'available-ip-address-count': (s) => freeAddressCount(ctx, s),
    state: () => 'available',
    'owner-id': () => ctx.state.accountId,
  };
}

export const subnetOperations = {
  DescribeSubnets: describeOperation({
    list: 'Subnets',
    records: (ctx) => recordsOf(ctx.state.subnets),
    ids: (input: { SubnetIds?: string[] }) => input.SubnetIds,
    fields: subnetFields,
    notFound: (missing) => ec2NotFound(Ec2ErrorCode.subnetNotFound, 'subnet', missing),
    show: toSubnet,
  }),

  CreateSubnet(
    ctx: SimContext,
    input: {
      VpcId?: string;
      CidrBlock?: string;
      AvailabilityZone?: string;
      AvailabilityZoneId?: string;
      TagSpecifications?: TagSpecification[];
    },
  ): object {
    const tags = tagsFromSpecifications(input.TagSpecifications, 'subnet');
    const subnet = insertSubnet(ctx, {
      vpcId: input.VpcId,
      cidr: input.CidrBlock,
      az: input.AvailabilityZone,
      azId: input.AvailabilityZoneId,
      tags,
      visibleAt: ctx.now + ctx.timings.eventualConsistencyMs,
    });
    return { Subnet: { ...toSubnet(ctx, subnet), State: 'pending' } };
  },

  DeleteSubnet(ctx: SimContext, input: { SubnetId?: string }): object {
    const subnet = requireSubnet(ctx, input.SubnetId);
    // A NAT gateway not yet deleted, or a Lambda ENI not yet released, keeps the subnet.
    if (interfacesInSubnet(ctx, subnet.id).length > 0) {
      throw ec2DependencyViolation(`The subnet '${subnet.id}' has dependencies and cannot be deleted.`);
    }
    // Deleting a subnet drops its explicit route table association with it.
    for (const table of recordsOf(ctx.state.routeTables)) {
      table.associations = table.associations.filter((a) => a.subnetId !== subnet.id);
    }
    delete ctx.state.subnets[subnet.id];
    return {};
  },
};
