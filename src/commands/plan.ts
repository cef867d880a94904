import type { NatModeName } from '../state/schema.js';
import type { Deps, StackContext } from '../model/context.js';
import { cents, measureTraffic, savings, spendSoFar } from '../engine/spend.js';
import type { StackState } from '../state/schema.js';
import { FixedIpError } from '../errors.js';
import { VPC_ACCESS_ACTIONS } from '../engine/inputs.js';
import { preflight, type Preflight } from '../engine/preflight.js';
import { aliasWarning } from '../kinds/function-tags.js';
import { formatStackCost, stackCost } from '../engine/cost.js';
import { monthlyCost } from '../model/pricing.js';
import { allowlistRecords, stepLabel } from '../engine/recipe.js';
import { isWork, isWorkload, type PlanAction } from '../model/kind.js';
import { NAT_MODE } from '../kinds/nat-modes.js';
import { ipPool } from '../kinds/eip-pool.js';
import { recordsOf } from '../state/schema.js';
import { asker } from './asker.js';
import { describeRecord, type PlannedStep, resolveSetup } from './resolve.js';
import { checkSetupOptions, type SetupOptions } from './setup.js';

export interface PlanOptions extends SetupOptions {
  json?: boolean | undefined;
  keepEip?: boolean | undefined;
}

export interface PlanReport {
  name: string;
  region: string;
  accountId: string;
  natMode: NatModeName;
  zones: string[];
  steps: Array<{
    step: number;
    key: string;
    zone: string | null;
    title: string;
    action: PlanAction;
    detail: string;
  }>;
  /** What a change of shape removes once the new shape is in place (Elastic IPs are kept). */
  retire: string[];
  /**
   * The IPs to allowlist after setup: `kept` ones are already the stack's, `adopted` ones are
   * brought with --eip (known now), `new` ones are not yet known.
   */
  ips: Array<{
    zone: string;
    ip: string | null;
    status: 'kept' | 'adopted' | 'new';
    /** The IPAM or BYOIP pool it comes (or came) from (--eip-pool); absent: Amazon's, or yours by --eip. */
    pool?: string;
  }>;
  /**
   * The zones where a stack that already has an allowlist gets a new or brought IP (a mode change,
   * a new zone): an allowlist change, which setup confirms on its own.
   */
  allowlistChange: string[];
  functions: Array<{
    name: string;
    inVpc: string | null;
    moves: boolean;
    roleMissing: string[] | null;
    /** Aliases serving a published version: those keep their old network. */
    staleAliases: string[];
  }>;
  /** What setup would change, counted as Terraform does: resources it adds, changes (a move, a repair) and removes. */
  changes: { add: number; change: number; remove: number };
  permissions: Preflight['permissions'];
  quotas: Preflight['quotas'];
  cost: {
    monthlyUsd: number;
    natHourly: number;
    ipv4Hourly: number;
    perGb: number;
    idleEipMonthlyUsd: number;
    items: Array<{ kind: string; count: number; hourlyUsd: number; monthlyUsd: number }>;
    crossZone: boolean;
    /** What the stack costs as it stands, before this plan (null: there is no stack yet). */
    nowMonthlyUsd: number | null;
  };
  /**
   * Settings the stack lacks that would cut its NATs' per-GB charge, from their traffic over the
   * last 30 days (an existing stack only; empty when the traffic could not be read).
   */
  savings: Array<{ setting: string; upToMonthlyUsd: number; caveat: string }>;
  blockers: string[];
  wouldSucceed: boolean;
}

/** `fixed-ip plan`: what setup would do, what it would cost, and whether it would succeed. Changes nothing. */
export async function plan(options: PlanOptions, deps: Deps): Promise<PlanReport> {
  checkSetupOptions(options);
  const store = deps.openStore(options.name, options.state);
  const {
    ctx,
    targets,
    identity,
    plan: steps,
    retired,
  } = await resolveSetup(options, deps, store, asker(deps.ui, true));
  const { aws, state } = ctx;

  // A setup with nothing to change only reads the run guard (as setup decides, setup.ts run()).
  const work =
    steps.some(({ line }) => isWork(line.action)) || retired.some((record) => record.kind !== 'elasticIp');
  const { permissions, roles, quotas, blockers } = await preflight(ctx, targets, steps, {
    checkRoles: true,
    fixRole: options.fixRole === true,
    caller: work ? identity : undefined,
  });

  const cost = monthlyCost(aws.region);
  const total = stackCost(aws.region, state);
  // The stack as it stands (its state file), to show what the plan changes in the bill.
  const saved = await store.read().catch(() => null);
  const now = saved ? stackCost(aws.region, saved).monthlyUsd : null;
  const known = new Map(allowlistRecords(state).map((r) => [r.zone ?? '', r.publicIp]));
  const adopted = (zone: string) =>
    ctx.world.addresses.find((a) => a.AllocationId === targets.adoptEips[zone])?.PublicIp;
  const report: PlanReport = {
    name: ctx.name,
    region: aws.region,
    accountId: identity.accountId,
    natMode: state.shape.nat,
    zones: state.shape.zones,
    steps: steps.map(({ node, line }) => ({
      step: node.step.article,
      key: node.key,
      zone: node.zone ?? null,
      title: node.step.title,
      action: line.action,
      detail: line.detail,
    })),
    retire: retired.map(describeRecord),
    ips: NAT_MODE[state.shape.nat].addressZones(state.shape.zones).map((zone, index) => {
      const ip =
        known.get(zone) ??
        (index === 0 ? recordsOf(state, 'elasticIp').find((r) => r.zone === undefined)?.publicIp : undefined);
      if (ip) return { zone, ip, status: 'kept' as const, ...ipPool(state, zone, index === 0) };
      const brought = adopted(zone);
      return brought
        ? { zone, ip: brought, status: 'adopted' as const }
        : { zone, ip: null, status: 'new' as const, ...ipPool(state) };
    }),
    allowlistChange: [],
    functions: roles.map(({ fn, missing }) => ({
      name: fn.name,
      inVpc: fn.previous.subnetIds.length > 0 ? (targets.vpcId ?? null) : null,
      moves: !fn.attached,
      roleMissing: missing,
      staleAliases: fn.staleAliases,
    })),
    changes: {
      add: steps.filter(({ node, line }) => !isWorkload(node.step) && line.action === 'create').length,
      // A repaired resource, and each function that moves in.
      change:
        steps.filter(({ node, line }) => !isWorkload(node.step) && line.action === 'repair').length +
        roles.filter(({ fn }) => !fn.attached).length,
      remove: retired.length,
    },
    permissions,
    quotas,
    cost: {
      monthlyUsd: total.monthlyUsd,
      natHourly: cost.natHourly,
      ipv4Hourly: cost.ipv4Hourly,
      perGb: cost.perGb,
      idleEipMonthlyUsd: cost.idleEipMonthlyUsd,
      items: total.items,
      crossZone: total.crossZone,
      nowMonthlyUsd: now,
    },
    savings: saved ? await trafficSavings(ctx, saved) : [],
    blockers,
    wouldSucceed: blockers.length === 0,
  };
  if (allowlistRecords(state).length > 0)
    report.allowlistChange = report.ips.filter((ip) => ip.status !== 'kept').map((ip) => ip.zone);
  print(deps, report, steps, options, formatStackCost(total));
  return report;
}

const SAVINGS_WINDOW_MS = 30 * 86_400_000;

/**
 * What a setting the plan does not add would save on the stack's NAT traffic of the last 30 days.
 * A hint, not a check: when CloudWatch cannot be read (no permission), plan says nothing of it.
 */
async function trafficSavings(ctx: StackContext, saved: StackState): Promise<PlanReport['savings']> {
  const now = new Date(ctx.clock.now());
  const began = spendSoFar(ctx.aws.region, saved, ctx.world, now);
  if (!began.startKnown) return [];
  const start = new Date(Math.max(new Date(began.start).getTime(), now.getTime() - SAVINGS_WINDOW_MS));
  try {
    const traffic = await measureTraffic(ctx.aws, saved, ctx.world, { start, end: now });
    return (await savings(ctx, traffic)).map((s) => ({
      setting: `${s.flag} ${s.value}`,
      upToMonthlyUsd: cents(s.upToMonthlyUsd),
      caveat: s.caveat,
    }));
  } catch (error) {
    // Ctrl-C still stops plan; only AWS's refusal (no permission, a throttle) is passed over.
    if (error instanceof FixedIpError || (error as { name?: string } | undefined)?.name === 'AbortError')
      throw error;
    return [];
  }
}

function print(
  deps: Deps,
  report: PlanReport,
  steps: PlannedStep[],
  options: PlanOptions,
  costLine: string,
): void {
  const { ui } = deps;
  if (options.json) {
    ui.result(JSON.stringify(report));
    return;
  }
  ui.result(`Plan for stack ${report.name} in ${report.region} (account ${report.accountId}):`);
  ui.result(`  NAT: ${NAT_MODE[report.natMode].title}; zones: ${report.zones.join(', ')}`);
  for (const { node, line } of steps) {
    const verb = line.action === 'done' ? 'already done' : line.action;
    ui.result(`  ${stepLabel(node.step, node.zone)}: ${verb} ${line.detail}`);
  }
  for (const item of report.retire) ui.result(`  remove once the new shape is in place: ${item}`);
  for (const ip of report.ips)
    ui.result(
      `  IP for ${ip.zone}: ${ip.ip ? `${ip.ip} (${ip.status === 'adopted' ? 'yours, from --eip' : `already allowlisted: stays${ip.pool ? `; from pool ${ip.pool}` : ''}`})` : `a new Elastic IP${ip.pool ? ` from pool ${ip.pool}` : ''} (allowlist it after setup)`}`,
    );
  if (report.allowlistChange.length > 0)
    ui.result(
      `  Allowlist change: traffic will also leave from ${report.allowlistChange.length > 1 ? 'the IPs' : 'the IP'} for ${report.allowlistChange.join(', ')}; partners must allowlist ${report.allowlistChange.length > 1 ? 'them' : 'it'} (setup asks for this on its own)`,
    );
  for (const fn of report.functions) {
    ui.result(
      `  function ${fn.name}: ${fn.moves ? `moves into the private subnets (now ${wasIn(fn.inVpc)})` : `already in the private subnets (before fixed-ip: ${wasIn(fn.inVpc)})`}`,
    );
    if (fn.staleAliases.length > 0) ui.result(`  ⚠ ${aliasWarning(fn.name, fn.staleAliases)}`);
  }
  const { add, change, remove } = report.changes;
  ui.result(
    add + change + remove === 0
      ? 'Plan: no changes.'
      : `Plan: ${add} to add, ${change} to change, ${remove} to remove.`,
  );
  ui.result(`Cost: ${costLine}`);
  const { nowMonthlyUsd, monthlyUsd } = report.cost;
  const difference = nowMonthlyUsd === null ? 0 : monthlyUsd - nowMonthlyUsd;
  if (nowMonthlyUsd !== null && Math.abs(difference) >= 0.005)
    ui.result(
      `  against about ${nowMonthlyUsd.toFixed(2)} USD a month now: ${difference > 0 ? '+' : '-'}${Math.abs(difference).toFixed(2)} USD a month`,
    );
  if (options.keepEip)
    ui.result(
      `A kept Elastic IP costs about ${report.cost.idleEipMonthlyUsd.toFixed(2)} USD a month while idle.`,
    );
  for (const saving of report.savings)
    ui.result(
      `Free cure: ${saving.setting} would save up to ${saving.upToMonthlyUsd.toFixed(2)} USD a month on the NAT traffic of the last 30 days (the share that goes to those services in ${report.region}). Note: ${saving.caveat}`,
    );
  ui.result(`Permissions: ${permissionsLine(report.permissions)}`);
  for (const fn of report.functions.filter((f) => f.moves)) {
    const roleLine =
      fn.roleMissing === null
        ? 'could not be checked (iam:SimulatePrincipalPolicy denied)'
        : fn.roleMissing.length === 0
          ? `grants ${VPC_ACCESS_ACTIONS.slice(0, 3).join(', ')} and the rest`
          : `LACKS ${fn.roleMissing.join(', ')}`;
    ui.result(`Execution role of ${fn.name}: ${roleLine}`);
  }
  for (const quota of report.quotas) {
    ui.result(
      `Quota: ${quota.name}: ${quota.name.startsWith('free') ? `${quota.limit} free` : `${quota.used} of ${quota.limit} used`}${quota.ok ? '' : ' (BLOCKS SETUP)'}`,
    );
  }
  for (const blocker of report.blockers) ui.result(`! ${blocker}`);
  ui.result(
    !report.wouldSucceed
      ? 'setup would NOT succeed as things stand.'
      : report.permissions.unchecked.length > 0
        ? `setup would succeed, as far as plan could check (not checked: ${report.permissions.unchecked.join(', ')}).`
        : 'setup would succeed.',
  );
}

/** Where a function's network is (or was): "in vpc-0abc", "not in a VPC". */
const wasIn = (vpc: string | null): string => (vpc ? `in ${vpc}` : 'not in a VPC');

/** Which permissions were checked how, which are missing, and which could not be checked and why. */
function permissionsLine(permissions: Preflight['permissions']): string {
  if (permissions.checked.length + permissions.missing.length + permissions.unchecked.length === 0)
    return 'none needed: setup has nothing to create or change';
  const by = (how: string): string[] =>
    permissions.checked
      .concat(permissions.missing)
      .filter((a) => permissions.via[a] === how)
      .sort();
  const ec2 = by('dry-run');
  const read = by('read');
  const simulated = by('policy-simulator');
  const ways = [
    `${ec2.length} EC2 actions with DryRun`,
    ...(read.length > 0 ? [`${read.join(', ')} by reading the run guard`] : []),
    ...(simulated.length > 0
      ? [
          `${simulated.join(', ')} with IAM's policy simulator (your identity's policies; not service control policies or a session policy)`,
        ]
      : []),
  ];
  return (
    `checked ${ways.join('; ')}` +
    (permissions.missing.length ? `; MISSING: ${permissions.missing.join(', ')}` : '; all allowed') +
    (permissions.unchecked.length
      ? `; not checked: ${permissions.unchecked.join(', ')}${permissions.why.length ? ` (${permissions.why.join('; ')})` : ''}`
      : '')
  );
}
