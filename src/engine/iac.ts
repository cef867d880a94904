/**
 * A stack as infrastructure as code: what every kind exports for its records, gathered, named,
 * and written as Terraform JSON or a CloudFormation template with its import list. The engine
 * never asks which kind it holds: each kind says what its resource is in both tools.
 */
import { FixedIpError } from '../errors.js';
import { KINDS, WORKLOADS, kindOf } from '../kinds/index.js';
import type { StackContext } from '../model/context.js';
import {
  isIdRef,
  type IacResource,
  type IacReused,
  type IacValue,
  type IacWorkloadSnippet,
} from '../model/iac.js';
import { identityKey, type Identity } from '../model/kind.js';
import type { ResourceRecord } from '../state/schema.js';

/** One exported resource and where it came from. */
export interface ExportedResource {
  node: Identity;
  resource: IacResource;
}

export interface ExportedReused {
  node: Identity;
  reused: IacReused;
}

/** A stack, as the kinds export it. */
export interface StackExport {
  stack: string;
  region: string;
  accountId: string;
  natMode: string;
  zones: string[];
  resources: ExportedResource[];
  reused: ExportedReused[];
  snippet: IacWorkloadSnippet | undefined;
  notes: string[];
}

/** Gathers every record's export from its kind, from what is live (`ctx.world`), not from the state. */
export async function gatherExport(
  ctx: StackContext,
  records: readonly ResourceRecord[],
): Promise<StackExport> {
  const resources: ExportedResource[] = [];
  const reused: ExportedReused[] = [];
  const notes: string[] = [];
  // The kinds' order is the article's: the files read in the order the resources were made.
  const zoneOrder = (zone: string | undefined): number => (zone ? ctx.state.shape.zones.indexOf(zone) : -1);
  const ordered = KINDS.flatMap((kind) =>
    records.filter((r) => r.kind === kind.name).sort((a, b) => zoneOrder(a.zone) - zoneOrder(b.zone)),
  );
  for (const record of ordered) {
    const kind = kindOf(record.kind);
    const node: Identity = { kind: record.kind, zone: record.zone };
    const live = kind.list(ctx.world).find((item) => item.id === record.id);
    if (!live)
      throw new FixedIpError(
        'DRIFTED',
        `${identityKey(node)} ${record.id} is not in the account: export writes only what is live`,
        { hint: 'run fixed-ip status to see what changed, and fixed-ip setup to repair it' },
      );
    if (!kind.iac)
      throw new FixedIpError('INTERNAL', `the ${kind.title} kind cannot be exported yet (${record.id})`);
    const out = await kind.iac(ctx, record, live);
    if (out.reused) reused.push({ node, reused: out.reused });
    // The kind's own resource keeps the tags its kind keeps once handed over (forget keeps them too).
    const keep = kind.keepsTags?.keys;
    for (const resource of out.owned ?? [])
      resources.push({
        node,
        resource: resource.part === '' && keep ? { ...resource, keepTags: keep } : resource,
      });
    notes.push(...(out.notes ?? []));
  }
  const ids = new Set<string>();
  for (const { resource } of resources) {
    if (ids.has(resource.id))
      throw new FixedIpError('INTERNAL', `two exported resources claim ${resource.id}`);
    ids.add(resource.id);
  }
  const snippets = WORKLOADS.map((w) => w.iac?.(ctx)).filter((s) => s !== undefined);
  return {
    stack: ctx.name,
    region: ctx.state.region,
    accountId: ctx.state.accountId,
    natMode: ctx.state.shape.nat,
    zones: [...ctx.state.shape.zones],
    resources,
    reused,
    // Every workload takes the same network (the private subnets and the stack's group).
    snippet: snippets[0] && { ...snippets[0], names: snippets.flatMap((snippet) => snippet.names) },
    notes,
  };
}

const words = (text: string): string[] =>
  text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);

/** `privateRouteTable`, 'route', 'ap-northeast-1a' -> `private_route_table_route_ap_northeast_1a`. */
export function snakeName(...parts: ReadonlyArray<string | undefined>): string {
  const name = parts
    .flatMap((p) => words(p ?? ''))
    .map((w) => w.toLowerCase())
    .join('_');
  return /^[a-z_]/.test(name) ? name : `_${name}`;
}

/** `privateRouteTable`, 'route', 'ap-northeast-1a' -> `PrivateRouteTableRouteApNortheast1a`. */
export function pascalName(...parts: ReadonlyArray<string | undefined>): string {
  const name = parts
    .flatMap((p) => words(p ?? ''))
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
  return /^[A-Za-z]/.test(name) ? name : `R${name}`;
}

/** Walks a value, turning each id reference into what `resolve` makes of it; drops undefined. */
export function mapValue(value: IacValue | undefined, resolve: (id: string) => unknown): unknown {
  if (value === undefined) return undefined;
  if (isIdRef(value)) return resolve(value.idRef);
  if (Array.isArray(value)) return (value as readonly IacValue[]).map((v) => mapValue(v, resolve));
  if (typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, mapValue(v, resolve)]),
    );
  return value;
}
