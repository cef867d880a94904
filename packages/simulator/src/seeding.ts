/**
 * Building an account without calls: what a test or `--simulate` starts from. Seeded resources
 * go through the same checks as the API (a bad seed fails loudly) and are visible at once.
 */
import { formatCidr, parseCidr } from './cidr.js';
import type { SimContext } from './context.js';
import { insertPool } from './ec2/address-pools.js';
import { insertAddress } from './ec2/addresses.js';
import { zoneNames } from './ec2/availability-zones.js';
import { attachInternetGateway, insertInternetGateway } from './ec2/internet-gateways.js';
import { requireVpc } from './ec2/lookup.js';
import { insertSecurityGroup } from './ec2/security-groups.js';
import { insertSubnet } from './ec2/subnets.js';
import { insertVpc, validateVpcCidr } from './ec2/vpcs.js';
import { newId } from './ids.js';
import { BASIC_EXECUTION_POLICY_ARN, insertRole, VPC_ACCESS_POLICY_ARN } from './iam.js';
import { reconcileLambdaEnis } from './lambda/enis.js';
import type { FunctionRecord, Tags } from './model.js';

export interface SeedVpc {
  cidr: string;
  isDefault?: boolean;
  name?: string;
  withInternetGateway?: boolean;
  /** One /20 per zone in the region's first three zones, as in a default VPC. */
  withDefaultSubnets?: boolean;
}

export interface SeedSubnet {
  vpcId: string;
  cidr: string;
  az: string;
  name?: string;
  /** Makes it dual-stack (an IPv6 /64 of the VPC's block; the simulator does not check it). */
  ipv6Cidr?: string;
}

export interface SeedAddress {
  /** Associated with something outside fixed-ip's world (an instance), so not releasable. */
  associated?: boolean;
  tags?: Record<string, string>;
  /** Allocated in this network border group (a Local Zone's; default the region's). */
  networkBorderGroup?: string;
}

/** An IPAM pool (`type: 'ipam'`) or a BYOIP pool (`'byoip'`) Elastic IPs can be allocated from. */
export interface SeedAddressPool {
  type: 'ipam' | 'byoip';
  /** Its addresses, e.g. 198.18.0.0/29. */
  cidr: string;
  /** An IPAM pool's locale, a BYOIP pool's network border group (default: the region). */
  locale?: string;
  /** IPAM only (defaults: ipv4, amazon, ec2); publicIpSource null makes a private pool. */
  addressFamily?: 'ipv4' | 'ipv6';
  publicIpSource?: 'amazon' | 'byoip' | null;
  awsService?: 'ec2' | null;
}

export interface SeedFunction {
  name: string;
  /** Default 'nodejs20.x'. */
  runtime?: string;
  /** Default `${name}-role`; created if missing. */
  roleName?: string;
  /** Whether a role created here gets AWSLambdaVPCAccessExecutionRole. Default true. */
  roleHasVpcAccess?: boolean;
  vpc?: { subnetIds: string[]; securityGroupIds: string[]; ipv6AllowedForDualStack?: boolean };
}

function nameTag(name: string | undefined): Tags {
  return name === undefined ? {} : { Name: name };
}

export function seedVpc(ctx: SimContext, spec: SeedVpc): string {
  validateVpcCidr(spec.cidr);
  const vpc = insertVpc(ctx, {
    cidr: spec.cidr,
    isDefault: spec.isDefault ?? false,
    tags: nameTag(spec.name),
    visibleAt: ctx.now,
  });
  if (spec.withInternetGateway) {
    const igw = insertInternetGateway(ctx, {}, ctx.now);
    attachInternetGateway(ctx, igw.id, vpc.id);
    ctx.state.routeTables[vpc.mainRouteTableId]?.routes.push({
      destination: '0.0.0.0/0',
      gatewayId: igw.id,
      origin: 'CreateRoute',
    });
  }
  if (spec.withDefaultSubnets) {
    const base = parseCidr(spec.cidr)?.base ?? 0;
    zoneNames(ctx.state.region)
      .slice(0, 3)
      .forEach((az, i) => {
        const cidr = formatCidr({ base: base + i * 4096, prefix: 20 });
        insertSubnet(ctx, {
          vpcId: vpc.id,
          cidr,
          az,
          tags: {},
          visibleAt: ctx.now,
          defaultForAz: spec.isDefault ?? false,
        });
      });
  }
  return vpc.id;
}

export function seedSubnet(ctx: SimContext, spec: SeedSubnet): string {
  const subnet = insertSubnet(ctx, {
    vpcId: spec.vpcId,
    cidr: spec.cidr,
    az: spec.az,
    tags: nameTag(spec.name),
    visibleAt: ctx.now,
  });
  if (spec.ipv6Cidr !== undefined) subnet.ipv6Cidr = spec.ipv6Cidr;
  return subnet.id;
}

export function seedInternetGateway(ctx: SimContext, spec: { vpcId?: string } = {}): string {
  if (spec.vpcId !== undefined) requireVpc(ctx, spec.vpcId);
  const igw = insertInternetGateway(ctx, {}, ctx.now);
  if (spec.vpcId !== undefined) attachInternetGateway(ctx, igw.id, spec.vpcId);
  return igw.id;
}

export function seedAddress(
  ctx: SimContext,
  spec: SeedAddress = {},
): { allocationId: string; publicIp: string } {
  const address = insertAddress(ctx, { ...spec.tags }, ctx.now, spec.networkBorderGroup);
  if (spec.associated) {
    address.externalAssociation = {
      associationId: newId(ctx.state, 'eipassoc'),
      networkInterfaceId: newId(ctx.state, 'eni'),
      privateIp: '10.255.0.10',
    };
  }
  return { allocationId: address.id, publicIp: address.publicIp };
}

export function seedAddressPool(ctx: SimContext, spec: SeedAddressPool): string {
  const ipam = spec.type === 'ipam';
  const source = spec.publicIpSource === undefined ? 'amazon' : spec.publicIpSource;
  const service = spec.awsService === undefined ? 'ec2' : spec.awsService;
  return insertPool(ctx, {
    id: newId(ctx.state, ipam ? 'ipam-pool' : 'ipv4pool-ec2'),
    type: spec.type,
    cidr: spec.cidr,
    locale: spec.locale ?? ctx.state.region,
    addressFamily: spec.addressFamily ?? 'ipv4',
    ...(ipam && source !== null ? { publicIpSource: source } : {}),
    ...(ipam && service !== null ? { awsService: service } : {}),
  }).id;
}

export function seedSecurityGroup(ctx: SimContext, spec: { vpcId: string; name: string }): string {
  return insertSecurityGroup(ctx, {
    vpcId: spec.vpcId,
    name: spec.name,
    description: spec.name,
    tags: {},
    visibleAt: ctx.now,
  }).id;
}

export function seedFunction(ctx: SimContext, spec: SeedFunction): string {
  const roleName = spec.roleName ?? `${spec.name}-role`;
  if (!ctx.state.roles[roleName]) {
    const policies =
      spec.roleHasVpcAccess === false
        ? [BASIC_EXECUTION_POLICY_ARN]
        : [BASIC_EXECUTION_POLICY_ARN, VPC_ACCESS_POLICY_ARN];
    insertRole(ctx, roleName, policies);
  }
  for (const id of spec.vpc?.subnetIds ?? [])
    if (!ctx.state.subnets[id]) throw new TypeError(`seed: no subnet ${id}`);
  for (const id of spec.vpc?.securityGroupIds ?? [])
    if (!ctx.state.securityGroups[id]) throw new TypeError(`seed: no security group ${id}`);
  const fn: FunctionRecord = {
    name: spec.name,
    runtime: spec.runtime ?? 'nodejs20.x',
    roleName,
    subnetIds: [...(spec.vpc?.subnetIds ?? [])],
    securityGroupIds: [...(spec.vpc?.securityGroupIds ?? [])],
    ...(spec.vpc?.ipv6AllowedForDualStack ? { ipv6AllowedForDualStack: true } : {}),
    description: '',
    timeout: 3,
    memorySize: 128,
    tags: {},
    lastModified: ctx.now,
    revision: 1,
    update: null,
  };
  ctx.state.functions[fn.name] = fn;
  reconcileLambdaEnis(ctx, fn);
  return `arn:aws:lambda:${ctx.state.region}:${ctx.state.accountId}:function:${fn.name}`;
}
