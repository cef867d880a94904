/**
 * What AWS actually billed for a stack (`fixed-ip cost --actual`): one Cost Explorer request
 * (0.01 USD each, so only when asked), filtered to the region and to the usage types the stack's
 * kinds are billed under, and grouped by the `fixed-ip:stack` tag and the usage type. Grouping by the
 * tag, rather than filtering by it, tells in the same request whether the tag is active as a cost
 * allocation tag: when it is not, every cost groups under an empty value.
 */
import type { GetCostAndUsageCommandOutput } from '@aws-sdk/client-cost-explorer';
import type { AwsPort } from '../aws/port.js';
import { badOption } from '../errors.js';
import { TAG_STACK } from '../model/tags.js';
import type { StackState } from '../state/schema.js';
import { cents, stackUsageTypes } from './spend.js';

/** What one Cost Explorer request costs. */
export const CE_REQUEST_USD = 0.01;

export interface BilledCost {
  source: 'Cost Explorer';
  /**
   * `stack`: the costs carrying the stack's tag. `region`: every cost of these usage types in the
   * region (other NATs and addresses of the account included), because none carries the tag.
   */
  scope: 'stack' | 'region';
  usd: number;
  byUsageType: Array<{ usageType: string; usd: number; quantity: number; unit: string }>;
  /** Cost Explorer's days: the start, and the end (exclusive). */
  period: { start: string; end: string };
  /** Cost Explorer still marks some of it as an estimate (the month is not closed). */
  estimated: boolean;
  usageTypes: string[];
  requests: number;
  requestCostUsd: number;
  /** How to make the figure the stack's own, when it is the region's. */
  tagHint?: string;
}

const day = (date: Date): string => date.toISOString().slice(0, 10);

/** How to activate the stack tag for cost allocation, and what that changes. */
export const TAG_ACTIVATION_HINT = `activate ${TAG_STACK} as a cost allocation tag (Billing console > Cost allocation tags, or: aws ce update-cost-allocation-tags-status --cost-allocation-tags-status TagKey=${TAG_STACK},Status=Active); it applies to costs from the day it is activated, not before, and can take a day to appear`;

export async function billedCost(
  aws: AwsPort,
  stack: string,
  state: StackState,
  window: { start: Date; end: Date },
): Promise<BilledCost> {
  const usageTypes = stackUsageTypes(aws.region, state);
  // A region whose bills' spelling fixed-ip does not know: a guess would match nothing, silently.
  if (usageTypes.length === 0)
    throw badOption(
      `cost --actual: fixed-ip does not know how ${aws.region}'s bills spell its usage types`,
      'run cost without --actual, or read the NAT lines in the Billing console',
    );
  // Cost Explorer's end is exclusive: tomorrow, so today's costs count.
  const period = { start: day(window.start), end: day(new Date(window.end.getTime() + 86_400_000)) };
  const pages: GetCostAndUsageCommandOutput[] = [];
  let NextPageToken: string | undefined;
  do {
    const page = await aws.ce.GetCostAndUsage({
      TimePeriod: { Start: period.start, End: period.end },
      Granularity: 'MONTHLY',
      Metrics: ['UnblendedCost', 'UsageQuantity'],
      Filter: {
        And: [
          { Dimensions: { Key: 'REGION', Values: [aws.region] } },
          { Dimensions: { Key: 'USAGE_TYPE', Values: usageTypes } },
        ],
      },
      GroupBy: [
        { Type: 'TAG', Key: TAG_STACK },
        { Type: 'DIMENSION', Key: 'USAGE_TYPE' },
      ],
      ...(NextPageToken ? { NextPageToken } : {}),
    });
    pages.push(page);
    NextPageToken = page.NextPageToken;
  } while (NextPageToken);
  const groups = pages.flatMap((page) =>
    (page.ResultsByTime ?? []).flatMap((result) =>
      (result.Groups ?? []).map((group) => ({ group, estimated: result.Estimated === true })),
    ),
  );
  const ours = `${TAG_STACK}$${stack}`;
  const tagged = groups.some(({ group }) => group.Keys?.[0] === ours);
  const counted = groups.filter(({ group }) => !tagged || group.Keys?.[0] === ours);
  const byType = new Map<string, { usd: number; quantity: number; unit: string }>();
  for (const { group } of counted) {
    const usageType = group.Keys?.[1] ?? '';
    const entry = byType.get(usageType) ?? { usd: 0, quantity: 0, unit: '' };
    entry.usd += Number(group.Metrics?.UnblendedCost?.Amount ?? 0);
    entry.quantity += Number(group.Metrics?.UsageQuantity?.Amount ?? 0);
    entry.unit = group.Metrics?.UsageQuantity?.Unit ?? entry.unit;
    byType.set(usageType, entry);
  }
  const byUsageType = [...byType]
    .map(([usageType, e]) => ({
      usageType,
      usd: cents(e.usd),
      quantity: Math.round(e.quantity * 1000) / 1000,
      unit: e.unit,
    }))
    .sort((a, b) => a.usageType.localeCompare(b.usageType));
  return {
    source: 'Cost Explorer',
    scope: tagged ? 'stack' : 'region',
    usd: cents([...byType.values()].reduce((sum, e) => sum + e.usd, 0)),
    byUsageType,
    period,
    estimated: counted.some(({ estimated }) => estimated),
    usageTypes,
    requests: pages.length,
    requestCostUsd: cents(pages.length * CE_REQUEST_USD),
    ...(tagged ? {} : { tagHint: TAG_ACTIVATION_HINT }),
  };
}
