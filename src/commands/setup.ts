import { type Deps, makeContext, type StackContext, type Targets } from '../model/context.js';
import { runGraph } from '../model/graph.js';
import {
  checkAz,
  checkCidrSyntax,
  checkFunctionName,
  checkInstanceType,
  checkStackName,
  checkVpcId,
  parseEips,
} from '../model/options.js';
import { preflight } from '../engine/preflight.js';
import { formatStackCost as formatCost, stackCost } from '../engine/cost.js';
import { allowlistRecords, stepLabel, stepNumber } from '../engine/recipe.js';
import { removeInOrder } from '../engine/removal.js';
import { type GuardMark, peekRunGuard, withRunGuard } from '../engine/run-guard.js';
import {
  loadWorld,
  type WorldPart,
  NAT_GATEWAYS,
  NETWORK_INTERFACES,
  ROUTE_TABLES,
  SUBNETS,
} from '../model/world.js';
import { egressOf } from '../model/egress.js';
import { functionConfigs } from '../kinds/function-configs.js';
import { AbortError, FixedIpError } from '../errors.js';
import { aliasWarning } from '../kinds/function-tags.js';
import { startTagging, VPC_ACCESS_POLICY } from '../kinds/functions.js';
import { checkServiceName } from '../kinds/ecs-service-targets.js';
import { ALL_PARTS, kindOf } from '../kinds/index.js';
import { identityKey, isWork, isWorkload } from '../model/kind.js';
import { NAT_MODE } from '../kinds/nat-modes.js';
import type { Message, Ui } from '../ports/ui.js';
import { NAT_MODES, type ResourceRecord, type StackState } from '../state/schema.js';
import type { StateStore } from '../state/store.js';
import { asker } from './asker.js';
import { checkRoles, describeRecord, type PlannedStep, type Resolved, resolveSetup } from './resolve.js';
import type { SetupOptions } from './setup-options.js';
import { whoLine } from './shared.js';

export type { SetupOptions };

export interface SetupResult {
  /** The first IP (the first zone's); `elasticIps` has them all. */
  elasticIp: string;
  elasticIps: string[];
  state: StackState;
  /** Whether this run changed anything in AWS. */
  changed: boolean;
}

/**
 * `fixed-ip setup`: the article's steps, per zone, as idempotent, resumable calls. Everything is
 * checked and decided before the first change; then each resource is recorded as it lands.
 */
export async function setup(options: SetupOptions, deps: Deps): Promise<SetupResult> {
  checkSetupOptions(options);
  const store = deps.openStore(options.name, options.state);
  const release = await store.lock(options.name);
  try {
    // The run guard as it is before this run reads the account (one read, alongside the first
    // calls): if it is unchanged when taken, no other run changed the stack meanwhile.
    let seen: Promise<GuardMark | null | undefined> | undefined;
    const peeking: Deps = {
      ...deps,
      connect: async (region) => {
        const aws = await deps.connect(region);
        seen ??= peekRunGuard(aws, options.name);
        return aws;
      },
    };
    return await run(options, peeking, store, () => seen ?? Promise.resolve(undefined));
  } finally {
    await release();
  }
}

export function checkSetupOptions(options: SetupOptions): void {
  checkStackName(options.name);
  options.functions.forEach(checkFunctionName);
  options.services?.forEach(checkServiceName);
  if (options.vpc !== undefined) checkVpcId(options.vpc);
  if (options.vpc !== undefined && options.newVpc)
    throw new FixedIpError('BAD_OPTION', '--vpc and --new-vpc cannot be used together', {
      hint: 'pass one of them',
    });
  if (options.vpcCidr !== undefined && !options.newVpc)
    throw new FixedIpError('BAD_OPTION', '--vpc-cidr only applies with --new-vpc', {
      hint: 'add --new-vpc, or drop --vpc-cidr',
    });
  if (options.vpcCidr !== undefined) {
    const cidr = checkCidrSyntax(options.vpcCidr, '--vpc-cidr');
    const prefix = Number(cidr.split('/')[1]);
    if (prefix < 16 || prefix > 28)
      throw new FixedIpError('BAD_OPTION', `--vpc-cidr ${cidr} must be between /16 and /28`, {
        hint: 'e.g. --vpc-cidr 10.0.0.0/16',
      });
  }
  if (options.publicCidr !== undefined) checkCidrSyntax(options.publicCidr, '--public-cidr');
  if (options.privateCidr !== undefined) checkCidrSyntax(options.privateCidr, '--private-cidr');
  options.az?.forEach(checkAz);
  const twice = options.az?.find((zone, index) => options.az?.indexOf(zone) !== index);
  if (twice !== undefined)
    throw new FixedIpError('BAD_OPTION', `--az ${twice} is given twice`, {
      hint: 'give each zone once, first zone first (e.g. --az ap-northeast-1a --az ap-northeast-1c)',
    });
  if (options.azs !== undefined && (!Number.isInteger(options.azs) || options.azs < 1 || options.azs > 6))
    throw new FixedIpError('BAD_OPTION', `--azs ${String(options.azs)} is not a number of zones`, {
      hint: 'use 1 to 6, e.g. --azs 2',
    });
  if (options.nat !== undefined && !NAT_MODES.includes(options.nat))
    throw new FixedIpError('BAD_OPTION', `--nat ${String(options.nat)} is not a NAT mode`, {
      hint: `use one of ${NAT_MODES.join(', ')}`,
    });
  parseEips(options.eip);
  if (options.natInstanceType !== undefined) checkInstanceType(options.natInstanceType);
  if (options.natInstanceType !== undefined && options.nat !== undefined && options.nat !== 'instance')
    throw new FixedIpError('BAD_OPTION', `--nat-instance-type only applies with --nat instance`, {
      hint: 'add --nat instance, or drop --nat-instance-type',
    });
}

async function run(
  options: SetupOptions,
  deps: Deps,
  store: StateStore,
  seen: () => Promise<GuardMark | null | undefined>,
): Promise<SetupResult> {
  const { ui } = deps;
  const ask = asker(ui, options.yes === true);
  const resolved = await resolveSetup(options, deps, store, ask);
  const { ctx, targets, plan, identity, retired } = resolved;
  const { aws, state } = ctx;
  const rolesToFix = await checkRoles(aws, targets.functions, options, ask);
  if (!ui.interactive)
    ui.notify({ level: 'info', code: 'setup.who', text: whoLine(identity, aws.region, options.profile) });
  for (const fn of targets.functions.filter((f) => f.staleAliases.length > 0))
    ui.notify({
      level: 'warn',
      code: 'setup.function.aliases',
      text: aliasWarning(fn.name, fn.staleAliases),
    });
  const leaving = retired.filter((record) => record.kind !== 'elasticIp');
  const work = plan.some(({ line }) => isWork(line.action)) || rolesToFix.length > 0 || leaving.length > 0;
  // Nothing to change in AWS: no guard either (a re-run makes no mutating call).
  if (!work) return apply(resolved, []);
  // Missing permissions or a full quota found now cost nothing; found halfway, they cost money.
  const { blockers } = await preflight(ctx, targets, plan, {
    checkRoles: false,
    fixRole: options.fixRole === true,
  });
  if (blockers.length > 0) {
    throw new FixedIpError('PLAN_BLOCKED', `setup would not succeed: ${blockers.join('; ')}`, {
      hint: 'nothing was created; fixed-ip plan shows the details',
    });
  }
  // On a stack that exists (attach, a change of mode), only what this run adds or changes.
  const shown = targets.resumed ? plan.filter(({ line }) => isWork(line.action)) : plan;
  // Only workloads to move (attach): nothing billable is made, and neither the plan nor the
  // question speaks of a cost.
  const onlyMoves =
    retired.length === 0 && rolesToFix.length === 0 && shown.every(({ node }) => isWorkload(node.step));
  const toMove = [
    ...targets.functions.filter((fn) => !fn.attached).map((fn) => fn.name),
    ...targets.services.filter((service) => !service.attached).map((service) => service.key),
  ];
  showPlan(ui, shown, retired, state, aws.region, !onlyMoves);
  await confirmAllowlistChange(ui, options, newIpZones(resolved));
  await confirmSpend(ui, options, state, aws.region, onlyMoves && toMove.length > 0 ? toMove : undefined);
  // Only one run changes a stack at a time, wherever its state lives. If another run held the
  // guard since this one first looked, the account is read again: what it built is reused.
  return withRunGuard(
    aws,
    deps,
    { stack: options.name, command: 'setup', statePath: store.path, owner: identity.arn, seen: await seen() },
    async (guarded, guard) => {
      const again = guard.unchanged
        ? {
            ...resolved,
            ctx: makeContext({ name: ctx.name, aws, deps: guarded, store, state, world: ctx.world }),
          }
        : await reresolve(options, resolved, guarded, store);
      const moving = new Set(again.targets.functions.filter((fn) => !fn.attached).map((fn) => fn.role));
      return apply(
        again,
        rolesToFix.filter((role) => [...moving].some((arn) => arn.split('/').pop() === role)),
      );
    },
  );
}

/** What a plan changes: its work steps and the records it retires. */
function changesOf(resolved: Resolved): Set<string> {
  return new Set([
    ...resolved.plan.filter(({ line }) => isWork(line.action)).map(({ node }) => node.key),
    ...resolved.retired.filter((r) => r.kind !== 'elasticIp').map((r) => `retire:${identityKey(r)}`),
  ]);
}

/**
 * Setup's inputs again, once the guard is held, with every choice of the first pass pinned (no
 * question twice). Another run may have built the stack meanwhile (from another directory, with
 * another state file): its resources are found by their tags and reused. If the stack changed in a
 * way the confirmed plan did not cover, nothing is changed and the run stops (exit 7).
 */
async function reresolve(
  options: SetupOptions,
  first: Resolved,
  deps: Deps,
  store: StateStore,
): Promise<Resolved> {
  const { targets } = first;
  const zone = targets.shape.zones[0] ?? '';
  const pinned: SetupOptions = {
    ...options,
    functions: targets.functions.map((fn) => fn.name),
    vpc: targets.newVpcCidr === undefined ? targets.vpcId : undefined,
    newVpc: targets.newVpcCidr !== undefined,
    vpcCidr: targets.newVpcCidr,
    az: targets.shape.zones,
    azs: undefined,
    nat: targets.shape.nat,
    natInstanceType: targets.shape.natInstanceType,
    publicCidr: targets.publicCidrs[zone],
    privateCidr: targets.privateCidrs[zone],
    eip:
      Object.keys(targets.adoptEips).length > 0
        ? Object.entries(targets.adoptEips).map(([z, id]) => `${z}=${id}`)
        : options.eip,
    yes: true,
  };
  // The first pass said it all; this one speaks only through what it finds different.
  let quiet = true;
  const ui: Ui = {
    interactive: deps.ui.interactive,
    ask: (question) => deps.ui.ask(question),
    progress: (code, text) => deps.ui.progress(code, text),
    result: (text, resultOptions) => deps.ui.result(text, resultOptions),
    notify: (message) => {
      if (!quiet) deps.ui.notify(message);
    },
  };
  const again = await resolveSetup(pinned, { ...deps, ui }, store, asker(ui, true));
  quiet = false;
  const before = changesOf(first);
  const now = changesOf(again);
  const extra = [...now].filter((key) => !before.has(key));
  if (extra.length > 0) {
    throw new FixedIpError(
      'LOCKED',
      `stack ${options.name} was changed by another run while this one was getting ready (now also: ${extra.join(', ')}); nothing was changed`,
      { hint: 'run setup again to see the new plan' },
    );
  }
  if (now.size < before.size)
    deps.ui.notify({
      level: 'info',
      code: 'setup.adopted',
      text:
        now.size === 0
          ? `Another run built stack ${options.name} meanwhile; this run reuses it and creates nothing`
          : `Another run built part of stack ${options.name} meanwhile; this run reuses it`,
    });
  return again;
}

async function apply(resolved: Resolved, rolesToFix: string[]): Promise<SetupResult> {
  const { ctx, targets, plan, retired } = resolved;
  const { aws, state, ui } = ctx;
  const leaving = retired.filter((record) => record.kind !== 'elasticIp');
  const work = plan.some(({ line }) => isWork(line.action)) || rolesToFix.length > 0 || leaving.length > 0;
  for (const role of rolesToFix) {
    ctx.checkpoint();
    await aws.iam.AttachRolePolicy({ RoleName: role, PolicyArn: VPC_ACCESS_POLICY });
    ui.notify({
      level: 'success',
      code: 'setup.role.fixed',
      text: `Attached AWSLambdaVPCAccessExecutionRole to ${role}`,
    });
  }

  // Record the functions before the first change, so an interrupted run resumes with them.
  for (const fn of targets.functions) {
    state.functions[fn.name] ??= { arn: fn.arn, previous: fn.previous, attached: fn.attached };
  }
  for (const service of targets.services)
    (state.services ??= {})[service.key] ??= {
      arn: service.arn,
      previous: service.previous,
      attached: service.attached,
    };
  await ctx.save();
  startTagging(ctx, targets);
  await runSteps(ctx, targets, plan);
  // Only once the new shape carries every function: what the old shape had and the new one does not.
  if (leaving.length > 0) {
    await retire(ctx, leaving);
    // Addresses a retired NAT gateway held go to the new one now (a change of mode keeps the IPs).
    ctx.world = await loadWorld(ctx.aws, { vpcId: ctx.state.resources.vpc?.id, stack: ctx.name }, ALL_PARTS);
    await runSteps(
      ctx,
      targets,
      plan.filter(({ node }) => !isWorkload(node.step) && kindOf(node.step.name).routeTarget !== undefined),
    );
  }
  return finish(ctx, work);
}

/** The IPs, read back from AWS, and the closing lines. */
async function finish(ctx: StackContext, work: boolean): Promise<SetupResult> {
  const { aws, state, ui } = ctx;
  const ips = await readBack(ctx, work);
  // The cost is told once: in the plan, before the consent, when this run changed something;
  // here when it did not (no plan was shown).
  if (!work)
    ui.notify({
      level: 'info',
      code: 'setup.cost',
      text: `Cost: ${formatCost(stackCost(aws.region, state))}`,
    });
  if (state.shape.zones.length === 1 && Object.keys(state.functions).length > 0) {
    ui.notify({
      level: 'info',
      code: 'setup.single-az',
      text: `Note: the functions run in one Availability Zone (${state.shape.zones[0] ?? ''}), which Security Hub control Lambda.5 flags; --azs 2 adds a second`,
    });
  }
  if (ips.length > 1)
    ui.result(`Allowlist these IPs:\n${ips.map((ip) => `  ${ip}`).join('\n')}`, { emphasis: true });
  else ui.result(`Allowlist this IP: ${ips[0] ?? ''}`, { emphasis: true });
  return { elasticIp: ips[0] ?? '', elasticIps: ips, state, changed: work };
}

function showPlan(
  ui: Ui,
  plan: PlannedStep[],
  retired: ResourceRecord[],
  state: StackState,
  region: string,
  withCost: boolean,
): void {
  ui.notify({
    level: 'info',
    code: 'setup.plan',
    text: `Plan (${NAT_MODE[state.shape.nat].title}; zones ${state.shape.zones.join(', ')}):`,
    data: plan.map(({ node, line }) => ({ key: node.key, ...line })),
  });
  for (const { node, line } of plan) {
    ui.notify({
      level: 'info',
      code: 'setup.plan.step',
      text: `  ${stepLabel(node.step, node.zone)}: ${line.action} ${line.detail}`,
    });
  }
  for (const record of retired) {
    ui.notify({
      level: 'info',
      code: 'setup.plan.retire',
      text:
        record.kind === 'elasticIp'
          ? `  kept: Elastic IP ${record.kind === 'elasticIp' ? record.publicIp : ''} (no longer used by the new shape; never released by a change of shape: teardown releases it)`
          : `  remove once the new shape is in place: ${describeRecord(record)}`,
    });
  }
  if (withCost)
    ui.notify({
      level: 'info',
      code: 'setup.plan.cost',
      text: `  Cost: ${formatCost(stackCost(region, state))}`,
    });
}

/**
 * The zones where a stack that already has an allowlist gets a new Elastic IP (a mode change, a
 * new zone): traffic will also leave from an IP no partner has allowlisted yet.
 */
function newIpZones(resolved: Resolved): string[] {
  if (allowlistRecords(resolved.ctx.state).length === 0) return [];
  return resolved.plan
    .filter(({ node, line }) => node.step.name === 'elasticIp' && line.action === 'create')
    .map(({ node }) => node.zone ?? '');
}

/** An allowlist change is confirmed on its own, before the cost: `--yes` covers both. */
async function confirmAllowlistChange(
  ui: Ui,
  options: SetupOptions,
  zones: readonly string[],
): Promise<void> {
  if (zones.length === 0) return;
  const text = `Allowlist change: traffic will also leave from a new Elastic IP in ${zones.join(', ')}; partners must allowlist it (its address is known once setup allocates it, or bring one with --eip ZONE=eipalloc-…)`;
  ui.notify({ level: 'warn', code: 'setup.allowlist', text });
  if (options.yes) return;
  if (!ui.interactive)
    throw new FixedIpError(
      'CONSENT_REQUIRED',
      `setup changes the allowlist: a new Elastic IP in ${zones.join(', ')}`,
      {
        hint: 'pass --yes to confirm; nothing was created',
      },
    );
  const ok = await ui.ask({
    kind: 'confirm',
    code: 'setup.confirm.allowlist',
    message: `Add a new egress IP in ${zones.join(', ')} (partners must allowlist it)?`,
    default: false,
  });
  if (!ok) throw new AbortError('Cancelled; nothing was changed (the allowlist stays as it is)', false);
}

async function confirmSpend(
  ui: Ui,
  options: SetupOptions,
  state: StackState,
  region: string,
  /** Set when the run only moves these functions into the stack: nothing billable is made. */
  moving?: string[],
): Promise<void> {
  if (options.yes) return;
  const cost = stackCost(region, state);
  if (moving !== undefined) {
    const what = `move ${moving.join(', ')} into the private subnets of stack ${state.name}`;
    if (!ui.interactive)
      throw new FixedIpError('CONSENT_REQUIRED', `${what} needs your consent (it creates nothing billable)`, {
        hint: 'pass --yes to confirm; nothing was changed',
      });
    const ok = await ui.ask({
      kind: 'confirm',
      code: 'setup.confirm',
      message: `${what[0]?.toUpperCase() ?? ''}${what.slice(1)}? (nothing billable is created)`,
      default: false,
    });
    if (!ok) throw new AbortError('Cancelled; nothing was changed', false);
    return;
  }
  if (!ui.interactive) {
    throw new FixedIpError(
      'CONSENT_REQUIRED',
      `setup creates billable resources (about ${cost.monthlyUsd.toFixed(2)} USD a month) and needs your consent`,
      { hint: 'pass --yes to confirm; nothing was created' },
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
  const included = new Set(plan.map(({ node }) => node.key));
  // Steps run side by side, but are told in the article's order: a finished step's line waits
  // until every step numbered before it has finished too (they take seconds; the NAT's wait has
  // its own progress line meanwhile).
  const unfinished = new Map(plan.map(({ node }) => [node.key, node.step.article]));
  const held: Array<{ article: number; message: Message }> = [];
  const tell = (all: boolean): void => {
    const first = Math.min(...unfinished.values());
    held.sort((a, b) => a.article - b.article);
    while (held.length > 0 && (all || (held[0]?.article ?? 0) <= first)) {
      const next = held.shift();
      if (next) ctx.ui.notify(next.message);
    }
  };
  try {
    await runGraph(
      plan.map(({ node }) => ({
        key: node.key,
        after: node.after.filter((key) => included.has(key)),
        run: async () => {
          const detail = await node.step.ensure(ctx, node.zone, targets);
          const number =
            node.step.article >= 1 && node.step.article <= 6 ? `${stepNumber(node.step.article)} ` : '';
          unfinished.delete(node.key);
          held.push({
            article: node.step.article,
            message: {
              level: 'success',
              code: `setup.step.${node.step.name}`,
              text: `${number}${node.step.title} ${detail}`,
            },
          });
          tell(false);
        },
      })),
    );
  } finally {
    // Stopped or failed: what was made is still told, in order.
    tell(true);
  }
}

/**
 * The IPs to allowlist, read back from AWS along each function's path (subnet, route, NAT, IP),
 * first zone first; what the run recorded stands in only where AWS shows no path.
 */
async function readBack(ctx: StackContext, changed: boolean): Promise<string[]> {
  const { aws, state } = ctx;
  const names = Object.keys(state.functions);
  if (names.length === 0) return allowlistRecords(state).map((r) => r.publicIp);
  const parts: WorldPart[] = [SUBNETS, ROUTE_TABLES, NAT_GATEWAYS];
  if (state.shape.nat === 'instance') parts.push(NETWORK_INTERFACES);
  if (changed) {
    // A second look at what this run has just read or made, on purpose: the debug line marks where
    // it starts (the bench tells these reads from needless repeats by it).
    ctx.ui.notify({
      level: 'debug',
      code: 'setup.readback',
      text: `Reading back from AWS the path each function's traffic takes (${[...parts.map((part) => part.name), 'functions'].join(', ')})`,
    });
  }
  const world = changed
    ? await loadWorld(aws, { vpcId: state.resources.vpc?.id, stack: ctx.name }, parts)
    : ctx.world;
  const configs =
    changed || world.functions.length === 0
      ? [...(await functionConfigs(aws, names)).values()]
      : world.functions;
  const paths = egressOf(world, configs);
  const order = new Map(state.shape.zones.map((zone, index) => [zone, index]));
  const ips = [
    ...new Set(
      paths
        .sort((a, b) => (order.get(a.zone ?? '') ?? 99) - (order.get(b.zone ?? '') ?? 99))
        .map((p) => p.ip),
    ),
  ];
  const missing = paths.filter((p) => p.ip === undefined);
  if (missing.length > 0) {
    ctx.ui.notify({
      level: 'warn',
      code: 'setup.egress.missing',
      text: `AWS shows no working path to the internet from ${missing.map((p) => `${p.subnetId} (${p.zone ?? '?'})`).join(', ')}; run fixed-ip status`,
    });
  }
  const found = ips.filter((ip): ip is string => ip !== undefined);
  return found.length > 0 ? found : allowlistRecords(state).map((r) => r.publicIp);
}

/** Removes what a change of shape left unused, backward; Elastic IPs stay (they are allowlisted). */
async function retire(ctx: StackContext, records: ResourceRecord[]): Promise<void> {
  if (records.length === 0) return;
  await removeInOrder(
    records.map((record) => ({
      ctx,
      step: kindOf(record.kind),
      zone: record.zone,
      // Setup does not wait for Lambda's network interfaces (up to 20 minutes): what is still held
      // stays recorded, and the next setup or teardown removes it.
      options: { keepEip: true, deadline: ctx.clock.now() },
    })),
    (removal, result) => {
      const where = removal.zone ? ` (${removal.zone})` : '';
      if (result.outcome === 'kept')
        ctx.ui.notify({
          level: 'info',
          code: `setup.kept.${removal.step.name}`,
          text: `Kept ${removal.step.title} ${result.detail}${where}, which the new shape does not use`,
        });
      else
        ctx.ui.notify({
          level: 'success',
          code: `setup.retired.${removal.step.name}`,
          text: `Removed ${removal.step.title} ${result.detail}${where}: the new shape does not use it`,
        });
    },
    (removal, error) => {
      if (!(error instanceof FixedIpError) || error.code !== 'WAIT_EXPIRED') return false;
      ctx.ui.notify({
        level: 'warn',
        code: 'setup.retire.later',
        text: `${removal.step.title}${removal.zone ? ` (${removal.zone})` : ''} is still in use (${error.message}); the next setup or teardown removes it`,
      });
      return true;
    },
  );
}
