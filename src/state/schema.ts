/**
 * The state file, version 2: a record per resource keyed by its identity (kind and zone), the
 * stack's shape (NAT mode and zones) and its functions. Validated with zod on every read: here
 * what every record holds; each kind's own fields by the kind (`checkRecords` in src/kinds/index.ts,
 * run by the commands on what they read), so the state layer knows no kind. A version-1 file (the first release) is migrated on
 * read (migrate.ts); a newer version is refused, never guessed at.
 */
import * as z from 'zod/mini';
import { baseRecord as baseRecordShape } from './identity.js';
import { en } from 'zod/locales';
import { identityKey, type KindName, type RecordOf, type ResourceRecord } from './identity.js';

export type { KindName, RecordOf, ResourceRecord };

export const STATE_VERSION = 2;

// zod/mini: its functional API lets the bundle keep only what is used (zod's classic API brings
// all of zod into every command's start); its messages are in English only when asked.
z.config(en());

export const NAT_MODES = ['gateway', 'gateway-per-az', 'regional', 'instance'] as const;
export type NatModeName = (typeof NAT_MODES)[number];

const vpcConfig = z.object({
  subnetIds: z.array(z.string()),
  securityGroupIds: z.array(z.string()),
  /** Lambda's Ipv6AllowedForDualStack (absent in states written before it was recorded: false). */
  ipv6AllowedForDualStack: z.optional(z.boolean()),
});
export type VpcConfigRecord = z.infer<typeof vpcConfig>;

const functionRecord = z.object({
  arn: z.string(),
  /** The function's VpcConfig before setup moved it, restored by teardown. */
  previous: vpcConfig,
  attached: z.boolean(),
  /**
   * Aliases that served a published version when setup moved the function ("prod (version 3)"):
   * those versions keep the network they were published with, so plan, setup and status warn.
   */
  staleAliases: z.optional(z.array(z.string())),
});
export type FunctionRecord = z.infer<typeof functionRecord>;

/** An ECS service's awsvpc network settings: its subnets, security groups, and public IP. */
const serviceNetwork = z.object({
  subnetIds: z.array(z.string()),
  securityGroupIds: z.array(z.string()),
  /** ECS's assignPublicIp; absent for the EC2 launch type, which has no such setting. */
  assignPublicIp: z.optional(z.enum(['ENABLED', 'DISABLED'])),
});
export type ServiceNetworkRecord = z.infer<typeof serviceNetwork>;

const serviceRecord = z.object({
  arn: z.string(),
  /** The service's network before setup moved it, restored by detach and teardown. */
  previous: serviceNetwork,
  attached: z.boolean(),
});
export type ServiceRecord = z.infer<typeof serviceRecord>;

const shape = z.object({
  nat: z.enum(NAT_MODES),
  /** The zones the functions run in; the first is the home zone (a single NAT gateway lives there). */
  zones: z.array(z.string().check(z.minLength(1))),
  /** With `--nat instance`: the instance type (default t4g.nano). */
  natInstanceType: z.optional(z.string().check(z.minLength(1))),
  /** The kinds' own settings (e.g. `endpoints`), each checked by its kind (src/kinds/index.ts). */
  inputs: z.optional(z.record(z.string(), z.unknown())),
});
export type Shape = z.infer<typeof shape>;

export const STATE_SCHEMA = z
  .object({
    version: z.literal(STATE_VERSION),
    name: z.string().check(z.minLength(1)),
    region: z.string().check(z.minLength(1)),
    accountId: z.string(),
    shape,
    // What every record holds; its kind's own fields pass through, for the kind to check.
    resources: z.record(
      z.string(),
      z.looseObject({ ...baseRecordShape.def.shape, kind: z.string().check(z.minLength(1)) }),
    ),
    functions: z.record(z.string(), functionRecord),
    /** The ECS services the stack holds, by `cluster/service` (absent in states before them). */
    services: z.optional(z.record(z.string(), serviceRecord)),
    updatedAt: z.string(),
  })
  .check(
    z.superRefine((state, check) => {
      for (const [key, record] of Object.entries(state.resources)) {
        const recorded = identityKey(record as ResourceRecord);
        if (recorded !== key)
          check.addIssue({ code: 'custom', message: `resource "${key}" is recorded as ${recorded}` });
      }
    }),
  );

/** The state, with each record typed by its kind (checked by the kind once read). */
export type StackState = Omit<z.infer<typeof STATE_SCHEMA>, 'resources'> & {
  resources: Record<string, ResourceRecord>;
};

export function emptyState(name: string, region: string, accountId: string): StackState {
  return {
    version: STATE_VERSION,
    name,
    region,
    accountId,
    shape: { nat: 'gateway', zones: [] },
    resources: {},
    functions: {},
    updatedAt: new Date(0).toISOString(),
  };
}

/** True when the state records nothing in AWS: the stack is gone. */
export function isEmptyState(state: StackState): boolean {
  return (
    Object.keys(state.resources).length === 0 &&
    Object.keys(state.functions).length === 0 &&
    Object.keys(state.services ?? {}).length === 0
  );
}

/** The record of one resource, typed by its kind. */
export function recordOf<K extends KindName>(
  state: StackState,
  kind: K,
  zone?: string,
): RecordOf<K> | undefined {
  return state.resources[identityKey({ kind, zone })] as RecordOf<K> | undefined;
}

/** Every record of a kind, in every zone. */
export function recordsOf<K extends KindName>(state: StackState, kind: K): RecordOf<K>[] {
  return Object.values(state.resources).filter((r): r is RecordOf<K> => r.kind === kind);
}

/** The stack's VPC id, when known. */
export function vpcOf(state: StackState): RecordOf<'vpc'> | undefined {
  return recordOf(state, 'vpc');
}
