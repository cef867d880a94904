import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import { awsErrorName } from '../aws/errors.js';
import { type Deps, makeContext } from '../core/context.js';
import { loadLive } from '../core/live.js';
import { monthlyCost } from '../core/pricing.js';
import { STEPS } from '../steps/index.js';
import { isAttached } from '../steps/functions.js';
import type { Check } from '../steps/step.js';
import { openStack, type StackOptions } from './stack.js';

export interface StatusOptions extends StackOptions {
  json?: boolean | undefined;
}

/** The stable `status --json` shape (README, "status --json"). */
export interface StatusReport {
  name: string;
  region: string;
  accountId: string;
  elasticIp: string | null;
  healthy: boolean;
  natGateway: { id: string | null; state: string };
  functions: Array<{ name: string; attached: boolean }>;
  resources: Array<{
    step: number;
    type: string;
    id: string | null;
    owned: boolean;
    state: string;
    ok: boolean;
    problem?: string;
  }>;
  problems: string[];
  monthlyCostUsd: number;
  stateFile: string;
  foundByTags: boolean;
}

/** `fixed-ip status`: the Elastic IP, and whether everything is still wired as setup left it. Read-only. */
export async function status(options: StatusOptions, deps: Deps): Promise<StatusReport> {
  const store = deps.openStore(options.name, options.state);
  const { aws, identity, state, discovered } = await openStack(options, deps, store);
  const [live, configs] = await Promise.all([
    loadLive(aws, state.vpc?.id, ['subnets', 'routeTables', 'natGateways', 'internetGateways']),
    Promise.all(
      Object.keys(state.functions).map(async (name): Promise<FunctionConfiguration | undefined> => {
        try {
          return await aws.lambda.GetFunctionConfiguration({ FunctionName: name });
        } catch (error) {
          if (awsErrorName(error) === 'ResourceNotFoundException') return undefined;
          throw error;
        }
      }),
    ),
  ]);
  live.functions = configs.filter((c): c is FunctionConfiguration => c !== undefined);
  const ctx = makeContext({ name: options.name, aws, deps, store, state, live });

  const resources: StatusReport['resources'] = [];
  const problems: string[] = [];
  // After `teardown --keep-eip` only the Elastic IP is left: report it, not six missing steps.
  const onlyKeptEip =
    state.elasticIp !== undefined && !state.natGateway && !state.publicSubnet && !state.privateSubnet;
  if (onlyKeptEip) {
    problems.push(
      `stack ${options.name} is torn down; only its Elastic IP is kept. Run fixed-ip setup --name ${options.name} to bring it back with the same IP`,
    );
  }
  for (const step of STEPS) {
    if (step.key === 'functions') continue;
    if (onlyKeptEip && step.key !== 'elasticIp') continue;
    const record = state[step.key];
    if (step.key === 'vpc') {
      if (record)
        resources.push({
          step: 0,
          type: 'vpc',
          id: record.id,
          owned: record.owned,
          state: 'recorded',
          ok: true,
        });
      continue;
    }
    // A kept Elastic IP alone (after teardown --keep-eip) is a stack with nothing else.
    const check: Check = step.check(ctx);
    resources.push({
      step: step.article,
      type: step.key,
      id: check.id ?? null,
      owned: record?.owned ?? false,
      state: check.state,
      ok: check.ok,
      ...(check.problem ? { problem: check.problem } : {}),
    });
    if (!check.ok && check.problem) problems.push(check.problem);
  }
  const functions = Object.keys(state.functions).map((name) => ({
    name,
    attached: isAttached(
      ctx,
      live.functions.find((f) => f.FunctionName === name),
    ),
  }));
  for (const fn of functions) {
    if (!fn.attached)
      problems.push(
        `${fn.name} is not in the private subnet; run fixed-ip setup --name ${options.name} to move it back`,
      );
  }
  if (functions.length === 0 && problems.length === 0) {
    problems.push(
      `stack ${options.name} has no functions; run fixed-ip setup --name ${options.name} --function <name>`,
    );
  }
  const nat = live.natGateways.find((n) => n.NatGatewayId === state.natGateway?.id);
  const report: StatusReport = {
    name: options.name,
    region: aws.region,
    accountId: identity.accountId,
    elasticIp: state.elasticIp?.publicIp ?? null,
    healthy: problems.length === 0 && functions.length > 0,
    natGateway: { id: state.natGateway?.id ?? null, state: nat?.State ?? 'missing' },
    functions,
    resources,
    problems,
    monthlyCostUsd: state.natGateway
      ? monthlyCost(aws.region).monthlyUsd
      : state.elasticIp
        ? monthlyCost(aws.region).idleEipMonthlyUsd
        : 0,
    stateFile: store.path,
    foundByTags: discovered,
  };
  print(deps, report, options.json === true);
  return report;
}

function print(deps: Deps, report: StatusReport, json: boolean): void {
  const { ui } = deps;
  if (json) {
    ui.result(JSON.stringify(report));
    return;
  }
  ui.result(report.elasticIp ?? '(no Elastic IP)');
  for (const resource of report.resources) {
    const mark = resource.ok ? '✔' : '✖';
    const number = resource.step >= 1 && resource.step <= 6 ? `${resource.step}/6` : '   ';
    const title = STEPS.find((step) => step.key === resource.type)?.title ?? resource.type;
    ui.result(
      `${mark} ${number} ${title.padEnd(19)} ${(resource.id ?? '-').padEnd(26)} ${resource.owned ? 'created' : 'reused '} ${resource.state}`,
    );
  }
  for (const fn of report.functions) {
    ui.result(
      `${fn.attached ? '✔' : '✖'}  →  function ${fn.name} ${fn.attached ? 'attached to the private subnet' : 'NOT attached'}`,
    );
  }
  for (const problem of report.problems) ui.result(`! ${problem}`);
  ui.result(`Cost: about ${report.monthlyCostUsd.toFixed(2)} USD a month in ${report.region}`);
  ui.result(report.healthy ? `Stack ${report.name} is healthy` : `Stack ${report.name} needs attention`);
}
