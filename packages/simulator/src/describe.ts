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

/** The input every paged Describe call takes besides the ids: filters and EC2's pages. */
export interface DescribeInput extends PageInput {
  Filters?: Ec2Filter[] | undefined;
}

/**
 * One Describe operation, declared: the records it lists, the parameter that names ids, its filter
 * fields, AWS's NotFound, and the key and shape each record is listed under.
 */
export interface DescribeSpec<T extends ResourceRecord, I> {
  /** The output's list: 'Vpcs', 'Subnets', … */
  list: string;
  records: (ctx: SimContext) => readonly T[];
  ids: (input: I) => readonly string[] | undefined;
  fields: (ctx: SimContext) => FilterFields<T>;
  notFound: (missing: readonly string[]) => Error;
  show: (ctx: SimContext, record: T) => object;
  /** Where the operation's filters come from when not `Filters`. */
  filters?: (input: I) => readonly Ec2Filter[] | undefined;
  /** What ids and filters cannot express (GroupNames, PublicIps), applied before the page is cut. */
  narrow?: (ctx: SimContext, found: T[], input: I) => T[];
  /** False where AWS's operation has no MaxResults/NextToken: every match is listed. */
  paged?: boolean;
}

/** describeRecords, narrow, then the page: `{ [list]: each record shown, NextToken? }`. */
export function describeOperation<T extends ResourceRecord, I>(
  spec: DescribeSpec<T, I>,
): (ctx: SimContext, input: I & DescribeInput) => object {
  return (ctx, input) => {
    const found = describeRecords(ctx, spec.records(ctx), {
      ids: spec.ids(input),
      filters: spec.filters ? spec.filters(input) : input.Filters,
      fields: spec.fields(ctx),
      notFound: spec.notFound,
    });
    const selected = spec.narrow ? spec.narrow(ctx, found, input) : found;
    const { page, NextToken } = paginate(selected, spec.paged === false ? {} : input);
    return { [spec.list]: page.map((r) => spec.show(ctx, r)), ...(NextToken ? { NextToken } : {}) };
  };
}

export function recordsOf<T>(map: Readonly<Record<string, T>>): T[] {
  return Object.values(map);
}
