/**
 * The Cost Explorer usage types some kinds are billed under in a region (each kind's own,
 * `Kind.billing`), with the NAT kinds of the shape's mode: what `cost --actual` asks Cost Explorer
 * for, and what a budget counts.
 */
import type { KindName } from '../model/kind.js';
import type { Shape } from '../state/schema.js';
import { NAT_MODE } from './nat-modes.js';
import { kindNamed } from './registry.js';

export function usageTypesOf(region: string, shape: Shape, kinds: Iterable<KindName>): string[] {
  const all = new Set<KindName>([
    ...kinds,
    ...NAT_MODE[shape.nat].nats(shape.zones, shape).map((n) => n.id.kind),
  ]);
  return [
    ...new Set([...all].flatMap((name) => kindNamed(name).billing?.usageTypes(region, shape) ?? [])),
  ].sort();
}
