/**
 * Elastic IPs: five per region (the quota "EC2-VPC Elastic IPs", raised with `setQuota`), released
 * only when no NAT gateway (or anything else) holds them.
 */
import type { Address, TagSpecification } from '@aws-sdk/client-ec2';
import type { SimContext } from '../context.js';
import { describeOperation, recordsOf } from '../describe.js';
import { ec2Error, Ec2ErrorCode, ec2InvalidParameter, ec2MissingParameter, ec2NotFound } from '../errors.js';
import type { FilterFields } from '../filters.js';
import { newId, newPublicIp } from '../ids.js';
import { QUOTAS, quotaValue } from '../service-quotas.js';
import { instanceState, natAllocationIds, natShowsAssociation, newRecord } from '../lifecycle.js';
import type { AddressRecord, NatGatewayRecord, NetworkInterfaceRecord, Tags } from '../model.js';
import { takeFromPool } from './address-pools.js';
import { borderGroups } from './availability-zones.js';
import { requireAddress, requireInstance, requireNetworkInterface } from './lookup.js';
import { tagList, tagsFromSpecifications } from './tags.js';

/** AWS's default quota of Elastic IPs per region (ec2 L-0263D0A3; the account's own: `quotaValue`). */
export const ADDRESS_LIMIT = QUOTAS.elasticIps.defaultValue;

interface AssociationView {
  associationId: string;
  /** A regional NAT gateway shows no interface of the account's. */
  networkInterfaceId?: string;
  privateIp?: string;
}

/** The NAT gateway that holds this address now, if any. */
export function holdingNatGateway(ctx: SimContext, allocationId: string): NatGatewayRecord | undefined {
  return recordsOf(ctx.state.natGateways).find((nat) =>
    natAllocationIds(nat, ctx.now).includes(allocationId),
  );
}

/** In use: associated with something, or reserved by a NAT gateway that is still coming up. */
export function addressInUse(ctx: SimContext, address: AddressRecord): boolean {
  return address.externalAssociation !== null || holdingNatGateway(ctx, address.id) !== undefined;
}

function associationOf(ctx: SimContext, address: AddressRecord): AssociationView | undefined {
  if (address.externalAssociation) return address.externalAssociation;
  const nat = holdingNatGateway(ctx, address.id);
  if (!nat || !natShowsAssociation(nat, ctx.now)) return undefined;
  if (nat.regional) {
    const held = nat.regional.addresses.find((a) => a.allocationId === address.id);
    return held && ctx.now >= held.readyAt ? { associationId: held.associationId } : undefined;
  }
  if (!nat.eniId || !nat.privateIp) return undefined;
  return { associationId: nat.associationId, networkInterfaceId: nat.eniId, privateIp: nat.privateIp };
}

export function insertAddress(
  ctx: SimContext,
  tags: Tags,
  visibleAt: number,
  networkBorderGroup?: string,
  fromPool?: { pool: { id: string }; publicIp: string },
): AddressRecord {
  if (recordsOf(ctx.state.addresses).length >= quotaValue(ctx.state, QUOTAS.elasticIps)) {
    throw ec2Error(Ec2ErrorCode.addressLimitExceeded, 'The maximum number of addresses has been reached.');
  }
  const inUse = new Set(recordsOf(ctx.state.addresses).map((a) => a.publicIp));
  const publicIp = fromPool?.publicIp ?? newPublicIp(ctx.state, inUse);
  if (publicIp === undefined)
    throw ec2Error(Ec2ErrorCode.addressLimitExceeded, 'The maximum number of addresses has been reached.');
  const address: AddressRecord = {
    ...newRecord(ctx, 'eipalloc', visibleAt, tags),
    publicIp,
    externalAssociation: null,
    ...(networkBorderGroup !== undefined && networkBorderGroup !== ctx.state.region
      ? { networkBorderGroup }
      : {}),
    ...(fromPool ? { pool: fromPool.pool.id } : {}),
  };
  ctx.state.addresses[address.id] = address;
  return address;
}

/** The group an address is advertised from: the region's unless allocated in a Local Zone's. */
export function borderGroupOf(ctx: SimContext, address: AddressRecord): string {
  return address.networkBorderGroup ?? ctx.state.region;
}

/** What AllocateAddress answers with, and what Describe shows before the association and tags. */
function addressIdentity(ctx: SimContext, address: AddressRecord): Address {
  return {
    AllocationId: address.id,
    PublicIp: address.publicIp,
    Domain: 'vpc',
    // An address from your pool names it (uncertain for IPAM pools: AWS may show the BYOIP pool behind it).
    PublicIpv4Pool: address.pool ?? 'amazon',
    NetworkBorderGroup: borderGroupOf(ctx, address),
  };
}

function toAddress(ctx: SimContext, address: AddressRecord): Address {
  const association = associationOf(ctx, address);
  return {
    ...addressIdentity(ctx, address),
    ...(association
      ? {
          AssociationId: association.associationId,
          ...(association.networkInterfaceId !== undefined
            ? {
                NetworkInterfaceId: association.networkInterfaceId,
                NetworkInterfaceOwnerId: ctx.state.accountId,
                PrivateIpAddress: association.privateIp,
              }
            : {}),
        }
      : {}),
    Tags: tagList(address.tags),
  };
}

function addressFields(ctx: SimContext): FilterFields<AddressRecord> {
  return {
    'allocation-id': (a) => a.id,
    'public-ip': (a) => a.publicIp,
    domain: () => 'vpc',
    'association-id': (a) => associationOf(ctx, a)?.associationId,
    'network-interface-id': (a) => associationOf(ctx, a)?.networkInterfaceId,
    'private-ip-address': (a) => associationOf(ctx, a)?.privateIp,
    'network-interface-owner-id': (a) => (associationOf(ctx, a) ? ctx.state.accountId : undefined),
    'network-border-group': (a) => borderGroupOf(ctx, a),
    'public-ipv4-pool': (a) => a.pool ?? 'amazon',
  };
}

function byPublicIps(
  _ctx: SimContext,
  found: AddressRecord[],
  input: { PublicIps?: string[] },
): AddressRecord[] {
  if (!input.PublicIps?.length) return found;
  const missing = input.PublicIps.filter((ip) => !found.some((a) => a.publicIp === ip));
  if (missing.length > 0)
    throw ec2Error(Ec2ErrorCode.addressNotFound, `Address '${missing[0] ?? ''}' not found.`);
  return found.filter((a) => input.PublicIps?.includes(a.publicIp));
}

export const addressOperations = {
  DescribeAddresses: describeOperation({
    list: 'Addresses',
    records: (ctx) => recordsOf(ctx.state.addresses),
    ids: (input: { AllocationIds?: string[]; PublicIps?: string[] }) => input.AllocationIds,
    fields: addressFields,
    notFound: (missing) =>
      ec2Error(Ec2ErrorCode.allocationNotFound, `The allocation IDs '${missing.join(', ')}' do not exist`),
    narrow: byPublicIps,
    show: toAddress,
    // DescribeAddresses has no MaxResults/NextToken in AWS.
    paged: false,
  }),

  AllocateAddress(
    ctx: SimContext,
    input: {
      Domain?: string;
      TagSpecifications?: TagSpecification[];
      NetworkBorderGroup?: string;
      IpamPoolId?: string;
      PublicIpv4Pool?: string;
    },
  ): object {
    if (input.Domain !== undefined && input.Domain !== 'vpc')
      throw ec2InvalidParameter(`Value (${input.Domain}) for parameter domain is invalid.`);
    const asked = input.NetworkBorderGroup;
    if (asked !== undefined && !borderGroups(ctx.state.region).includes(asked))
      throw ec2InvalidParameter(`Value (${asked}) for parameter NetworkBorderGroup is invalid.`);
    const tags = tagsFromSpecifications(input.TagSpecifications, 'elastic-ip');
    const taken = takeFromPool(ctx, input);
    const group = taken?.group ?? asked;
    const address = insertAddress(ctx, tags, ctx.now + ctx.timings.eventualConsistencyMs, group, taken);
    return addressIdentity(ctx, address);
  },

  ReleaseAddress(ctx: SimContext, input: { AllocationId?: string; PublicIp?: string }): object {
    if (input.AllocationId === undefined) {
      throw ec2Error(
        Ec2ErrorCode.invalidParameterValue,
        'You must specify an allocation id when releasing a VPC elastic IP address',
      );
    }
    const address = requireAddress(ctx, input.AllocationId);
    if (addressInUse(ctx, address))
      throw ec2Error(Ec2ErrorCode.addressInUse, `Address ${address.publicIp} is in use.`);
    delete ctx.state.addresses[address.id];
    return {};
  },
};

/** The interface an association targets: given directly, or an instance's primary interface. */
function targetInterface(
  ctx: SimContext,
  input: { NetworkInterfaceId?: string; InstanceId?: string },
): NetworkInterfaceRecord {
  if (input.NetworkInterfaceId !== undefined && input.InstanceId !== undefined) {
    throw ec2Error(
      Ec2ErrorCode.invalidParameterCombination,
      'The parameter instanceId cannot be used with the parameter networkInterfaceId',
    );
  }
  if (input.InstanceId !== undefined) {
    const instance = requireInstance(ctx, input.InstanceId);
    if (instanceState(instance, ctx.now) !== 'running' && instanceState(instance, ctx.now) !== 'stopped') {
      throw ec2Error(
        Ec2ErrorCode.incorrectInstanceState,
        `The pending instance '${instance.id}' is not in a valid state for this operation.`,
      );
    }
    return requireNetworkInterface(ctx, instance.primaryEniId);
  }
  if (input.NetworkInterfaceId === undefined) throw ec2MissingParameter('networkInterfaceId or instanceId');
  return requireNetworkInterface(ctx, input.NetworkInterfaceId);
}

export const associationOperations = {
  AssociateAddress(
    ctx: SimContext,
    input: {
      AllocationId?: string;
      NetworkInterfaceId?: string;
      InstanceId?: string;
      AllowReassociation?: boolean;
    },
  ): object {
    if (input.AllocationId === undefined) throw ec2MissingParameter('allocationId');
    const address = requireAddress(ctx, input.AllocationId);
    const eni = targetInterface(ctx, input);
    const nat = holdingNatGateway(ctx, address.id);
    if (nat) {
      throw ec2Error(
        Ec2ErrorCode.alreadyAssociated,
        `resource ${address.id} is already associated with NAT gateway ${nat.id}`,
      );
    }
    const current = address.externalAssociation;
    if (current && current.networkInterfaceId !== eni.id && input.AllowReassociation !== true) {
      throw ec2Error(
        Ec2ErrorCode.alreadyAssociated,
        `resource ${address.id} is already associated with associate-id ${current.associationId}`,
      );
    }
    // An interface has one public address: another Elastic IP on it is replaced.
    for (const other of recordsOf(ctx.state.addresses)) {
      if (other.id !== address.id && other.externalAssociation?.networkInterfaceId === eni.id)
        other.externalAssociation = null;
    }
    address.externalAssociation = {
      associationId: newId(ctx.state, 'eipassoc'),
      networkInterfaceId: eni.id,
      privateIp: eni.privateIp,
    };
    return { AssociationId: address.externalAssociation.associationId };
  },

  DisassociateAddress(ctx: SimContext, input: { AssociationId?: string; PublicIp?: string }): object {
    if (input.AssociationId === undefined) throw ec2MissingParameter('associationId');
    const address = recordsOf(ctx.state.addresses).find(
      (a) => associationOf(ctx, a)?.associationId === input.AssociationId,
    );
    if (!address) throw ec2NotFound(Ec2ErrorCode.associationNotFound, 'association', [input.AssociationId]);
    if (!address.externalAssociation) {
      // A NAT gateway's association belongs to the service. Uncertain: AWS's exact answer here;
      // AuthFailure is what users report for touching a service-managed association.
      throw ec2Error(
        Ec2ErrorCode.authFailure,
        'You do not have permission to access the specified resource.',
      );
    }
    address.externalAssociation = null;
    return {};
  },
};

export const accountAttributeOperations = {
  DescribeAccountAttributes(ctx: SimContext, input: { AttributeNames?: string[] }): object {
    const defaultVpc = recordsOf(ctx.state.vpcs).find((v) => v.isDefault);
    const all: Record<string, string[]> = {
      'supported-platforms': ['VPC'],
      'default-vpc': [defaultVpc?.id ?? 'none'],
      'max-instances': ['20'],
      'vpc-max-security-groups-per-interface': ['5'],
      'max-elastic-ips': ['5'],
      'vpc-max-elastic-ips': [String(quotaValue(ctx.state, QUOTAS.elasticIps))],
    };
    const names = input.AttributeNames?.length ? input.AttributeNames : Object.keys(all);
    for (const name of names) {
      if (!(name in all))
        throw ec2InvalidParameter(
          `Value (${name}) for parameter attributeName is invalid. Unknown attribute.`,
        );
    }
    return {
      AccountAttributes: names.map((AttributeName) => ({
        AttributeName,
        AttributeValues: (all[AttributeName] ?? []).map((AttributeValue) => ({ AttributeValue })),
      })),
    };
  },
};
