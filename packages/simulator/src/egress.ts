/**
 * Where a function's traffic to the internet goes, as AWS routes it: from the function's subnet,
 * through that subnet's route table (its own association, else the VPC's main table), by the
 * 0.0.0.0/0 route, to an available NAT gateway or a NAT instance's interface (once the instance
 * forwards through it: see forwardsThrough), then through the NAT's own subnet (or a regional gateway's route table) to an attached internet gateway. The
 * answer is the public IP the internet sees, or why the traffic goes nowhere (a timeout).
 */
import { cidrContains, parseCidr } from './cidr.js';
import type { SimContext } from './context.js';
import { recordsOf } from './describe.js';
import { rulesOf } from './ec2/security-group-rules.js';
import { natBootState } from './nat-boot.js';
import { natConfigOf } from './nat-config.js';
import {
  attachmentIsLive,
  attachmentStatus,
  instanceState,
  interfaceIsLive,
  natState,
  regionalAddressIsHeld,
} from './lifecycle.js';
import type {
  InstanceRecord,
  NatGatewayRecord,
  NetworkInterfaceRecord,
  RouteTableRecord,
  SubnetRecord,
} from './model.js';

export type Egress = { publicIp: string; via: string } | { publicIp: null; reason: string };

const HTTPS = 443;

function tableOf(ctx: SimContext, subnet: SubnetRecord): RouteTableRecord | undefined {
  const tables = recordsOf(ctx.state.routeTables).filter((t) => t.vpcId === subnet.vpcId);
  return (
    tables.find((t) => t.associations.some((a) => a.subnetId === subnet.id)) ??
    tables.find((t) => t.associations.some((a) => a.main))
  );
}

function defaultRoute(table: RouteTableRecord | undefined) {
  return table?.routes.find((r) => r.destination === '0.0.0.0/0');
}

/** The table routes 0.0.0.0/0 to an internet gateway attached to its VPC. */
function reachesInternet(ctx: SimContext, table: RouteTableRecord | undefined): boolean {
  const route = defaultRoute(table);
  if (!table || route?.gatewayId === undefined || route.gatewayId === 'local') return false;
  return ctx.state.internetGateways[route.gatewayId]?.vpcId === table.vpcId;
}

/** Whether a rule list lets this traffic through: protocol, port, and a peer matching the source. */
function admits(
  rules: ReturnType<typeof rulesOf>,
  port: number,
  peer: { cidr: string; groupIds: readonly string[] },
): boolean {
  const source = parseCidr(peer.cidr);
  return rules.some((rule) => {
    const protocolOk =
      rule.protocol === '-1' || (rule.protocol === 'tcp' && rule.fromPort <= port && port <= rule.toPort);
    if (!protocolOk) return false;
    if (rule.groupId !== undefined) return peer.groupIds.includes(rule.groupId);
    const allowed = parseCidr(rule.cidr);
    return allowed !== undefined && source !== undefined && cidrContains(allowed, source);
  });
}

function throughNatGateway(ctx: SimContext, nat: NatGatewayRecord, subnet: SubnetRecord): Egress {
  if (natState(nat, ctx.now) !== 'available')
    return { publicIp: null, reason: `NAT gateway ${nat.id} is not available` };
  if (nat.regional) {
    const table = ctx.state.routeTables[nat.regional.routeTableId];
    if (!reachesInternet(ctx, table))
      return { publicIp: null, reason: `the internet gateway of NAT gateway ${nat.id} is not attached` };
    const ready = nat.regional.addresses.filter(
      (a) => a.drainUntil === null && regionalAddressIsHeld(a, ctx.now) && ctx.now >= a.readyAt,
    );
    // A zone the gateway does not cover yet is served from another zone.
    const address = ready.find((a) => a.az === subnet.az) ?? ready[0];
    if (!address) return { publicIp: null, reason: `NAT gateway ${nat.id} has no address` };
    return { publicIp: address.publicIp, via: nat.id };
  }
  const natSubnet = nat.subnetId === null ? undefined : ctx.state.subnets[nat.subnetId];
  if (!natSubnet || !reachesInternet(ctx, tableOf(ctx, natSubnet)))
    return {
      publicIp: null,
      reason: `the subnet of NAT gateway ${nat.id} has no route to an attached internet gateway`,
    };
  return { publicIp: nat.publicIp, via: nat.id };
}

function throughInterface(
  ctx: SimContext,
  eni: NetworkInterfaceRecord | undefined,
  source: { cidr: string; groupIds: readonly string[] },
): Egress {
  if (!eni || !interfaceIsLive(ctx, eni))
    return { publicIp: null, reason: 'the route names an interface that is gone' };
  const instance =
    attachmentIsLive(ctx, eni) && eni.attachment ? ctx.state.instances[eni.attachment.instanceId] : undefined;
  if (!instance || instanceState(instance, ctx.now) !== 'running')
    return { publicIp: null, reason: `no running instance behind interface ${eni.id}` };
  const forwarding = forwardsThrough(ctx, instance, eni);
  if (forwarding !== true) return { publicIp: null, reason: forwarding };
  if (eni.sourceDestCheck)
    return { publicIp: null, reason: `interface ${eni.id} has source/destination checking on` };
  const ingress = eni.groupIds.flatMap((id) => {
    const group = ctx.state.securityGroups[id];
    return group ? rulesOf(group, 'ingress') : [];
  });
  if (!admits(ingress, HTTPS, source))
    return {
      publicIp: null,
      reason: `the security groups of interface ${eni.id} do not admit the function's traffic`,
    };
  const address = recordsOf(ctx.state.addresses).find(
    (a) => a.externalAssociation?.networkInterfaceId === eni.id,
  );
  if (!address) return { publicIp: null, reason: `interface ${eni.id} has no public address` };
  const subnet = ctx.state.subnets[eni.subnetId];
  if (!subnet || !reachesInternet(ctx, tableOf(ctx, subnet)))
    return {
      publicIp: null,
      reason: `the subnet of interface ${eni.id} has no route to an attached internet gateway`,
    };
  return { publicIp: address.publicIp, via: eni.id };
}

/**
 * Whether the instance forwards what arrives on this interface, or why not: a fixed-ip NAT instance
 * (user data with the config block) once its boot script has configured the interface (attached at
 * device index >= 1, boot state `forwarding`); a first-release one (no config block) on its primary
 * interface, as soon as it runs.
 */
function forwardsThrough(
  ctx: SimContext,
  instance: InstanceRecord,
  eni: NetworkInterfaceRecord,
): true | string {
  const attachment = eni.attachment;
  if (!attachment) return `no running instance behind interface ${eni.id}`;
  const status = attachmentStatus(attachment, ctx.now);
  if (status !== 'attached') return `interface ${eni.id} is ${status} (instance ${instance.id})`;
  const config = natConfigOf(instance.userData);
  if (!config)
    return attachment.deviceIndex === 0
      ? true
      : `instance ${instance.id} does not forward through interface ${eni.id} (device index ${attachment.deviceIndex})`;
  const state = natBootState(ctx, instance);
  if (state.startsWith('failed: '))
    return `the NAT instance's boot failed: ${state.slice('failed: '.length)}`;
  if (state !== 'forwarding' || config.interfaceId !== eni.id)
    return `instance ${instance.id} has not configured interface ${eni.id} yet`;
  return true;
}

/** The egress of traffic from a function attached to `subnetId` with `groupIds`. */
export function egressFrom(ctx: SimContext, subnetId: string, groupIds: readonly string[]): Egress {
  const subnet = ctx.state.subnets[subnetId];
  if (!subnet) return { publicIp: null, reason: `subnet ${subnetId} is gone` };
  const egressRules = groupIds.flatMap((id) => {
    const group = ctx.state.securityGroups[id];
    return group ? rulesOf(group, 'egress') : [];
  });
  if (!admits(egressRules, HTTPS, { cidr: '0.0.0.0/0', groupIds: [] }))
    return { publicIp: null, reason: "the function's security groups allow no outbound HTTPS" };
  return routeToInternet(ctx, subnet, { cidr: subnet.cidr, groupIds });
}

/**
 * The egress of traffic from anything in `subnetId`, by the subnet's route alone (no security group
 * of the sender's own): what a test sends through a stack's NAT (AwsSimulator.sendTraffic).
 */
export function egressOfSubnet(ctx: SimContext, subnetId: string): Egress {
  const subnet = ctx.state.subnets[subnetId];
  if (!subnet) return { publicIp: null, reason: `subnet ${subnetId} is gone` };
  return routeToInternet(ctx, subnet, { cidr: subnet.cidr, groupIds: [] });
}

/** Where the subnet's 0.0.0.0/0 route takes traffic from `source`, as far as the internet. */
function routeToInternet(
  ctx: SimContext,
  subnet: SubnetRecord,
  source: { cidr: string; groupIds: readonly string[] },
): Egress {
  const route = defaultRoute(tableOf(ctx, subnet));
  if (!route) return { publicIp: null, reason: `subnet ${subnet.id} has no route to the internet` };
  if (route.natGatewayId !== undefined) {
    const nat = ctx.state.natGateways[route.natGatewayId];
    return nat
      ? throughNatGateway(ctx, nat, subnet)
      : { publicIp: null, reason: `NAT gateway ${route.natGatewayId} is gone` };
  }
  if (route.networkInterfaceId !== undefined)
    return throughInterface(ctx, ctx.state.networkInterfaces[route.networkInterfaceId], source);
  // A function gets no public IP, so a route straight to the internet gateway leads nowhere.
  return {
    publicIp: null,
    reason: `subnet ${subnet.id} routes to an internet gateway, which gives a function no public IP`,
  };
}

/** Whether the subnet's 0.0.0.0/0 route goes to an internet gateway of its VPC (a public subnet). */
export function subnetIsPublic(ctx: SimContext, subnetId: string): boolean {
  const subnet = ctx.state.subnets[subnetId];
  return subnet !== undefined && reachesInternet(ctx, tableOf(ctx, subnet));
}
