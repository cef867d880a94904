import type { Deps } from '../model/context.js';
import { stackCost } from '../engine/cost.js';
import { stackSubnetIds, stateFromWorld } from '../engine/discover.js';
import { listAllFunctions } from '../kinds/function-tags.js';
import { whoAmI } from '../engine/inputs.js';
import { allowlistRecords } from '../engine/recipe.js';
import { MANAGED_BY, TAG_MANAGED_BY, TAG_STACK, tagValue } from '../model/tags.js';
import { emptyWorld, type World } from '../model/world.js';

export interface ListOptions {
  region?: string | undefined;
  profile?: string | undefined;
}

export interface ListedStack {
  name: string;
  natMode: string;
  zones: string[];
  vpcId: string | null;
  elasticIps: string[];
  functions: string[];
  monthlyCostUsd: number;
}

export interface ListReport {
  region: string;
  accountId: string;
  stacks: ListedStack[];
}

/**
 * `fixed-ip list`: the stacks in the account and region, found by their tags (no state file
 * needed), each with its IPs, NAT mode, zones, functions and monthly cost. Read-only.
 */
export async function list(options: ListOptions, deps: Deps): Promise<ListReport> {
  const aws = await deps.connect(options.region);
  const identity = await whoAmI(aws);
  const Filters = [{ Name: 'tag-key', Values: [TAG_STACK] }];
  const [vpcs, subnets, tables, groups, nats, addresses, gateways, functions] = await Promise.all([
    aws.ec2.DescribeVpcs({ Filters }),
    aws.ec2.DescribeSubnets({ Filters }),
    aws.ec2.DescribeRouteTables({ Filters }),
    aws.ec2.DescribeSecurityGroups({ Filters }),
    aws.ec2.DescribeNatGateways({ Filter: Filters }),
    aws.ec2.DescribeAddresses({ Filters }),
    aws.ec2.DescribeInternetGateways({ Filters }),
    // A stack's functions are the ones in its private subnets.
    listAllFunctions(aws),
  ]);
  const world: World = {
    ...emptyWorld(),
    vpcs: vpcs.Vpcs ?? [],
    subnets: subnets.Subnets ?? [],
    routeTables: tables.RouteTables ?? [],
    securityGroups: groups.SecurityGroups ?? [],
    natGateways: nats.NatGateways ?? [],
    addresses: addresses.Addresses ?? [],
    internetGateways: gateways.InternetGateways ?? [],
  };
  const names = new Set<string>();
  for (const item of [...world.subnets, ...world.addresses, ...world.natGateways, ...world.vpcs]) {
    const stack = tagValue(item.Tags, TAG_STACK);
    if (stack && tagValue(item.Tags, TAG_MANAGED_BY) === MANAGED_BY) names.add(stack);
  }
  const stacks: ListedStack[] = [];
  for (const name of [...names].sort()) {
    const subnetIds = stackSubnetIds(world, name);
    const inStack = functions.filter((f) => (f.VpcConfig?.SubnetIds ?? []).some((id) => subnetIds.has(id)));
    const state = stateFromWorld(
      world,
      name,
      aws.region,
      identity.accountId,
      inStack.map((config) => ({ config })),
    );
    if (!state) continue;
    stacks.push({
      name,
      natMode: state.shape.nat,
      zones: state.shape.zones,
      vpcId: state.resources.vpc?.id ?? null,
      elasticIps: allowlistRecords(state).map((r) => r.publicIp),
      functions: Object.keys(state.functions).sort(),
      monthlyCostUsd: stackCost(aws.region, state).monthlyUsd,
    });
  }
  const report: ListReport = { region: aws.region, accountId: identity.accountId, stacks };
  for (const stack of stacks) {
    deps.ui.result(
      `${stack.name}  ${stack.natMode}  ${stack.zones.join(',') || '-'}  ${stack.elasticIps.join(',') || '(no IP)'}  ${stack.functions.join(',') || '(no function)'}  about ${stack.monthlyCostUsd.toFixed(2)} USD/month`,
    );
  }
  if (stacks.length === 0)
    deps.ui.result(`No fixed-ip stack in account ${identity.accountId}, ${aws.region}`);
  return report;
}
