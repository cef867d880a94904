/**
 * The article's stack, made through calls so the bill sees it happen: a VPC with an internet
 * gateway, a public subnet routed to it, an Elastic IP and a NAT gateway there (both tagged
 * `fixed-ip:stack`), and a private subnet routed to the gateway. Shared by the tests of CloudWatch,
 * Cost Explorer and Budgets.
 */
import type { SimTimings } from '../src/index.js';
import { client, newSim } from './support.js';

export const GIB = 2 ** 30;
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

const stackTag = (stack: string, resourceType: string) => [
  { ResourceType: resourceType, Tags: [{ Key: 'fixed-ip:stack', Value: stack }] },
];

export async function natGatewayStack(
  options: { region?: string; stack?: string; timings?: Partial<SimTimings> } = {},
) {
  const region = options.region ?? 'ap-northeast-1';
  const stack = options.stack ?? 'prod';
  const { sim, clock } = newSim({ region, timings: { natPendingMs: 60_000, ...options.timings } });
  const ec2 = client(sim, 'ec2');
  const vpcId = sim.addVpc({ cidr: '10.0.0.0/16' });
  const igwId = sim.addInternetGateway({ vpcId });
  const zone = `${region}a`;
  const publicSubnet = sim.addSubnet({ vpcId, cidr: '10.0.1.0/24', az: zone });
  const privateSubnet = sim.addSubnet({ vpcId, cidr: '10.0.2.0/24', az: zone });
  const publicTable = (await ec2('CreateRouteTable', { VpcId: vpcId })).RouteTable.RouteTableId as string;
  await ec2('AssociateRouteTable', { RouteTableId: publicTable, SubnetId: publicSubnet });
  await ec2('CreateRoute', {
    RouteTableId: publicTable,
    DestinationCidrBlock: '0.0.0.0/0',
    GatewayId: igwId,
  });
  const allocationId = (
    await ec2('AllocateAddress', { Domain: 'vpc', TagSpecifications: stackTag(stack, 'elastic-ip') })
  ).AllocationId as string;
  const natId = (
    await ec2('CreateNatGateway', {
      SubnetId: publicSubnet,
      AllocationId: allocationId,
      TagSpecifications: stackTag(stack, 'natgateway'),
    })
  ).NatGateway.NatGatewayId as string;
  const privateTable = (await ec2('CreateRouteTable', { VpcId: vpcId })).RouteTable.RouteTableId as string;
  await ec2('AssociateRouteTable', { RouteTableId: privateTable, SubnetId: privateSubnet });
  await ec2('CreateRoute', {
    RouteTableId: privateTable,
    DestinationCidrBlock: '0.0.0.0/0',
    NatGatewayId: natId,
  });
  return { sim, clock, ec2, region, stack, vpcId, zone, publicSubnet, privateSubnet, allocationId, natId };
}
