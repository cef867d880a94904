/**
 * The simulated AWS account. Every call goes through `handle`, which applies faults, DryRun and
 * permissions the way AWS does, runs the operation, and records the call.
 */
import type { Clock } from './contract.js';
import type { SimContext } from './context.js';
import type { Fault, SimCall, SimService, SimTimings } from './contract.js';
import {
  accessDenied,
  dryRunSucceeded,
  networkError,
  serverError,
  throttlingError,
  unsupportedOperation,
} from './errors.js';
import { authorizationsOf } from './authorization.js';
import { activateCostAllocationTag, meterUsage } from './billing.js';
import { type Egress, egressFrom } from './egress.js';
import { FaultBook } from './faults.js';
import { advanceNatBoots } from './nat-boot.js';
import { settleGroups } from './autoscaling.js';
import { settleServices } from './ecs/scheduler.js';
import { nextRandom, type RandomState } from './ids.js';
import { instanceIsGone, interfaceIsLive, lambdaEniIsLive, natIsGone, natState } from './lifecycle.js';
import { type AccountState, emptyAccount } from './model.js';
import { iamAction, OPERATIONS } from './operations.js';
import { fromDocument, toDocument } from './persistence.js';
import {
  type SeedAddress,
  seedAddress,
  type SeedAddressPool,
  seedAddressPool,
  type SeedFunction,
  seedFunction,
  seedInternetGateway,
  seedSecurityGroup,
  seedSubnet,
  type SeedSubnet,
  seedVpc,
  type SeedVpc,
} from './seeding.js';
import { type AuthRequest, evaluate, type PolicyLike, simulateAction } from './policy.js';
import { recordDatapoint } from './metrics.js';
import { raiseQuota } from './service-quotas.js';
import { snapshotAccount } from './snapshot.js';
import { withDefaults } from './timings.js';
import { sendTraffic, type Traffic } from './traffic.js';

export interface AwsSimulatorOptions {
  clock: Clock;
  /** Default 'ap-northeast-1'. */
  region?: string;
  /** Default '123456789012'. */
  accountId?: string;
  timings?: Partial<SimTimings>;
  /** Seeds ids and addresses, so runs are reproducible. Default 1. */
  seed?: number;
}

function cloneInput(input: unknown): unknown {
  try {
    return structuredClone(input);
  } catch {
    return input;
  }
}

function faultError(service: SimService, kind: 'throttle' | 'server' | 'network'): Error {
  if (kind === 'throttle') return throttlingError(service);
  if (kind === 'server') return serverError(service);
  return networkError();
}

export class AwsSimulator {
  readonly region: string;
  readonly accountId: string;
  timings: SimTimings;
  /** Every call, in order, with what the client saw and whether the account changed. */
  readonly calls: SimCall[] = [];
  private readonly clock: Clock;
  private state: AccountState;
  private readonly faults = new FaultBook();
  private readonly latencyRandom: RandomState;
  /** The caller's identity policy; undefined: the caller may do anything a `deny` fault leaves. */
  private callerPolicy: PolicyLike | undefined;
  /** When the account was last brought up to date: the call made then changed it (see advanceNatBoots). */
  private lastPruneAt: number | undefined;

  constructor(options: AwsSimulatorOptions) {
    this.clock = options.clock;
    this.region = options.region ?? 'ap-northeast-1';
    this.accountId = options.accountId ?? '123456789012';
    this.timings = withDefaults(options.timings);
    const seed = options.seed ?? 1;
    this.state = emptyAccount(this.region, this.accountId, seed);
    this.latencyRandom = { rng: (seed ^ 0x5eed) >>> 0 };
  }

  /**
   * One AWS call: `operation` is the SDK command's name without 'Command'. Resolves with the
   * SDK-shaped output (without $metadata) or rejects with an SDK-shaped error.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the SDK's own inputs and outputs, by operation name
  async handle(service: SimService, operation: string, input: any): Promise<any> {
    const latency = this.pickLatency();
    if (latency > 0) await this.clock.sleep(latency);
    const ctx = this.context();
    this.prune(ctx);
    const call: SimCall = {
      service,
      operation,
      input: cloneInput(input),
      at: ctx.now,
      outcome: 'ok',
      mutated: false,
    };
    this.calls.push(call);
    try {
      return this.apply(ctx, call, (input ?? {}) as Record<string, unknown>);
    } catch (error) {
      call.outcome = (error as { name?: string }).name ?? 'Error';
      throw error;
    }
  }

  inject(fault: Fault): void {
    this.faults.add(fault);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /**
   * From now on every call is authorized against this identity policy the way IAM does it
   * (authorization.ts says what each call is authorized on; policy.ts evaluates): a call it does
   * not allow fails with AWS's access-denied error naming the action. undefined: no policy.
   */
  useCallerPolicy(policy: PolicyLike | undefined): void {
    this.callerPolicy = policy === undefined ? undefined : structuredClone(policy);
  }

  /** Adds a VPC (with its main route table and default security group); returns its id. */
  addVpc(options: SeedVpc): string {
    return seedVpc(this.context(), options);
  }

  addSubnet(options: SeedSubnet): string {
    return seedSubnet(this.context(), options);
  }

  addInternetGateway(options?: { vpcId?: string }): string {
    return seedInternetGateway(this.context(), options);
  }

  addAddress(options?: SeedAddress): { allocationId: string; publicIp: string } {
    return seedAddress(this.context(), options);
  }

  /** Adds an IPAM or BYOIP pool Elastic IPs can be allocated from; returns its id. */
  addAddressPool(options: SeedAddressPool): string {
    return seedAddressPool(this.context(), options);
  }

  /** Adds a function (and its role if missing: with VPC access unless roleHasVpcAccess is false); returns its ARN. */
  addFunction(options: SeedFunction): string {
    return seedFunction(this.context(), options);
  }

  addSecurityGroup(options: { vpcId: string; name: string }): string {
    return seedSecurityGroup(this.context(), options);
  }

  /**
   * Sets a quota's applied value, as if AWS had granted an increase (service-quotas.ts): e.g.
   * `setQuota('vpc', 'L-FE5A380F', 6)` lets a zone hold a sixth NAT gateway. Throws a RangeError
   * for a quota the simulator does not model, a value below its default or above AWS's ceiling.
   */
  setQuota(serviceCode: string, quotaCode: string, value: number): void {
    raiseQuota(this.state, serviceCode, quotaCode, value);
  }

  /** Removes parameters by hand (a test's stand-in for what no API call models, e.g. a dead holder's guard taken over). */
  dropParameters(prefix: string): void {
    for (const name of Object.keys(this.state.parameters))
      if (name.startsWith(prefix)) delete this.state.parameters[name];
  }

  /**
   * Where traffic from a function in `subnetId` with `groupIds` goes now: the public IP the internet
   * sees, or why it goes nowhere (what Invoke answers with a timeout). For tests that measure an
   * egress gap on the clock.
   */
  egressOf(subnetId: string, groupIds: readonly string[]): Egress {
    const ctx = this.context();
    this.prune(ctx);
    return egressFrom(ctx, subnetId, groupIds);
  }

  /**
   * Sends traffic from a subnet through its 0.0.0.0/0 route as the account is now (as a function's
   * would go: egress.ts), recording it at `at` (default now) on the metrics of the NAT gateway or NAT
   * instance serving the subnet. Returns where it went; traffic that goes nowhere records nothing.
   */
  sendTraffic(traffic: Traffic): Egress {
    const ctx = this.context();
    this.prune(ctx);
    return sendTraffic(ctx, traffic);
  }

  /** Records one raw data point on a metric (CloudWatch keeps it in its minute), e.g. to seed history. */
  recordMetric(point: {
    namespace: string;
    metricName: string;
    dimensions: Readonly<Record<string, string>>;
    timestamp: Date;
    value: number;
    /** CloudWatch's unit; default 'None'. */
    unit?: string;
  }): void {
    if (!Number.isFinite(point.value))
      throw new RangeError(`a metric value must be a number, not ${point.value}`);
    recordDatapoint(this.state, { ...point, timestamp: point.timestamp.getTime() });
  }

  /**
   * Activates a user tag key as a cost allocation tag (what the payer does in the Billing console):
   * from `at` (default now) on, Cost Explorer and Budgets group and filter costs by it.
   */
  activateCostAllocationTag(key: string, at?: Date): void {
    activateCostAllocationTag(this.state, key, at?.getTime() ?? this.clock.now());
  }

  snapshot(): unknown {
    const ctx = this.context();
    this.prune(ctx);
    return snapshotAccount(ctx);
  }

  toJSON(): unknown {
    return toDocument(this.state, this.timings);
  }

  static fromJSON(json: unknown, options: { clock: Clock; timings?: Partial<SimTimings> }): AwsSimulator {
    const { account, timings } = fromDocument(json);
    const sim = new AwsSimulator({
      clock: options.clock,
      region: account.region,
      accountId: account.accountId,
      timings: { ...timings, ...options.timings },
    });
    sim.state = account;
    return sim;
  }

  private apply(ctx: SimContext, call: SimCall, input: Record<string, unknown>): object {
    const { service, operation } = call;
    const run = OPERATIONS[service][operation];
    if (!run) throw unsupportedOperation(service, operation);
    // Throttling and server errors come before AWS looks at the request: nothing is applied.
    const rejection = this.faults.take('reject', service, operation);
    if (rejection) throw faultError(service, rejection.error);
    const action = iamAction(service, operation);
    // Tagging at creation needs ec2:CreateTags as well as the create action itself.
    const tagging =
      service === 'ec2' && Array.isArray(input.TagSpecifications) && input.TagSpecifications.length > 0;
    // Creating a function hands it a role: that needs iam:PassRole on the role as well.
    // So does launching an instance with an instance profile (its role).
    const passing =
      (service === 'lambda' && operation === 'CreateFunction') ||
      (service === 'ec2' && operation === 'RunInstances' && input.IamInstanceProfile !== undefined);
    const denied = this.faults.isDenied(action)
      ? action
      : tagging && this.faults.isDenied('ec2:CreateTags')
        ? 'ec2:CreateTags'
        : passing && this.faults.isDenied('iam:PassRole')
          ? 'iam:PassRole'
          : this.refusedByPolicy(ctx, service, operation, input);
    // A dry run's answer can be lost like any other (and counts toward a fault's `nth`).
    const lost = this.faults.take('lostResponse', service, operation);
    if (service === 'ec2' && input.DryRun === true) {
      if (lost) throw networkError();
      throw denied ? accessDenied(service, denied, this.accountId) : dryRunSucceeded();
    }
    if (denied) throw accessDenied(service, denied, this.accountId);
    // Every call is diffed, reads included: whether a call changed the account is what happened,
    // not what its name suggests (a read that changed something is a simulator bug a test catches).
    const before = JSON.stringify(this.state);
    let result: object;
    try {
      result = run(ctx, input);
    } catch (error) {
      // A lost response loses AWS's error too: the client only sees the connection drop.
      throw lost ? networkError() : error;
    } finally {
      call.mutated = JSON.stringify(this.state) !== before;
      // What the call started or stopped billing: the bill is kept, not part of the call's change.
      meterUsage(ctx);
    }
    if (lost) throw networkError();
    // The caller gets its own copy: nothing it does to the output can reach the account.
    return structuredClone(result);
  }

  private context(): SimContext {
    return {
      state: this.state,
      now: this.clock.now(),
      timings: this.timings,
      takeNatFailure: () => this.faults.takeNatFailure(),
      takeCrash: () => this.faults.takeCrash(),
      takeNatBootFailure: () => this.faults.takeNatBootFailure(),
      isDenied: (action) => this.faults.isDenied(action),
      allows: (request) => !this.faults.isDenied(request.action) && this.policyAllows(request),
      simulateCaller: (action) =>
        this.faults.isDenied(action)
          ? { decision: 'implicitDeny', missing: [] }
          : this.callerPolicy === undefined
            ? { decision: 'allowed', missing: [] }
            : simulateAction(this.callerPolicy, action),
    };
  }

  private policyAllows(request: AuthRequest): boolean {
    return this.callerPolicy === undefined || evaluate(this.callerPolicy, request) === 'allowed';
  }

  /** The first action of the call the caller's policy does not allow, if any. */
  private refusedByPolicy(
    ctx: SimContext,
    service: SimService,
    operation: string,
    input: Record<string, unknown>,
  ): string | undefined {
    if (this.callerPolicy === undefined) return undefined;
    return authorizationsOf(ctx, service, operation, input).find((request) => !this.policyAllows(request))
      ?.action;
  }

  /** Drops what AWS has removed by itself by now, so the account does not grow without end. */
  private prune(ctx: SimContext): void {
    // The bill first, while what ended since the last call is still in the account.
    meterUsage(ctx);
    // What Auto Scaling groups did by themselves since the last call (replacements, deletions).
    settleGroups(ctx);
    // What ECS's scheduler did since the last call (tasks started, failed, stopped; rollouts done).
    settleServices(ctx);
    for (const eni of Object.values(this.state.lambdaEnis)) {
      if (!lambdaEniIsLive(eni, ctx.now)) delete this.state.lambdaEnis[eni.id];
    }
    // What fixed-ip NAT instances did by themselves since the last call (their boot, self-attach).
    advanceNatBoots(ctx, this.lastPruneAt);
    this.lastPruneAt = ctx.now;
    for (const eni of Object.values(this.state.networkInterfaces)) {
      // A detach that is done: the interface is available.
      const detachedAt = eni.attachment?.detachingUntil;
      if (detachedAt !== undefined && ctx.now >= detachedAt) eni.attachment = null;
      if (interfaceIsLive(ctx, eni)) continue;
      // Deleted with its instance: the Elastic IP on it is free again.
      for (const address of Object.values(this.state.addresses))
        if (address.externalAssociation?.networkInterfaceId === eni.id) address.externalAssociation = null;
      delete this.state.networkInterfaces[eni.id];
    }
    for (const instance of Object.values(this.state.instances)) {
      if (instanceIsGone(instance, ctx)) delete this.state.instances[instance.id];
    }
    for (const nat of Object.values(this.state.natGateways)) {
      // The route table AWS made for a regional gateway goes with it.
      const state = natState(nat, ctx.now);
      if (nat.regional && (state === 'deleted' || state === 'failed'))
        delete this.state.routeTables[nat.regional.routeTableId];
      if (natIsGone(nat, ctx)) delete this.state.natGateways[nat.id];
    }
    meterUsage(ctx);
  }

  private pickLatency(): number {
    const [min, max] = this.timings.callLatencyMs;
    if (max <= 0) return 0;
    return Math.round(min + nextRandom(this.latencyRandom) * (max - min));
  }
}
