import { createHash } from 'node:crypto';
import type { AwsPort } from '../aws/port.js';
import { AbortError, FixedIpError } from '../errors.js';
import type { Clock } from '../ports/clock.js';
import type { Ui } from '../ports/ui.js';
import type { StateStore } from '../state/store.js';
import { identityKey, type KindName } from '../state/identity.js';
import type {
  RecordOf,
  ResourceRecord,
  ServiceNetworkRecord,
  Shape,
  StackState,
  VpcConfigRecord,
} from '../state/schema.js';
import type { World } from './world.js';

/** What every command is given: the ports. Tests pass fakes; nothing is mocked by module path. */
export interface Deps {
  ui: Ui;
  clock: Clock;
  /** Builds the AWS port for a region (undefined: the standard AWS configuration decides). */
  connect: (region: string | undefined) => Promise<AwsPort>;
  /** The state store for a stack name and an optional --state path. */
  openStore: (name: string, path: string | undefined) => StateStore;
  /** Aborted on Ctrl-C: work stops after the AWS call in flight has been recorded. */
  signal?: AbortSignal;
}

/** The decisions setup made before touching anything, read by the kinds. */
export interface Targets {
  vpcId: string | undefined;
  newVpcCidr: string | undefined;
  /** The NAT mode and the zones, first zone first. */
  shape: Shape;
  /** Per zone: the block for the subnet fixed-ip would create there. */
  publicCidrs: Record<string, string>;
  privateCidrs: Record<string, string>;
  /** Elastic IPs to adopt (--eip), by zone: reused, never released by teardown. */
  adoptEips: Readonly<Record<string, string>>;
  functions: FunctionTarget[];
  /** The ECS services to hold (`--ecs-service`, or the ones the stack holds). */
  services: ServiceTarget[];
  /**
   * The stack existed before this run (a state file, or tagged resources): an earlier run may
   * have been interrupted and left duplicates AWS did not list yet, so setup looks for them again.
   */
  resumed: boolean;
  /** `--replace-nat-instance`: a fresh NAT instance from the newest image, on the same interface. */
  replaceNatInstance: boolean;
}

export interface FunctionTarget {
  name: string;
  arn: string;
  role: string;
  previous: VpcConfigRecord;
  /** Already in exactly this stack's private subnets, with its security group. */
  attached: boolean;
  /** Lambda's LastUpdateStatus when setup looked (an attach may still be in progress). */
  lastUpdateStatus: string | undefined;
  /** The function's tags, read for a function setup is about to move (undefined otherwise). */
  tags?: Record<string, string>;
  /** Aliases serving a published version ("prod (version 3)"): they keep the old network. */
  staleAliases: string[];
  /** Why it cannot be attached at all (Lambda@Edge, Lambda Managed Instances): plan's blocker. */
  refusal?: string;
}

export interface ServiceTarget {
  /** `cluster/service`, the key of the state's record. */
  key: string;
  cluster: string;
  service: string;
  arn: string;
  previous: ServiceNetworkRecord;
  /** Already in exactly this stack's private subnets, with its security group and no public IP. */
  attached: boolean;
  /** FARGATE or EC2 (a capacity provider strategy counts as its provider's type). */
  launchType: 'FARGATE' | 'EC2';
  /** Its security groups in the stack's VPC, kept beside the stack's (a load balancer's rules name them). */
  keptGroups: string[];
  /** The service's tags. */
  tags: Record<string, string>;
}

export interface StackContext {
  readonly name: string;
  readonly aws: AwsPort;
  readonly ui: Ui;
  readonly clock: Clock;
  readonly signal: AbortSignal | undefined;
  readonly state: StackState;
  world: World;
  /** Records the state file; call after every change in AWS, before the next one. */
  save(): Promise<void>;
  /** Stops between AWS calls when the user pressed Ctrl-C. */
  checkpoint(): void;
}

export function makeContext(options: {
  name: string;
  aws: AwsPort;
  deps: Deps;
  store: StateStore;
  state: StackState;
  world: World;
}): StackContext {
  const { deps, store, state } = options;
  return {
    name: options.name,
    aws: options.aws,
    ui: deps.ui,
    clock: deps.clock,
    signal: deps.signal,
    state,
    world: options.world,
    save: () => store.write(state),
    checkpoint: () => {
      if (!deps.signal?.aborted) return;
      // A lost run guard says so (exit 7); Ctrl-C is a plain stop.
      const reason: unknown = deps.signal.reason;
      throw reason instanceof FixedIpError ? reason : new AbortError('Stopped', true);
    },
  };
}

/** The stack's VPC id; kinds run only after the VPC is known (or created). */
export function vpcIdOf(ctx: StackContext): string {
  const id = ctx.state.resources.vpc?.id;
  if (!id) throw new FixedIpError('INTERNAL', 'the VPC was not resolved before the steps ran');
  return id;
}

/** Records a resource (and saves the state) unless the state already says exactly that. */
export async function putRecord(ctx: StackContext, record: ResourceRecord): Promise<void> {
  const key = identityKey(record);
  if (JSON.stringify(ctx.state.resources[key]) === JSON.stringify(record)) return;
  ctx.state.resources[key] = record;
  await ctx.save();
}

/** Forgets a resource once it is gone from AWS, and saves the state. */
export async function dropRecord(ctx: StackContext, kind: KindName, zone: string | undefined): Promise<void> {
  delete ctx.state.resources[identityKey({ kind, zone })];
  await ctx.save();
}

/** This stack's record of a kind in a zone. */
export function recordIn<K extends KindName>(
  ctx: StackContext,
  kind: K,
  zone: string | undefined,
): RecordOf<K> | undefined {
  return ctx.state.resources[identityKey({ kind, zone })] as RecordOf<K> | undefined;
}

/**
 * An idempotency token for creates that take one: the same stack, resource and inputs always give
 * the same token, so a repeated create (after a lost response) returns the first resource.
 */
export function clientToken(ctx: StackContext, purpose: string, ...inputs: string[]): string {
  const digest = createHash('sha256')
    .update([ctx.state.accountId, ctx.state.region, ctx.name, purpose, ...inputs].join('\n'))
    .digest('hex')
    .slice(0, 32);
  return `fixed-ip-${purpose}-${digest}`.slice(0, 64);
}
