/**
 * Cost Explorer's GetCostAndUsage over the account's bill (billing.ts): one result per day or month
 * of the period (End exclusive), filtered by an Expression (And, Or, Not, Dimensions, Tags) and
 * grouped by up to two dimensions or tags, amounts as strings as AWS sends them. A usage type or a
 * region spelled wrong matches nothing, without an error; a tag key matches only the costs of usage
 * after it was activated as a cost allocation tag, and groups every other cost under its empty
 * value (`fixed-ip:stack$`). The account's cost metrics are all its unblended cost (one account,
 * on-demand, no credits); hourly granularity is not enabled, as in a new account.
 */
import { Dimension } from '@aws-sdk/client-cost-explorer';
import { type UsageItem, usageBetween } from './billing.js';
import type { SimContext } from './context.js';
import { costExplorerError } from './errors.js';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;
const COST_METRICS = [
  'UnblendedCost',
  'BlendedCost',
  'AmortizedCost',
  'NetUnblendedCost',
  'NetAmortizedCost',
];
const METRICS = [...COST_METRICS, 'UsageQuantity', 'NormalizedUsageAmount'];
const GROUP_TYPES = ['DIMENSION', 'TAG', 'COST_CATEGORY'];
const MAX_GROUP_BY = 2;

export interface ExpressionInput {
  And?: ExpressionInput[];
  Or?: ExpressionInput[];
  Not?: ExpressionInput;
  Dimensions?: { Key?: string; Values?: string[]; MatchOptions?: string[] };
  Tags?: { Key?: string; Values?: string[]; MatchOptions?: string[] };
  CostCategories?: { Key?: string; Values?: string[]; MatchOptions?: string[] };
}

interface GroupDefinitionInput {
  Type?: string;
  Key?: string;
}

interface GetCostAndUsageInput {
  TimePeriod?: { Start?: string; End?: string };
  Granularity?: string;
  Metrics?: string[];
  Filter?: ExpressionInput;
  GroupBy?: GroupDefinitionInput[];
  NextPageToken?: string;
}

export type UsagePredicate = (item: UsageItem) => boolean;

export const validation = (message: string) => costExplorerError('ValidationException', message);

/** The dimensions the simulated bill knows, and each one's value on a piece of it. */
function dimensionValue(ctx: SimContext, key: string): (item: UsageItem) => string {
  switch (key) {
    case 'REGION':
      return (item) => item.region;
    case 'USAGE_TYPE':
      return (item) => item.usageType;
    case 'SERVICE':
      return (item) => item.service;
    case 'LINKED_ACCOUNT':
      return () => ctx.state.accountId;
    case 'RECORD_TYPE':
      return () => 'Usage';
  }
  if (!(Object.values(Dimension) as string[]).includes(key))
    throw validation(`Dimension ${key} is not allowed. Use one of: ${Object.values(Dimension).join(', ')}`);
  throw validation(
    `Dimension ${key}: the simulator does not model it (it knows REGION, USAGE_TYPE, SERVICE, LINKED_ACCOUNT, RECORD_TYPE)`,
  );
}

function checkMatchOptions(
  options: string[] | undefined,
  allowed: readonly string[],
  what: string,
): string[] {
  const given = options ?? ['EQUALS'];
  const wrong = given.filter((o) => !allowed.includes(o));
  if (wrong.length > 0)
    throw validation(
      `MatchOptions ${wrong.join(', ')} not supported for ${what}. Supported: ${allowed.join(', ')}`,
    );
  return given;
}

/** Checks a filter Expression and turns it into a test on a piece of the bill. */
export function compileFilter(ctx: SimContext, expression: ExpressionInput): UsagePredicate {
  const roots = (['And', 'Or', 'Not', 'Dimensions', 'Tags', 'CostCategories'] as const).filter(
    (root) => expression[root] !== undefined,
  );
  if (roots.length !== 1)
    throw validation(
      roots.length === 0
        ? 'Expression has no root level operator: give one of And, Or, Not, Dimensions, Tags, CostCategories'
        : `Expression has more than one root level operator (${roots.join(', ')}): only one is allowed for each expression`,
    );
  const { And, Or, Not, Dimensions, Tags } = expression;
  if (And || Or) {
    const operands = (And ?? Or ?? []).map((child) => compileFilter(ctx, child));
    if (operands.length < 2)
      throw validation(
        `${And ? 'And' : 'Or'} expression must have at least 2 operands, not ${operands.length}`,
      );
    return And
      ? (item) => operands.every((test) => test(item))
      : (item) => operands.some((test) => test(item));
  }
  if (Not) {
    const operand = compileFilter(ctx, Not);
    return (item) => !operand(item);
  }
  if (Dimensions) {
    if (!Dimensions.Key) throw validation('Dimensions: Key is required');
    const value = dimensionValue(ctx, Dimensions.Key);
    checkMatchOptions(Dimensions.MatchOptions, ['EQUALS', 'CASE_SENSITIVE'], 'Dimensions');
    const values = Dimensions.Values ?? [];
    if (values.length === 0) throw validation(`Dimensions: Values are required for ${Dimensions.Key}`);
    return (item) => values.includes(value(item));
  }
  if (Tags) {
    if (!Tags.Key) throw validation('Tags: Key is required');
    const key = Tags.Key;
    const options = checkMatchOptions(Tags.MatchOptions, ['EQUALS', 'ABSENT', 'CASE_SENSITIVE'], 'Tags');
    if (options.includes('ABSENT')) return (item) => item.tags[key] === undefined;
    const values = Tags.Values ?? [];
    // An inactive key (or usage from before its activation) carries no value: it matches nothing.
    return (item) => item.tags[key] !== undefined && values.includes(item.tags[key]);
  }
  // The account has no cost categories: nothing is in one.
  return () => false;
}

function parseDay(text: string | undefined, name: string): number {
  const match = text === undefined ? null : DATE.exec(text);
  const ms = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : Number.NaN;
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text)
    throw validation(`${name} date ${String(text)} is not a valid date in the format yyyy-MM-dd`);
  return ms;
}

const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

function nextBucket(ms: number, granularity: string): number {
  if (granularity === 'DAILY') return ms + DAY_MS;
  const date = new Date(ms);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
}

/** An amount as Cost Explorer writes it: a decimal string, without float noise or trailing zeros. */
export function amountText(value: number): string {
  const fixed = value.toFixed(10).replace(/\.?0+$/, '');
  return fixed === '' || fixed === '-0' ? '0' : fixed;
}

function metricValues(metrics: readonly string[], items: readonly UsageItem[]): Record<string, object> {
  const usd = items.reduce((sum, i) => sum + i.usd, 0);
  const quantity = items.reduce((sum, i) => sum + i.quantity, 0);
  const units = new Set(items.map((i) => i.unit));
  return Object.fromEntries(
    metrics.map((metric) => [
      metric,
      COST_METRICS.includes(metric)
        ? { Amount: amountText(usd), Unit: 'USD' }
        : { Amount: amountText(quantity), Unit: units.size === 1 ? [...units][0] : 'N/A' },
    ]),
  );
}

function checkRequest(ctx: SimContext, input: GetCostAndUsageInput) {
  if (input.NextPageToken !== undefined)
    throw costExplorerError('InvalidNextTokenException', 'The pagination token is invalid.');
  if (!input.TimePeriod) throw validation('TimePeriod is required');
  const start = parseDay(input.TimePeriod.Start, 'Start');
  const end = parseDay(input.TimePeriod.End, 'End');
  if (start >= end) throw validation('Start date (and hour) should be before end date (and hour)');
  const granularity = input.Granularity;
  if (granularity === 'HOURLY')
    throw validation(
      'Hourly granularity is not enabled for this account: turn it on in Cost Explorer preferences (hourly and resource-level data)',
    );
  if (granularity !== 'DAILY' && granularity !== 'MONTHLY')
    throw validation(`Granularity ${String(granularity)} is not valid: use DAILY, MONTHLY or HOURLY`);
  const metrics = input.Metrics ?? [];
  if (metrics.length === 0) throw validation('Metrics is required: give at least one metric');
  const unknown = metrics.filter((m) => !METRICS.includes(m));
  if (unknown.length > 0)
    throw validation(`Invalid metrics: ${unknown.join(', ')}. Valid metrics are: ${METRICS.join(', ')}`);
  if (metrics.includes('NormalizedUsageAmount'))
    throw validation('Metric NormalizedUsageAmount: the simulator does not model normalized usage');
  const groupBy = input.GroupBy ?? [];
  if (groupBy.length > MAX_GROUP_BY)
    throw validation(`GroupBy takes at most ${MAX_GROUP_BY} group definitions, not ${groupBy.length}`);
  const groups = groupBy.map((group) => {
    if (!group.Type || !GROUP_TYPES.includes(group.Type))
      throw validation(
        `GroupBy type ${String(group.Type)} is not valid: use DIMENSION, TAG or COST_CATEGORY`,
      );
    if (!group.Key) throw validation('GroupBy: Key is required');
    if (group.Type === 'COST_CATEGORY')
      throw validation(`Cost category ${group.Key} does not exist in the account`);
    const key = group.Key;
    return group.Type === 'TAG'
      ? (item: UsageItem) => `${key}$${item.tags[key] ?? ''}`
      : dimensionValue(ctx, key);
  });
  const filter = input.Filter ? compileFilter(ctx, input.Filter) : () => true;
  return { start, end, granularity, metrics, groupBy, groups, filter };
}

export const costExplorerOperations = {
  GetCostAndUsage(ctx: SimContext, input: GetCostAndUsageInput): object {
    const { start, end, granularity, metrics, groupBy, groups, filter } = checkRequest(ctx, input);
    const date = new Date(ctx.now);
    const currentMonth = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
    const results = [];
    for (let from = start; from < end; from = nextBucket(from, granularity)) {
      const to = Math.min(end, nextBucket(from, granularity));
      const items = usageBetween(ctx, from, to).filter(filter);
      const byKeys = new Map<string, { keys: string[]; items: UsageItem[] }>();
      for (const item of groups.length > 0 ? items : []) {
        const keys = groups.map((key) => key(item));
        const entry = byKeys.get(JSON.stringify(keys)) ?? { keys, items: [] };
        entry.items.push(item);
        byKeys.set(JSON.stringify(keys), entry);
      }
      results.push({
        TimePeriod: { Start: day(from), End: day(to) },
        Total: groups.length > 0 ? {} : metricValues(metrics, items),
        Groups: [...byKeys.values()]
          .sort((a, b) => a.keys.join('\n').localeCompare(b.keys.join('\n')))
          .map((group) => ({ Keys: group.keys, Metrics: metricValues(metrics, group.items) })),
        // The month is not closed: its figures are estimates.
        Estimated: to > currentMonth,
      });
    }
    return {
      ...(groupBy.length > 0 ? { GroupDefinitions: groupBy.map((g) => ({ Type: g.Type, Key: g.Key })) } : {}),
      ResultsByTime: results,
      DimensionValueAttributes: [],
    };
  },
};
