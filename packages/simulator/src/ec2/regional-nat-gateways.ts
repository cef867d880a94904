/**
 * Regional NAT gateways (AvailabilityMode 'regional', since November 2025): one gateway for the
 * VPC, no subnet, public only, an attached internet gateway still required. Manual mode takes
 * `AvailabilityZoneAddresses` (Elastic IPs per zone, up to 32 per zone); automatic mode picks
 * AWS-owned IPs in every zone that holds a subnet. AWS makes a route table for the gateway with a
 * route to the internet gateway. Addresses change with Associate/DisassociateNatGatewayAddress;
 * a disassociated address drains for MaxDrainDurationSeconds (default 350) before it is gone.
 */
import type { NatGateway, NatGatewayAddress } from '@aws-sdk/client-ec2';
import type { SimContext } from '../context.js';
import { recordsOf } from '../describe.js';
import { ec2Error, Ec2ErrorCode, ec2InvalidParameter, ec2MissingParameter, ec2NotFound } from '../errors.js';
import { newId, newPublicIp } from '../ids.js';
import { natState, regionalAddressIsHeld } from '../lifecycle.js';
import type { AddressRecord, NatGatewayRecord, RegionalNatAddressRecord, VpcRecord } from '../model.js';
import { QUOTAS, quotaValue } from '../service-quotas.js';
import { addressInUse, borderGroupOf } from './addresses.js';
import { azIdOf, zoneByIdOrName } from './availability-zones.js';
import { attachedGateway } from './internet-gateways.js';
import { requireAddress, requireVpc } from './lookup.js';
import { insertRouteTable } from './route-tables.js';

/**
 * Elastic IPs a regional gateway takes per zone at most (a zonal gateway takes 8), whatever the
 * quota; below it, the quota "Elastic IP addresses per public NAT gateway" counts per zone.
 */
export const REGIONAL_ADDRESSES_PER_ZONE = 32;
/** DisassociateNatGatewayAddress's default drain, and its documented range. */
const DEFAULT_DRAIN_SECONDS = 350;
const MAX_DRAIN_SECONDS = 4000;

export interface ZoneAddressesInput {
  AvailabilityZone?: string;
  AvailabilityZoneId?: string;
  AllocationIds?: string[];
}

export interface RegionalCreateInput {
  VpcId?: string;
  SubnetId?: string;
  AllocationId?: string;
  ConnectivityType?: string;
  AvailabilityZoneAddresses?: ZoneAddressesInput[];
}

function zoneOf(ctx: SimContext, name: string | undefined, id: string | undefined): string {
  if (name === undefined && id === undefined)
    throw ec2MissingParameter('availabilityZone or availabilityZoneId');
  const zone = zoneByIdOrName(ctx.state.region, name, id);
  if (zone === undefined)
    throw ec2InvalidParameter(
      `Value (${String(name ?? id)}) for parameter availabilityZone is invalid. The zone does not exist in ${ctx.state.region}.`,
    );
  return zone;
}

/**
 * More addresses on one NAT gateway (in one zone, for a regional one) than the quota "Elastic IP
 * addresses per public NAT gateway" allows.
 */
export function natAddressQuotaExceeded(ctx: SimContext, count: number, zone?: string): Error | undefined {
  const quota = QUOTAS.addressesPerNatGateway;
  const allowed = quotaValue(ctx.state, quota);
  if (count <= allowed) return undefined;
  // uncertain: AWS does not document the code it answers with; AddressLimitExceeded, with a message
  // naming the quota, is the simulator's choice.
  return ec2Error(
    Ec2ErrorCode.addressLimitExceeded,
    `The NAT gateway would hold ${count} Elastic IP addresses${zone === undefined ? '' : ` in ${zone}`}; the quota "${quota.quotaName}" (${quota.serviceCode} ${quota.quotaCode}) allows ${allowed}. Request an increase in Service Quotas.`,
  );
}

/**
 * Every Elastic IP named must exist and be free, once; at most 32 per zone, and no more in a zone
 * than the quota "Elastic IP addresses per public NAT gateway". The quota counts per zone: the
 * Terraform AWS provider's acceptance test TestAccVPCNATGateway_availabilityModeRegionalManual_AddAndRemove
 * puts 4 addresses on one regional gateway at the default quota of 2, 2 in each of two zones.
 */
function requireFreeAddresses(
  ctx: SimContext,
  perZone: ReadonlyMap<string, readonly string[]>,
  alreadyInZone: (zone: string) => number,
): Map<string, AddressRecord[]> {
  const seen = new Set<string>();
  const result = new Map<string, AddressRecord[]>();
  for (const [zone, ids] of perZone) {
    if (ids.length === 0) throw ec2MissingParameter('allocationIds');
    if (alreadyInZone(zone) + ids.length > REGIONAL_ADDRESSES_PER_ZONE) {
      // AWS's quota "Elastic IP addresses per regional NAT gateway per zone"; the code is our choice.
      throw ec2InvalidParameter(
        `A regional NAT gateway takes at most ${REGIONAL_ADDRESSES_PER_ZONE} IP addresses per Availability Zone (${zone}).`,
      );
    }
    const overQuota = natAddressQuotaExceeded(ctx, alreadyInZone(zone) + ids.length, zone);
    if (overQuota) throw overQuota;
    const addresses = ids.map((id) => {
      const address = requireAddress(ctx, id);
      if (seen.has(id)) throw ec2InvalidParameter(`Allocation ID ${id} is given more than once.`);
      seen.add(id);
      if (addressInUse(ctx, address))
        throw ec2Error(Ec2ErrorCode.alreadyAssociated, `Elastic IP address [${id}] is already associated`);
      // Every zone of the region is in the region's group; a Local Zone's address serves none of them.
      if (borderGroupOf(ctx, address) !== ctx.state.region)
        throw ec2InvalidParameter(
          `Elastic IP address [${id}] is in network border group ${borderGroupOf(ctx, address)}, which does not serve ${zone}.`,
        );
      return address;
    });
    result.set(zone, addresses);
  }
  return result;
}

function checkVpc(ctx: SimContext, input: RegionalCreateInput): VpcRecord {
  if (input.SubnetId !== undefined) {
    throw ec2Error(
      Ec2ErrorCode.invalidParameterCombination,
      'The parameter SubnetId cannot be used with AvailabilityMode regional. Specify VpcId instead.',
    );
  }
  if (input.VpcId === undefined) throw ec2MissingParameter('vpcId');
  if (input.ConnectivityType !== undefined && input.ConnectivityType !== 'public') {
    throw ec2InvalidParameter('A regional NAT gateway supports only ConnectivityType public.');
  }
  if (input.AllocationId !== undefined) {
    // Uncertain: AWS documents AvailabilityZoneAddresses for a regional gateway's Elastic IPs;
    // whether it also takes AllocationId is not documented, so the simulator refuses it.
    throw ec2Error(
      Ec2ErrorCode.invalidParameterCombination,
      'The parameter AllocationId cannot be used with AvailabilityMode regional. Use AvailabilityZoneAddresses.',
    );
  }
  const vpc = requireVpc(ctx, input.VpcId);
  // Uncertain: a zonal gateway without an internet gateway is created and then fails with
  // Gateway.NotAttached; for a regional one AWS's documents only say an attached internet gateway
  // is required. The simulator refuses at once with the zonal failure's code and wording.
  if (!attachedGateway(ctx, vpc.id)) {
    throw ec2Error(Ec2ErrorCode.gatewayNotAttached, `Network ${vpc.id} has no Internet gateway attached`);
  }
  return vpc;
}

/** The zones automatic mode covers: those holding a subnet of the VPC (where the workloads are). */
function workloadZones(ctx: SimContext, vpcId: string): string[] {
  const zones = recordsOf(ctx.state.subnets)
    .filter((s) => s.vpcId === vpcId)
    .map((s) => s.az);
  return [...new Set(zones)].sort();
}

function takenPublicIps(ctx: SimContext): Set<string> {
  const ips = new Set(recordsOf(ctx.state.addresses).map((a) => a.publicIp));
  for (const nat of recordsOf(ctx.state.natGateways))
    for (const a of nat.regional?.addresses ?? []) ips.add(a.publicIp);
  return ips;
}

/** Validates everything, then the gateway record (not yet stored) and its route table's inputs. */
export function regionalNatGateway(
  ctx: SimContext,
  input: RegionalCreateInput,
  base: Pick<NatGatewayRecord, 'id' | 'createdAt' | 'visibleAt' | 'tags'>,
): NatGatewayRecord {
  const vpc = checkVpc(ctx, input);
  const readyAt = ctx.now + ctx.timings.natPendingMs;
  const requested = new Map<string, string[]>();
  for (const entry of input.AvailabilityZoneAddresses ?? []) {
    const zone = zoneOf(ctx, entry.AvailabilityZone, entry.AvailabilityZoneId);
    requested.set(zone, [...(requested.get(zone) ?? []), ...(entry.AllocationIds ?? [])]);
  }
  const automatic = requested.size === 0;
  const addresses: RegionalNatAddressRecord[] = [];
  if (automatic) {
    const taken = takenPublicIps(ctx);
    for (const az of workloadZones(ctx, vpc.id)) {
      const publicIp = newPublicIp(ctx.state, taken);
      if (publicIp === undefined) break;
      taken.add(publicIp);
      addresses.push({
        allocationId: null,
        publicIp,
        az,
        associationId: newId(ctx.state, 'eipassoc'),
        isPrimary: addresses.length === 0,
        readyAt,
        drainUntil: null,
      });
    }
  } else {
    for (const [az, list] of requireFreeAddresses(ctx, requested, () => 0)) {
      for (const address of list) {
        addresses.push({
          allocationId: address.id,
          publicIp: address.publicIp,
          az,
          associationId: newId(ctx.state, 'eipassoc'),
          isPrimary: addresses.length === 0,
          readyAt,
          drainUntil: null,
        });
      }
    }
  }
  const igw = attachedGateway(ctx, vpc.id);
  const table = insertRouteTable(ctx, vpc.id, {}, ctx.now);
  if (igw) table.routes.push({ destination: '0.0.0.0/0', gatewayId: igw.id, origin: 'CreateRoute' });
  return {
    ...base,
    subnetId: null,
    vpcId: vpc.id,
    allocationId: '',
    publicIp: '',
    eniId: null,
    privateIp: null,
    associationId: '',
    readyAt,
    failure: null,
    deletingUntil: null,
    regional: { automatic, routeTableId: table.id, addresses },
  };
}

function addressStatus(nat: NatGatewayRecord, address: RegionalNatAddressRecord, now: number): string {
  const state = natState(nat, now);
  if (state === 'deleting') return 'disassociating';
  if (address.drainUntil !== null) return 'disassociating';
  return now < address.readyAt ? 'associating' : 'succeeded';
}

export function regionalAddresses(ctx: SimContext, nat: NatGatewayRecord): NatGatewayAddress[] {
  const state = natState(nat, ctx.now);
  if (state === 'deleted') return [];
  return (nat.regional?.addresses ?? [])
    .filter((a) => regionalAddressIsHeld(a, ctx.now))
    .map((a) => {
      const status = addressStatus(nat, a, ctx.now);
      return {
        ...(a.allocationId !== null ? { AllocationId: a.allocationId } : {}),
        PublicIp: a.publicIp,
        ...(status !== 'associating' ? { AssociationId: a.associationId } : {}),
        IsPrimary: a.isPrimary,
        Status: status as NatGatewayAddress['Status'],
        AvailabilityZone: a.az,
        AvailabilityZoneId: azIdOf(ctx.state.region, a.az),
      };
    });
}

/** What DescribeNatGateways adds for a regional gateway. */
export function regionalFields(nat: NatGatewayRecord): Partial<NatGateway> {
  if (!nat.regional) return { AvailabilityMode: 'zonal' };
  const mode = nat.regional.automatic ? 'enabled' : 'disabled';
  return {
    AvailabilityMode: 'regional',
    AutoProvisionZones: mode,
    AutoScalingIps: mode,
    RouteTableId: nat.regional.routeTableId,
  };
}

function requireRegional(
  nat: NatGatewayRecord,
  ctx: SimContext,
): asserts nat is NatGatewayRecord & { regional: NonNullable<NatGatewayRecord['regional']> } {
  if (!nat.regional) {
    // The simulator models a zonal gateway with its one primary address only.
    throw ec2InvalidParameter(
      `NAT gateway ${nat.id} is zonal: the simulator models secondary addresses on regional gateways only.`,
    );
  }
  if (natState(nat, ctx.now) !== 'available') {
    throw ec2Error(
      Ec2ErrorCode.invalidParameterValue,
      `NAT gateway ${nat.id} is in state ${natState(nat, ctx.now)}; its addresses can be changed only when it is available.`,
    );
  }
}

/**
 * A gateway takes one change of its addresses at a time: while one is associating or draining, AWS
 * refuses another association or disassociation with OperationInProgress ("Service is currently
 * ASSOCIATING the following EIPs: [eipalloc-…]", hashicorp/terraform-provider-aws#44581; the drain:
 * AWS's DisassociateNatGatewayAddress documentation).
 */
function requireSettled(
  ctx: SimContext,
  nat: NatGatewayRecord & { regional: NonNullable<NatGatewayRecord['regional']> },
): void {
  const held = nat.regional.addresses.filter((a) => regionalAddressIsHeld(a, ctx.now));
  const associating = held.filter((a) => a.drainUntil === null && ctx.now < a.readyAt);
  const draining = held.filter((a) => a.drainUntil !== null);
  const [word, busy] = associating.length > 0 ? ['ASSOCIATING', associating] : ['DISASSOCIATING', draining];
  if (busy.length > 0)
    throw ec2Error(
      Ec2ErrorCode.operationInProgress,
      `Service is currently ${word} the following EIPs: [${busy.map((a) => a.allocationId).join(', ')}].`,
    );
}

export function associateRegionalAddresses(
  ctx: SimContext,
  nat: NatGatewayRecord,
  input: { AllocationIds?: string[]; AvailabilityZone?: string; AvailabilityZoneId?: string },
): NatGatewayAddress[] {
  requireRegional(nat, ctx);
  if (!input.AllocationIds?.length) throw ec2MissingParameter('allocationIds');
  if (nat.regional.automatic) {
    throw ec2InvalidParameter(
      `NAT gateway ${nat.id} is in automatic mode: AWS manages its addresses. Recreate it in manual mode.`,
    );
  }
  const zone = zoneOf(ctx, input.AvailabilityZone, input.AvailabilityZoneId);
  requireSettled(ctx, nat);
  const inZone = nat.regional.addresses.filter((a) => a.az === zone && regionalAddressIsHeld(a, ctx.now));
  const free = requireFreeAddresses(ctx, new Map([[zone, input.AllocationIds]]), () => inZone.length);
  const added = (free.get(zone) ?? []).map((address): RegionalNatAddressRecord => ({
    allocationId: address.id,
    publicIp: address.publicIp,
    az: zone,
    associationId: newId(ctx.state, 'eipassoc'),
    isPrimary: false,
    readyAt: ctx.now + ctx.timings.natPendingMs,
    drainUntil: null,
  }));
  nat.regional.addresses.push(...added);
  const ids = new Set(added.map((a) => a.allocationId));
  return regionalAddresses(ctx, nat).filter((a) => a.AllocationId !== undefined && ids.has(a.AllocationId));
}

export function disassociateRegionalAddresses(
  ctx: SimContext,
  nat: NatGatewayRecord,
  input: { AssociationIds?: string[]; MaxDrainDurationSeconds?: number },
): NatGatewayAddress[] {
  requireRegional(nat, ctx);
  if (!input.AssociationIds?.length) throw ec2MissingParameter('associationIds');
  const drain = input.MaxDrainDurationSeconds ?? DEFAULT_DRAIN_SECONDS;
  if (!Number.isInteger(drain) || drain < 1 || drain > MAX_DRAIN_SECONDS) {
    throw ec2InvalidParameter(
      `Value (${drain}) for parameter maxDrainDurationSeconds is invalid. It must be between 1 and ${MAX_DRAIN_SECONDS}.`,
    );
  }
  requireSettled(ctx, nat);
  const regional = nat.regional;
  const targets = input.AssociationIds.map((id) => {
    const address = regional.addresses.find(
      (a) => a.associationId === id && a.drainUntil === null && ctx.now >= a.readyAt,
    );
    if (!address) throw ec2NotFound(Ec2ErrorCode.associationNotFound, 'association', [id]);
    return address;
  });
  for (const address of targets) address.drainUntil = ctx.now + drain * 1000;
  const ids = new Set(targets.map((a) => a.associationId));
  return regionalAddresses(ctx, nat).filter((a) => a.AssociationId !== undefined && ids.has(a.AssociationId));
}
