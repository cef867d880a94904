import type { Deps } from '../core/context.js';
import { VPC_ACCESS_ACTIONS } from '../core/inputs.js';
import { preflight, type Preflight } from '../core/preflight.js';
import { formatCost, monthlyCost } from '../core/pricing.js';
import { asker } from './asker.js';
import { resolveSetup } from './resolve.js';
import type { PlannedStep } from '../steps/index.js';
import { checkSetupOptions, type SetupOptions } from './setup.js';

export interface PlanOptions extends SetupOptions {
  json?: boolean | undefined;
  keepEip?: boolean | undefined;
}

export interface PlanReport {
  name: string;
  region: string;
  accountId: string;
  steps: Array<{ step: number; key: string; title: string; action: string; detail: string }>;
  functions: Array<{ name: string; inVpc: string | null; moves: boolean; roleMissing: string[] | null }>;
  permissions: Preflight['permissions'];
  quotas: Preflight['quotas'];
  cost: {
    monthlyUsd: number;
    natHourly: number;
    ipv4Hourly: number;
    perGb: number;
    idleEipMonthlyUsd: number;
  };
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
  } = await resolveSetup(options, deps, store, asker(deps.ui, true));
  const { aws } = ctx;

  const { permissions, roles, quotas, blockers } = await preflight(
    ctx,
    targets,
    steps.map(({ step, line }) => ({ key: step.key, action: line.action })),
    { checkRoles: true, fixRole: options.fixRole === true },
  );

  const cost = monthlyCost(aws.region);
  const report: PlanReport = {
    name: ctx.name,
    region: aws.region,
    accountId: identity.accountId,
    steps: steps.map(({ step, line }) => ({
      step: step.article,
      key: step.key,
      title: step.title,
      action: line.action,
      detail: line.detail,
    })),
    functions: roles.map(({ fn, missing }) => ({
      name: fn.name,
      inVpc: fn.previous.subnetIds.length > 0 ? (targets.vpcId ?? null) : null,
      moves: !fn.attached,
      roleMissing: missing,
    })),
    permissions,
    quotas,
    cost: {
      monthlyUsd: cost.monthlyUsd,
      natHourly: cost.natHourly,
      ipv4Hourly: cost.ipv4Hourly,
      perGb: cost.perGb,
      idleEipMonthlyUsd: cost.idleEipMonthlyUsd,
    },
    blockers,
    wouldSucceed: blockers.length === 0,
  };
  print(deps, report, steps, options);
  return report;
}

function print(deps: Deps, report: PlanReport, steps: PlannedStep[], options: PlanOptions): void {
  const { ui } = deps;
  if (options.json) {
    ui.result(JSON.stringify(report));
    return;
  }
  ui.result(`Plan for stack ${report.name} in ${report.region} (account ${report.accountId}):`);
  for (const { step, line } of steps) {
    const number =
      step.article >= 1 && step.article <= 6 ? `${step.article}/6` : step.article === 0 ? '0/6' : ' → ';
    const verb = line.action === 'done' ? 'already done' : line.action;
    ui.result(`  ${number} ${step.title}: ${verb} ${line.detail}`);
  }
  for (const fn of report.functions) {
    ui.result(
      `  function ${fn.name}: ${fn.moves ? 'moves into the private subnet' : 'already there'}${fn.inVpc ? ` (now in ${fn.inVpc})` : ' (now not in a VPC)'}`,
    );
  }
  const cost = monthlyCost(report.region);
  ui.result(`Cost: ${formatCost(cost)}`);
  if (options.keepEip)
    ui.result(`A kept Elastic IP costs about ${cost.idleEipMonthlyUsd.toFixed(2)} USD a month while idle.`);
  ui.result(
    `Permissions: ${report.permissions.checked.length} EC2 actions checked with DryRun${report.permissions.missing.length ? `, MISSING: ${report.permissions.missing.join(', ')}` : ', all allowed'}` +
      (report.permissions.unchecked.length
        ? `; not checkable in advance: ${report.permissions.unchecked.join(', ')}`
        : ''),
  );
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
  ui.result(report.wouldSucceed ? 'setup would succeed.' : 'setup would NOT succeed as things stand.');
}
