/**
 * CloudWatch's GetMetricData over the metrics the account recorded (metrics.ts: the NATs' traffic,
 * and what a test seeds). A query names one metric (namespace, name, its exact dimensions) and a
 * statistic over a period; the data is aggregated into buckets that start at StartTime (rounded down
 * as CloudWatch rounds it: to the minute within 15 days, to 5 minutes within 63, else to the hour)
 * and follow every Period seconds until EndTime (exclusive); a bucket with no data is left out.
 * Validation as AWS does it, every member's problem in one ValidationError. Metric math
 * (`Expression`) is not modelled: such a query is refused, saying so.
 */
import type { SimContext } from './context.js';
import { cloudwatchError } from './errors.js';
import { type MetricSeriesRecord, seriesOf } from './metrics.js';

const ID = /^[a-z][a-zA-Z0-9_]*$/;
const STATS = ['Sum', 'Average', 'Minimum', 'Maximum', 'SampleCount'] as const;
type Stat = (typeof STATS)[number];
const SCAN_BY = ['TimestampDescending', 'TimestampAscending'];
const MAX_QUERIES = 500;
const MAX_DIMENSIONS = 30;
/** Periods for high-resolution data; any multiple of 60 otherwise. */
const HIGH_RESOLUTION_PERIODS = [1, 5, 10, 30];
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** CloudWatch keeps hourly data this long. */
const RETENTION_MS = 455 * DAY_MS;

interface DimensionInput {
  Name?: string;
  Value?: string;
}

interface MetricDataQueryInput {
  Id?: string;
  MetricStat?: {
    Metric?: { Namespace?: string; MetricName?: string; Dimensions?: DimensionInput[] };
    Period?: number;
    Stat?: string;
    Unit?: string;
  };
  Expression?: string;
  Label?: string;
  ReturnData?: boolean;
}

interface GetMetricDataInput {
  MetricDataQueries?: MetricDataQueryInput[];
  StartTime?: Date | string | number;
  EndTime?: Date | string | number;
  ScanBy?: string;
  MaxDatapoints?: number;
}

interface MetricQuery {
  id: string;
  label: string;
  returnData: boolean;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  periodMs: number;
  stat: Stat;
  unit: string | undefined;
}

const validation = (message: string) => cloudwatchError('ValidationError', message);

function time(value: unknown, name: string): number {
  if (value === undefined || value === null)
    throw cloudwatchError('MissingParameter', `The parameter ${name} is required.`);
  const ms = value instanceof Date ? value.getTime() : new Date(value as string | number).getTime();
  if (Number.isNaN(ms))
    throw cloudwatchError('InvalidParameterValue', `The parameter ${name} must be a timestamp.`);
  return ms;
}

/** Checks one query; its problems, in AWS's words, or the query. */
function checkQuery(query: MetricDataQueryInput, index: number): string[] | MetricQuery {
  const at = `MetricDataQueries.member.${index + 1}`;
  const problems: string[] = [];
  if (query.Id === undefined) problems.push(`The parameter ${at}.Id is required.`);
  else if (!ID.test(query.Id))
    problems.push(
      `The value ${query.Id} for parameter ${at}.Id is not matching the expected pattern ^[a-z][a-zA-Z0-9_]*$.`,
    );
  if (query.MetricStat !== undefined && query.Expression !== undefined)
    return [
      ...problems,
      `The parameters ${at}.MetricStat and ${at}.Expression are mutually exclusive and you have specified both.`,
    ];
  if (query.Expression !== undefined) {
    if (problems.length > 0) return problems;
    throw cloudwatchError(
      'InvalidParameterValue',
      `${at}.Expression (${query.Expression}): the simulator does not model metric math; ask for each metric with a MetricStat`,
    );
  }
  const stat = query.MetricStat;
  if (stat === undefined) return [...problems, `The parameter ${at}.MetricStat is required.`];
  const metric = stat.Metric;
  if (metric === undefined) problems.push(`The parameter ${at}.MetricStat.Metric is required.`);
  if (metric && !metric.Namespace)
    problems.push(`The parameter ${at}.MetricStat.Metric.Namespace is required.`);
  if (metric && !metric.MetricName)
    problems.push(`The parameter ${at}.MetricStat.Metric.MetricName is required.`);
  const dimensions = metric?.Dimensions ?? [];
  if (dimensions.length > MAX_DIMENSIONS)
    problems.push(`The collection ${at}.MetricStat.Metric.Dimensions must not contain more than 30 items.`);
  dimensions.forEach((d, i) => {
    if (!d.Name || d.Value === undefined)
      problems.push(
        `The parameter ${at}.MetricStat.Metric.Dimensions.member.${i + 1}.Name and Value are required.`,
      );
  });
  const names = dimensions.map((d) => d.Name);
  if (new Set(names).size !== names.length)
    problems.push(`The collection ${at}.MetricStat.Metric.Dimensions must not contain duplicate names.`);
  if (stat.Period === undefined) problems.push(`The parameter ${at}.MetricStat.Period is required.`);
  else if (
    !Number.isInteger(stat.Period) ||
    stat.Period <= 0 ||
    (stat.Period % 60 !== 0 && !HIGH_RESOLUTION_PERIODS.includes(stat.Period))
  )
    problems.push(
      `The parameter ${at}.MetricStat.Period must be 1, 5, 10, 30 or a multiple of 60, not ${stat.Period}.`,
    );
  if (stat.Stat === undefined) problems.push(`The parameter ${at}.MetricStat.Stat is required.`);
  else if (!(STATS as readonly string[]).includes(stat.Stat))
    problems.push(`The value ${stat.Stat} for parameter ${at}.MetricStat.Stat is not a valid statistic.`);
  if (problems.length > 0) return problems;
  return {
    id: query.Id ?? '',
    label: query.Label ?? metric?.MetricName ?? '',
    returnData: query.ReturnData !== false,
    namespace: metric?.Namespace ?? '',
    metricName: metric?.MetricName ?? '',
    dimensions: Object.fromEntries(dimensions.map((d) => [d.Name ?? '', d.Value ?? ''])),
    periodMs: (stat.Period ?? 60) * 1000,
    stat: stat.Stat as Stat,
    unit: stat.Unit,
  };
}

/** CloudWatch rounds StartTime down: to the minute within 15 days, to 5 minutes within 63, else to the hour. */
function roundedStart(start: number, now: number): number {
  const age = now - start;
  const step = age <= 15 * DAY_MS ? MINUTE_MS : age <= 63 * DAY_MS ? 5 * MINUTE_MS : HOUR_MS;
  return Math.floor(start / step) * step;
}

/**
 * Older data is kept at a coarser resolution: a period that does not fit it returns no data points
 * (AWS: within 3 hours any period; to 15 days a multiple of 60 s; to 63 days of 300 s; else of 3600 s).
 */
function periodFitsAge(periodMs: number, start: number, now: number): boolean {
  const age = now - start;
  const step =
    age <= 3 * HOUR_MS
      ? 1_000
      : age <= 15 * DAY_MS
        ? MINUTE_MS
        : age <= 63 * DAY_MS
          ? 5 * MINUTE_MS
          : HOUR_MS;
  return periodMs % step === 0;
}

function aggregate(
  stat: Stat,
  points: ReadonlyArray<readonly [number, number, number, number, number]>,
): number {
  const sum = points.reduce((total, p) => total + p[1], 0);
  const count = points.reduce((total, p) => total + p[2], 0);
  switch (stat) {
    case 'Sum':
      return sum;
    case 'SampleCount':
      return count;
    case 'Average':
      return sum / count;
    case 'Minimum':
      return Math.min(...points.map((p) => p[3]));
    case 'Maximum':
      return Math.max(...points.map((p) => p[4]));
  }
}

function buckets(
  series: MetricSeriesRecord | undefined,
  query: MetricQuery,
  window: { start: number; end: number; now: number },
): Array<[number, number]> {
  if (!series || (query.unit !== undefined && query.unit !== series.unit)) return [];
  if (!periodFitsAge(query.periodMs, window.start, window.now)) return [];
  const byBucket = new Map<number, Array<(typeof series.points)[number]>>();
  const oldest = window.now - RETENTION_MS;
  for (const point of series.points) {
    const [minute] = point;
    if (minute < window.start || minute >= window.end || minute < oldest) continue;
    const bucket = window.start + Math.floor((minute - window.start) / query.periodMs) * query.periodMs;
    byBucket.set(bucket, [...(byBucket.get(bucket) ?? []), point]);
  }
  return [...byBucket].map(([bucket, points]) => [bucket, aggregate(query.stat, points)]);
}

export const cloudwatchOperations = {
  GetMetricData(ctx: SimContext, input: GetMetricDataInput): object {
    const queries = input.MetricDataQueries ?? [];
    if (queries.length === 0)
      throw cloudwatchError('MissingParameter', 'The parameter MetricDataQueries is required.');
    if (queries.length > MAX_QUERIES)
      throw validation(`The collection MetricDataQueries must not contain more than ${MAX_QUERIES} items.`);
    const start = time(input.StartTime, 'StartTime');
    const end = time(input.EndTime, 'EndTime');
    if (start === end) throw validation('The parameter StartTime must not equal parameter EndTime.');
    if (start > end) throw validation('The parameter StartTime must be less than the parameter EndTime.');
    const scanBy = input.ScanBy ?? 'TimestampDescending';
    if (!SCAN_BY.includes(scanBy))
      throw validation(
        `1 validation error detected: Value '${scanBy}' at 'scanBy' failed to satisfy constraint: Member must satisfy enum value set: [${SCAN_BY.join(', ')}]`,
      );
    if (input.MaxDatapoints !== undefined && !(input.MaxDatapoints > 0))
      throw validation(`The parameter MaxDatapoints must be greater than 0.`);
    const checked = queries.map(checkQuery);
    const problems = checked.flatMap((c) => (Array.isArray(c) ? c : []));
    if (problems.length > 0) throw validation(`${problems.join('\n')}\n`);
    const valid = checked as MetricQuery[];
    if (new Set(valid.map((q) => q.id)).size !== valid.length)
      throw validation('The values for parameter id in MetricDataQueries are not unique.');
    const window = { start: roundedStart(start, ctx.now), end, now: ctx.now };
    const descending = scanBy === 'TimestampDescending';
    return {
      MetricDataResults: valid
        .filter((q) => q.returnData)
        .map((q) => {
          const data = buckets(seriesOf(ctx.state, q.namespace, q.metricName, q.dimensions), q, window).sort(
            ([a], [b]) => (descending ? b - a : a - b),
          );
          return {
            Id: q.id,
            Label: q.label,
            Timestamps: data.map(([bucket]) => new Date(bucket)),
            Values: data.map(([, value]) => value),
            StatusCode: 'Complete',
            Messages: [],
          };
        }),
      Messages: [],
    };
  },
};
