/**
 * What a stack has cost, what it will cost, and how to pay less (`fixed-ip cost`, and the cost
 * lines of status, list and plan). Every figure comes from the kinds: their hourly price, how AWS
 * bills them (`Kind.billing`), the NAT traffic they report, the savings they offer
 * (`Kind.saving`). This module never asks which kind it holds.
 */
import type { MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { AwsPort } from '../aws/port.js';
import { KIND_INPUTS, KINDS, kindOf } from '../kinds/index.js';
import { NAT_MODE } from '../kinds/nat-modes.js';
import { usageTypesOf } from '../kinds/usage-types.js';
import type { MeasuredTraffic, Saving } from '../model/kind.js';
import type { StackContext } from '../model/context.js';
import {
  BYTES_PER_BILLED_GB,
  CROSS_ZONE_PER_GB_EACH_WAY,
  FALLBACK_PRICE_REGION,
  HOURS_PER_MONTH,
  NAT_PRICES,
} from '../model/pricing.js';
import { loadWorld, type World } from '../model/world.js';
import type { ResourceRecord } from '../state/identity.js';
import type { NatModeName, Shape, StackState } from '../state/schema.js';
import { stackCost, standingMonthlyUsd } from './cost.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const DAYS_PER_MONTH = HOURS_PER_MONTH / 24;
/** CloudWatch keeps hourly and daily sums this long (455 days). */
const METRICS_KEPT_MS = 455 * DAY_MS;
/** A saving is named when it is worth at least this much a month. */
export const SAVING_WORTH_NAMING_USD = 1;

/** Rounds to cents, after rounding away floating-point noise (0.045 x 5 is 0.22499999999999998). */
export const cents = (usd: number): number => Math.round(Math.round(usd * 1e6) / 1e4) / 100;
const gb = (bytes: number): number => bytes / BYTES_PER_BILLED_GB;

export interface ResourceSpend {
  kind: string;
  title: string;
  id: string;
  zone: string | null;
  /** When it began to bill in the window (its creation, or the window's start). */
  since: string;
  /** False when AWS does not say when it began (an Elastic IP): the stack's start stands in. */
  sinceKnown: boolean;
  hours: number;
  hourlyUsd: number;
  usd: number;
}

export interface SpendSoFar {
  /** The window: from `--since`, else the stack's first resource; to now. */
  start: string;
  end: string;
  /** False when no resource says when it began and no --since was given: nothing is counted. */
  startKnown: boolean;
  resources: ResourceSpend[];
  /** The resources' hours, before traffic. */
  usd: number;
}

/**
 * The stack's live resources priced over the window from when each began to bill: a NAT gateway
 * by the started hour, everything else by the second. A resource deleted or replaced earlier is
 * not counted (Cost Explorer's figure is: `cost --actual`).
 */
export function spendSoFar(
  region: string,
  state: StackState,
  world: World,
  now: Date,
  since?: Date,
): SpendSoFar {
  const billed = Object.values(state.resources).flatMap((record) => {
    const kind = kindOf(record.kind);
    const hourlyUsd = kind.hourlyUsd(region, state.shape);
    if (!kind.billing || hourlyUsd <= 0) return [];
    // Gone from AWS: no longer billed (a part not loaded proves nothing: the record stands).
    if (world.loaded.has(kind.part.name) && !kind.list(world).some((listed) => listed.id === record.id))
      return [];
    return [{ record, kind, hourlyUsd, began: kind.billing.since?.(world, record) }];
  });
  const known = billed.flatMap((b) => (b.began ? [b.began.getTime()] : []));
  const stackStart = known.length > 0 ? Math.min(...known) : undefined;
  const start = since?.getTime() ?? stackStart ?? now.getTime();
  const resources = billed.map(({ record, kind, hourlyUsd, began }) => {
    const from = Math.min(now.getTime(), Math.max(start, began?.getTime() ?? stackStart ?? start));
    const span = (now.getTime() - from) / HOUR_MS;
    const hours = kind.billing?.per === 'hour' ? Math.ceil(span) : Math.round(span * 1000) / 1000;
    return {
      kind: record.kind,
      title: kind.title,
      id: record.id,
      zone: record.zone ?? null,
      since: new Date(from).toISOString(),
      sinceKnown: began !== undefined,
      hours,
      hourlyUsd,
      usd: cents(hours * hourlyUsd),
    };
  });
  return {
    start: new Date(start).toISOString(),
    end: now.toISOString(),
    startKnown: since !== undefined || stackStart !== undefined,
    resources,
    usd: cents(resources.reduce((sum, r) => sum + r.usd, 0)),
  };
}

export interface NatTraffic {
  kind: string;
  id: string;
  /** Bytes the private side sent, and bytes that came back (an instance counts both at once). */
  outBytes: number;
  backBytes: number;
  processedBytes: number;
  /** In AWS's billed GB (2^30 bytes). */
  processedGb: number;
  perGbUsd: number;
  usd: number;
}

export interface TrafficSpend {
  /** Where the bytes come from. */
  source: string;
  nats: NatTraffic[];
  processedBytes: number;
  processedGb: number;
  /** The processing charge over the window. */
  usd: number;
  days: number;
}

/** The stack's NATs' traffic over the window, from CloudWatch: one GetMetricData call (and its pages). */
export async function measureTraffic(
  aws: AwsPort,
  state: StackState,
  world: World,
  window: { start: Date; end: Date },
): Promise<TrafficSpend> {
  const nats = Object.values(state.resources).flatMap((record) => {
    const billing = kindOf(record.kind).billing;
    const metrics = billing?.traffic?.(world, record);
    return metrics && billing
      ? [{ record, metrics, perGbUsd: billing.processingPerGbUsd?.(aws.region) ?? 0 }]
      : [];
  });
  const queries: Array<MetricDataQuery & { Id: string }> = [];
  const owner = new Map<string, { nat: number; direction: 'out' | 'back' | 'both' }>();
  nats.forEach(({ metrics }, nat) => {
    metrics.metrics.forEach((metric, m) => {
      const Id = `n${nat}m${m}`;
      owner.set(Id, { nat, direction: metric.direction });
      queries.push({
        Id,
        MetricStat: {
          Metric: {
            Namespace: metrics.namespace,
            MetricName: metric.name,
            Dimensions: [...metrics.dimensions],
          },
          Period: 86_400,
          Stat: 'Sum',
        },
        ReturnData: true,
      });
    });
  });
  const start = new Date(Math.max(window.start.getTime(), window.end.getTime() - METRICS_KEPT_MS));
  const sums = new Map<string, number>();
  for (let i = 0; i < queries.length; i += 500) {
    let NextToken: string | undefined;
    do {
      const out = await aws.cloudwatch.GetMetricData({
        MetricDataQueries: queries.slice(i, i + 500),
        StartTime: start,
        EndTime: window.end,
        ...(NextToken ? { NextToken } : {}),
      });
      for (const result of out.MetricDataResults ?? [])
        if (result.Id)
          sums.set(result.Id, (sums.get(result.Id) ?? 0) + (result.Values ?? []).reduce((a, b) => a + b, 0));
      NextToken = out.NextToken;
    } while (NextToken);
  }
  const measured: NatTraffic[] = nats.map(({ record, perGbUsd }, nat) => {
    let outBytes = 0;
    let backBytes = 0;
    let both = 0;
    for (const [id, of] of owner) {
      if (of.nat !== nat) continue;
      const value = sums.get(id) ?? 0;
      if (of.direction === 'out') outBytes += value;
      else if (of.direction === 'back') backBytes += value;
      else both += value;
    }
    const processedBytes = outBytes + backBytes + both;
    return {
      kind: record.kind,
      id: record.id,
      outBytes,
      backBytes,
      processedBytes,
      processedGb: round3(gb(processedBytes)),
      perGbUsd,
      usd: cents(gb(processedBytes) * perGbUsd),
    };
  });
  const processedBytes = measured.reduce((sum, n) => sum + n.processedBytes, 0);
  return {
    source: `CloudWatch (${[...new Set(nats.map((n) => n.metrics.namespace))].join(', ') || 'no NAT'})`,
    nats: measured,
    processedBytes,
    processedGb: round3(gb(processedBytes)),
    usd: cents(measured.reduce((sum, n) => sum + gb(n.processedBytes) * n.perGbUsd, 0)),
    days: round3((window.end.getTime() - start.getTime()) / DAY_MS),
  };
}

const round3 = (n: number): number => Math.round(n * 1000) / 1000;

/** The share of the zones whose private subnets send their traffic to a NAT in another zone. */
function crossZoneShare(shape: Shape): number {
  const mode = NAT_MODE[shape.nat];
  if (shape.zones.length === 0) return 0;
  const crossing = shape.zones.filter((zone) => {
    const target = mode.target(shape.zones, zone).zone;
    return target !== undefined && target !== zone;
  }).length;
  return crossing / shape.zones.length;
}

export interface MonthEstimate {
  /** The resources' hours over a month (730 hours), at their current rates. */
  hoursUsd: number;
  /** Processing over a month at the traffic rate measured. */
  processingUsd: number;
  /** Traffic between zones (about 0.01 USD per GB each way), assuming it is spread evenly over the zones. */
  crossZoneUsd: number;
  totalUsd: number;
  /** The traffic rate the month is projected from: billed GB a day. */
  gbPerDay: number;
}

export interface ModeProjection {
  natMode: NatModeName;
  title: string;
  /** The stack's own mode. */
  current: boolean;
  monthlyUsd: number;
  /** Against the stack's estimate: negative is a saving. */
  differenceUsd: number;
}

function monthOf(region: string, shape: Shape, gbPerDay: number, hoursUsd: number): MonthEstimate {
  const monthlyGb = gbPerDay * DAYS_PER_MONTH;
  const processingUsd = monthlyGb * NAT_MODE[shape.nat].processingPerGb(region);
  const crossZoneUsd = monthlyGb * crossZoneShare(shape) * 2 * CROSS_ZONE_PER_GB_EACH_WAY;
  return {
    hoursUsd: cents(hoursUsd),
    processingUsd: cents(processingUsd),
    crossZoneUsd: cents(crossZoneUsd),
    totalUsd: cents(hoursUsd + processingUsd + crossZoneUsd),
    gbPerDay: round3(gbPerDay),
  };
}

/** The month at the current rates: the stack's resources, and its traffic as measured. */
export function monthEstimate(region: string, state: StackState, traffic: TrafficSpend): MonthEstimate {
  const gbPerDay = traffic.days > 0 ? traffic.processedGb / traffic.days : 0;
  return monthOf(region, state.shape, gbPerDay, standingMonthlyUsd(region, state));
}

/** Each NAT mode over a month with the same zones and traffic, as a fresh stack of that mode. */
export function modeProjections(
  region: string,
  state: StackState,
  estimate: MonthEstimate,
): ModeProjection[] {
  return (['gateway', 'gateway-per-az', 'regional', 'instance'] as const).map((natMode) => {
    const shape = shapeFor(state.shape, natMode);
    const fresh: StackState = { ...state, shape, resources: {} };
    const month = monthOf(region, shape, estimate.gbPerDay, stackCost(region, fresh).monthlyUsd);
    return {
      natMode,
      title: NAT_MODE[natMode].title,
      current: natMode === state.shape.nat,
      monthlyUsd: month.totalUsd,
      differenceUsd: cents(month.totalUsd - estimate.totalUsd),
    };
  });
}

/** The stack's shape in another NAT mode: its settings that need the old mode go with it. */
function shapeFor(shape: Shape, nat: NatModeName): Shape {
  const next: Shape = { ...shape, nat };
  const inputs = Object.fromEntries(
    Object.entries(shape.inputs ?? {}).filter(
      ([key]) => KIND_INPUTS.find((input) => input.key === key)?.needsOf?.(next) === undefined,
    ),
  );
  delete next.inputs;
  if (nat !== 'instance') delete next.natInstanceType;
  return Object.keys(inputs).length > 0 ? { ...next, inputs } : next;
}

/** What the kinds the stack lacks would have saved on its traffic, one line per setting. */
export async function savings(ctx: StackContext, traffic: TrafficSpend): Promise<Saving[]> {
  const charged = traffic.nats.filter((n) => n.perGbUsd > 0);
  const measured: MeasuredTraffic = {
    chargedBytes: charged.reduce((sum, n) => sum + n.processedBytes, 0),
    days: traffic.days,
    perGbUsd: charged[0]?.perGbUsd ?? 0,
  };
  if (measured.chargedBytes === 0) return [];
  // Each kind that offers a saving reads its own part of the world to tell whether the stack has it.
  const offering = KINDS.filter((kind) => kind.saving !== undefined);
  const missing = offering.map((k) => k.part).filter((part) => !ctx.world.loaded.has(part.name));
  if (missing.length > 0) {
    const more = await loadWorld(ctx.aws, { vpcId: ctx.state.resources.vpc?.id, stack: ctx.name }, missing);
    for (const part of missing) {
      part.set(ctx.world, part.get(more));
      ctx.world.loaded.add(part.name);
    }
  }
  const found = KINDS.flatMap((kind) => kind.saving?.(ctx, measured) ?? []);
  // One line per setting: `--endpoints s3` and `--endpoints dynamodb` are `--endpoints s3,dynamodb`,
  // saving at most the whole charge once, not once per value.
  const byFlag = new Map<string, Saving>();
  for (const saving of found) {
    const seen = byFlag.get(saving.flag);
    byFlag.set(
      saving.flag,
      seen
        ? {
            ...seen,
            value: `${seen.value},${saving.value}`,
            upToUsd: Math.max(seen.upToUsd, saving.upToUsd),
            upToMonthlyUsd: Math.max(seen.upToMonthlyUsd, saving.upToMonthlyUsd),
          }
        : saving,
    );
  }
  return [...byFlag.values()].filter((s) => s.upToMonthlyUsd >= SAVING_WORTH_NAMING_USD);
}

/** The usage types the stack's resources are billed under in its region (Cost Explorer's filter). */
export const stackUsageTypes = (region: string, state: StackState): string[] =>
  usageTypesOf(
    region,
    state.shape,
    Object.values(state.resources).map((r: ResourceRecord) => r.kind),
  );

/** Whether the region's prices are fixed-ip's own (else us-east-1's stand in). */
export const pricesKnown = (region: string): boolean => NAT_PRICES[region] !== undefined;
export { FALLBACK_PRICE_REGION };
