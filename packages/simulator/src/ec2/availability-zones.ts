/** The region's availability zones: what CreateSubnet accepts and DescribeAvailabilityZones lists. */
import type { AvailabilityZone } from '@aws-sdk/client-ec2';
import type { SimContext } from '../context.js';
import { ec2InvalidParameter } from '../errors.js';
import { applyFilters, type Ec2Filter } from '../filters.js';

const ZONE_LETTERS: Record<string, readonly string[]> = {
  // Tokyo has no 'b' zone for new accounts.
  'ap-northeast-1': ['a', 'c', 'd'],
  'us-east-1': ['a', 'b', 'c', 'd', 'e', 'f'],
};

/** AWS's zone ids for Tokyo, which differ from the letters; elsewhere az1, az2… in order. */
const KNOWN_ZONE_IDS: Record<string, string> = {
  'ap-northeast-1a': 'apne1-az4',
  'ap-northeast-1c': 'apne1-az1',
  'ap-northeast-1d': 'apne1-az2',
};

const DIRECTIONS: Record<string, string> = {
  north: 'n',
  south: 's',
  east: 'e',
  west: 'w',
  central: 'c',
  northeast: 'ne',
  northwest: 'nw',
  southeast: 'se',
  southwest: 'sw',
};

/** 'ap-northeast-1' -> 'apne1', as in AWS's zone ids. */
function regionAbbreviation(region: string): string {
  const [area = '', direction = '', number = ''] = region.split('-');
  return `${area}${DIRECTIONS[direction] ?? direction.slice(0, 1)}${number}`;
}

/**
 * Local Zones' network border groups (a few real ones): an Elastic IP allocated there is
 * advertised only from there, so a NAT gateway in one of the region's zones cannot use it.
 */
const LOCAL_ZONE_GROUPS: Record<string, readonly string[]> = {
  'ap-northeast-1': ['ap-northeast-1-tpe-1'],
  'us-east-1': ['us-east-1-bos-1', 'us-east-1-mia-1'],
  'us-west-2': ['us-west-2-lax-1'],
};

/** The network border groups AllocateAddress accepts in a region: its own, then its Local Zones'. */
export function borderGroups(region: string): string[] {
  return [region, ...(LOCAL_ZONE_GROUPS[region] ?? [])];
}

export function zoneNames(region: string): string[] {
  return (ZONE_LETTERS[region] ?? ['a', 'b', 'c']).map((letter) => `${region}${letter}`);
}

export function azIdOf(region: string, zoneName: string): string {
  const index = zoneNames(region).indexOf(zoneName);
  return KNOWN_ZONE_IDS[zoneName] ?? `${regionAbbreviation(region)}-az${index + 1}`;
}

export function zoneByIdOrName(
  region: string,
  name: string | undefined,
  id: string | undefined,
): string | undefined {
  return zoneNames(region).find((zone) => zone === name || azIdOf(region, zone) === id);
}

interface ZoneView {
  name: string;
  id: string;
  region: string;
  tags: Record<string, string>;
}

export const availabilityZoneOperations = {
  DescribeAvailabilityZones(
    ctx: SimContext,
    input: { ZoneNames?: string[]; ZoneIds?: string[]; Filters?: Ec2Filter[] },
  ): object {
    const region = ctx.state.region;
    let zones: ZoneView[] = zoneNames(region).map((name) => ({
      name,
      id: azIdOf(region, name),
      region,
      tags: {},
    }));
    for (const name of input.ZoneNames ?? []) {
      if (!zones.some((z) => z.name === name))
        throw ec2InvalidParameter(`The zone '${name}' does not exist.`);
    }
    for (const id of input.ZoneIds ?? []) {
      if (!zones.some((z) => z.id === id)) throw ec2InvalidParameter(`The zone id '${id}' does not exist.`);
    }
    if (input.ZoneNames?.length) zones = zones.filter((z) => input.ZoneNames?.includes(z.name));
    if (input.ZoneIds?.length) zones = zones.filter((z) => input.ZoneIds?.includes(z.id));
    zones = applyFilters(zones, input.Filters, {
      'zone-name': (z) => z.name,
      'zone-id': (z) => z.id,
      'region-name': (z) => z.region,
      state: () => 'available',
      'zone-type': () => 'availability-zone',
      'opt-in-status': () => 'opt-in-not-required',
      'group-name': (z) => z.region,
    });
    const AvailabilityZones: AvailabilityZone[] = zones.map((z) => ({
      ZoneName: z.name,
      ZoneId: z.id,
      RegionName: z.region,
      State: 'available',
      OptInStatus: 'opt-in-not-required',
      ZoneType: 'availability-zone',
      GroupName: z.region,
      NetworkBorderGroup: z.region,
      Messages: [],
    }));
    return { AvailabilityZones };
  },
};
