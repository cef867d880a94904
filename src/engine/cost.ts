/**
 * What a stack costs, derived from its kinds: each resource's hourly price (NAT hours per gateway,
 * or per zone for a regional gateway; every public IPv4 address) over a month, before traffic.
 */
import { kindOf } from '../kinds/index.js';
import { isWorkload } from '../model/kind.js';
import { NAT_MODE } from '../kinds/nat-modes.js';
import type { StackState } from '../state/schema.js';
import { FALLBACK_PRICE_REGION, HOURS_PER_MONTH, IPV4_HOURLY_USD, NAT_PRICES } from '../model/pricing.js';
import { recipe } from './recipe.js';

export interface StackCost {
  region: string;
  monthlyUsd: number;
  /** One line per priced kind: "2 x NAT gateway at 0.062/h". */
  items: Array<{ kind: string; count: number; hourlyUsd: number; monthlyUsd: number }>;
  /** NAT per-GB processing charge. */
  perGb: number;
  /** Some private subnets send traffic to a NAT in another zone (about 0.01 USD/GB each way). */
  crossZone: boolean;
  /** Elastic IPs the shape no longer uses but keeps (never released by a change of shape). */
  parkedIps: number;
  approximate: boolean;
  /** What the NAT mode is compared with and trades (a NAT instance against a NAT gateway). */
  note?: string;
}

const cents = (usd: number): number => Math.round(usd * 100) / 100;

export function stackCost(region: string, state: StackState): StackCost {
  const { shape } = state;
  const counts = new Map<string, { count: number; hourlyUsd: number }>();
  const add = (title: string, hourlyUsd: number): void => {
    if (hourlyUsd <= 0) return;
    const entry = counts.get(title) ?? { count: 0, hourlyUsd };
    entry.count += 1;
    counts.set(title, entry);
  };
  const nodes = recipe(shape, { newVpc: false });
  const wanted = new Set(nodes.map((n) => n.key));
  for (const node of nodes)
    if (!isWorkload(node.step)) add(node.step.title, kindOf(node.step.name).hourlyUsd(region, shape));
  const parked = Object.entries(state.resources).filter(
    ([key, r]) => r.kind === 'elasticIp' && !wanted.has(key),
  ).length;
  for (let i = 0; i < parked; i++) add('Elastic IP', IPV4_HOURLY_USD);
  const items = [...counts].map(([kind, { count, hourlyUsd }]) => ({
    kind,
    count,
    hourlyUsd,
    monthlyUsd: cents(count * hourlyUsd * HOURS_PER_MONTH),
  }));
  const mode = NAT_MODE[shape.nat];
  return {
    region,
    monthlyUsd: cents(items.reduce((sum, item) => sum + item.count * item.hourlyUsd, 0) * HOURS_PER_MONTH),
    items,
    perGb: mode.processingPerGb(region),
    crossZone: shape.zones.some(
      (zone) =>
        mode.target(shape.zones, zone).zone !== undefined && mode.target(shape.zones, zone).zone !== zone,
    ),
    parkedIps: parked,
    approximate: NAT_PRICES[region] === undefined,
    ...(mode.costNote ? { note: mode.costNote(region, state.shape) } : {}),
  };
}

/** One line: "about 52.56 USD a month in ap-northeast-1 (1 x NAT gateway 0.062/h, 1 x Elastic IP 0.005/h), plus …". */
export function formatStackCost(cost: StackCost): string {
  const parts = cost.items.map((item) => `${item.count} x ${item.kind} ${+item.hourlyUsd.toFixed(4)}/h`);
  let line = `about ${cost.monthlyUsd.toFixed(2)} USD a month in ${cost.region} (${parts.join(' + ')}), ${cost.perGb > 0 ? `plus ${cost.perGb} USD per GB processed` : 'no per-GB processing charge'}`;
  if (cost.crossZone)
    line += "; traffic from the other zones crosses to the NAT's zone at about 0.01 USD/GB each way";
  if (cost.parkedIps > 0)
    line += `; ${cost.parkedIps} kept Elastic IP${cost.parkedIps > 1 ? 's' : ''} no longer in use`;
  if (cost.approximate) line += ` (approximate: prices for ${FALLBACK_PRICE_REGION})`;
  return cost.note ? `${line}. For comparison, ${cost.note}` : line;
}

/**
 * What the stack costs a month as it stands: its shape's resources, or, with no NAT left (parked by
 * `teardown --keep-eip`), only what its records still hold (its kept Elastic IPs, idle).
 */
export function standingMonthlyUsd(region: string, state: StackState): number {
  const records = Object.values(state.resources);
  if (records.some((r) => kindOf(r.kind).routeTarget !== undefined))
    return stackCost(region, state).monthlyUsd;
  const hourly = records.reduce((sum, r) => sum + kindOf(r.kind).hourlyUsd(region, state.shape), 0);
  return cents(hourly * HOURS_PER_MONTH);
}
