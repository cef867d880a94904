import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import { AttachRolePolicyCommand } from '@aws-sdk/client-iam';
import { DescribeVpcsCommand, type Vpc } from '@aws-sdk/client-ec2';
import type { AwsPort } from '../aws/port.js';
import { checkSubnetCidr } from '../core/cidr.js';
import {
  type Deps,
  type FunctionTarget,
  makeContext,
  type StackContext,
  type Targets,
} from '../core/context.js';
import { adoptTagged, describeTagged, discoverStack } from '../core/discover.js';
import { runGraph } from '../core/graph.js';
import {
  chooseCidrs,
  chooseZone,
  checkStateMatches,
  getFunctions,
  type Identity,
  listZones,
  missingRoleActions,
  whoAmI,
} from '../core/inputs.js';
import { ALL_PARTS, emptyLive, type Live, loadLive } from '../core/live.js';
import {
  checkAz,
  checkCidrSyntax,
  checkEipId,
  checkFunctionName,
  checkStackName,
  checkVpcId,
  functionName,
} from '../core/options.js';
import { preflight } from '../core/preflight.js';
import { formatCost, monthlyCost } from '../core/pricing.js';
import { AbortError, ExitCode, FixedIpError } from '../errors.js';
import type { Ui } from '../ports/ui.js';
import { emptyState, RESOURCE_KEYS, type StackState } from '../state/schema.js';
import type { StateStore } from '../state/store.js';
import { STEPS, type Step } from '../steps/index.js';
import { roleError, VPC_ACCESS_POLICY } from '../steps/functions.js';
import { recordedAddress } from '../steps/elastic-ip.js';
import { isWork, type PlanLine } from '../steps/step.js';
import { whoLine } from './shared.js';

export interface SetupOptions {
  functions: string[];
  vpc?: string | undefined;
  newVpc?: boolean | undefined;
  vpcCidr?: string | undefined;
  publicCidr?: string | undefined;
  privateCidr?: string | undefined;
  az?: string | undefined;
  eip?: string | undefined;
  name: string;
  state?: string | undefined;
  region?: string | undefined;
  profile?: string | undefined;
  yes?: boolean | undefined;
  fixRole?: boolean | undefined;
}

export interface SetupResult {
  elasticIp: string;
  state: StackState;
  /** Whether this run changed anything in AWS. */
  changed: boolean;
}

export interface PlannedStep {
  step: Step;
  line: PlanLine;
}

/**
 * `fixed-ip setup`: the article's six steps as idempotent, resumable calls. Everything is checked
 * and decided before the first change; then each step is recorded in the state file as it lands.
 */
export async function setup(options: SetupOptions, deps: Deps): Promise<SetupResult> {
  checkSetupOptions(options);
  const store = deps.openStore(options.name, options.state);
  const release = await store.lock(options.name);
  try {
    return await run(options, deps, store);
  } finally {
    await release();
  }
}

export function checkSetupOptions(options: SetupOptions): void {
  checkStackName(options.name);
  options.functions.forEach(checkFunctionName);
  if (options.vpc !== undefined) checkVpcId(options.vpc);
  if (options.vpc !== undefined && options.newVpc) {
    throw new FixedIpError('BAD_OPTION', '--vpc and --new-vpc cannot be used together', {
      hint: 'pass one of them',
    });
  }
  if (options.vpcCidr !== undefined && !options.newVpc) {
    throw new FixedIpError('BAD_OPTION', '--vpc-cidr only applies with --new-vpc', {
      hint: 'add --new-vpc, or drop --vpc-cidr',
    });
  }
  if (options.vpcCidr !== undefined) {
    const cidr = checkCidrSyntax(options.vpcCidr, '--vpc-cidr');
    const prefix = Number(cidr.split('/')[1]);
    if (prefix < 16 || prefix > 28) {
      throw new FixedIpError('BAD_OPTION', `--vpc-cidr ${cidr} must be between /16 and /28`, {
        hint: 'e.g. --vpc-cidr 10.0.0.0/16',
      });
    }
  }
  if (options.publicCidr !== undefined) checkCidrSyntax(options.publicCidr, '--public-cidr');
  if (options.privateCidr !== undefined) checkCidrSyntax(options.privateCidr, '--private-cidr');
  if (options.az !== undefined) checkAz(options.az);
  if (options.eip !== undefined) checkEipId(options.eip);
}

/** Everything setup decides before its first change; `fixed-ip plan` shows it and stops. */
export interface Resolved {
  ctx: StackContext;
  targets: Targets;
  identity: Identity;
  plan: PlannedStep[];
}

/**
 * Reads the state, finds the stack (state file, then tags), asks what the flags did not say, and
 * checks every input against the account. Changes nothing.
 */
export async function resolveSetup(
  options: SetupOptions,
  deps: Deps,
  store: StateStore,
  ask: Asker,
): Promise<Resolved> {
  const { ui } = deps;
  const saved = await store.read();
  const aws = await deps.connect(options.region ?? saved?.region);
  const identity = await whoAmI(aws);
  checkStateMatches(saved, identity, aws.region, store.path);
  // A person at a terminal sees who and where before any question (a wrong account costs money);
  // without one, setup prints it once its inputs are known good, so bad input gets a single line.
  const who = (): void =>
    ui.notify({ level: 'info', code: 'setup.who', text: whoLine(identity, aws.region, options.profile) });
  if (ui.interactive) who();

  const state =
    saved ??
    (await discoverStack(aws, options.name, identity.accountId)) ??
    emptyState(options.name, aws.region, identity.accountId);
  if (!saved && state.vpc) {
    ui.notify({
      level: 'info',
      code: 'setup.discovered',
      text: `Found stack ${options.name} by its tags in ${state.vpc.id}; continuing it`,
    });
  }
  // A run killed between a create and its state write left a tagged resource the file lacks;
  // taking it in now keeps its CIDR and zone from being offered again.
  if (saved && RESOURCE_KEYS.some((key) => key !== 'vpc' && saved[key] === undefined))
    adoptTagged(saved, await describeTagged(aws, options.name));

  // Functions: the flags, else the ones this stack already holds, else ask.
  let names = options.functions.map(functionName);
  if (names.length === 0) names = Object.keys(state.functions);
  if (names.length === 0) names = await askFunctions(aws, ask);
  const configs = await getFunctions(aws, names);

  // The VPC: the stack's, --vpc, --new-vpc, the functions', or ask.
  const vpcChoice = await chooseVpc(aws, options, state, configs, ask);
  if (vpcChoice.kind === 'existing' && !state.vpc) {
    state.vpc = { id: vpcChoice.id, owned: false, cidrs: vpcChoice.cidrs };
  }
  const vpcId = state.vpc?.id;
  for (const config of configs) {
    const inVpc = config.VpcConfig?.VpcId;
    if (inVpc && inVpc !== vpcId) {
      throw new FixedIpError(
        'FUNCTION_IN_OTHER_VPC',
        `function ${config.FunctionName} is already in ${inVpc}, not ${vpcId ?? 'the new VPC'}`,
        {
          hint: `run with --vpc ${inVpc}, or move the function out of that VPC first`,
        },
      );
    }
  }
  // chooseVpc may have described the VPC already: do not ask AWS for it twice.
  const described = vpcChoice.kind === 'existing' ? vpcChoice.vpc : undefined;
  const parts = described ? ALL_PARTS.filter((part) => part !== 'vpc') : ALL_PARTS;
  const live: Live = vpcId ? await loadLive(aws, vpcId, parts) : emptyLive();
  if (described) live.vpc = described;
  const vpcCidrs =
    vpcChoice.kind === 'new' ? [vpcChoice.cidr] : state.vpc?.cidrs.length ? state.vpc.cidrs : cidrsOf(live);
  if (state.vpc && vpcCidrs.length > 0) state.vpc.cidrs = vpcCidrs;
  const ctx = makeContext({ name: options.name, aws, deps, store, state, live });

  const zone = state.publicSubnet?.az ?? state.privateSubnet?.az ?? (await askZone(aws, options.az, ask));
  const cidrs = await askCidrs(vpcCidrs, live, state, options, ask);
  const adoptEip = await chooseEip(ctx, options, ask);
  const functionTargets = configs.map((config) => toTarget(ctx, config));

  const targets: Targets = {
    vpcId,
    newVpcCidr: vpcChoice.kind === 'new' ? vpcChoice.cidr : undefined,
    az: zone,
    publicCidr: cidrs.publicCidr,
    privateCidr: cidrs.privateCidr,
    adoptEip,
    functions: functionTargets,
  };

  return { ctx, targets, identity, plan: planSteps(ctx, targets) };
}

async function run(options: SetupOptions, deps: Deps, store: StateStore): Promise<SetupResult> {
  const { ui } = deps;
  const ask = asker(ui, options.yes === true);
  const { ctx, targets, plan, identity } = await resolveSetup(options, deps, store, ask);
  const { aws, state } = ctx;
  const zone = targets.az;
  const functionTargets = targets.functions;
  const rolesToFix = await checkRoles(aws, functionTargets, options, ask);
  if (!ui.interactive)
    ui.notify({ level: 'info', code: 'setup.who', text: whoLine(identity, aws.region, options.profile) });
  const work = plan.some(({ line }) => isWork(line.action)) || rolesToFix.length > 0;
  if (work) {
    // Missing permissions or a full quota found now cost nothing; found halfway, they cost money.
    const { blockers } = await preflight(
      ctx,
      targets,
      plan.map(({ step, line }) => ({ key: step.key, action: line.action })),
      { checkRoles: false, fixRole: options.fixRole === true },
    );
    if (blockers.length > 0) {
      throw new FixedIpError('PLAN_BLOCKED', `setup would not succeed: ${blockers.join('; ')}`, {
        hint: 'nothing was created; fixed-ip plan shows the details',
        exitCode: ExitCode.planBlocked,
      });
    }
    showPlan(ui, plan, aws.region);
    await confirmSpend(ui, options, aws.region);
  }

  for (const role of rolesToFix) {
    ctx.checkpoint();
    await aws.iam.send(new AttachRolePolicyCommand({ RoleName: role, PolicyArn: VPC_ACCESS_POLICY }));
    ui.notify({
      level: 'success',
      code: 'setup.role.fixed',
      text: `Attached AWSLambdaVPCAccessExecutionRole to ${role}`,
    });
  }

  // Record the functions before the first change, so an interrupted run resumes with them.
  for (const fn of functionTargets) {
    state.functions[fn.name] ??= { arn: fn.arn, previous: fn.previous, attached: fn.attached };
  }
  await ctx.save();
  await runSteps(ctx, targets, plan);

  const ip = state.elasticIp?.publicIp ?? '';
  ui.notify({ level: 'info', code: 'setup.cost', text: `Cost: ${formatCost(monthlyCost(aws.region))}` });
  if (Object.keys(state.functions).length > 0) {
    ui.notify({
      level: 'info',
      code: 'setup.single-az',
      text: `Note: the functions now run in one Availability Zone (${zone}), which Security Hub control Lambda.5 flags; one NAT gateway serves them`,
    });
  }
  ui.result(`Allowlist this IP: ${ip}`, { emphasis: true });
  return { elasticIp: ip, state, changed: work };
}

/** Asks only in a terminal without --yes; otherwise takes the given default or says which flag is missing. */
export type Asker = <T>(
  fallback: T | undefined,
  question: (ui: Ui) => Promise<T>,
  missing: () => FixedIpError,
) => Promise<T>;

export function asker(ui: Ui, yes: boolean): Asker {
  return async (fallback, question, missing) => {
    if (ui.interactive && !yes) return question(ui);
    if (fallback !== undefined) return fallback;
    throw missing();
  };
}

async function askFunctions(aws: AwsPort, ask: Asker): Promise<string[]> {
  return ask(
    undefined,
    async (ui) => (await import('./interactive.js')).askFunctions(ui, aws),
    () =>
      new FixedIpError('BAD_OPTION', 'no function given', { hint: 'pass --function <name> (repeatable)' }),
  );
}

type VpcChoice = { kind: 'existing'; id: string; cidrs: string[]; vpc?: Vpc } | { kind: 'new'; cidr: string };

async function chooseVpc(
  aws: AwsPort,
  options: SetupOptions,
  state: StackState,
  configs: FunctionConfiguration[],
  ask: Asker,
): Promise<VpcChoice> {
  if (state.vpc) {
    if (options.vpc !== undefined && options.vpc !== state.vpc.id) {
      throw new FixedIpError(
        'BAD_OPTION',
        `stack ${state.name} already lives in ${state.vpc.id}, not ${options.vpc}`,
        {
          hint: 'drop --vpc, or pick another --name for a second stack',
        },
      );
    }
    if (state.vpc.owned && !state.publicSubnet && !state.privateSubnet)
      return { kind: 'new', cidr: state.vpc.cidrs[0] ?? '10.0.0.0/16' };
    return { kind: 'existing', id: state.vpc.id, cidrs: state.vpc.cidrs };
  }
  if (options.newVpc) return { kind: 'new', cidr: options.vpcCidr ?? '10.0.0.0/16' };
  const fromFunctions = configs.map((c) => c.VpcConfig?.VpcId).find((id) => id);
  // --yes takes the default answer: the VPC a function already sits in, else the default VPC.
  const fallback = options.yes ? (fromFunctions ?? (await defaultVpcId(aws))) : undefined;
  const id =
    options.vpc ??
    (await ask(
      fallback,
      async (ui) => (await import('./interactive.js')).askVpc(ui, aws, fromFunctions),
      () =>
        new FixedIpError('BAD_OPTION', 'no VPC given', {
          hint: 'pass --vpc <vpc-id>, or --new-vpc to create one',
        }),
    ));
  if (id === 'new') return { kind: 'new', cidr: '10.0.0.0/16' };
  const out = await aws.ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'vpc-id', Values: [id] }] }));
  const vpc = out.Vpcs?.[0];
  if (!vpc) {
    throw new FixedIpError('VPC_NOT_FOUND', `VPC ${id} was not found in ${aws.region}`, {
      hint: 'check the id and --region (aws ec2 describe-vpcs), or use --new-vpc',
    });
  }
  const cidrs = (vpc.CidrBlockAssociationSet ?? [])
    .filter((a) => a.CidrBlockState?.State === undefined || a.CidrBlockState.State === 'associated')
    .map((a) => a.CidrBlock ?? '')
    .filter(Boolean);
  return { kind: 'existing', id, cidrs: cidrs.length > 0 ? cidrs : [vpc.CidrBlock ?? ''], vpc };
}

async function defaultVpcId(aws: AwsPort): Promise<string | undefined> {
  const out = await aws.ec2.send(
    new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }),
  );
  return out.Vpcs?.[0]?.VpcId;
}

function cidrsOf(live: Live): string[] {
  return live.vpc?.CidrBlock ? [live.vpc.CidrBlock] : [];
}

async function askZone(aws: AwsPort, wanted: string | undefined, ask: Asker): Promise<string> {
  const zones = await listZones(aws);
  const fallback = chooseZone(zones, wanted, aws.region);
  if (wanted !== undefined) return fallback;
  return ask(
    fallback,
    async (ui) => (await import('./interactive.js')).askZone(ui, zones, fallback),
    () => new FixedIpError('BAD_OPTION', 'no zone'),
  );
}

async function askCidrs(
  vpcCidrs: string[],
  live: Live,
  state: StackState,
  options: SetupOptions,
  ask: Asker,
): Promise<{ publicCidr: string; privateCidr: string }> {
  // chooseCidrs leaves this stack's own subnets out of the blocks it counts as taken; after an
  // interrupted run (public subnet made, private not yet) the free block it offers would be the
  // public subnet's own. Hiding their ids makes them count as taken; their CIDRs are kept.
  const hidden = (record: StackState['publicSubnet']) =>
    record ? { ...record, id: `${record.id}#own` } : undefined;
  const chosen = chooseCidrs(
    vpcCidrs,
    live,
    { ...state, publicSubnet: hidden(state.publicSubnet), privateSubnet: hidden(state.privateSubnet) },
    options,
  );
  const needsAsking =
    (!state.publicSubnet && options.publicCidr === undefined) ||
    (!state.privateSubnet && options.privateCidr === undefined);
  if (!needsAsking) return chosen;
  return ask(
    chosen,
    async (ui) => {
      const { askCidr } = await import('./interactive.js');
      const others = live.subnets
        .filter((s) => s.SubnetId !== state.publicSubnet?.id && s.SubnetId !== state.privateSubnet?.id)
        .map((s) => s.CidrBlock ?? '');
      // A flag's value (or a subnet already made) is taken as chooseCidrs checked and normalised it;
      // a typed public block must also keep clear of a private block that is already decided.
      const privateDecided = state.privateSubnet !== undefined || options.privateCidr !== undefined;
      const publicCidr =
        state.publicSubnet?.cidr ??
        (options.publicCidr !== undefined ? chosen.publicCidr : undefined) ??
        (await askCidr(ui, 'public', chosen.publicCidr, (v) =>
          checkSubnetCidr(
            v,
            vpcCidrs,
            privateDecided ? [...others, chosen.privateCidr] : others,
            'public subnet CIDR',
          ),
        ));
      const privateCidr =
        state.privateSubnet?.cidr ??
        (options.privateCidr !== undefined ? chosen.privateCidr : undefined) ??
        (await askCidr(ui, 'private', chosen.privateCidr, (v) =>
          checkSubnetCidr(v, vpcCidrs, [...others, publicCidr], 'private subnet CIDR'),
        ));
      return { publicCidr, privateCidr };
    },
    () => new FixedIpError('BAD_OPTION', 'no CIDR'),
  );
}

/** --eip must name an unassociated Elastic IP of this account; else offer kept/free ones in a terminal. */
async function chooseEip(ctx: StackContext, options: SetupOptions, ask: Asker): Promise<string | undefined> {
  const { live, state } = ctx;
  if (state.elasticIp) {
    if (options.eip !== undefined && options.eip !== state.elasticIp.id) {
      throw new FixedIpError(
        'BAD_OPTION',
        `stack ${state.name} already uses Elastic IP ${state.elasticIp.publicIp} (${state.elasticIp.id})`,
        {
          hint: 'drop --eip, or tear the stack down first',
        },
      );
    }
    const listed = live.addresses.some((a) => a.AllocationId === state.elasticIp?.id);
    if (!listed && !(await recordedAddress(ctx))) {
      ctx.ui.notify({
        level: 'warn',
        code: 'setup.eip.lost',
        text: `The Elastic IP ${state.elasticIp.publicIp} recorded for this stack no longer exists; a new IP will be allocated, so update the allowlist`,
      });
      delete state.elasticIp;
    } else {
      return undefined;
    }
  }
  if (options.eip !== undefined) {
    const address = live.addresses.find((a) => a.AllocationId === options.eip);
    if (!address) {
      throw new FixedIpError(
        'EIP_NOT_FOUND',
        `Elastic IP ${options.eip} was not found in ${ctx.aws.region}`,
        {
          hint: 'check the allocation id (aws ec2 describe-addresses), or drop --eip to allocate one',
        },
      );
    }
    if (address.AssociationId) {
      throw new FixedIpError(
        'EIP_IN_USE',
        `Elastic IP ${address.PublicIp} (${options.eip}) is already associated with ${address.NetworkInterfaceId ?? address.InstanceId ?? 'another resource'}`,
        {
          hint: 'pick an unassociated one, or drop --eip to allocate one',
        },
      );
    }
    return options.eip;
  }
  const free = live.addresses.filter((a) => !a.AssociationId && a.Domain !== 'standard');
  if (free.length === 0) return undefined;
  const picked = await ask<string>(
    'new',
    async (ui) => (await import('./interactive.js')).askEip(ui, free),
    () => new FixedIpError('BAD_OPTION', 'no EIP'),
  );
  return picked === 'new' ? undefined : picked;
}

function toTarget(ctx: StackContext, config: FunctionConfiguration): FunctionTarget {
  const name = config.FunctionName ?? '';
  const subnet = ctx.state.privateSubnet?.id;
  const attached = subnet !== undefined && (config.VpcConfig?.SubnetIds ?? []).includes(subnet);
  const recorded = ctx.state.functions[name];
  return {
    name,
    arn: config.FunctionArn ?? '',
    role: config.Role ?? '',
    previous: recorded?.previous ?? {
      subnetIds: config.VpcConfig?.SubnetIds ?? [],
      securityGroupIds: config.VpcConfig?.SecurityGroupIds ?? [],
    },
    attached,
    lastUpdateStatus: config.LastUpdateStatus,
  };
}

/** Missing role permissions stop setup before anything changes, unless --fix-role (or yes at the question) fixes them. */
async function checkRoles(
  aws: AwsPort,
  functions: FunctionTarget[],
  options: SetupOptions,
  ask: Asker,
): Promise<string[]> {
  const toFix = new Set<string>();
  const moving = functions.filter((fn) => !fn.attached);
  const results = await Promise.all(
    moving.map(async (fn) => ({ fn, missing: await missingRoleActions(aws, fn.role) })),
  );
  for (const { fn, missing } of results) {
    if (!missing || missing.length === 0) continue;
    const roleName = fn.role.split('/').pop() ?? fn.role;
    const fix =
      options.fixRole === true ||
      (await ask(
        false,
        async (ui) => (await import('./interactive.js')).askFixRole(ui, fn.name, roleName, missing),
        () => roleError(fn.name, fn.role, missing),
      ));
    if (!fix) throw roleError(fn.name, fn.role, missing);
    toFix.add(roleName);
  }
  return [...toFix];
}

export function planSteps(ctx: StackContext, targets: Targets): PlannedStep[] {
  return STEPS.filter(
    (step) => step.key !== 'vpc' || targets.newVpcCidr !== undefined || ctx.state.vpc?.owned,
  ).map((step) => ({
    step,
    line: step.plan(ctx, targets),
  }));
}

function showPlan(ui: Ui, plan: PlannedStep[], region: string): void {
  ui.notify({
    level: 'info',
    code: 'setup.plan',
    text: 'Plan:',
    data: plan.map(({ step, line }) => ({ key: step.key, ...line })),
  });
  for (const { step, line } of plan) {
    const number =
      step.article >= 1 && step.article <= 6 ? `${step.article}/6` : step.article === 0 ? '0/6' : ' → ';
    ui.notify({
      level: 'info',
      code: 'setup.plan.step',
      text: `  ${number} ${step.title}: ${line.action} ${line.detail}`,
    });
  }
  ui.notify({ level: 'info', code: 'setup.plan.cost', text: `  Cost: ${formatCost(monthlyCost(region))}` });
}

async function confirmSpend(ui: Ui, options: SetupOptions, region: string): Promise<void> {
  if (options.yes) return;
  const cost = monthlyCost(region);
  if (!ui.interactive) {
    throw new FixedIpError(
      'CONSENT_REQUIRED',
      `setup creates billable resources (about ${cost.monthlyUsd.toFixed(2)} USD a month) and needs your consent`,
      {
        hint: 'pass --yes to confirm; nothing was created',
      },
    );
  }
  const ok = await ui.ask({
    kind: 'confirm',
    code: 'setup.confirm',
    message: `Create these resources (about ${cost.monthlyUsd.toFixed(2)} USD a month)?`,
    default: false,
  });
  if (!ok) throw new AbortError('Cancelled; nothing was changed', false);
}

async function runSteps(ctx: StackContext, targets: Targets, plan: PlannedStep[]): Promise<void> {
  const included = new Set(plan.map(({ step }) => step.key));
  await runGraph(
    plan.map(({ step }) => ({
      key: step.key,
      after: step.after.filter((key) => included.has(key)),
      run: async () => {
        const detail = await step.ensure(ctx, targets);
        const number = step.article >= 1 && step.article <= 6 ? `${step.article}/6 ` : '';
        ctx.ui.notify({
          level: 'success',
          code: `setup.step.${step.key}`,
          text: `${number}${step.title} ${detail}`,
        });
      },
    })),
  );
}
