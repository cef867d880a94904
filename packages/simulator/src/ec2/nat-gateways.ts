/**
 * NAT gateways: pending for natPendingMs, then available or failed (no attached internet gateway,
 * Elastic IP already in use, subnet full, or a `natFails` fault); deleting for natDeletingMs, then
 * deleted. Failed and deleted ones stay visible to Describe for natGoneVisibleMs. A zone holds at
 * most the quota "NAT gateways per Availability Zone" (5) and a gateway at most the quota "Elastic
 * IP addresses per public NAT gateway" (2) (service-quotas.ts).
 */
import type { NatGateway, NatGatewayAddress, TagSpecification } from '@aws-sdk/client-ec2';
import { rememberToken, requestParams, resourceForToken, validateClientToken } from '../client-tokens.js';
import type { SimContext } from '../context.js';
import { describeOperation, recordsOf } from '../describe.js';
import { ec2Error, Ec2ErrorCode, ec2InvalidParameter, ec2MissingParameter } from '../errors.js';
import type { Ec2Filter, FilterFields } from '../filters.js';
import { newId } from '../ids.js';
import { natIsGone, natState, newRecord } from '../lifecycle.js';
import type { NatFailure, NatGatewayRecord, SubnetRecord } from '../model.js';
import { QUOTAS, quotaValue } from '../service-quotas.js';
import { addressInUse, borderGroupOf } from './addresses.js';
import { attachedGateway } from './internet-gateways.js';
import { requireAddress, requireNatGateway, requireSubnet } from './lookup.js';
import { allocatePrivateIp } from './network-interfaces.js';
import {
  associateRegionalAddresses,
  disassociateRegionalAddresses,
  natAddressQuotaExceeded,
  type RegionalCreateInput,
  regionalAddresses,
  regionalFields,
  regionalNatGateway,
} from './regional-nat-gateways.js';
import { tagList, tagsFromSpecifications } from './tags.js';

interface CreateNatGatewayInput extends RegionalCreateInput {
  AvailabilityMode?: string;
  SubnetId?: string;
  AllocationId?: string;
  SecondaryAllocationIds?: string[];
  ClientToken?: string;
  ConnectivityType?: string;
  TagSpecifications?: TagSpecification[];
}

/** Elastic IPs a zonal gateway takes (primary and secondary). */
const ZONAL_ADDRESS_LIMIT = 8;

const FAULT_MESSAGES: Record<string, string> = {
  InsufficientFreeAddressesInSubnet: 'Subnet has insufficient free addresses to create this NAT gateway',
  InternalError: 'An internal error occurred while creating the NAT gateway',
};

/** Why the gateway will end `failed`, decided when it is created. */
function failureFor(
  ctx: SimContext,
  subnet: SubnetRecord,
  allocationId: string,
  privateIp: string | undefined,
): NatFailure | null {
  if (!attachedGateway(ctx, subnet.vpcId)) {
    return {
      code: 'Gateway.NotAttached',
      message: `Network ${subnet.vpcId} has no Internet gateway attached`,
    };
  }
  const address = ctx.state.addresses[allocationId];
  if (address && addressInUse(ctx, address)) {
    return {
      code: 'Resource.AlreadyAssociated',
      message: `Elastic IP address [${allocationId}] is already associated`,
    };
  }
  if (address && borderGroupOf(ctx, address) !== ctx.state.region) {
    // AWS: the address must be in the zone's network border group or the gateway fails to launch.
    // Uncertain: the exact failure code; InvalidParameterValue is our choice.
    return {
      code: 'InvalidParameterValue',
      message: `Elastic IP address [${allocationId}] is in network border group ${borderGroupOf(ctx, address)}, not ${ctx.state.region}`,
    };
  }
  if (privateIp === undefined) {
    return {
      code: 'InsufficientFreeAddressesInSubnet',
      message: FAULT_MESSAGES.InsufficientFreeAddressesInSubnet ?? '',
    };
  }
  const injected = ctx.takeNatFailure();
  return injected ? { code: injected, message: FAULT_MESSAGES[injected] ?? injected } : null;
}

/**
 * The NAT gateways the quota "NAT gateways per Availability Zone" counts in this zone: zonal ones
 * pending, available or deleting, in any VPC of the account (failed and deleted ones do not count).
 */
function natGatewaysInZone(ctx: SimContext, az: string): number {
  return recordsOf(ctx.state.natGateways).filter((nat) => {
    // uncertain: whether a regional gateway counts toward a zone's quota is not documented; the
    // simulator counts zonal gateways only.
    if (nat.regional || nat.subnetId === null) return false;
    if (ctx.state.subnets[nat.subnetId]?.az !== az) return false;
    const state = natState(nat, ctx.now);
    return state === 'pending' || state === 'available' || state === 'deleting';
  }).length;
}

function addressStatus(nat: NatGatewayRecord, now: number): string {
  switch (natState(nat, now)) {
    case 'pending':
      return 'associating';
    case 'deleting':
      return 'disassociating';
    case 'failed':
      return 'failed';
    default:
      return 'succeeded';
  }
}

function toNatGateway(ctx: SimContext, nat: NatGatewayRecord): NatGateway {
  const state = natState(nat, ctx.now);
  if (nat.regional) {
    return {
      NatGatewayId: nat.id,
      VpcId: nat.vpcId,
      State: state,
      ConnectivityType: 'public',
      ...regionalFields(nat),
      CreateTime: new Date(nat.createdAt),
      ...(state === 'deleted' && nat.deletingUntil !== null
        ? { DeleteTime: new Date(nat.deletingUntil) }
        : {}),
      NatGatewayAddresses: regionalAddresses(ctx, nat),
      Tags: tagList(nat.tags),
    };
  }
  const address: NatGatewayAddress = {
    AllocationId: nat.allocationId,
    PublicIp: nat.publicIp,
    ...(nat.eniId !== null ? { NetworkInterfaceId: nat.eniId } : {}),
    ...(nat.privateIp !== null ? { PrivateIp: nat.privateIp } : {}),
    ...(state === 'available' || state === 'deleting' ? { AssociationId: nat.associationId } : {}),
    IsPrimary: true,
    Status: addressStatus(nat, ctx.now) as NatGatewayAddress['Status'],
  };
  return {
    NatGatewayId: nat.id,
    ...(nat.subnetId !== null ? { SubnetId: nat.subnetId } : {}),
    VpcId: nat.vpcId,
    State: state,
    ConnectivityType: 'public',
    ...regionalFields(nat),
    CreateTime: new Date(nat.createdAt),
    ...(state === 'deleted' && nat.deletingUntil !== null ? { DeleteTime: new Date(nat.deletingUntil) } : {}),
    ...(state === 'failed' && nat.failure
      ? { FailureCode: nat.failure.code, FailureMessage: nat.failure.message }
      : {}),
    NatGatewayAddresses: [address],
    Tags: tagList(nat.tags),
  };
}

const natGatewayFields: FilterFields<NatGatewayRecord> = {
  'nat-gateway-id': (n) => n.id,
  'subnet-id': (n) => n.subnetId,
  'vpc-id': (n) => n.vpcId,
  'availability-mode': (n) => (n.regional ? 'regional' : 'zonal'),
};

function notFound(ids: readonly string[]): Error {
  return ec2Error(Ec2ErrorCode.natGatewayNotFound, `NAT gateway ${ids.join(', ')} was not found`);
}

export const natGatewayOperations = {
  DescribeNatGateways: describeOperation({
    list: 'NatGateways',
    records: (ctx) => recordsOf(ctx.state.natGateways).filter((nat) => !natIsGone(nat, ctx)),
    ids: (input: { NatGatewayIds?: string[]; Filter?: Ec2Filter[]; Filters?: Ec2Filter[] }) =>
      input.NatGatewayIds,
    // The API calls this parameter `Filter`; accept the usual spelling too.
    filters: (input) => input.Filter ?? input.Filters,
    fields: (ctx) => ({ ...natGatewayFields, state: (n) => natState(n, ctx.now) }),
    notFound,
    show: toNatGateway,
  }),

  CreateNatGateway(ctx: SimContext, input: CreateNatGatewayInput): object {
    validateClientToken(input.ClientToken);
    const params = requestParams(input as Record<string, unknown>);
    const earlier = resourceForToken(ctx, 'CreateNatGateway', input.ClientToken, params);
    const earlierNat = earlier === undefined ? undefined : ctx.state.natGateways[earlier];
    if (earlierNat) return { ClientToken: input.ClientToken, NatGateway: toNatGateway(ctx, earlierNat) };

    const mode = input.AvailabilityMode ?? 'zonal';
    if (mode !== 'zonal' && mode !== 'regional')
      throw ec2InvalidParameter(`Value (${mode}) for parameter availabilityMode is invalid.`);
    if (mode === 'regional') {
      const tags = tagsFromSpecifications(input.TagSpecifications, 'natgateway');
      const base = newRecord(ctx, 'nat', ctx.now + ctx.timings.eventualConsistencyMs, tags);
      const nat = regionalNatGateway(ctx, input, base);
      ctx.state.natGateways[nat.id] = nat;
      rememberToken(ctx, 'CreateNatGateway', input.ClientToken, params, nat.id);
      return {
        ...(input.ClientToken !== undefined ? { ClientToken: input.ClientToken } : {}),
        NatGateway: toNatGateway(ctx, nat),
      };
    }
    if (input.AvailabilityZoneAddresses !== undefined) {
      throw ec2Error(
        Ec2ErrorCode.invalidParameterCombination,
        'The parameter AvailabilityZoneAddresses can be used only with AvailabilityMode regional.',
      );
    }
    if (input.SubnetId === undefined) throw ec2MissingParameter('subnetId');
    const subnet = requireSubnet(ctx, input.SubnetId);
    if (input.ConnectivityType !== undefined && input.ConnectivityType !== 'public') {
      throw ec2InvalidParameter(
        `The simulator models public NAT gateways only (ConnectivityType '${input.ConnectivityType}').`,
      );
    }
    if (input.AllocationId === undefined) throw ec2MissingParameter('allocationId');
    const address = requireAddress(ctx, input.AllocationId);
    const secondary = input.SecondaryAllocationIds ?? [];
    if (1 + secondary.length > ZONAL_ADDRESS_LIMIT) {
      throw ec2InvalidParameter(
        `A NAT gateway takes at most ${ZONAL_ADDRESS_LIMIT} Elastic IP addresses (primary and secondary).`,
      );
    }
    // The quota first: what AWS would say; only then what the simulator does not model.
    const overQuota = natAddressQuotaExceeded(ctx, 1 + secondary.length);
    if (overQuota) throw overQuota;
    if (secondary.length > 0)
      throw ec2InvalidParameter('The simulator models one Elastic IP address per zonal NAT gateway.');
    if (natGatewaysInZone(ctx, subnet.az) >= quotaValue(ctx.state, QUOTAS.natGatewaysPerZone))
      throw ec2Error(
        Ec2ErrorCode.natGatewayLimitExceeded,
        'The maximum number of NAT Gateways has been reached.',
      );
    const tags = tagsFromSpecifications(input.TagSpecifications, 'natgateway');

    const privateIp = allocatePrivateIp(ctx, subnet);
    const failure = failureFor(ctx, subnet, address.id, privateIp);
    const nat: NatGatewayRecord = {
      ...newRecord(ctx, 'nat', ctx.now + ctx.timings.eventualConsistencyMs, tags),
      subnetId: subnet.id,
      vpcId: subnet.vpcId,
      allocationId: address.id,
      publicIp: address.publicIp,
      eniId: privateIp === undefined ? null : newId(ctx.state, 'eni'),
      privateIp: privateIp ?? null,
      associationId: newId(ctx.state, 'eipassoc'),
      readyAt: ctx.now + ctx.timings.natPendingMs,
      failure,
      deletingUntil: null,
    };
    ctx.state.natGateways[nat.id] = nat;
    rememberToken(ctx, 'CreateNatGateway', input.ClientToken, params, nat.id);
    return {
      ...(input.ClientToken !== undefined ? { ClientToken: input.ClientToken } : {}),
      NatGateway: toNatGateway(ctx, nat),
    };
  },

  AssociateNatGatewayAddress(
    ctx: SimContext,
    input: {
      NatGatewayId?: string;
      AllocationIds?: string[];
      AvailabilityZone?: string;
      AvailabilityZoneId?: string;
    },
  ): object {
    const nat = requireNatGateway(ctx, input.NatGatewayId);
    return { NatGatewayId: nat.id, NatGatewayAddresses: associateRegionalAddresses(ctx, nat, input) };
  },

  DisassociateNatGatewayAddress(
    ctx: SimContext,
    input: { NatGatewayId?: string; AssociationIds?: string[]; MaxDrainDurationSeconds?: number },
  ): object {
    const nat = requireNatGateway(ctx, input.NatGatewayId);
    return { NatGatewayId: nat.id, NatGatewayAddresses: disassociateRegionalAddresses(ctx, nat, input) };
  },

  DeleteNatGateway(ctx: SimContext, input: { NatGatewayId?: string }): object {
    const nat = requireNatGateway(ctx, input.NatGatewayId);
    const state = natState(nat, ctx.now);
    if (state === 'failed') nat.deletingUntil = ctx.now;
    else if (state !== 'deleting' && state !== 'deleted')
      nat.deletingUntil = ctx.now + ctx.timings.natDeletingMs;
    return { NatGatewayId: nat.id };
  },
};
