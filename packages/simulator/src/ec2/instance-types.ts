/**
 * The instance types the simulator knows, their architecture, and where they are offered: as in
 * AWS, not every zone offers every type. Here the region's last zone lacks the Graviton (t4g)
 * types, as some older zones do (us-east-1e is the usual example).
 */
import type { SimContext } from '../context.js';
import { ec2InvalidParameter } from '../errors.js';
import { applyFilters, type Ec2Filter } from '../filters.js';
import { azIdOf, zoneNames } from './availability-zones.js';
import type { Architecture } from './images.js';

export const INSTANCE_TYPES: Readonly<Record<string, Architecture>> = {
  't4g.nano': 'arm64',
  't4g.micro': 'arm64',
  't4g.small': 'arm64',
  'c7g.medium': 'arm64',
  't3.nano': 'x86_64',
  't3.micro': 'x86_64',
  't3.small': 'x86_64',
  't3a.nano': 'x86_64',
  't3a.micro': 'x86_64',
};

/**
 * Network interfaces per instance (EC2 user guide, "Maximum IP addresses per network interface"):
 * the nano and micro burstable types take 2, small ones 3.
 */
const INTERFACE_LIMITS: Readonly<Record<string, number>> = {
  't4g.nano': 2,
  't4g.micro': 2,
  't4g.small': 3,
  'c7g.medium': 2,
  't3.nano': 2,
  't3.micro': 2,
  't3.small': 3,
  't3a.nano': 2,
  't3a.micro': 2,
};

export function interfaceLimitOf(instanceType: string): number {
  return INTERFACE_LIMITS[instanceType] ?? 2;
}

export function architectureOf(instanceType: string | undefined): Architecture {
  const architecture = instanceType === undefined ? undefined : INSTANCE_TYPES[instanceType];
  if (architecture === undefined)
    throw ec2InvalidParameter(`Invalid value '${String(instanceType)}' for InstanceType.`);
  return architecture;
}

/** Whether the zone offers the type: the region's last zone has no Graviton burstable types. */
export function zoneOffers(region: string, zone: string, instanceType: string): boolean {
  const lastZone = zoneNames(region).at(-1);
  return !(zone === lastZone && instanceType.startsWith('t4g.'));
}

interface Offering {
  type: string;
  location: string;
  tags: Record<string, string>;
}

export const instanceTypeOperations = {
  DescribeInstanceTypeOfferings(
    ctx: SimContext,
    input: { LocationType?: string; Filters?: Ec2Filter[] },
  ): object {
    const region = ctx.state.region;
    const locationType = input.LocationType ?? 'region';
    let offerings: Offering[];
    if (locationType === 'region') {
      offerings = Object.keys(INSTANCE_TYPES).map((type) => ({ type, location: region, tags: {} }));
    } else if (locationType === 'availability-zone' || locationType === 'availability-zone-id') {
      offerings = zoneNames(region).flatMap((zone) =>
        Object.keys(INSTANCE_TYPES)
          .filter((type) => zoneOffers(region, zone, type))
          .map((type) => ({
            type,
            location: locationType === 'availability-zone' ? zone : azIdOf(region, zone),
            tags: {},
          })),
      );
    } else {
      throw ec2InvalidParameter(`Value (${locationType}) for parameter locationType is invalid.`);
    }
    offerings = applyFilters(offerings, input.Filters, {
      'instance-type': (o) => o.type,
      location: (o) => o.location,
    });
    return {
      InstanceTypeOfferings: offerings.map((o) => ({
        InstanceType: o.type,
        LocationType: locationType,
        Location: o.location,
      })),
    };
  },
};
