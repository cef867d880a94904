/**
 * Teardown and the workloads it could leave without internet access: a function put in the stack's
 * private subnets by hand (not attached by fixed-ip), and one teardown could not restore. Both
 * stay in subnets whose route to the NAT teardown deletes (the charges must stop all the same), so
 * the first is named before consent, and both are named at the end, with a non-zero exit.
 */
import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import { awsErrorName } from '../aws/errors.js';
import type { StackContext } from '../model/context.js';
import { FixedIpError } from '../errors.js';
import { listAllFunctions } from '../kinds/function-tags.js';
import { listedFunctions } from '../kinds/in-use.js';
import { kindOf } from '../kinds/index.js';
import { recordsOf } from '../state/schema.js';

/** A function of the account in the stack's private subnets that the stack does not hold. */
export interface Stranger {
  name: string;
  arn: string;
  subnetIds: string[];
}

const privateSubnets = (ctx: StackContext): Set<string> =>
  new Set(recordsOf(ctx.state, 'privateSubnet').map((r) => r.id));

/** Whether a listed function is one the stack holds (state keys are names, or ARNs). */
function held(ctx: StackContext, config: FunctionConfiguration): boolean {
  return Object.entries(ctx.state.functions).some(
    ([key, record]) =>
      key === config.FunctionName || key === config.FunctionArn || record.arn === config.FunctionArn,
  );
}

function sameFunction(config: FunctionConfiguration, fn: { name: string; arn: string }): boolean {
  return config.FunctionArn === fn.arn || config.FunctionName === fn.name;
}

/**
 * The functions in the stack's private subnets that it does not hold, read before consent (one
 * ListFunctions page per 50 functions). Not allowed to list: said, and teardown goes on, since
 * the charges must stop whatever it cannot see.
 */
export async function strangersIn(ctx: StackContext): Promise<Stranger[]> {
  const subnets = privateSubnets(ctx);
  if (subnets.size === 0) return [];
  let listed: FunctionConfiguration[];
  try {
    listed = await listAllFunctions(ctx.aws);
  } catch (error) {
    if (awsErrorName(error) !== 'AccessDeniedException') throw error;
    ctx.ui.notify({
      level: 'warn',
      code: 'teardown.functions.unchecked',
      text: `Could not list the account's functions (lambda:ListFunctions denied): a function put in the stack's private subnets by hand would lose internet access unnamed`,
    });
    return [];
  }
  return listed
    .filter((f) => !held(ctx, f) && (f.VpcConfig?.SubnetIds ?? []).some((id) => subnets.has(id)))
    .map((f) => ({
      name: f.FunctionName ?? '',
      arn: f.FunctionArn ?? '',
      subnetIds: (f.VpcConfig?.SubnetIds ?? []).filter((id) => subnets.has(id)),
    }));
}

/** Before consent: each stranger, and what teardown does to it. */
export function warnStrangers(ctx: StackContext, strangers: readonly Stranger[]): void {
  if (strangers.length === 0) return;
  ctx.ui.notify({
    level: 'warn',
    code: 'teardown.plan.stranded',
    text: strangers
      .map(
        (fn) =>
          `function ${fn.name} is in the stack's private subnets and will lose internet access (it is not in stack ${ctx.name}: it was put in ${fn.subnetIds.join(', ')} by hand)`,
      )
      .join('\n'),
    data: strangers.map((fn) => fn.name),
  });
}

/**
 * After the removals: the functions left in what remains of the stack's private subnets (those
 * teardown could not restore, and the strangers still there), as the error teardown ends with;
 * undefined when none is. Where each is now comes from the listing the subnets' deletes used.
 */
export async function leftWithoutEgress(
  ctx: StackContext,
  strangers: readonly Stranger[],
): Promise<FixedIpError | undefined> {
  const subnets = privateSubnets(ctx);
  const notRestored = Object.entries(ctx.state.functions).map(([name, record]) => ({
    name,
    arn: record.arn,
  }));
  if (notRestored.length === 0 && (strangers.length === 0 || subnets.size === 0)) return undefined;
  const listed = await listedFunctions(ctx).catch(() => undefined);
  const inSubnets = (config: FunctionConfiguration | undefined): string[] =>
    (config?.VpcConfig?.SubnetIds ?? []).filter((id) => subnets.has(id));
  // With no NAT left, nothing routes the stack's private subnets to the internet.
  const noEgress = !Object.values(ctx.state.resources).some((r) => kindOf(r.kind).routeTarget !== undefined);
  const stranded = strangers.filter((fn) => {
    const config = listed?.find((f) => sameFunction(f, fn));
    return listed ? inSubnets(config).length > 0 : fn.subnetIds.some((id) => subnets.has(id));
  });
  if (notRestored.length === 0 && stranded.length === 0) return undefined;

  const where = (fn: { name: string; arn: string }): string => {
    if (!listed) return 'where it is now could not be read';
    const config = listed.find((f) => sameFunction(f, fn));
    if (!config) return 'Lambda no longer lists it';
    const ids = inSubnets(config);
    if (ids.length > 0)
      return `it is still in the stack's private subnet${ids.length > 1 ? 's' : ''} ${ids.join(', ')}${noEgress ? `, which no longer route${ids.length > 1 ? '' : 's'} to the internet` : ''}`;
    const now = config.VpcConfig?.SubnetIds ?? [];
    return now.length > 0 ? `it is in ${now.join(', ')}` : 'it is out of any VPC';
  };
  const parts = [
    ...notRestored.map((fn) => `${fn.name} could not be restored to its previous network (${where(fn)})`),
    ...stranded.map((fn) => `${fn.name} was put in the stack's private subnets by hand (${where(fn)})`),
  ];
  const fixes = [
    ...(notRestored.length > 0
      ? [
          `fix what AWS refused for ${notRestored.map((fn) => fn.name).join(', ')} (said above), then run fixed-ip teardown --name ${ctx.name} again to restore ${notRestored.length > 1 ? 'them' : 'it'}`,
        ]
      : []),
    ...stranded.map(
      (fn) =>
        `move ${fn.name} out of the stack's subnets (aws lambda update-function-configuration --function-name ${fn.name} --vpc-config SubnetIds=[],SecurityGroupIds=[]), then run fixed-ip teardown --name ${ctx.name} again to remove what is left`,
    ),
  ];
  const count = notRestored.length + stranded.length;
  return new FixedIpError(
    'FUNCTION_STRANDED',
    `teardown of stack ${ctx.name} left ${count === 1 ? 'a function' : `${count} functions`} ${noEgress ? 'without internet access' : "in the stack's private subnets"}: ${parts.join('; ')}`,
    { hint: fixes.join('; ') },
  );
}

/**
 * After the removals: the ECS services teardown could not restore (each said above with ECS's
 * reason), still in the stack's private subnets, as the error teardown ends with.
 */
export function servicesLeft(ctx: StackContext): FixedIpError | undefined {
  const left = Object.keys(ctx.state.services ?? {});
  if (left.length === 0) return undefined;
  const noEgress = !Object.values(ctx.state.resources).some((r) => kindOf(r.kind).routeTarget !== undefined);
  return new FixedIpError(
    'SERVICE_STRANDED',
    `teardown of stack ${ctx.name} left ECS service${left.length > 1 ? 's' : ''} ${left.join(', ')} in the stack's private subnets${noEgress ? ', which no longer route to the internet' : ''}: ${left.length > 1 ? 'they' : 'it'} could not be restored to ${left.length > 1 ? 'their' : 'its'} previous network`,
    {
      hint: `fix what ECS refused (said above), then run fixed-ip teardown --name ${ctx.name} again to restore ${left.length > 1 ? 'them' : 'it'} and remove what is left`,
    },
  );
}
