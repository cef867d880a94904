import type { NatModeName } from '../state/schema.js';
import type { Deps } from '../model/context.js';
import { standingMonthlyUsd } from '../engine/cost.js';
import { spendSoFar } from '../engine/spend.js';
import { stackSubnetIds, stateFromWorld } from '../engine/discover.js';
import { listAllFunctions } from '../kinds/function-tags.js';
import { parkedIps } from '../kinds/elastic-ip.js';
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
  natMode: NatModeName;
  zones: string[];
  vpcId: string | null;
  elasticIps: string[];
  functions: string[];
  monthlyCostUsd: number;
  /** What its live resources have cost since they began (hours at list prices; no traffic); null when unknown. */
  costSoFarUsd: number | null;
  /** Only its kept Elastic IPs are left (teardown --keep-eip): `elasticIps` are those. */
  parked: boolean;
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
    loaded: new Set([
      'vpcs',
      'subnets',
      'routeTables',
      'securityGroups',
      'natGateways',
      'addresses',
      'internetGateways',
    ]),
  };
  const names = new Set<string>();
  for (const item of [...world.subnets, ...world.addresses, ...world.natGateways, ...world.vpcs]) {
    const stack = tagValue(item.Tags, TAG_STACK);
    if (stack && tagValue(item.Tags, TAG_MANAGED_BY) === MANAGED_BY) names.add(stack);
  }
  const stacks: ListedStack[] = [];
  for (const name of [...names].sort()) {
    // What a stack of this name handed over (fixed-ip forget) is not fixed-ip's: never listed.
    const tombstone = await deps.openStore(name, undefined).readTombstone();
    const forgotten = new Set(tombstone?.resources.map((r) => r.id));
    const subnetIds = stackSubnetIds(world, name);
    const inStack = functions.filter((f) => (f.VpcConfig?.SubnetIds ?? []).some((id) => subnetIds.has(id)));
    const state = stateFromWorld(
      world,
      name,
      aws.region,
      identity.accountId,
      inStack.map((config) => ({ config })),
      forgotten,
    );
    if (!state) continue;
    const kept = parkedIps(state);
    const parked = kept !== undefined;
    const soFar = spendSoFar(aws.region, state, world, new Date(deps.clock.now()));
    stacks.push({
      name,
      natMode: state.shape.nat,
      zones: state.shape.zones,
      vpcId: state.resources.vpc?.id ?? null,
      elasticIps: kept ?? allowlistRecords(state).map((r) => r.publicIp),
      functions: Object.keys(state.functions).sort(),
      monthlyCostUsd: standingMonthlyUsd(aws.region, state),
      costSoFarUsd: soFar.startKnown ? soFar.usd : null,
      parked,
    });
  }
  const report: ListReport = { region: aws.region, accountId: identity.accountId, stacks };
  if (stacks.length > 0) for (const line of table(stacks)) deps.ui.result(line);
  if (stacks.length === 0)
    deps.ui.result(`No fixed-ip stack in account ${identity.accountId}, ${aws.region}`);
  return report;
}

/** The stacks as a table: a header, and columns as wide as their widest cell. */
function table(stacks: readonly ListedStack[]): string[] {
  const rows = [
    ['NAME', 'NAT MODE', 'ZONES', 'IPS', 'FUNCTIONS', 'USD/MONTH', 'USD SO FAR'],
    ...stacks.map((stack) => [
      stack.name,
      stack.parked ? `parked (${stack.natMode})` : stack.natMode,
      stack.parked ? '-' : stack.zones.join(',') || '-',
      stack.elasticIps.join(',') || '(none)',
      stack.functions.join(',') || '(none)',
      `about ${stack.monthlyCostUsd.toFixed(2)}`,
      stack.costSoFarUsd === null ? '-' : `about ${stack.costSoFarUsd.toFixed(2)}`,
    ]),
  ];
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}
