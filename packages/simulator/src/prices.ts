/**
 * The simulator's price list and AWS's usage type names, for the bill it keeps (billing.ts). The
 * figures are the ones fixed-ip quotes (its src/model/pricing.ts and src/kinds/nat-instance.ts),
 * copied here because the simulator never imports the CLI: a region missing from a table is billed
 * at us-east-1's figure, as fixed-ip quotes it.
 */

const FALLBACK_REGION = 'us-east-1';

/** NAT gateway USD per hour, and per GB processed (equal in these regions); a regional one, per zone. */
const NAT_HOURLY: Readonly<Record<string, number>> = {
  'us-east-1': 0.045,
  'us-west-2': 0.045,
  'eu-west-1': 0.048,
  'eu-central-1': 0.052,
  'ap-northeast-1': 0.062,
  'ap-southeast-1': 0.059,
};

/** Every public IPv4 address, in use or idle (since 2024-02-01). */
const IPV4_HOURLY = 0.005;

/** On-demand Linux instances, USD per hour. */
const INSTANCE_HOURLY: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  'us-east-1': { 't4g.nano': 0.0042, 't4g.micro': 0.0084, 't3.nano': 0.0052, 't3.micro': 0.0104 },
  'us-west-2': { 't4g.nano': 0.0042, 't4g.micro': 0.0084, 't3.nano': 0.0052, 't3.micro': 0.0104 },
  'eu-west-1': { 't4g.nano': 0.0046, 't4g.micro': 0.0092, 't3.nano': 0.0057, 't3.micro': 0.0114 },
  'eu-central-1': { 't4g.nano': 0.0048, 't4g.micro': 0.0096, 't3.nano': 0.006, 't3.micro': 0.012 },
  'ap-northeast-1': { 't4g.nano': 0.0054, 't4g.micro': 0.0108, 't3.nano': 0.0068, 't3.micro': 0.0136 },
  'ap-southeast-1': { 't4g.nano': 0.0053, 't4g.micro': 0.0106, 't3.nano': 0.0066, 't3.micro': 0.0132 },
};
const DEFAULT_INSTANCE_HOURLY = 0.0042;

/** gp3 storage, USD per GB-month. */
const GP3_GB_MONTH: Readonly<Record<string, number>> = {
  'us-east-1': 0.08,
  'us-west-2': 0.08,
  'eu-west-1': 0.088,
  'eu-central-1': 0.0952,
  'ap-northeast-1': 0.096,
  'ap-southeast-1': 0.096,
};

/**
 * The region code that prefixes a usage type in Cost Explorer (`APN1-NatGateway-Hours`); us-east-1's
 * carry none (`NatGateway-Hours`).
 */
const USAGE_PREFIX: Readonly<Record<string, string>> = {
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

/**
 * The usage type as the bill spells it in the region: `usageType('ap-northeast-1', 'NatGateway-Hours')`.
 * A region missing from the table gets its name as the code (made up: AWS's code for it is not known here).
 */
export function usageType(region: string, usage: string): string {
  return `${USAGE_PREFIX[region] ?? `${region.toUpperCase()}-`}${usage}`;
}

/** The unit Cost Explorer gives a usage type's quantity. */
export function usageUnit(usage: string): 'Hrs' | 'GB' | 'GB-Mo' {
  if (usage.endsWith('-Bytes')) return 'GB';
  if (usage.startsWith('EBS:')) return 'GB-Mo';
  return 'Hrs';
}

/** The service Cost Explorer files a usage type under (its SERVICE dimension). */
export function serviceOf(usage: string): string {
  if (usage.startsWith('BoxUsage:')) return 'Amazon Elastic Compute Cloud - Compute';
  if (usage.startsWith('PublicIPv4:')) return 'Amazon Virtual Private Cloud';
  return 'EC2 - Other';
}

/** USD per unit of the usage type (per hour, per GB, per GB-month) in the region. */
export function unitPrice(region: string, usage: string): number {
  if (usage.startsWith('BoxUsage:')) {
    const type = usage.slice('BoxUsage:'.length);
    return (
      INSTANCE_HOURLY[region]?.[type] ?? INSTANCE_HOURLY[FALLBACK_REGION]?.[type] ?? DEFAULT_INSTANCE_HOURLY
    );
  }
  if (usage.startsWith('PublicIPv4:')) return IPV4_HOURLY;
  if (usage.startsWith('EBS:')) return GP3_GB_MONTH[region] ?? GP3_GB_MONTH[FALLBACK_REGION] ?? 0.08;
  // NAT gateways, zonal or regional: per hour and per GB alike.
  return NAT_HOURLY[region] ?? NAT_HOURLY[FALLBACK_REGION] ?? 0.045;
}
