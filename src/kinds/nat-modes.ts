import { monthlyCost, natHourlyUsd } from '../model/pricing.js';
import type { NatModeName, Shape } from '../state/schema.js';
import type { Identity, KindName } from '../model/kind.js';
import type { ResourceRecord } from '../state/identity.js';

/**
 * How the fixed IP is served. Like AWS CDK's NAT providers, every mode answers the same two
 * questions: which NAT resources to make for these zones, and where each zone's private subnet
 * routes. Nothing else in fixed-ip asks which mode a stack has.
 */
export interface NatMode {
  readonly name: NatModeName;
  readonly title: string;
  /** Zones that get a public subnet and a public route table. */
  publicZones(zones: readonly string[]): string[];
  /** Zones that get an Elastic IP (one IP to allowlist each). */
  addressZones(zones: readonly string[]): string[];
  /** The NAT resources and what each waits for (the shape: a mode's own settings, such as --ha). */
  nats(zones: readonly string[], shape?: Shape): Array<{ id: Identity; after: Identity[] }>;
  /** The NAT the private subnet in `zone` routes 0.0.0.0/0 to. */
  target(zones: readonly string[], zone: string): Identity;
  /**
   * What a private route waits for before it points at the target (default: the target): a NAT
   * instance's interface is ready only once the instance on it runs.
   */
  routeAfter?(zones: readonly string[], zone: string, shape?: Shape): Identity[];
  /** USD per GB the NAT itself charges for processing (a NAT gateway's; an instance charges none). */
  processingPerGb(region: string): number;
  /** What the cost line adds for this mode: what it is compared with, and what it trades. */
  costNote?(region: string, shape?: Shape): string;
  /** Whether egress survives the loss of one zone. */
  readonly survivesZoneOutage: boolean;
  /**
   * A stack of this mode, recognised from the records found by their tags (the mode owns its
   * kinds): the zones of its NATs and the instance type it keeps; undefined when they are not this
   * mode's. Asked in RECOGNITION_ORDER, the most particular mode first.
   */
  fromRecords(
    records: readonly ResourceRecord[],
  ): { natZones: string[]; natInstanceType?: string } | undefined;
}

const zonesOf = (records: readonly ResourceRecord[], kind: KindName): string[] =>
  [...new Set(records.filter((r) => r.kind === kind).map((r) => r.zone ?? ''))].filter(Boolean).sort();

/** The zones of every zonal NAT found (a stack caught between two modes has both kinds). */
const zonalNats = (records: readonly ResourceRecord[]): string[] => [
  ...zonesOf(records, 'natGateway'),
  ...zonesOf(records, 'natInterface'),
];

const first = (zones: readonly string[]): string[] => zones.slice(0, 1);

/** `--ha`: the NAT instance runs in an Auto Scaling group of one (src/kinds/nat-group.ts). */
export const highlyAvailable = (shape: Shape | undefined): boolean => shape?.inputs?.ha === true;

export const NAT_MODE: Readonly<Record<NatModeName, NatMode>> = {
  gateway: {
    name: 'gateway',
    title: 'one NAT gateway in the first zone',
    publicZones: first,
    addressZones: first,
    nats: (zones) =>
      first(zones).map((zone) => ({
        id: { kind: 'natGateway', zone },
        after: [
          { kind: 'publicSubnet', zone },
          // A NAT gateway serves only once its subnet routes to the internet (the article's step 3).
          { kind: 'publicRouteTable', zone },
          { kind: 'elasticIp', zone },
          { kind: 'internetGateway' },
        ],
      })),
    target: (zones) => ({ kind: 'natGateway', zone: zones[0] }),
    processingPerGb: natHourlyUsd,
    survivesZoneOutage: false,
    // The mode of a stack with one NAT gateway, or none left.
    fromRecords: (records) => ({ natZones: zonesOf(records, 'natGateway') }),
  },
  'gateway-per-az': {
    name: 'gateway-per-az',
    title: 'a NAT gateway in every zone',
    publicZones: (zones) => [...zones],
    addressZones: (zones) => [...zones],
    nats: (zones) =>
      zones.map((zone) => ({
        id: { kind: 'natGateway', zone },
        after: [
          { kind: 'publicSubnet', zone },
          // A NAT gateway serves only once its subnet routes to the internet (the article's step 3).
          { kind: 'publicRouteTable', zone },
          { kind: 'elasticIp', zone },
          { kind: 'internetGateway' },
        ],
      })),
    target: (_zones, zone) => ({ kind: 'natGateway', zone }),
    processingPerGb: natHourlyUsd,
    survivesZoneOutage: true,
    fromRecords: (records) => {
      const natZones = zonesOf(records, 'natGateway');
      return natZones.length > 1 ? { natZones } : undefined;
    },
  },
  regional: {
    name: 'regional',
    title: 'one regional NAT gateway with an Elastic IP per zone',
    publicZones: () => [],
    addressZones: (zones) => [...zones],
    nats: (zones) => [
      {
        id: { kind: 'regionalNatGateway' },
        after: [...zones.map((zone) => ({ kind: 'elasticIp' as const, zone })), { kind: 'internetGateway' }],
      },
    ],
    target: () => ({ kind: 'regionalNatGateway' }),
    processingPerGb: natHourlyUsd,
    survivesZoneOutage: true,
    fromRecords: (records) =>
      records.some((r) => r.kind === 'regionalNatGateway') ? { natZones: zonalNats(records) } : undefined,
  },
  instance: {
    name: 'instance',
    title: 'one NAT instance in the first zone',
    publicZones: first,
    addressZones: first,
    nats: (zones, shape) => {
      const [zone] = first(zones);
      const base = [
        {
          id: { kind: 'natSecurityGroup' as const },
          after: zones.map((z) => ({ kind: 'privateSubnet' as const, zone: z })),
        },
        {
          id: { kind: 'natInterface' as const, zone },
          after: [
            { kind: 'publicSubnet' as const, zone },
            { kind: 'publicRouteTable' as const, zone },
            { kind: 'natSecurityGroup' as const },
            { kind: 'elasticIp' as const, zone },
            { kind: 'internetGateway' as const },
          ],
        },
        { id: { kind: 'natRole' as const }, after: [] },
      ];
      // --ha: a launch template and an Auto Scaling group of one, whose instance takes the
      // interface itself; else one instance fixed-ip launches and gives the interface.
      if (highlyAvailable(shape))
        return [
          ...base,
          {
            id: { kind: 'natLaunchTemplate', zone },
            after: [{ kind: 'natInterface', zone }, { kind: 'natRole' }],
          },
          {
            id: { kind: 'natGroup', zone },
            after: [
              { kind: 'natLaunchTemplate', zone },
              { kind: 'natInterface', zone },
            ],
          },
        ];
      return [
        ...base,
        { id: { kind: 'natInstance', zone }, after: [{ kind: 'natInterface', zone }, { kind: 'natRole' }] },
      ];
    },
    target: (zones) => ({ kind: 'natInterface', zone: zones[0] }),
    routeAfter: (zones, _zone, shape) => [
      { kind: highlyAvailable(shape) ? 'natGroup' : 'natInstance', zone: zones[0] },
    ],
    processingPerGb: () => 0,
    costNote: (region, shape) =>
      `a NAT gateway here costs about ${monthlyCost(region).monthlyUsd.toFixed(2)} USD a month plus ${natHourlyUsd(region)} USD per GB. ` +
      `The trade: a small instance has a low baseline bandwidth and bursts; it is one instance, so egress stops when it fails ${highlyAvailable(shape) ? 'until its group has replaced it (a few minutes, same IP, no command)' : 'until setup runs again (--ha replaces it without a command)'}, and a planned replacement pauses it for seconds; and its OS is yours to patch (setup --replace-nat-instance)`,
    survivesZoneOutage: false,
    fromRecords: (records) => {
      const kinds: readonly KindName[] = [
        'natInterface',
        'natInstance',
        'natRole',
        'natLaunchTemplate',
        'natGroup',
      ];
      if (!records.some((r) => kinds.includes(r.kind))) return undefined;
      // The type of the instance fixed-ip launched, or of the group's template (--ha).
      const type = records.find(
        (r) => r.kind === 'natInstance' || r.kind === 'natLaunchTemplate',
      )?.instanceType;
      return { natZones: zonalNats(records), ...(type ? { natInstanceType: type } : {}) };
    },
  },
};

/** The order discovery asks the modes to recognise a stack: the most particular first. */
export const RECOGNITION_ORDER: readonly NatModeName[] = [
  'regional',
  'instance',
  'gateway-per-az',
  'gateway',
];
