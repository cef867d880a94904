/**
 * Network interfaces are not created by fixed-ip, but they are what blocks its teardown: a NAT
 * gateway's until it is deleted, Lambda's until it releases them. Both kinds are derived here.
 */
import type { NetworkInterface } from '@aws-sdk/client-ec2';
import { cidrSize, numberToIp, parseCidr } from '../cidr.js';
import type { SimContext } from '../context.js';
import { describeOperation, recordsOf } from '../describe.js';
import { ec2NotFound, Ec2ErrorCode } from '../errors.js';
import type { FilterFields } from '../filters.js';
import { lambdaEniIsLive, natHoldsInterface, natShowsAssociation } from '../lifecycle.js';
import type { ResourceRecord, SubnetRecord } from '../model.js';
import { azIdOf } from './availability-zones.js';

/** The account id Lambda's Hyperplane ENIs are requested by (AWS's own). */
const LAMBDA_REQUESTER_ID = '560195835516';

export interface InterfaceView extends ResourceRecord {
  subnetId: string;
  vpcId: string;
  az: string;
  privateIp: string;
  type: 'nat_gateway' | 'lambda';
  description: string;
  groupIds: string[];
  requesterId: string;
  association?: { publicIp: string; allocationId: string; associationId: string };
}

export function liveInterfaces(ctx: SimContext): InterfaceView[] {
  const views: InterfaceView[] = [];
  for (const nat of recordsOf(ctx.state.natGateways)) {
    if (!nat.eniId || !nat.privateIp || nat.subnetId === null || !natHoldsInterface(nat, ctx.now)) continue;
    const az = ctx.state.subnets[nat.subnetId]?.az ?? '';
    views.push({
      id: nat.eniId,
      createdAt: nat.createdAt,
      visibleAt: nat.createdAt,
      tags: {},
      subnetId: nat.subnetId,
      vpcId: nat.vpcId,
      az,
      privateIp: nat.privateIp,
      type: 'nat_gateway',
      description: `Interface for NAT Gateway ${nat.id}`,
      groupIds: [],
      requesterId: 'amazon-nat',
      ...(natShowsAssociation(nat, ctx.now)
        ? {
            association: {
              publicIp: nat.publicIp,
              allocationId: nat.allocationId,
              associationId: nat.associationId,
            },
          }
        : {}),
    });
  }
  for (const eni of recordsOf(ctx.state.lambdaEnis)) {
    if (!lambdaEniIsLive(eni, ctx.now)) continue;
    views.push({
      id: eni.id,
      createdAt: eni.createdAt,
      visibleAt: eni.createdAt,
      tags: {},
      subnetId: eni.subnetId,
      vpcId: eni.vpcId,
      az: ctx.state.subnets[eni.subnetId]?.az ?? '',
      privateIp: eni.privateIp,
      type: 'lambda',
      description: eni.description,
      groupIds: eni.groupIds,
      requesterId: LAMBDA_REQUESTER_ID,
    });
  }
  return views;
}

export function interfacesInSubnet(ctx: SimContext, subnetId: string): InterfaceView[] {
  return liveInterfaces(ctx).filter((eni) => eni.subnetId === subnetId);
}

/** AWS keeps the first four addresses of a subnet and the last one. */
const RESERVED_ADDRESSES = 5;

export function freeAddressCount(ctx: SimContext, subnet: SubnetRecord): number {
  const cidr = parseCidr(subnet.cidr);
  if (!cidr) return 0;
  return cidrSize(cidr) - RESERVED_ADDRESSES - interfacesInSubnet(ctx, subnet.id).length;
}

/** The lowest free host address; undefined when the subnet is full. */
export function allocatePrivateIp(
  ctx: SimContext,
  subnet: SubnetRecord,
  alsoTaken: readonly string[] = [],
): string | undefined {
  const cidr = parseCidr(subnet.cidr);
  if (!cidr) return undefined;
  const taken = new Set([...interfacesInSubnet(ctx, subnet.id).map((eni) => eni.privateIp), ...alsoTaken]);
  for (let offset = 4; offset < cidrSize(cidr) - 1; offset++) {
    const ip = numberToIp(cidr.base + offset);
    if (!taken.has(ip)) return ip;
  }
  return undefined;
}

const interfaceFields: FilterFields<InterfaceView> = {
  'network-interface-id': (e) => e.id,
  'subnet-id': (e) => e.subnetId,
  'vpc-id': (e) => e.vpcId,
  'availability-zone': (e) => e.az,
  'interface-type': (e) => e.type,
  description: (e) => e.description,
  status: () => 'in-use',
  'group-id': (e) => e.groupIds,
  'requester-id': (e) => e.requesterId,
  'requester-managed': () => true,
  'private-ip-address': (e) => e.privateIp,
  'addresses.private-ip-address': (e) => e.privateIp,
  'association.public-ip': (e) => e.association?.publicIp,
  'association.allocation-id': (e) => e.association?.allocationId,
};

function toNetworkInterface(ctx: SimContext, eni: InterfaceView): NetworkInterface {
  const association = eni.association
    ? {
        PublicIp: eni.association.publicIp,
        AllocationId: eni.association.allocationId,
        AssociationId: eni.association.associationId,
        IpOwnerId: ctx.state.accountId,
      }
    : undefined;
  return {
    NetworkInterfaceId: eni.id,
    SubnetId: eni.subnetId,
    VpcId: eni.vpcId,
    AvailabilityZone: eni.az,
    AvailabilityZoneId: azIdOf(ctx.state.region, eni.az),
    Description: eni.description,
    InterfaceType: eni.type as NetworkInterface['InterfaceType'],
    Status: 'in-use',
    RequesterId: eni.requesterId,
    RequesterManaged: true,
    OwnerId: ctx.state.accountId,
    PrivateIpAddress: eni.privateIp,
    PrivateIpAddresses: [
      {
        Primary: true,
        PrivateIpAddress: eni.privateIp,
        ...(association ? { Association: association } : {}),
      },
    ],
    Groups: eni.groupIds.map((GroupId) => ({
      GroupId,
      GroupName: ctx.state.securityGroups[GroupId]?.name ?? '',
    })),
    SourceDestCheck: eni.type !== 'nat_gateway',
    TagSet: [],
    ...(association ? { Association: association } : {}),
  };
}

export const networkInterfaceOperations = {
  DescribeNetworkInterfaces: describeOperation({
    list: 'NetworkInterfaces',
    records: liveInterfaces,
    ids: (input: { NetworkInterfaceIds?: string[] }) => input.NetworkInterfaceIds,
    fields: () => interfaceFields,
    notFound: (missing) => ec2NotFound(Ec2ErrorCode.networkInterfaceNotFound, 'networkInterface', missing),
    show: toNetworkInterface,
  }),
};
