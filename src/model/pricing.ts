/**
 * What the NAT gateway and its Elastic IP cost, so setup can say it before creating anything.
 * Figures from shared/aws-facts.md; re-check them against the AWS VPC pricing page when they change.
 */

export const HOURS_PER_MONTH = 730;

/** Every public IPv4 address, the EIP included, in use or idle (since 2024-02-01). */
export const IPV4_HOURLY_USD = 0.005;

export interface NatPrice {
  hourly: number;
  perGb: number;
}

const US_EAST_1: NatPrice = { hourly: 0.045, perGb: 0.045 };

/** Unknown regions are quoted at this region's prices, flagged as approximate. */
export const FALLBACK_PRICE_REGION = 'us-east-1';

/** NAT gateway USD per hour and per GB processed (equal in these regions). */
export const NAT_PRICES: Readonly<Partial<Record<string, NatPrice>>> = {
  'us-east-1': US_EAST_1,
  'us-west-2': { hourly: 0.045, perGb: 0.045 },
  'eu-west-1': { hourly: 0.048, perGb: 0.048 },
  // The per-GB figure for Frankfurt is still to be confirmed against the pricing page.
  'eu-central-1': { hourly: 0.052, perGb: 0.052 },
  'ap-northeast-1': { hourly: 0.062, perGb: 0.062 },
  'ap-southeast-1': { hourly: 0.059, perGb: 0.059 },
};

export interface MonthlyCost {
  region: string;
  natHourly: number;
  ipv4Hourly: number;
  perGb: number;
  /** (NAT + public IPv4) per hour x 730, rounded to cents, before traffic. */
  monthlyUsd: number;
  /** An Elastic IP kept after teardown still pays the public IPv4 charge. */
  idleEipMonthlyUsd: number;
  /** True when the region is not in the table and us-east-1 prices stand in. */
  approximate: boolean;
}

/** Rounds to cents, so 0.067 x 730 reads 48.91 and not 48.910000000000004. */
function cents(usd: number): number {
  return Math.round(usd * 100) / 100;
}

/** A NAT gateway's hourly price in a region (us-east-1's where the region is not in the table). */
export function natHourlyUsd(region: string): number {
  return (NAT_PRICES[region] ?? US_EAST_1).hourly;
}

export function monthlyCost(region: string): MonthlyCost {
  const known = NAT_PRICES[region];
  const nat = known ?? US_EAST_1;
  return {
    region,
    natHourly: nat.hourly,
    ipv4Hourly: IPV4_HOURLY_USD,
    perGb: nat.perGb,
    monthlyUsd: cents((nat.hourly + IPV4_HOURLY_USD) * HOURS_PER_MONTH),
    idleEipMonthlyUsd: cents(IPV4_HOURLY_USD * HOURS_PER_MONTH),
    approximate: known === undefined,
  };
}

/** One line, e.g. "about 48.91 USD a month in ap-northeast-1 (NAT gateway 0.062/h + …), plus …". */
export function formatCost(cost: MonthlyCost): string {
  const line =
    `about ${cost.monthlyUsd.toFixed(2)} USD a month in ${cost.region} ` +
    `(NAT gateway ${cost.natHourly}/h + public IPv4 ${cost.ipv4Hourly}/h), ` +
    `plus ${cost.perGb} USD per GB processed`;
  return cost.approximate ? `${line} (approximate: prices for ${FALLBACK_PRICE_REGION})` : line;
}

/**
 * AWS bills data in GB of 2^30 bytes (a GiB, though its price pages say GB): the NAT's processed
 * bytes are divided by this before the per-GB price applies.
 */
export const BYTES_PER_BILLED_GB = 2 ** 30;

/** Traffic between zones of a region: about 0.01 USD per GB in each direction. */
export const CROSS_ZONE_PER_GB_EACH_WAY = 0.01;

/**
 * Cost Explorer's region code that prefixes a usage type (`APN1-NatGateway-Hours`); us-east-1's
 * NAT and public IPv4 usage types carry none (`NatGateway-Hours`), though AWS's table of codes lists
 * USE1 for it, so both spellings are asked for there. A wrong spelling matches nothing, silently.
 */
const USAGE_PREFIX: Readonly<Partial<Record<string, string>>> = {
  'us-east-1': '',
  'us-east-2': 'USE2-',
  'us-west-1': 'USW1-',
  'us-west-2': 'USW2-',
  'ca-central-1': 'CAN1-',
  'eu-west-1': 'EU-',
  'eu-west-2': 'EUW2-',
  'eu-west-3': 'EUW3-',
  'eu-central-1': 'EUC1-',
  'eu-north-1': 'EUN1-',
  'ap-northeast-1': 'APN1-',
  'ap-northeast-2': 'APN2-',
  'ap-northeast-3': 'APN3-',
  'ap-southeast-1': 'APS1-',
  'ap-southeast-2': 'APS2-',
  'ap-south-1': 'APS3-',
  'sa-east-1': 'SAE1-',
};

/** Whether fixed-ip knows the region's usage type prefix (else `cost --actual` cannot filter by it). */
export const knowsUsagePrefix = (region: string): boolean => USAGE_PREFIX[region] !== undefined;

/** A usage type in every spelling the region's bills use: `usageTypes('ap-northeast-1', 'NatGateway-Hours')`. */
export function usageTypes(region: string, suffix: string): string[] {
  const prefix = USAGE_PREFIX[region];
  if (prefix === undefined) return [];
  return region === 'us-east-1' ? [suffix, `USE1-${suffix}`] : [`${prefix}${suffix}`];
}
