/**
 * CloudWatch's stored metric data. A metric is its namespace, its name and its exact set of
 * dimensions; its data is kept as CloudWatch keeps standard-resolution data: one statistic set per
 * minute (sum, sample count, minimum, maximum), each value counted in the minute its timestamp falls
 * in. Kept in the account, so `--simulate` runs in separate processes read what earlier ones sent.
 */
import type { AccountState } from './model.js';

/** One minute of a metric: [minute start (ms), sum, sample count, minimum, maximum]. */
export type MinuteStats = [number, number, number, number, number];

export interface MetricSeriesRecord {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  /** CloudWatch's unit (`Bytes`); `None` when the data point gave none. */
  unit: string;
  /** Oldest first. */
  points: MinuteStats[];
}

// The account keeps its metrics here (absent until something is recorded).
declare module './model.js' {
  interface AccountState {
    metrics?: Record<string, MetricSeriesRecord>;
  }
}

export interface Datapoint {
  namespace: string;
  metricName: string;
  dimensions: Readonly<Record<string, string>>;
  /** ms */
  timestamp: number;
  value: number;
  unit?: string;
}

const MINUTE_MS = 60_000;

function sortedDimensions(dimensions: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(dimensions).sort(([a], [b]) => a.localeCompare(b)));
}

/** The metric's identity: its dimensions in any order name the same metric. */
export function metricKey(
  namespace: string,
  metricName: string,
  dimensions: Readonly<Record<string, string>>,
): string {
  return JSON.stringify([namespace, metricName, sortedDimensions(dimensions)]);
}

export function seriesOf(
  state: AccountState,
  namespace: string,
  metricName: string,
  dimensions: Readonly<Record<string, string>>,
): MetricSeriesRecord | undefined {
  return state.metrics?.[metricKey(namespace, metricName, dimensions)];
}

/** Adds one value to its minute of the metric (the metric is made on its first data point). */
export function recordDatapoint(state: AccountState, point: Datapoint): void {
  const metrics = (state.metrics ??= {});
  const key = metricKey(point.namespace, point.metricName, point.dimensions);
  const series = (metrics[key] ??= {
    namespace: point.namespace,
    metricName: point.metricName,
    dimensions: sortedDimensions(point.dimensions),
    unit: point.unit ?? 'None',
    points: [],
  });
  const minute = Math.floor(point.timestamp / MINUTE_MS) * MINUTE_MS;
  // Mostly appended: look from the newest.
  let index = series.points.length;
  while (index > 0 && (series.points[index - 1]?.[0] ?? 0) > minute) index -= 1;
  const existing = series.points[index - 1];
  if (existing?.[0] === minute) {
    existing[1] += point.value;
    existing[2] += 1;
    existing[3] = Math.min(existing[3], point.value);
    existing[4] = Math.max(existing[4], point.value);
    return;
  }
  series.points.splice(index, 0, [minute, point.value, 1, point.value, point.value]);
}

/** The sum of a metric's values with timestamps in [start, end). */
export function sumBetween(series: MetricSeriesRecord | undefined, start: number, end: number): number {
  return (series?.points ?? [])
    .filter(([minute]) => minute >= start && minute < end)
    .reduce((sum, [, value]) => sum + value, 0);
}
