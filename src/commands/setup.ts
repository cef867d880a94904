import type { Deps, StackContext, Targets } from '../core/context.js';
import { runGraph } from '../core/graph.js';
import {
  checkAz,
  checkCidrSyntax,
  checkEipId,
  checkFunctionName,
  checkStackName,
  checkVpcId,
} from '../core/options.js';
import { preflight } from '../core/preflight.js';
import { formatCost, monthlyCost } from '../core/pricing.js';
import { AbortError, ExitCode, FixedIpError } from '../errors.js';
import type { Ui } from '../ports/ui.js';
import type { StackState } from '../state/schema.js';
import type { StateStore } from '../state/store.js';
import type { PlannedStep } from '../steps/index.js';
import { VPC_ACCESS_POLICY } from '../steps/functions.js';
import { isWork } from '../steps/step.js';
import { asker } from './asker.js';
import { checkRoles, resolveSetup } from './resolve.js';
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
    await aws.iam.AttachRolePolicy({ RoleName: role, PolicyArn: VPC_ACCESS_POLICY });
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
