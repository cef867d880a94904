/**
 * The state file: what a stack is made of and whether fixed-ip created (owned) or reused each part.
 * Versioned and validated on every read; a newer version is refused, never guessed at.
 */

export const STATE_VERSION = 1;

export interface ResourceRecord {
  id: string;
  /** True when fixed-ip created it (and so may delete it); false when it was there already. */
  owned: boolean;
}

export interface SubnetRecord extends ResourceRecord {
  cidr: string;
  az: string;
}

export interface RouteTableRecord extends ResourceRecord {
  associationId?: string;
}

export interface ElasticIpRecord extends ResourceRecord {
  publicIp: string;
}

export interface VpcConfigRecord {
  subnetIds: string[];
  securityGroupIds: string[];
}

export interface FunctionRecord {
  arn: string;
  /** The function's VpcConfig before setup moved it, restored by teardown. */
  previous: VpcConfigRecord;
  attached: boolean;
}

export interface StackState {
  version: typeof STATE_VERSION;
  name: string;
  region: string;
  accountId: string;
  vpc?: ResourceRecord & { cidrs: string[] };
  internetGateway?: ResourceRecord;
  publicSubnet?: SubnetRecord;
  publicRouteTable?: RouteTableRecord;
  privateSubnet?: SubnetRecord;
  securityGroup?: ResourceRecord;
  elasticIp?: ElasticIpRecord;
  natGateway?: ResourceRecord;
  privateRouteTable?: RouteTableRecord;
  functions: Record<string, FunctionRecord>;
  updatedAt: string;
}

export type ResourceKey =
  | 'vpc'
  | 'internetGateway'
  | 'publicSubnet'
  | 'publicRouteTable'
  | 'privateSubnet'
  | 'securityGroup'
  | 'elasticIp'
  | 'natGateway'
  | 'privateRouteTable';

export const RESOURCE_KEYS: readonly ResourceKey[] = [
  'vpc',
  'internetGateway',
  'publicSubnet',
  'publicRouteTable',
  'privateSubnet',
  'securityGroup',
  'elasticIp',
  'natGateway',
  'privateRouteTable',
];

export function emptyState(name: string, region: string, accountId: string): StackState {
  return {
    version: STATE_VERSION,
    name,
    region,
    accountId,
    functions: {},
    updatedAt: new Date(0).toISOString(),
  };
}

/** True when the state records nothing in AWS: the stack is gone. */
export function isEmptyState(state: StackState): boolean {
  return RESOURCE_KEYS.every((key) => state[key] === undefined) && Object.keys(state.functions).length === 0;
}

type Problem = string;

/** Checks an untrusted value against the schema; returns the first problem, or the state. */
export function parseState(value: unknown): StackState | Problem {
  if (!isObject(value)) return 'not a JSON object';
  if (typeof value.version !== 'number') return 'no "version" field';
  if (value.version > STATE_VERSION) return `newer:${value.version}`;
  if (value.version !== STATE_VERSION) return `unknown version ${value.version}`;
  for (const field of ['name', 'region', 'accountId', 'updatedAt'] as const) {
    if (typeof value[field] !== 'string') return `"${field}" is missing or not a string`;
  }
  for (const key of RESOURCE_KEYS) {
    const record = value[key];
    if (record === undefined) continue;
    if (!isObject(record) || typeof record.id !== 'string' || typeof record.owned !== 'boolean') {
      return `"${key}" must be {"id": string, "owned": boolean, ...}`;
    }
  }
  if (!isObject(value.functions)) return '"functions" must be an object';
  for (const [name, fn] of Object.entries(value.functions)) {
    if (
      !isObject(fn) ||
      typeof fn.arn !== 'string' ||
      typeof fn.attached !== 'boolean' ||
      !isObject(fn.previous) ||
      !isStringArray(fn.previous.subnetIds) ||
      !isStringArray(fn.previous.securityGroupIds)
    ) {
      return `function "${name}" is malformed`;
    }
  }
  return value as unknown as StackState;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}
