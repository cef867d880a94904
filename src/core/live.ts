import {
  type Address,
  type InternetGateway,
  type NatGateway,
  type RouteTable,
  type SecurityGroup,
  type Subnet,
  type Vpc,
} from '@aws-sdk/client-ec2';
import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import type { AwsPort } from '../aws/port.js';

/**
 * What exists in the stack's VPC right now, fetched in one batch of parallel Describe calls so
 * every step can find its resource (by state id, then by tags) without a call of its own.
 */
export interface Live {
  vpc: Vpc | undefined;
  subnets: Subnet[];
  routeTables: RouteTable[];
  internetGateways: InternetGateway[];
  securityGroups: SecurityGroup[];
  natGateways: NatGateway[];
  addresses: Address[];
  /** The stack's functions' current configurations (loaded by the commands that need them). */
  functions: FunctionConfiguration[];
}

export type LivePart = Exclude<keyof Live, 'functions'>;

export const ALL_PARTS: readonly LivePart[] = [
  'vpc',
  'subnets',
  'routeTables',
  'internetGateways',
  'securityGroups',
  'natGateways',
  'addresses',
];

export function emptyLive(): Live {
  return {
    vpc: undefined,
    subnets: [],
    routeTables: [],
    internetGateways: [],
    securityGroups: [],
    natGateways: [],
    addresses: [],
    functions: [],
  };
}

export async function loadLive(
  aws: AwsPort,
  vpcId: string | undefined,
  parts: readonly LivePart[] = ALL_PARTS,
): Promise<Live> {
  const live = emptyLive();
  const want = new Set(parts);
  const byVpc = vpcId ? [{ Name: 'vpc-id', Values: [vpcId] }] : undefined;
  const tasks: Promise<void>[] = [];
  if (vpcId && want.has('vpc')) {
    tasks.push(
      aws.ec2.DescribeVpcs({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }).then((out) => {
        live.vpc = out.Vpcs?.[0];
      }),
    );
  }
  if (byVpc && want.has('subnets')) {
    tasks.push(
      aws.ec2.DescribeSubnets({ Filters: byVpc }).then((out) => {
        live.subnets = out.Subnets ?? [];
      }),
    );
  }
  if (byVpc && want.has('routeTables')) {
    tasks.push(
      aws.ec2.DescribeRouteTables({ Filters: byVpc }).then((out) => {
        live.routeTables = out.RouteTables ?? [];
      }),
    );
  }
  if (want.has('internetGateways')) {
    // Unfiltered: a gateway fixed-ip created but had not yet attached is attached to no VPC.
    tasks.push(
      aws.ec2.DescribeInternetGateways({}).then((out) => {
        live.internetGateways = out.InternetGateways ?? [];
      }),
    );
  }
  if (byVpc && want.has('securityGroups')) {
    tasks.push(
      aws.ec2.DescribeSecurityGroups({ Filters: byVpc }).then((out) => {
        live.securityGroups = out.SecurityGroups ?? [];
      }),
    );
  }
  if (byVpc && want.has('natGateways')) {
    tasks.push(
      aws.ec2.DescribeNatGateways({ Filter: byVpc }).then((out) => {
        live.natGateways = out.NatGateways ?? [];
      }),
    );
  }
  if (want.has('addresses')) {
    // Unfiltered: an account has few (5 per region by default), and a kept or adopted one has no VPC.
    tasks.push(
      aws.ec2.DescribeAddresses({}).then((out) => {
        live.addresses = out.Addresses ?? [];
      }),
    );
  }
  await Promise.all(tasks);
  return live;
}

export function attachedGateway(live: Live, vpcId: string): InternetGateway | undefined {
  return live.internetGateways.find((igw) =>
    // AWS reports an attached gateway as 'available', although the SDK's type says 'attached'.
    igw.Attachments?.some((a) => a.VpcId === vpcId && ['available', 'attached'].includes(a.State ?? '')),
  );
}

export const activeNat = (nat: NatGateway): boolean => nat.State === 'pending' || nat.State === 'available';
