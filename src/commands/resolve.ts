/**
 * Setup's inputs, decided before its first change: the state, the functions, the VPC, the subnets'
 * zone and CIDRs, the Elastic IP and the roles. `fixed-ip plan` shares this with `fixed-ip setup`.
 */
import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import type { AwsPort } from '../aws/port.js';
import {
  type Deps,
  type FunctionTarget,
  makeContext,
  type StackContext,
  type Targets,
} from '../core/context.js';
import { adoptTagged, describeTagged, discoverStack } from '../core/discover.js';
import {
  checkStateMatches,
  getFunctions,
  type Identity,
  missingRoleActions,
  whoAmI,
} from '../core/inputs.js';
import { ALL_PARTS, emptyLive, type Live, loadLive } from '../core/live.js';
import { functionName } from '../core/options.js';
import { FixedIpError } from '../errors.js';
import { emptyState, isEmptyState, RESOURCE_KEYS } from '../state/schema.js';
import type { StateStore } from '../state/store.js';
import { roleError } from '../steps/functions.js';
import type { Asker } from './asker.js';
import { askCidrs, askZone, chooseEip, chooseVpc, cidrsOf } from './choices.js';
import { planSteps, type PlannedStep } from '../steps/index.js';
import type { SetupOptions } from './setup.js';
import { whoLine } from './shared.js';

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
  // Decided before this run's choices (the VPC, the functions) are written into `state`.
  const resumed = saved !== null || !isEmptyState(state);
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
    resumed,
  };

  return { ctx, targets, identity, plan: planSteps(ctx, targets) };
}

async function askFunctions(aws: AwsPort, ask: Asker): Promise<string[]> {
  return ask(
    undefined,
    async (ui) => (await import('./interactive.js')).askFunctions(ui, aws),
    () =>
      new FixedIpError('BAD_OPTION', 'no function given', { hint: 'pass --function <name> (repeatable)' }),
  );
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
export async function checkRoles(
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
