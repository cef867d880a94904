import type { NatGateway } from '@aws-sdk/client-ec2';
import { recordIn, type StackContext } from '../model/context.js';
import type { Quota, QuotaNode } from '../model/kind.js';
import {
  NAT_ADDRESSES,
  NAT_GATEWAYS_PER_ZONE,
  quotaValue,
  quotaWords,
  raiseQuota,
  type QuotaValue,
} from './quota-values.js';

/**
 * The NAT gateway quotas plan checks before anything is made. Each is read from Service Quotas only
 * when AWS's default (the least any account has) would refuse, so a plan within the defaults makes
 * no Service Quotas call and needs no permission for one.
 */

/** The states in which AWS counts a NAT gateway toward its zone's quota. */
const COUNTED = ['pending', 'available', 'deleting'];

/**
 * The zonal NAT gateways of the whole account in each zone: AWS counts every VPC's toward a zone's
 * quota, so a new VPC of fixed-ip's is refused where five other VPCs already have one in the zone.
 * Read only when setup is to create one: every gateway of the region, and the zones of the subnets
 * outside the stack's VPC that hold them.
 */
async function natGatewaysByZone(ctx: StackContext): Promise<Map<string, number>> {
  const nats: NatGateway[] = [];
  let NextToken: string | undefined;
  do {
    const page = await ctx.aws.ec2.DescribeNatGateways(NextToken ? { NextToken } : {});
    nats.push(...(page.NatGateways ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  const subnets = nats.filter((n) => COUNTED.includes(n.State ?? '')).flatMap((n) => n.SubnetId ?? []);
  const zoneOf = new Map(ctx.world.subnets.map((s) => [s.SubnetId, s.AvailabilityZone]));
  const elsewhere = [...new Set(subnets.filter((id) => !zoneOf.has(id)))];
  if (elsewhere.length > 0) {
    const out = await ctx.aws.ec2.DescribeSubnets({ Filters: [{ Name: 'subnet-id', Values: elsewhere }] });
    for (const subnet of out.Subnets ?? []) zoneOf.set(subnet.SubnetId, subnet.AvailabilityZone);
  }
  const counts = new Map<string, number>();
  for (const id of subnets) {
    const zone = zoneOf.get(id);
    if (zone) counts.set(zone, (counts.get(zone) ?? 0) + 1);
  }
  return counts;
}

/** A zone holds at most "NAT gateways per Availability Zone" (5 by default), of every VPC. */
export async function natGatewaysPerZone(ctx: StackContext, nodes: readonly QuotaNode[]): Promise<Quota[]> {
  const creating = nodes.filter((node) => node.creating);
  if (creating.length === 0) return [];
  const inZones = await natGatewaysByZone(ctx);
  let read: Promise<QuotaValue> | undefined;
  const lines: Quota[] = [];
  for (const { zone } of creating) {
    const used = inZones.get(zone ?? '') ?? 0;
    const quota =
      used < NAT_GATEWAYS_PER_ZONE.default
        ? { value: NAT_GATEWAYS_PER_ZONE.default }
        : await (read ??= quotaValue(ctx.aws, NAT_GATEWAYS_PER_ZONE));
    const ok = used < quota.value;
    lines.push({
      name: `NAT gateways in ${zone ?? ''}`,
      used,
      limit: quota.value,
      ok,
      ...(ok
        ? {}
        : {
            blocker: `${zone ?? ''} already has ${used} NAT gateways (of every VPC) and ${quotaWords(NAT_GATEWAYS_PER_ZONE, quota)}: pick other zones (--az), delete one, or raise the quota (${raiseQuota(NAT_GATEWAYS_PER_ZONE, used + 1)})`,
          }),
    });
  }
  return lines;
}

/**
 * A regional gateway holds at most "Elastic IP addresses per public NAT gateway" (2 by default) in
 * each zone. A new one starts with one address per zone, so only a live one can be over: one that
 * holds addresses someone else put there, in a zone where setup must add the stack's (it adds the
 * stack's before it lets the others go, because a zone's last address cannot leave first).
 */
export async function regionalAddressesPerZone(
  ctx: StackContext,
  nodes: readonly QuotaNode[],
): Promise<Quota[]> {
  if (nodes.every((node) => node.creating)) return [];
  const id = recordIn(ctx, 'regionalNatGateway', undefined)?.id;
  const nat = ctx.world.natGateways.find(
    (n) => n.NatGatewayId === id && (n.State === 'available' || n.State === 'pending'),
  );
  if (!nat) return [];
  const crowded = ctx.state.shape.zones.flatMap((zone) => {
    // A draining address is gone before setup adds one: it waits for the drain (AWS takes no
    // association meanwhile).
    const held = (nat.NatGatewayAddresses ?? []).filter(
      (a) => a.AvailabilityZone === zone && a.Status !== 'failed' && a.Status !== 'disassociating',
    );
    const own = recordIn(ctx, 'elasticIp', zone)?.id;
    const others = held.filter((a) => own === undefined || a.AllocationId !== own);
    // The stack's own is added unless it is there already.
    const after = others.length + 1;
    return after > NAT_ADDRESSES.default ? [{ zone, held, others, after }] : [];
  });
  if (crowded.length === 0) return [];
  const quota = await quotaValue(ctx.aws, NAT_ADDRESSES);
  const natId = nat.NatGatewayId ?? '';
  return crowded.map(({ zone, held, others, after }) => {
    const ok = after <= quota.value;
    const ips = others.map((a) => a.PublicIp ?? a.AllocationId ?? '').join(', ');
    const association = others.find((a) => a.IsPrimary !== true)?.AssociationId ?? 'eipassoc-…';
    return {
      name: `Elastic IPs on ${natId} in ${zone}`,
      used: held.length,
      limit: quota.value,
      ok,
      ...(ok
        ? {}
        : {
            blocker: `regional NAT gateway ${natId} holds ${others.length} addresses in ${zone} that are not the stack's (${ips}) and setup must add the stack's; ${quotaWords(NAT_ADDRESSES, quota)} per zone: take one off (aws ec2 disassociate-nat-gateway-address --nat-gateway-id ${natId} --association-ids ${association}) or raise the quota (${raiseQuota(NAT_ADDRESSES, after)})`,
          }),
    };
  });
}
