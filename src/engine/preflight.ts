import { awsErrorName } from '../aws/errors.js';
import type { AwsPort } from '../aws/port.js';
import type { PlannedStep } from './recipe.js';
import { kindOf } from '../kinds/index.js';
import {
  type DryRun,
  isWork,
  isWorkload,
  type Kind,
  type KindName,
  type Quota,
  type QuotaNode,
} from '../model/kind.js';
import type { FunctionTarget, StackContext, Targets } from '../model/context.js';
import { type CallerPermissions, checkCallerPermissions } from './caller-permissions.js';
import { type Identity, missingRoleActions } from './inputs.js';

/**
 * What could stop setup halfway, checked before anything is created: the caller's EC2
 * permissions (DryRun) and, for plan, the rest of them (the run guard's SSM calls, the functions'
 * Lambda calls: see caller-permissions.ts), each moving function's execution role (IAM's policy
 * simulator), and the quotas (Elastic IPs, NAT gateways per zone, free addresses). `fixed-ip plan`
 * shows all of it; setup stops on a blocker before asking to spend money.
 */
export interface Preflight {
  permissions: CallerPermissions;
  /** Per function: the VPC-access actions its role lacks; null when IAM could not be asked. */
  roles: Array<{ fn: FunctionTarget; missing: string[] | null }>;
  quotas: Array<{ name: string; used: number; limit: number; ok: boolean }>;
  blockers: string[];
}

export async function preflight(
  ctx: StackContext,
  targets: Targets,
  plan: readonly PlannedStep[],
  options: {
    checkRoles: boolean;
    fixRole: boolean;
    /** Check the permissions DryRun cannot try as well (plan; setup meets them in its guard). */
    caller?: Identity | undefined;
  },
): Promise<Preflight> {
  const { aws } = ctx;
  const creating = plan.filter(({ line }) => isWork(line.action)).map(({ node }) => node);
  const moving = creating.some((node) => isWorkload(node.step));
  const [ec2, others, roles, quotas] = await Promise.all([
    dryRun(aws, ctx.name, targets, creating),
    options.caller
      ? checkCallerPermissions(aws, {
          stack: ctx.name,
          caller: options.caller,
          functions: moving ? targets.functions : [],
        })
      : undefined,
    options.checkRoles
      ? Promise.all(
          targets.functions.map(async (fn) => ({
            fn,
            missing: fn.attached ? [] : ((await missingRoleActions(aws, fn.role)) ?? null),
          })),
        )
      : [],
    kindQuotas(ctx, targets, plan),
  ]);
  const permissions = others
    ? {
        checked: [...ec2.checked, ...others.checked].sort(),
        missing: [...ec2.missing, ...others.missing].sort(),
        unchecked: others.unchecked.sort(),
        via: { ...ec2.via, ...others.via },
        why: others.why,
      }
    : { ...ec2, unchecked: moving ? ['lambda:UpdateFunctionConfiguration'] : [] };

  const blockers: string[] = [];
  if (permissions.missing.length > 0)
    blockers.push(`your credentials lack ${permissions.missing.join(', ')} (see fixed-ip iam-policy)`);
  for (const { fn, missing } of roles) {
    if (missing && missing.length > 0 && !options.fixRole) {
      blockers.push(
        `${fn.name}'s execution role lacks ${missing.join(', ')}: attach AWSLambdaVPCAccessExecutionRole, or run setup with --fix-role`,
      );
    }
  }
  for (const quota of quotas) if (quota.blocker) blockers.push(quota.blocker);
  for (const node of creating)
    if (isWorkload(node.step)) blockers.push(...(node.step.blockers?.(ctx, targets) ?? []));
  // What each kind knows would stop its own creation (e.g. a zone without the instance type).
  const kindBlockers = await Promise.all(
    creating
      .filter((node) => !isWorkload(node.step))
      .map(
        async (node) => (await kindOf(node.step.name as KindName).blockers?.(ctx, node.zone, targets)) ?? [],
      ),
  );
  blockers.push(...kindBlockers.flat());
  return {
    permissions,
    roles,
    quotas: quotas.map(({ name, used, limit, ok }) => ({ name, used, limit, ok })),
    blockers,
  };
}

/** Each kind's quotas, over every node of it the plan holds (in the recipe's order). */
async function kindQuotas(
  ctx: StackContext,
  targets: Targets,
  plan: readonly PlannedStep[],
): Promise<Quota[]> {
  const byKind = new Map<Kind, QuotaNode[]>();
  for (const { node, line } of plan) {
    if (isWorkload(node.step)) continue;
    const nodes = byKind.get(node.step) ?? [];
    nodes.push({ zone: node.zone, creating: isWork(line.action) });
    byKind.set(node.step, nodes);
  }
  const found = await Promise.all(
    [...byKind].map(([kind, nodes]) => kind.quotas?.(ctx, nodes, targets) ?? Promise.resolve([])),
  );
  return found.flat();
}

/**
 * Every mutating EC2 call setup would make, tried with DryRun (each kind knows its own):
 * DryRunOperation means allowed, UnauthorizedOperation means missing. SSM, Lambda and IAM have no
 * dry run (caller-permissions.ts).
 */
async function dryRun(
  aws: AwsPort,
  name: string,
  targets: Targets,
  creating: readonly PlannedStep['node'][],
): Promise<CallerPermissions> {
  // One try per action: the same call in two zones needs the same permission.
  const calls = new Map<string, DryRun>();
  for (const node of creating) {
    if (isWorkload(node.step)) continue;
    for (const call of kindOf(node.step.name).dryRuns?.(aws, name, node.zone, targets) ?? []) {
      if (!calls.has(call.action)) calls.set(call.action, call);
    }
  }
  const checked: string[] = [];
  const missing: string[] = [];
  const scoped: string[] = [];
  await Promise.all(
    [...calls.values()].map(async ({ action, call, onOwnResource }) => {
      try {
        await call();
        checked.push(action);
      } catch (error) {
        if (awsErrorName(error) === 'UnauthorizedOperation') {
          // AWS names the action it refused: the create, or ec2:CreateTags for its tags.
          const refused = /perform: ([a-z0-9-]+:[A-Za-z0-9]+)/.exec(
            error instanceof Error ? error.message : '',
          )?.[1];
          // Refused on a placeholder that cannot carry fixed-ip's tags: allowed or not, unknown.
          if (onOwnResource && (refused ?? action) === action) scoped.push(action);
          else missing.push(refused ?? action);
        } else if (isServiceError(error)) {
          // AWS answered (e.g. a placeholder id it does not know) after checking the permission.
          checked.push(action);
        } else {
          throw error;
        }
      }
    }),
  );
  const unchecked = [
    ...(creating.some((node) => isWorkload(node.step)) ? ['lambda:UpdateFunctionConfiguration'] : []),
    ...scoped.sort(),
  ];
  const tried = [...checked, ...new Set(missing)].sort();
  return {
    checked: checked.sort(),
    missing: [...new Set(missing)].sort(),
    unchecked,
    via: Object.fromEntries(tried.map((action) => [action, 'dry-run' as const])),
    why: [],
  };
}

/** An answer from AWS (it has an HTTP status), as opposed to a network failure on the way. */
function isServiceError(error: unknown): boolean {
  return (
    typeof (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode ===
    'number'
  );
}
