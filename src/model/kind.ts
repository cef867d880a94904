import type * as z from 'zod/mini';
import type { Action } from '../aws/operations.js';
import type { AwsPort } from '../aws/port.js';
import type { StackContext, Targets } from './context.js';
import type { IacExport, IacWorkloadSnippet } from './iac.js';
import type { World, WorldPart } from './world.js';
import type { Identity, KindName, ResourceRecord } from '../state/identity.js';
import type { StackState } from '../state/schema.js';
import type { Shape } from '../state/schema.js';

/**
 * A resource kind: one module that owns everything about one kind of resource in the article's
 * recipe (state record, tags, find, check, create, delete, DryRun preflight, IAM actions, hourly
 * cost). The engine (setup, teardown, status, plan, discovery, iam-policy, pricing) never asks
 * which kind it holds. A resource's identity is (stack, kind, zone where the kind is zonal).
 */
export { baseRecord, identityKey, type Identity, type KindName } from '../state/identity.js';

export type PlanAction = 'create' | 'move' | 'reuse' | 'done' | 'repair';

/** Whether setup must change something in AWS for this line. */
export const isWork = (action: PlanAction): boolean =>
  action === 'create' || action === 'move' || action === 'repair';

export interface PlanLine {
  action: PlanAction;
  /** The resource id or what will be made ("10.0.1.0/24 in ap-northeast-1a"). */
  detail: string;
}

export interface Check {
  ok: boolean;
  id: string | undefined;
  /** AWS's state word, or 'missing'. */
  state: string;
  /** What drifted, and what to do about it. */
  problem?: string;
}

export interface RemoveOptions {
  keepEip: boolean;
  /** clock time after which waits on Lambda's network interfaces give up. */
  deadline: number;
}

/** Why a resource stays, and whether its record goes (it is not the stack's to remove, ever). */
export interface KeepReason {
  why: string;
  forget: boolean;
}

/** 'removed', 'kept' (reused, unproven, or --keep-eip), or 'gone' (nothing was there). */
export interface RemoveOutcome {
  outcome: 'removed' | 'kept' | 'gone';
  detail: string;
  /** Why it was kept (`teardown --json` gives it beside the resource). */
  why?: string;
}

/**
 * An IAM action a kind needs: an operation it calls, or one AWS authorizes alongside a call (tags
 * given at creation, a role handed to EC2).
 */
export type KindAction =
  | Action
  | 'iam:PassRole'
  | 'iam:TagRole'
  | 'iam:TagInstanceProfile'
  | 'iam:CreateServiceLinkedRole'
  | 'autoscaling:CreateOrUpdateTags'
  | 'budgets:ViewBudget'
  | 'budgets:ModifyBudget';

/**
 * One statement of fixed-ip's own IAM policy: the actions it grants (kept when a command needs
 * them), on which resources, under which condition. The Sid says what it is for.
 */
export interface PolicyGrant {
  sid: string;
  actions: readonly string[];
  resource: string | readonly string[];
  condition?: Record<string, Record<string, string | readonly string[]>>;
}

/** The IAM actions a kind needs, per command. */
export interface KindActions {
  /** Describe calls status, plan and every other command make to find and check it. */
  read: readonly KindAction[];
  create: readonly KindAction[];
  remove: readonly KindAction[];
  /** Changes setup makes to a resource it made (a route table added to an endpoint). */
  change?: readonly KindAction[];
  /** What `forget` calls to take fixed-ip's tags off it (absent: EC2's DeleteTags, as `untag`). */
  untag?: readonly KindAction[];
  /**
   * For a kind outside EC2's tag-scoped statements (an IAM role): the statements of fixed-ip's
   * policy that grant its actions, scoped as tightly as AWS allows.
   */
  grants?: readonly PolicyGrant[];
  /**
   * For a kind whose IAM statements are derived from it: the ARN resource type it makes (its
   * creates require fixed-ip's tag, its changes and deletes the tag on the resource), and the types
   * its create and change calls only refer to, which may be yours and untagged (a VPC, a route table).
   */
  scope?: { ownType: string; refersTo: readonly string[] };
}

/**
 * A setting a kind adds to the stack: its own flag on setup and plan, kept in the state's shape
 * (`shape.inputs[key]`) so a re-run without the flag keeps it.
 */
export interface KindInput {
  /** The key in `shape.inputs`. */
  readonly key: string;
  /** The commander flag, e.g. '--endpoints <list>'. */
  readonly flag: string;
  readonly description: string;
  /** The flag's text as the stored value; throws a BAD_OPTION FixedIpError naming what is wrong. */
  parse(text: string): unknown;
  /** The stored value, checked on every read of the state. */
  readonly schema: z.ZodMiniType;
  /** The value that makes the most of the kind (the recipe's graph is drawn with it). */
  readonly widest: unknown;
  /** The value for a stack found by its tags, from the records found there. */
  fromRecords?(records: readonly ResourceRecord[]): unknown;
  /**
   * What the setting needs of the shape, said as "a NAT instance", when this shape lacks it
   * (undefined when it applies): given, it is refused; kept from before, it goes with the shape.
   */
  needsOf?(shape: Shape): string | undefined;
}

/**
 * How AWS bills a kind, for `fixed-ip cost`: the usage types its charges appear under in Cost
 * Explorer, when its live resource began to bill, and (for a NAT) the metrics of what it processed.
 */
export interface KindBilling {
  /** Its usage types in the region, in every spelling AWS's bills use there. */
  usageTypes(region: string, shape: Shape): readonly string[];
  /** How a span of its life is billed: by the started hour (a NAT gateway), else by the second. */
  readonly per: 'hour' | 'second';
  /** When the live resource a record names began to bill (its creation or launch), when AWS says. */
  since?(world: World, record: ResourceRecord): Date | undefined;
  /** For a NAT: the CloudWatch metrics whose sum is the bytes it processed. */
  traffic?(world: World, record: ResourceRecord): TrafficMetrics | undefined;
  /** For a NAT: USD per billed GB it charges for processing (0 for an instance). */
  processingPerGbUsd?(region: string): number;
}

/** A NAT's traffic as CloudWatch counts it. */
export interface TrafficMetrics {
  namespace: string;
  dimensions: ReadonlyArray<{ Name: string; Value: string }>;
  /**
   * The metrics that add up to the bytes processed: what the private side sent (`out`), what came
   * back (`back`), or both at once (`both`: an instance receives every byte it forwards).
   */
  metrics: ReadonlyArray<{ name: string; direction: 'out' | 'back' | 'both' }>;
}

/** The NAT traffic a stack's cost report measured, for a kind's advice on paying less. */
export interface MeasuredTraffic {
  /** Bytes processed by per-GB-charging NATs over the window. */
  chargedBytes: number;
  /** The window, in days. */
  days: number;
  /** USD per billed GB the stack's NATs charge for processing. */
  perGbUsd: number;
}

/** What adding a kind's setting to the stack would have saved on the traffic measured. */
export interface Saving {
  /** The setting and the value that turns it on (`--endpoints` and `s3`); values of one key join. */
  flag: string;
  value: string;
  /** At most this much over the window (the traffic's destination is not known). */
  upToUsd: number;
  upToMonthlyUsd: number;
  /** What else it changes, for the user to weigh. */
  caveat: string;
}

/** A node a kind adds to the recipe: its identity, and what it waits for. */
export interface KindNode {
  id: Identity;
  after: Identity[];
}

/**
 * One step of the recipe: a resource kind, or moving the functions. setup calls `ensure` once what
 * the recipe says it depends on is done; teardown walks the same recipe backward and calls `remove`
 * once everything that depends on it is removed (a step never names what depends on it); status
 * calls `check`.
 */
export interface StepBase {
  readonly name: KindName | WorkloadName;
  /** The article's step number: 1-6; 0 for a VPC fixed-ip creates, 7 for moving the functions. */
  readonly article: number;
  readonly title: string;
  plan(ctx: StackContext, zone: string | undefined, targets: Targets): PlanLine;
  /** Makes it so; returns the line shown when done, e.g. "subnet-0abc (10.0.1.0/24)". */
  ensure(ctx: StackContext, zone: string | undefined, targets: Targets): Promise<string>;
  check(ctx: StackContext, zone: string | undefined): Check;
  remove(ctx: StackContext, zone: string | undefined, options: RemoveOptions): Promise<RemoveOutcome>;
}

/** A node of a kind in the plan, for its quota check. */
export interface QuotaNode {
  zone: string | undefined;
  /** setup creates it (else it exists, or is reused). */
  creating: boolean;
}

/** A quota as plan shows it; `blocker` says what to do when it would run out. */
export interface Quota {
  name: string;
  used: number;
  limit: number;
  ok: boolean;
  blocker?: string;
}

/** The workloads a stack moves into its private subnets: Lambda functions, ECS services. */
export type WorkloadName = 'functions' | 'services';

/** One workload a stack holds, as status reads it live. */
export interface WorkloadStatus {
  /** Its name in the stack (a function's name, an ECS service's `cluster/service`). */
  name: string;
  attached: boolean;
  /** Deleted outside fixed-ip: not drift (the next setup drops it). */
  gone?: boolean;
  /** What status shows beside it ("2 of 2 running tasks in the private subnets"). */
  detail?: string;
  /** What is wrong, and what to do about it. */
  problem?: string;
}

/**
 * A workload: what the stack exists for, not a resource of its own. Its `ensure` attaches (moves it
 * into the private subnets once every private route exists), its `remove` restores what it had
 * before, its `check` says whether it is still attached; what it had is kept on the workload itself
 * (its own tags), so it has no record in the state's resources. The engine walks it like any step:
 * last forward, first backward, and behind every route that points at a NAT.
 */
export interface Workload extends StepBase {
  readonly name: WorkloadName;
  readonly workload: true;
  /** The ones the stack has attached, by name, as its state records them. */
  attachedIn(state: StackState): string[];
  /**
   * The IAM actions it needs beyond what every command reads of functions (absent: none): its
   * reads, its attach (setup, attach), its detach (detach, teardown) and its untag (forget), and
   * the statements granting them.
   */
  readonly iam?: {
    read: readonly KindAction[];
    attach: readonly KindAction[];
    detach: readonly KindAction[];
    untag: readonly KindAction[];
    grants: readonly PolicyGrant[];
  };
  /** Whether this run holds any of them (a step of the plan only then). */
  holds(targets: Targets): boolean;
  /**
   * For a stack found by its tags (its state file lost): the ones carrying the stack's tags, with
   * the previous network they keep there, put into `state` (the functions are found with the subnets).
   */
  discover?(aws: AwsPort, state: StackState): Promise<void>;
  /** For status: reads into `ctx.world` what `report` needs of them, live. */
  load?(ctx: StackContext): Promise<void>;
  /** For status: each one the stack holds, as `load` read it (`status --json` lists them under the workload's name). */
  report?(ctx: StackContext): WorkloadStatus[];
  /** What would stop attaching them, found before anything is made (a function with no room for fixed-ip's tags). */
  blockers?(ctx: StackContext, targets: Targets): string[];
  /** For `export`: the network settings its attached workloads take, for the user's own definitions. */
  iac?(ctx: StackContext): IacWorkloadSnippet | undefined;
  /** For `forget`: fixed-ip's tag keys on each workload the stack holds, by name (one without any: absent). */
  ourTags?(ctx: StackContext): Promise<Map<string, string[]>>;
  /** For `forget`: takes those keys off one of them, which stays where it is. */
  untag?(ctx: StackContext, name: string, keys: readonly string[]): Promise<void>;
}

/** One step of the recipe: a resource kind, or a workload. */
export type Step = Kind | Workload;

export function isWorkload(step: Step): step is Workload {
  return (step as Partial<Workload>).workload === true;
}

/** A resource the world holds, as a kind sees it: its id, tags and zone. */
export interface Listed {
  id: string;
  tags: ReadonlyArray<{ Key?: string | undefined; Value?: string | undefined }> | undefined;
  /** Where it lives (a subnet's zone, the zone of a NAT gateway's subnet); undefined for regional kinds. */
  zone: string | undefined;
  /** The record fields beyond id/owned/zone (cidr, publicIp). */
  extra: Record<string, unknown>;
}

export interface DryRun {
  action: Action;
  call: () => Promise<unknown>;
  /**
   * It acts on a resource setup makes first (a placeholder here). fixed-ip's policy allows it only
   * on resources carrying fixed-ip's tags, which a placeholder does not: AWS's refusal then proves
   * nothing, and plan lists the action as not checkable in advance.
   */
  onOwnResource?: true;
}

/**
 * A kind's title inside a sentence: "Public subnet" -> "public subnet"; a name that is not a plain
 * word keeps its case ("NAT gateway", "S3 gateway endpoint", "DynamoDB gateway endpoint").
 */
export function inSentence(title: string): string {
  return title.replace(/^[A-Z](?=[a-z]+\b)/, (c) => c.toLowerCase());
}

/** An id AWS has never issued, for dry runs of calls whose real ids do not exist yet. */
export const PLACEHOLDER = '00000000000000000';

/** Where a route sends traffic: the fields of CreateRoute / ReplaceRoute that name the target. */
export interface RouteTarget {
  GatewayId?: string;
  NatGatewayId?: string;
  NetworkInterfaceId?: string;
}

export interface Kind extends StepBase {
  readonly name: KindName;
  /** The `fixed-ip:role` tag value (kept from the first release, so its stacks are found again). */
  readonly role: string;
  readonly zonal: boolean;
  /** Validation of this kind's state record. */
  readonly record: z.ZodMiniObject;
  readonly iam: KindActions;
  /**
   * For the kinds that stop the stack's hourly NAT charge when they go: what teardown says once AWS
   * confirmed it gone ("NAT gateway is deleted").
   */
  readonly goneLine?: string;
  /** USD per hour while it exists (0 when free). */
  hourlyUsd(region: string, shape: Shape): number;
  /** How AWS bills it (absent when it is free). */
  readonly billing?: KindBilling;
  /**
   * What the stack would have saved on the traffic measured had it this kind (a gateway endpoint
   * on a NAT's per-GB charge); undefined when it has it, or when it would save nothing.
   */
  saving?(ctx: StackContext, traffic: MeasuredTraffic): Saving | undefined;
  /** Settings of its own (flags on setup and plan, kept in the shape). */
  readonly inputs?: readonly KindInput[];
  /**
   * Its nodes in the recipe, for kinds outside the article's six steps: placed after the private
   * routes and before the functions move; none when the shape does not ask for it.
   */
  nodes?(shape: Shape): KindNode[];
  /** The world parts its `check` reads beyond what status always loads. */
  readonly needs?: readonly WorldPart[];
  /** The part of the world its resources are listed in (what proves one is still there). */
  readonly part: WorldPart;
  /**
   * What would stop its creation halfway, found before anything is made (e.g. a zone that does
   * not offer an instance type): each string is a blocker for plan and setup.
   */
  blockers?(ctx: StackContext, zone: string | undefined, targets: Targets): Promise<string[]>;
  /**
   * The quotas its resources use, checked before anything is made: given every node of this kind
   * the plan holds (and whether setup creates it), each quota with its use and limit, and the
   * blocker when it would run out (an account's Elastic IPs, a zone's NAT gateways, a subnet's free
   * addresses).
   */
  quotas?(ctx: StackContext, nodes: readonly QuotaNode[], targets: Targets): Promise<Quota[]>;
  /**
   * Whether the live resource a record names may be deleted as this stack's, where the kind's rule
   * is not the default (the record says fixed-ip made it, and the complete tag set names this
   * stack, kind and zone): one internet gateway serves every stack in a VPC.
   */
  proves?(ctx: StackContext, record: ResourceRecord, live: Listed): boolean;
  /** A reason to keep a resource of the stack all the same (--keep-eip; another stack still uses it). */
  keeps?(ctx: StackContext, record: ResourceRecord, options: RemoveOptions): KeepReason | undefined;
  /** For NAT kinds: how a route names this resource. */
  routeTarget?(id: string): RouteTarget;
  /**
   * For NAT kinds: the public IPs the live resource with this id (a route's target, the stack's
   * or not) sends traffic from now (what a partner sees, and allowlists), read from the world;
   * empty when it is gone or is not of this kind.
   */
  egressIps?(ctx: StackContext, id: string): string[];
  /**
   * For `forget`: takes fixed-ip's tags (`keys`, every `fixed-ip:` key the live resource carries
   * but those it `keepsTags`) off the resource a record names, and no other tag. Absent: EC2's
   * DeleteTags on its id, which serves every EC2 kind.
   */
  untag?(ctx: StackContext, record: ResourceRecord, keys: readonly string[]): Promise<void>;
  /**
   * For `forget`: fixed-ip tags its resource keeps once handed over, because something that stays
   * relies on them, and why (a NAT instance's role may move only an interface with the stack's tag).
   */
  readonly keepsTags?: { keys: readonly string[]; why: string };
  /** Its resources in the world (tags not yet checked). */
  list(world: World): Listed[];
  /**
   * For `export`: the live resource a record names, as Terraform and CloudFormation resources (and
   * a data source or parameter when the stack only reused it). `live` is what `list` found; a kind
   * may read more of it from AWS. Every kind that can hold a resource has one.
   */
  iac?(ctx: StackContext, record: ResourceRecord, live: Listed): IacExport | Promise<IacExport>;
  /**
   * Its create calls with DryRun, so plan can tell a missing permission before anything is made
   * (AWS checks the permission before it looks up ids, so placeholders do).
   */
  dryRuns?(aws: AwsPort, stack: string, zone: string | undefined, targets: Targets): DryRun[];
}
