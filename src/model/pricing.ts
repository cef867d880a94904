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
