/**
 * The account's bill, derived from what happened in it. A meter looks at the account on every call
 * (before and after it, and before anything is pruned) and keeps one ledger line per stretch of
 * billed usage: a NAT gateway's hours from creation to deletion (a regional one's per zone it
 * covers), every public IPv4 address's hours (an Elastic IP in use or idle, a NAT instance's
 * Amazon-owned address), an instance's running hours and its root volume's GB-months. A stretch
 * that ends on a deadline (a NAT gateway `deleting` until a time) ends then, however late the
 * meter sees it. NAT gateway processing is billed from the gateway's CloudWatch metrics
 * (`BytesInFromSource` + `BytesInFromDestination`, in GB of 2^30 bytes).
 *
 * Each line carries its resource's tags as last seen. A user tag key groups and filters costs only
 * once it is activated as a cost allocation tag, and only for usage from then on.
 */
import type { SimContext } from './context.js';
import { recordsOf } from './describe.js';
import { holdingNatGateway } from './ec2/addresses.js';
import { instanceState, natState, regionalAddressIsHeld } from './lifecycle.js';
import { seriesOf } from './metrics.js';
import type { AccountState, NatGatewayRecord, Tags } from './model.js';
import { serviceOf, unitPrice, usageType, usageUnit } from './prices.js';

export interface UsageLine {
  /** The billed thing: a NAT gateway, an Elastic IP's allocation, an instance, a volume. */
  resourceId: string;
  /** AWS's usage type without the region's prefix (`NatGateway-Hours`). */
  usage: string;
  region: string;
  /** A regional NAT gateway's zone (it bills per zone). */
  zone?: string;
  start: number;
  /** null while the usage goes on. */
  end: number | null;
  /** When it ends if nothing else happens (a gateway being deleted). */
  until?: number;
  tags: Tags;
  /** Storage billed per GB-month. */
  sizeGb?: number;
}

export interface BillingRecord {
  lines: UsageLine[];
  /** Cost allocation tags activated in the account: key -> when (ms). */
  activeTags: Record<string, number>;
}

// The account keeps its bill here (absent until something is billed).
declare module './model.js' {
  interface AccountState {
    billing?: BillingRecord;
  }
}

const HOUR_MS = 3_600_000;
const GB = 2 ** 30;

type Billable = Omit<UsageLine, 'start' | 'end' | 'region'> & { since?: number };

const keyOf = (line: { resourceId: string; usage: string; zone?: string | undefined }): string =>
  `${line.resourceId}|${line.usage}|${line.zone ?? ''}`;
/** Usage types that follow one another on one resource (an address idle, then in use). */
const familyOf = (usage: string): string => (usage.startsWith('PublicIPv4:') ? 'PublicIPv4' : usage);
const optional = (value: number | null | undefined): { until?: number } =>
  value === null || value === undefined ? {} : { until: value };

function natBillables(ctx: SimContext, nat: NatGatewayRecord): Billable[] {
  const state = natState(nat, ctx.now);
  // A gateway that fails is not billed; a deleted one no longer.
  if (nat.failure !== null || state === 'deleted' || state === 'failed') return [];
  if (!nat.regional)
    return [
      {
        resourceId: nat.id,
        usage: 'NatGateway-Hours',
        since: nat.createdAt,
        ...optional(nat.deletingUntil),
        tags: nat.tags,
      },
    ];
  const held = nat.regional.addresses.filter((a) => regionalAddressIsHeld(a, ctx.now));
  const zones = [...new Set(held.map((a) => a.az))].sort();
  const lines: Billable[] = zones.map((zone) => {
    const inZone = held.filter((a) => a.az === zone);
    // Draining addresses only: the zone is left when the last drain ends.
    const drained = inZone.every((a) => a.drainUntil !== null)
      ? Math.max(...inZone.map((a) => a.drainUntil ?? 0))
      : undefined;
    const ends = [drained, nat.deletingUntil ?? undefined].filter((t): t is number => t !== undefined);
    return {
      resourceId: nat.id,
      usage: 'RegionalNatGateway-Hours',
      zone,
      ...optional(ends.length > 0 ? Math.min(...ends) : undefined),
      tags: nat.tags,
    };
  });
  // The addresses AWS picked itself (automatic mode) are public IPv4 addresses too.
  for (const address of held)
    if (address.allocationId === null)
      lines.push({
        resourceId: address.publicIp,
        usage: 'PublicIPv4:InUseAddress',
        ...optional(address.drainUntil ?? nat.deletingUntil),
        tags: nat.tags,
      });
  return lines;
}

/** What the account is billed for right now, with when it began and will end where that is known. */
function billablesNow(ctx: SimContext): Billable[] {
  const { state } = ctx;
  const billables = recordsOf(state.natGateways).flatMap((nat) => natBillables(ctx, nat));
  for (const address of recordsOf(state.addresses)) {
    const nat = holdingNatGateway(ctx, address.id);
    const drain = nat?.regional?.addresses.find((a) => a.allocationId === address.id)?.drainUntil;
    billables.push(
      address.externalAssociation !== null || nat !== undefined
        ? {
            resourceId: address.id,
            usage: 'PublicIPv4:InUseAddress',
            ...(nat && !nat.regional ? { since: nat.createdAt } : {}),
            ...optional(drain ?? nat?.deletingUntil),
            tags: address.tags,
          }
        : {
            resourceId: address.id,
            usage: 'PublicIPv4:IdleAddress',
            since: address.createdAt,
            tags: address.tags,
          },
    );
  }
  for (const instance of recordsOf(state.instances)) {
    const phase = instanceState(instance, ctx.now);
    if (phase === 'running')
      billables.push({
        resourceId: instance.id,
        usage: `BoxUsage:${instance.instanceType}`,
        ...(instance.phase.settles === 'running' ? { since: instance.phase.until } : {}),
        tags: instance.tags,
      });
    const elasticIp = recordsOf(state.addresses).some(
      (a) => a.externalAssociation?.networkInterfaceId === instance.primaryEniId,
    );
    if ((phase === 'pending' || phase === 'running') && instance.publicIp && !elasticIp)
      billables.push({
        resourceId: instance.id,
        usage: 'PublicIPv4:InUseAddress',
        since: instance.launchedAt,
        tags: instance.tags,
      });
    if (phase !== 'shutting-down' && phase !== 'terminated')
      billables.push({
        resourceId: instance.volume.id,
        usage: 'EBS:VolumeUsage.gp3',
        since: instance.createdAt,
        tags: instance.volume.tags,
        sizeGb: instance.volume.sizeGiB,
      });
  }
  return billables;
}

/**
 * Brings the ledger up to now: closes the lines of usage that stopped (at its deadline, when it
 * had one) and opens lines for usage that began (when it began, where the account says so).
 */
export function meterUsage(ctx: SimContext): void {
  const billables = billablesNow(ctx);
  const { state } = ctx;
  if (billables.length === 0 && state.billing === undefined) return;
  const billing = (state.billing ??= { lines: [], activeTags: {} });
  const wanted = new Map(billables.map((b) => [keyOf(b), b]));
  const open = new Set<string>();
  for (const line of billing.lines) {
    if (line.end !== null) continue;
    const now = wanted.get(keyOf(line));
    if (now) {
      open.add(keyOf(line));
      line.tags = { ...now.tags };
      if (now.until === undefined) delete line.until;
      else line.until = now.until;
      continue;
    }
    line.end = Math.max(line.start, Math.min(ctx.now, line.until ?? ctx.now));
  }
  for (const billable of billables) {
    const key = keyOf(billable);
    if (open.has(key)) continue;
    // After the stretch of the same resource that just ended (an address idle once its gateway is deleted).
    const ended = billing.lines
      .filter((l) => l.resourceId === billable.resourceId && familyOf(l.usage) === familyOf(billable.usage))
      .map((l) => l.end ?? 0);
    const from = [billable.since, ...ended].filter((t): t is number => t !== undefined);
    billing.lines.push({
      resourceId: billable.resourceId,
      usage: billable.usage,
      ...(billable.zone === undefined ? {} : { zone: billable.zone }),
      ...optional(billable.until),
      ...(billable.sizeGb === undefined ? {} : { sizeGb: billable.sizeGb }),
      tags: { ...billable.tags },
      region: state.region,
      start: from.length > 0 ? Math.min(ctx.now, Math.max(...from)) : ctx.now,
      end: null,
    });
    open.add(key);
  }
}

/** Activates a user tag key for cost allocation from `at` on (an earlier activation stands). */
export function activateCostAllocationTag(state: AccountState, key: string, at: number): void {
  const billing = (state.billing ??= { lines: [], activeTags: {} });
  billing.activeTags[key] = Math.min(billing.activeTags[key] ?? at, at);
}

/** One piece of the bill: a usage type's quantity and cost, with what it can be grouped and filtered by. */
export interface UsageItem {
  /** As the bill spells it in the region (`APN1-NatGateway-Hours`). */
  usageType: string;
  region: string;
  service: string;
  /** The resource's tags whose keys were active cost allocation tags when the usage happened. */
  tags: Tags;
  quantity: number;
  unit: string;
  usd: number;
}

function firstOfMonth(ms: number, offset = 0): number {
  const date = new Date(ms);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + offset, 1);
}

/** [from, to) cut at each month's start and each tag activation: within a slice, nothing of that changes. */
function slices(from: number, to: number, activations: readonly number[]): Array<[number, number]> {
  const cuts = new Set([from, to, ...activations.filter((t) => t > from && t < to)]);
  for (let month = firstOfMonth(from, 1); month < to; month = firstOfMonth(month, 1)) cuts.add(month);
  const sorted = [...cuts].sort((a, b) => a - b);
  return sorted.slice(1).map((end, i) => [sorted[i] ?? from, end]);
}

/** The usage's quantity in [from, to): NAT gateway hours by the started clock hour, the rest by the second. */
function quantityIn(line: UsageLine, from: number, to: number, now: number): number {
  const start = Math.max(from, line.start);
  const end = Math.min(to, line.end ?? now);
  if (line.usage.endsWith('NatGateway-Hours')) {
    // Each clock hour the gateway existed in bills as a full hour, counted where its usage began:
    // the first at the gateway's start, every later one at the top of the hour.
    const lineEnd = line.end ?? now;
    const firstHour = Math.floor(line.start / HOUR_MS) * HOUR_MS;
    const first = line.start < lineEnd && line.start >= from && line.start < to ? 1 : 0;
    const lo = Math.max(firstHour + HOUR_MS, Math.ceil(from / HOUR_MS) * HOUR_MS);
    const hi = Math.min(to, lineEnd);
    return first + (hi > lo ? Math.ceil((hi - lo) / HOUR_MS) : 0);
  }
  if (end <= start) return 0;
  if (line.sizeGb !== undefined) {
    const month = firstOfMonth(start);
    return (line.sizeGb * (end - start)) / (firstOfMonth(start, 1) - month);
  }
  return (end - start) / HOUR_MS;
}

function activeTagsAt(billing: BillingRecord, tags: Tags, at: number): Tags {
  return Object.fromEntries(
    Object.entries(tags).filter(([key]) => {
      const since = billing.activeTags[key];
      return since !== undefined && since <= at;
    }),
  );
}

function item(line: UsageLine, usage: string, tags: Tags, quantity: number): UsageItem {
  return {
    usageType: usageType(line.region, usage),
    region: line.region,
    service: serviceOf(usage),
    tags,
    quantity,
    unit: usageUnit(usage),
    usd: quantity * unitPrice(line.region, usage),
  };
}

/** The account's usage in [from, to), as the bill counts it up to now. */
export function usageBetween(ctx: SimContext, from: number, to: number): UsageItem[] {
  const billing = ctx.state.billing;
  if (!billing) return [];
  const parts = slices(from, Math.min(to, Math.max(from, ctx.now)), Object.values(billing.activeTags));
  const items: UsageItem[] = [];
  for (const line of billing.lines)
    for (const [start, end] of parts) {
      const quantity = quantityIn(line, start, end, ctx.now);
      if (quantity > 0) items.push(item(line, line.usage, activeTagsAt(billing, line.tags, start), quantity));
    }
  // Processing: what each gateway received from both sides, in the slice its minute falls in.
  const gateways = new Map(
    billing.lines.filter((l) => l.usage.endsWith('NatGateway-Hours')).map((l) => [l.resourceId, l]),
  );
  for (const [natId, line] of gateways) {
    const usage = line.usage === 'RegionalNatGateway-Hours' ? 'RegionalNatGateway-Bytes' : 'NatGateway-Bytes';
    const points = ['BytesInFromSource', 'BytesInFromDestination'].flatMap(
      (metric) => seriesOf(ctx.state, 'AWS/NATGateway', metric, { NatGatewayId: natId })?.points ?? [],
    );
    for (const [start, end] of parts) {
      const bytes = points
        .filter(([minute]) => minute >= start && minute < end)
        .reduce((s, p) => s + p[1], 0);
      if (bytes > 0) items.push(item(line, usage, activeTagsAt(billing, line.tags, start), bytes / GB));
    }
  }
  return items;
}
