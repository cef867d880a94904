/**
 * EC2's `Filters`: values of one filter match any (OR), filters all apply (AND), `*` and `?` are
 * wildcards, and an unknown filter name is an InvalidParameterValue, as in AWS.
 */
import { ec2Error, Ec2ErrorCode } from './errors.js';
import type { Tags } from './model.js';

export interface Ec2Filter {
  Name?: string | undefined;
  Values?: string[] | undefined;
}

type FieldValue = string | boolean | number | null | undefined;

/** Each filter name maps to the value(s) a resource has for it. */
export type FilterFields<T> = Readonly<Record<string, (item: T) => FieldValue | readonly FieldValue[]>>;

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

function asStrings(value: FieldValue | readonly FieldValue[]): string[] {
  const list = Array.isArray(value) ? (value as readonly FieldValue[]) : [value as FieldValue];
  return list.filter((v): v is string | boolean | number => v !== undefined && v !== null).map(String);
}

function valuesOf<T extends { tags: Tags }>(
  item: T,
  name: string,
  fields: FilterFields<T>,
): string[] | undefined {
  if (name.startsWith('tag:')) {
    const value = item.tags[name.slice(4)];
    return value === undefined ? [] : [value];
  }
  if (name === 'tag-key') return Object.keys(item.tags);
  if (name === 'tag-value') return Object.values(item.tags);
  const field = fields[name];
  return field ? asStrings(field(item)) : undefined;
}

export function applyFilters<T extends { tags: Tags }>(
  items: readonly T[],
  filters: readonly Ec2Filter[] | undefined,
  fields: FilterFields<T>,
): T[] {
  if (!filters || filters.length === 0) return [...items];
  for (const filter of filters) {
    const name = filter.Name ?? '';
    const known = name.startsWith('tag:') || name === 'tag-key' || name === 'tag-value' || name in fields;
    if (!known) throw ec2Error(Ec2ErrorCode.invalidFilter, `The filter '${name}' is invalid`);
  }
  return items.filter((item) =>
    filters.every((filter) => {
      const have = valuesOf(item, filter.Name ?? '', fields) ?? [];
      const wanted = (filter.Values ?? []).map(globToRegExp);
      return wanted.some((pattern) => have.some((value) => pattern.test(value)));
    }),
  );
}
