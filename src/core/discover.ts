import {
  DescribeAddressesCommand,
  DescribeInternetGatewaysCommand,
  DescribeNatGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  type Tag,
} from '@aws-sdk/client-ec2';
import type { AwsPort } from '../aws/port.js';
import { emptyState, type StackState } from '../state/schema.js';
import { activeNat } from './live.js';
import { decodeVpcConfig, isOurs, stackFilter, TAG_FUNCTION_PREFIX } from './tags.js';

/**
 * Rebuilds a stack's state from its tags when the state file is lost (deleted, another machine, a
 * teammate). Only tagged resources are found, so only what fixed-ip created is ever listed as owned.
 * Returns null when nothing in the region carries the stack's tags.
 */
export async function discoverStack(aws: AwsPort, name: string, accountId: string): Promise<StackState | null> {
  const Filters = [stackFilter(name)];
  const [vpcs, subnets, tables, groups, nats, addresses, gateways] = await Promise.all([
    aws.ec2.send(new DescribeVpcsCommand({ Filters })),
    aws.ec2.send(new DescribeSubnetsCommand({ Filters })),
    aws.ec2.send(new DescribeRouteTablesCommand({ Filters })),
    aws.ec2.send(new DescribeSecurityGroupsCommand({ Filters })),
    aws.ec2.send(new DescribeNatGatewaysCommand({ Filter: Filters })),
    aws.ec2.send(new DescribeAddressesCommand({ Filters })),
    aws.ec2.send(new DescribeInternetGatewaysCommand({ Filters })),
  ]);
  const ours = (tags: Tag[] | undefined, role: Parameters<typeof isOurs>[2]) => isOurs(tags, name, role);
  const state = emptyState(name, aws.region, accountId);

  const vpc = vpcs.Vpcs?.find((v) => ours(v.Tags, 'vpc'));
  const publicSubnet = subnets.Subnets?.find((s) => ours(s.Tags, 'public-subnet'));
  const privateSubnet = subnets.Subnets?.find((s) => ours(s.Tags, 'private-subnet'));
  const publicTable = tables.RouteTables?.find((t) => ours(t.Tags, 'public-route-table'));
  const privateTable = tables.RouteTables?.find((t) => ours(t.Tags, 'private-route-table'));
  const group = groups.SecurityGroups?.find((g) => ours(g.Tags, 'security-group'));
  const nat = nats.NatGateways?.find((n) => ours(n.Tags, 'nat-gateway') && (activeNat(n) || n.State === 'deleting'));
  const address = addresses.Addresses?.find((a) => ours(a.Tags, 'elastic-ip'));
  const gateway = gateways.InternetGateways?.find((g) => ours(g.Tags, 'internet-gateway'));

  const vpcId =
    vpc?.VpcId ??
    publicSubnet?.VpcId ??
    privateSubnet?.VpcId ??
    publicTable?.VpcId ??
    privateTable?.VpcId ??
    group?.VpcId ??
    nat?.VpcId ??
    gateway?.Attachments?.[0]?.VpcId;
  if (vpcId) state.vpc = { id: vpcId, owned: vpc !== undefined, cidrs: vpc?.CidrBlock ? [vpc.CidrBlock] : [] };
  if (gateway?.InternetGatewayId) state.internetGateway = { id: gateway.InternetGatewayId, owned: true };
  if (publicSubnet?.SubnetId) {
    state.publicSubnet = { id: publicSubnet.SubnetId, owned: true, cidr: publicSubnet.CidrBlock ?? '', az: publicSubnet.AvailabilityZone ?? '' };
  }
  if (privateSubnet?.SubnetId) {
    state.privateSubnet = { id: privateSubnet.SubnetId, owned: true, cidr: privateSubnet.CidrBlock ?? '', az: privateSubnet.AvailabilityZone ?? '' };
  }
  if (publicTable?.RouteTableId) state.publicRouteTable = { id: publicTable.RouteTableId, owned: true };
  if (privateTable?.RouteTableId) state.privateRouteTable = { id: privateTable.RouteTableId, owned: true };
  if (group?.GroupId) state.securityGroup = { id: group.GroupId, owned: true };
  if (nat?.NatGatewayId) state.natGateway = { id: nat.NatGatewayId, owned: true };
  if (address?.AllocationId) state.elasticIp = { id: address.AllocationId, owned: true, publicIp: address.PublicIp ?? '' };
  for (const tag of privateSubnet?.Tags ?? []) {
    if (!tag.Key?.startsWith(TAG_FUNCTION_PREFIX)) continue;
    const fn = tag.Key.slice(TAG_FUNCTION_PREFIX.length);
    state.functions[fn] = {
      arn: `arn:aws:lambda:${aws.region}:${accountId}:function:${fn}`,
      previous: decodeVpcConfig(tag.Value ?? ''),
      attached: true,
    };
  }
  const found = vpcId !== undefined || state.elasticIp !== undefined || state.internetGateway !== undefined;
  return found ? state : null;
}
