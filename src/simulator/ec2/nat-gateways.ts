/**
 * NAT gateways: pending for natPendingMs, then available or failed (no attached internet gateway,
 * Elastic IP already in use, subnet full, or a `natFails` fault); deleting for natDeletingMs, then
 * deleted. Failed and deleted ones stay visible to Describe for natGoneVisibleMs.
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
import { addressInUse } from './addresses.js';
import { attachedGateway } from './internet-gateways.js';
import { requireAddress, requireNatGateway, requireSubnet } from './lookup.js';
import { allocatePrivateIp } from './network-interfaces.js';
import { tagList, tagsFromSpecifications } from './tags.js';

interface CreateNatGatewayInput {
  SubnetId?: string;
  AllocationId?: string;
  ClientToken?: string;
  ConnectivityType?: string;
  TagSpecifications?: TagSpecification[];
}

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
  if (privateIp === undefined) {
    return {
      code: 'InsufficientFreeAddressesInSubnet',
      message: FAULT_MESSAGES.InsufficientFreeAddressesInSubnet ?? '',
    };
  }
  const injected = ctx.takeNatFailure();
  return injected ? { code: injected, message: FAULT_MESSAGES[injected] ?? injected } : null;
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
    SubnetId: nat.subnetId,
    VpcId: nat.vpcId,
    State: state,
    ConnectivityType: 'public',
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

    if (input.SubnetId === undefined) throw ec2MissingParameter('subnetId');
    const subnet = requireSubnet(ctx, input.SubnetId);
    if (input.ConnectivityType !== undefined && input.ConnectivityType !== 'public') {
      throw ec2InvalidParameter(
        `The simulator models public NAT gateways only (ConnectivityType '${input.ConnectivityType}').`,
      );
    }
    if (input.AllocationId === undefined) throw ec2MissingParameter('allocationId');
    const address = requireAddress(ctx, input.AllocationId);
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

  DeleteNatGateway(ctx: SimContext, input: { NatGatewayId?: string }): object {
    const nat = requireNatGateway(ctx, input.NatGatewayId);
    const state = natState(nat, ctx.now);
    if (state === 'failed') nat.deletingUntil = ctx.now;
    else if (state !== 'deleting' && state !== 'deleted')
      nat.deletingUntil = ctx.now + ctx.timings.natDeletingMs;
    return { NatGatewayId: nat.id };
  },
};
