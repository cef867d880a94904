/** What every Describe call shares: lookup by ids with AWS's NotFound, filters, eventual consistency, pages. */
import type { SimContext } from './context.js';
import { ec2InvalidParameter } from './errors.js';
import { applyFilters, type Ec2Filter, type FilterFields } from './filters.js';
import { isVisible } from './lifecycle.js';
import type { ResourceRecord } from './model.js';

export interface DescribeQuery<T> {
  ids?: readonly string[] | undefined;
  filters?: readonly Ec2Filter[] | undefined;
  fields: FilterFields<T>;
  notFound: (missing: readonly string[]) => Error;
}

/** Resources not yet visible (eventual consistency) are missing from results and NotFound by id. */
export function describeRecords<T extends ResourceRecord>(
  ctx: SimContext,
  all: readonly T[],
  query: DescribeQuery<T>,
): T[] {
  const visible = all.filter((r) => isVisible(r, ctx.now));
  let selected = visible;
  if (query.ids && query.ids.length > 0) {
    const byId = new Map(visible.map((r) => [r.id, r]));
    const missing = query.ids.filter((id) => !byId.has(id));
    if (missing.length > 0) throw query.notFound(missing);
    selected = [...new Set(query.ids)].map((id) => byId.get(id) as T);
  }
  return applyFilters(selected, query.filters, query.fields);
}

export interface PageInput {
  MaxResults?: number | undefined;
  NextToken?: string | undefined;
}

/** EC2's MaxResults/NextToken; the token is opaque to callers, an offset here. */
export function paginate<T>(items: readonly T[], input: PageInput): { page: T[]; NextToken?: string } {
  let start = 0;
  if (input.NextToken !== undefined) {
    const decoded = Buffer.from(input.NextToken, 'base64url').toString('utf8');
    const match = /^offset:(\d+)$/.exec(decoded);
    if (!match) throw ec2InvalidParameter(`The token '${input.NextToken}' is invalid.`);
    start = Number(match[1]);
  }
  if (input.MaxResults === undefined) return { page: items.slice(start) };
  const end = start + input.MaxResults;
  const page = items.slice(start, end);
  return end < items.length
    ? { page, NextToken: Buffer.from(`offset:${end}`).toString('base64url') }
    : { page };
}

export function recordsOf<T>(map: Readonly<Record<string, T>>): T[] {
  return Object.values(map);
}
