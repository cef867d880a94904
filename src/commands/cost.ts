import type { NatModeName } from '../state/schema.js';
import { billedCost, CE_REQUEST_USD, type BilledCost } from '../engine/billed.js';
import { recipe } from '../engine/recipe.js';
import {
  cents,
  measureTraffic,
  modeProjections,
  monthEstimate,
  pricesKnown,
  savings,
  spendSoFar,
  FALLBACK_PRICE_REGION,
  type ModeProjection,
  type MonthEstimate,
  type ResourceSpend,
  type TrafficSpend,
} from '../engine/spend.js';
import { badOption } from '../errors.js';
import { kindOf } from '../kinds/index.js';
import { type Deps, makeContext } from '../model/context.js';
import { isWorkload } from '../model/kind.js';
import { loadWorld, ROUTE_TABLES, type WorldPart } from '../model/world.js';
import { openStack, type StackOptions } from './stack.js';

export interface CostOptions extends StackOptions {
  /** `--since`: YYYY-MM-DD (UTC) or an ISO time; default: when the stack's first resource began. */
  since?: string | undefined;
  /** `--actual`: ask Cost Explorer what was billed (0.01 USD a request). */
  actual?: boolean | undefined;
  json?: boolean | undefined;
}

/** The stable `cost --json` shape (README, "cost"): fields may be added, none removed. */
export interface CostReport {
  name: string;
  region: string;
  accountId: string;
  natMode: NatModeName;
  currency: 'USD';
  /** The window every "so far" figure covers. */
  period: { start: string; end: string; days: number; startKnown: boolean };
  /** Each live resource's hours x its hourly price. */
  resources: ResourceSpend[];
  hoursUsd: number;
  /** What the NATs processed, from CloudWatch, and its per-GB charge. */
  traffic: TrafficSpend;
  /** hoursUsd + traffic.usd, from list prices. */
  soFarUsd: number;
  /** A month at the current rates and traffic. */
  estimate: MonthEstimate;
  /** Each NAT mode with the same zones and traffic. */
  projections: ModeProjection[];
  /** Settings the stack lacks that would have cut the charge (--endpoints s3,dynamodb). */
  savings: Array<{ setting: string; upToUsd: number; upToMonthlyUsd: number; caveat: string }>;
  /** What AWS billed, with --actual. */
  actual?: BilledCost;
  /** The region's prices are not fixed-ip's: us-east-1's stand in. */
  approximate: boolean;
  /** What no figure here includes. */
  notCounted: string[];
}

const NOT_COUNTED = [
  'data transfer out to the internet, billed as it would be without fixed-ip',
  'resources deleted or replaced before now (cost --actual counts what AWS billed for them)',
];

/** `fixed-ip cost`: what the stack has cost, what a month costs, and how to pay less. Read-only. */
export async function cost(options: CostOptions, deps: Deps): Promise<CostReport> {
  const now = new Date(deps.clock.now());
  const since = options.since === undefined ? undefined : parseSince(options.since, now);
  const store = deps.openStore(options.name, options.state);
  const { aws, identity, state } = await openStack(options, deps, store);
  const kinds = new Set([
    ...Object.values(state.resources).map((r) => kindOf(r.kind)),
    ...recipe(state.shape, { newVpc: false }).flatMap((n) =>
      isWorkload(n.step) ? [] : [kindOf(n.step.name)],
    ),
  ]);
  const parts: WorldPart[] = [ROUTE_TABLES, ...[...kinds].flatMap((k) => [k.part, ...(k.needs ?? [])])];
  const world = await loadWorld(aws, { vpcId: state.resources.vpc?.id, stack: options.name }, parts);
  const ctx = makeContext({ name: options.name, aws, deps, store, state, world });

  const soFar = spendSoFar(aws.region, state, world, now, since);
  const window = { start: new Date(soFar.start), end: now };
  const reading = deps.ui.progress('cost.metrics', "Reading the NATs' traffic from CloudWatch");
  let traffic: TrafficSpend;
  try {
    traffic = await measureTraffic(aws, state, world, window);
  } catch (error) {
    reading.fail("Could not read the NATs' traffic from CloudWatch");
    throw error;
  }
  reading.succeed(`Read the NATs' traffic: ${traffic.processedGb.toFixed(2)} GB processed`);
  const estimate = monthEstimate(aws.region, state, traffic);
  let actual: BilledCost | undefined;
  if (options.actual === true) {
    deps.ui.notify({
      level: 'info',
      code: 'cost.actual',
      text: `Asking Cost Explorer what was billed: AWS charges ${CE_REQUEST_USD} USD a request`,
    });
    actual = await billedCost(aws, options.name, state, window);
  }
  const report: CostReport = {
    name: options.name,
    region: aws.region,
    accountId: identity.accountId,
    natMode: state.shape.nat,
    currency: 'USD',
    period: { start: soFar.start, end: soFar.end, days: traffic.days, startKnown: soFar.startKnown },
    resources: soFar.resources,
    hoursUsd: soFar.usd,
    traffic,
    soFarUsd: cents(soFar.usd + traffic.usd),
    estimate,
    projections: modeProjections(aws.region, state, estimate),
    savings: (await savings(ctx, traffic)).map((s) => ({
      setting: `${s.flag} ${s.value}`,
      upToUsd: cents(s.upToUsd),
      upToMonthlyUsd: cents(s.upToMonthlyUsd),
      caveat: s.caveat,
    })),
    ...(actual ? { actual } : {}),
    approximate: !pricesKnown(aws.region),
    notCounted: NOT_COUNTED,
  };
  if (options.json !== true) for (const line of costLines(report)) deps.ui.result(line);
  return report;
}

/** `--since`: a day (UTC) or an ISO time, in the past. */
export function parseSince(text: string, now: Date): Date {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const date = new Date(day ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(date.getTime()) || (!day && !/^\d{4}-\d{2}-\d{2}T/.test(text)))
    throw badOption(
      `--since ${text} is not a date`,
      'use YYYY-MM-DD (UTC) or an ISO time like 2026-12-01T09:00:00Z',
    );
  if (date.getTime() >= now.getTime())
    throw badOption(`--since ${text} is not in the past`, 'give the day the cost should be counted from');
  return date;
}

const usd = (n: number): string => `${n.toFixed(2)} USD`;
const signed = (n: number): string => (n > 0 ? `+${n.toFixed(2)}` : n < 0 ? n.toFixed(2) : '±0.00');
const when = (iso: string): string => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

/** The report for a person: so far, by resource; the month; the other modes; the cure. */
export function costLines(report: CostReport): string[] {
  const lines: string[] = [];
  const { traffic, estimate } = report;
  lines.push(
    `Stack ${report.name} in ${report.region}, ${when(report.period.start)} to ${when(report.period.end)} (${report.period.days.toFixed(1)} days)`,
  );
  for (const r of report.resources)
    lines.push(
      `  ${`${r.title}${r.zone ? ` ${r.zone}` : ''}`.padEnd(32)} ${r.id.padEnd(26)} ${`${r.hours} h x ${+r.hourlyUsd.toFixed(4)}`.padEnd(18)} ${usd(r.usd)}${r.sinceKnown ? '' : " (from the stack's start: AWS does not say when it was allocated)"}`,
    );
  if (!report.period.startKnown)
    lines.push('  AWS does not say when these resources began: pass --since YYYY-MM-DD to count from a day');
  for (const nat of traffic.nats)
    lines.push(
      `  ${`Processed by ${nat.id}`.padEnd(59)} ${`${nat.processedGb.toFixed(2)} GB x ${nat.perGbUsd}`.padEnd(18)} ${usd(nat.usd)}${nat.perGbUsd === 0 ? ' (an instance charges no processing)' : ''}`,
    );
  lines.push(
    `So far: about ${usd(report.soFarUsd)} (list prices x hours since creation, plus ${traffic.processedGb.toFixed(2)} GB processed, from ${traffic.source})`,
  );
  lines.push(
    `A month at this rate: about ${usd(estimate.totalUsd)} (${estimate.hoursUsd.toFixed(2)} for the hours, ${estimate.processingUsd.toFixed(2)} for processing at ${estimate.gbPerDay.toFixed(2)} GB a day${estimate.crossZoneUsd > 0 ? `, ${estimate.crossZoneUsd.toFixed(2)} for traffic between zones` : ''})`,
  );
  lines.push('Each NAT mode with the same zones and traffic:');
  for (const p of report.projections)
    lines.push(
      `  ${p.natMode.padEnd(15)} about ${usd(p.monthlyUsd)} a month${p.current ? ' (this stack)' : ` (${signed(p.differenceUsd)})`}`,
    );
  for (const s of report.savings)
    lines.push(
      `Free cure: ${s.setting} would have saved up to ${usd(s.upToUsd)} so far (up to ${usd(s.upToMonthlyUsd)} a month): the per-GB charge on the share of that traffic that went to those services in ${report.region}. Note: ${s.caveat}`,
    );
  if (report.actual) lines.push(...actualLines(report.actual));
  else
    lines.push(`Billed by AWS: fixed-ip cost --actual asks Cost Explorer (${CE_REQUEST_USD} USD a request)`);
  if (report.approximate)
    lines.push(`Prices for ${report.region} are approximate (${FALLBACK_PRICE_REGION}'s)`);
  lines.push(`Not counted: ${report.notCounted.join('; ')}`);
  return lines;
}

function actualLines(actual: BilledCost): string[] {
  const lines = [
    `Billed by AWS (${actual.source}, ${actual.period.start} to ${actual.period.end}, ${actual.scope === 'stack' ? 'costs tagged with the stack' : `every ${actual.usageTypes.length > 0 ? 'NAT and public IPv4' : ''} cost of the region: none carries the stack's tag`}): ${usd(actual.usd)}${actual.estimated ? ' (the month is not closed: an estimate)' : ''}`,
  ];
  for (const line of actual.byUsageType)
    lines.push(
      `  ${line.usageType.padEnd(40)} ${`${line.quantity} ${line.unit}`.padEnd(16)} ${usd(line.usd)}`,
    );
  if (actual.tagHint) lines.push(`To see only this stack: ${actual.tagHint}`);
  lines.push(
    `(${actual.requests} Cost Explorer request${actual.requests > 1 ? 's' : ''}: ${usd(actual.requestCostUsd)})`,
  );
  return lines;
}
