/**
 * Reads every state version this release knows. Version 1 (the first release: one record per
 * role, one zone, one NAT gateway) becomes version 2 with the same resources, each keyed by kind
 * and the zone of the stack's subnets. Nothing in AWS changes: v1 resources carry no zone tag, and
 * the kinds accept that for the ids the state records.
 */
import { identityKey } from './identity.js';
import { STATE_SCHEMA, STATE_VERSION, type StackState } from './schema.js';

/** What a read found: a state, or a problem (`newer:N` for a file from a newer release). */
export type Parsed = { state: StackState; migratedFrom?: number } | { problem: string };

export function parseState(value: unknown): Parsed {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { problem: 'not a JSON object' };
  const version = (value as { version?: unknown }).version;
  if (typeof version !== 'number') return { problem: 'no "version" field' };
  if (version > STATE_VERSION) return { problem: `newer:${version}` };
  if (version === 1) {
    const migrated = fromV1(value as Record<string, unknown>);
    if (typeof migrated === 'string') return { problem: migrated };
    return check(migrated, 1);
  }
  if (version !== STATE_VERSION) return { problem: `unknown version ${version}` };
  return check(value, undefined);
}

function check(value: unknown, migratedFrom: number | undefined): Parsed {
  const result = STATE_SCHEMA.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? `"${issue.path.join('.')}": ` : '';
    return { problem: `${where}${issue?.message ?? 'invalid'}` };
  }
  // The kinds check their own records' fields (checkRecords); here every record is a base record.
  const state = result.data as StackState;
  return migratedFrom === undefined ? { state } : { state, migratedFrom };
}

const V1_KINDS = [
  'vpc',
  'internetGateway',
  'publicSubnet',
  'publicRouteTable',
  'privateSubnet',
  'securityGroup',
  'elasticIp',
  'natGateway',
  'privateRouteTable',
] as const;
const V1_ZONAL = new Set([
  'publicSubnet',
  'publicRouteTable',
  'privateSubnet',
  'elasticIp',
  'natGateway',
  'privateRouteTable',
]);

function fromV1(v1: Record<string, unknown>): Record<string, unknown> | string {
  const subnet = (v1.publicSubnet ?? v1.privateSubnet) as { az?: unknown } | undefined;
  const zone = typeof subnet?.az === 'string' && subnet.az ? subnet.az : undefined;
  const resources: Record<string, unknown> = {};
  for (const kind of V1_KINDS) {
    const record = v1[kind] as Record<string, unknown> | undefined;
    if (record === undefined) continue;
    if (typeof record !== 'object' || record === null) return `"${kind}" must be an object`;
    const { associationId, ...rest } = record;
    delete rest.az;
    const recordZone = V1_ZONAL.has(kind) ? zone : undefined;
    if (V1_ZONAL.has(kind) && recordZone === undefined && kind !== 'elasticIp')
      return `"${kind}" has no zone (no subnet records one)`;
    const migrated = {
      ...rest,
      kind,
      ...(recordZone ? { zone: recordZone } : {}),
      ...(typeof associationId === 'string' ? { associationIds: [associationId] } : {}),
    };
    resources[identityKey({ kind, zone: recordZone })] = migrated;
  }
  return {
    version: STATE_VERSION,
    name: v1.name,
    region: v1.region,
    accountId: v1.accountId,
    shape: { nat: 'gateway', zones: zone ? [zone] : [] },
    resources,
    functions: v1.functions,
    updatedAt: v1.updatedAt,
  };
}
