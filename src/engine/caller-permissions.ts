import type { EvaluationResult } from '@aws-sdk/client-iam';
import { awsErrorName } from '../aws/errors.js';
import type { AwsPort } from '../aws/port.js';
import type { FunctionTarget } from '../model/context.js';
import type { Identity } from './inputs.js';
import { guardName } from './run-guard.js';

/** How plan found out whether an action is allowed. */
export type CheckedVia = 'dry-run' | 'read' | 'policy-simulator';

export interface CallerPermissions {
  checked: string[];
  missing: string[];
  unchecked: string[];
  via: Record<string, CheckedVia>;
  /** Why the unchecked actions could not be checked. */
  why: string[];
}

const DENIED = ['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation'];

/**
 * The permissions setup needs that EC2's DryRun cannot try: the run guard's SSM calls and the
 * moving functions' Lambda calls. ssm:GetParameter is tried for real on the guard (a read: AWS
 * answers AccessDenied, or with the guard, or that there is none). The writes have no dry run, so
 * IAM's policy simulator (SimulatePrincipalPolicy) is asked whether the caller's own policies allow
 * them on the resources setup would write. It sees the user's or role's own policies (a user's
 * groups' too), not service control policies or an assumed role's session policy; when it cannot
 * be asked (denied, the root user, a federated session), those actions are reported as not checked.
 */
export async function checkCallerPermissions(
  aws: AwsPort,
  options: { stack: string; caller: Identity; functions: readonly FunctionTarget[] },
): Promise<CallerPermissions> {
  const result: CallerPermissions = { checked: [], missing: [], unchecked: [], via: {}, why: [] };
  const guard = guardName(options.stack);
  try {
    await aws.ssm.GetParameter({ Name: guard });
    result.checked.push('ssm:GetParameter');
  } catch (error) {
    const name = awsErrorName(error) ?? '';
    if (DENIED.includes(name)) result.missing.push('ssm:GetParameter');
    else if (name === 'ParameterNotFound') result.checked.push('ssm:GetParameter');
    else throw error;
  }
  result.via['ssm:GetParameter'] = 'read';

  const partition = /^arn:(aws[a-z-]*):/.exec(options.caller.arn)?.[1] ?? 'aws';
  const account = options.caller.accountId;
  const groups: Array<{ actions: string[]; resources: string[] }> = [
    {
      actions: ['ssm:PutParameter'],
      // A parameter's ARN drops the leading slash of its name.
      resources: [`arn:${partition}:ssm:${aws.region}:${account}:parameter${guard}`],
    },
  ];
  const moving = options.functions.filter((fn) => !fn.attached);
  if (moving.length > 0)
    groups.push({
      actions: ['lambda:TagResource', 'lambda:UpdateFunctionConfiguration'],
      resources: moving.map((fn) => fn.arn),
    });
  const notChecked = (why: string): CallerPermissions => {
    result.unchecked.push(...groups.flatMap((g) => g.actions));
    result.why.push(why);
    return result;
  };

  const principal = await principalOf(aws, options.caller.arn);
  if (principal === undefined)
    return notChecked(`IAM's policy simulator cannot check the policies of ${options.caller.arn}`);
  let evaluations: Array<{ actions: string[]; results: EvaluationResult[] }>;
  try {
    evaluations = await Promise.all(
      groups.map(async ({ actions, resources }) => ({
        actions,
        results: await simulate(aws, principal, actions, resources),
      })),
    );
  } catch (error) {
    const name = awsErrorName(error) ?? 'an error';
    return notChecked(
      DENIED.includes(name)
        ? 'AWS denied iam:SimulatePrincipalPolicy'
        : `IAM's policy simulator answered ${name} for ${principal}`,
    );
  }
  for (const { actions, results } of evaluations) {
    for (const action of actions) {
      const decisions = results.filter((r) => r.EvalActionName === action);
      if (decisions.length > 0 && decisions.every((r) => r.EvalDecision === 'allowed')) {
        result.checked.push(action);
      } else if (decisions.some((r) => (r.MissingContextValues ?? []).length > 0)) {
        // A condition on a key the simulator was not given (a tag, a request value) decides nothing.
        result.unchecked.push(action);
        result.why.push(`${action} depends on conditions IAM's policy simulator was not given`);
        continue;
      } else {
        result.missing.push(action);
      }
      result.via[action] = 'policy-simulator';
    }
  }
  return result;
}

async function simulate(
  aws: AwsPort,
  principal: string,
  actions: string[],
  resources: string[],
): Promise<EvaluationResult[]> {
  const results: EvaluationResult[] = [];
  let marker: string | undefined;
  do {
    const out = await aws.iam.SimulatePrincipalPolicy({
      PolicySourceArn: principal,
      ActionNames: actions,
      ResourceArns: resources,
      ...(marker === undefined ? {} : { Marker: marker }),
    });
    results.push(...(out.EvaluationResults ?? []));
    marker = out.IsTruncated === true ? out.Marker : undefined;
  } while (marker !== undefined);
  return results;
}

/**
 * The IAM user or role whose policies the caller acts with: a user's ARN as is; an assumed role's
 * session names the role, whose full ARN (with its path, e.g. an SSO role's) IAM gives. The root
 * user and federated sessions have none the simulator can take.
 */
async function principalOf(aws: AwsPort, arn: string): Promise<string | undefined> {
  if (/^arn:aws[a-z-]*:iam::\d{12}:user\/.+$/.test(arn)) return arn;
  const session = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(arn);
  if (!session) return undefined;
  const [, partition, account, role] = session;
  try {
    const out = await aws.iam.GetRole({ RoleName: role });
    if (out.Role?.Arn) return out.Role.Arn;
  } catch {
    // No iam:GetRole: a role without a path (most) is still found by its plain ARN.
  }
  return `arn:${partition ?? 'aws'}:iam::${account ?? ''}:role/${role ?? ''}`;
}
