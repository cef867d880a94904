import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import { awsErrorName } from '../aws/errors.js';
import { type FunctionTarget, recordIn, type StackContext, type Targets } from '../model/context.js';
import { POLL, pollUntil } from '../model/wait.js';
import { TAG_PREFIX, TAG_STACK } from '../model/tags.js';
import { FixedIpError } from '../errors.js';
import type { VpcConfigRecord } from '../state/schema.js';
import type { Workload } from '../model/kind.js';
import { FUNCTION_TAG_LIMIT, functionTags, tagsShort, untagFunction } from './function-tags.js';

const UPDATE_TIMEOUT_MS = 10 * 60_000;
const isOurKey = (key: string): boolean => key.startsWith(TAG_PREFIX);
export const VPC_ACCESS_POLICY = 'arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole';

/**
 * After step 6: move each function into the private subnet. Last on purpose: a function in a
 * private subnet with no route to the NAT gateway has no internet access at all.
 *
 * The move also turns VpcConfig.Ipv6AllowedForDualStack off, explicitly. "Allows outbound IPv6
 * traffic on VPC functions that are connected to dual-stack subnets"
 * (https://docs.aws.amazon.com/lambda/latest/api/API_VpcConfig.html): IPv6 never passes an IPv4 NAT,
 * so a dual-stack destination would see no allowlisted address. AWS documents nothing about the
 * setting in IPv4-only subnets (the stack's), but Lambda keeps it when an update leaves it out, and
 * refuses it true without subnets ("Ipv6AllowedForDualStack cannot be true without subnet or
 * security groups", aws-cloudformation/cloudformation-coverage-roadmap#2061): left on, it would
 * outlive the move, come back to life if the subnets gained an IPv6 block, and stop a function with
 * no previous VPC from leaving. The previous value is kept with the previous network and restored.
 */
export const functions: Workload = {
  name: 'functions',
  workload: true,
  attachedIn: (state) => Object.keys(state.functions),
  holds: (targets) => targets.functions.length > 0,

  // Exported as the network settings the user's own function definitions take, never as resources.
  iac(ctx) {
    const config = stackVpcConfig(ctx);
    return {
      names: Object.keys(ctx.state.functions),
      subnetIds: config.subnetIds.filter(Boolean),
      securityGroupIds: config.securityGroupIds.filter(Boolean),
    };
  },

  // Each moving function keeps its previous settings as tags of its own: AWS allows 50.
  blockers(ctx, targets) {
    const refused = targets.functions.flatMap((fn) => (!fn.attached && fn.refusal ? [fn.refusal] : []));
    return refused.concat(
      targets.functions.flatMap((fn) => {
        if (fn.attached || fn.tags === undefined || fn.refusal) return [];
        const wanted = functionTags(ctx.name, fn.previous);
        const short = tagsShort(fn.tags, wanted);
        return short > 0
          ? [
              `${fn.name} has ${Object.keys(fn.tags).length} tags and fixed-ip needs ${Object.keys(wanted).length} of its own (AWS allows ${FUNCTION_TAG_LIMIT} a function): remove ${short} of ${fn.name}'s tags`,
            ]
          : [];
      }),
    );
  },
  article: 7,
  title: 'Functions',

  plan(ctx, _zone, targets) {
    const moving = targets.functions.filter((fn) => !fn.attached);
    if (moving.length === 0)
      return { action: 'done', detail: targets.functions.map((fn) => fn.name).join(', ') };
    const overIpv6 = moving.filter((fn) => leavesOverIpv6(liveConfig(ctx, fn.name)));
    return {
      action: 'move',
      detail: `${moving.map((fn) => fn.name).join(', ')} into the private subnets (${ctx.state.shape.zones.join(', ')})${overIpv6.length > 0 ? `; ${ipv6Line(overIpv6.map((fn) => fn.name))}, which setup turns off` : ''}`,
    };
  },

  async ensure(ctx, _zone, targets) {
    await Promise.all(targets.functions.map((fn) => attach(ctx, fn)));
    return `${targets.functions.map((fn) => fn.name).join(', ')} in the private subnets`;
  },

  check(ctx) {
    const names = Object.keys(ctx.state.functions);
    const detached = names.filter((name) => !isAttached(ctx, liveConfig(ctx, name)));
    if (detached.length > 0) {
      return {
        ok: false,
        id: names.join(', '),
        state: 'detached',
        problem: `${detached.join(', ')} no longer ${detached.length > 1 ? 'use' : 'uses'} the stack's private subnets; run fixed-ip setup --function ${detached[0]} to move it back`,
      };
    }
    // Turned on by hand since the move: IPv6 traffic would leave without the fixed IP.
    const overIpv6 = names.filter((name) => leavesOverIpv6(liveConfig(ctx, name)));
    if (overIpv6.length > 0)
      return {
        ok: false,
        id: names.join(', '),
        state: 'ipv6-allowed',
        problem: ipv6Problem(overIpv6, ctx.name),
      };
    return { ok: true, id: names.join(', '), state: 'attached' };
  },

  // forget: each function stays where it is; fixed-ip's tags on it (the stack, its previous
  // network) go, where they name this stack.
  async ourTags(ctx) {
    const names = Object.keys(ctx.state.functions);
    const found = await Promise.all(
      names.map(async (name) => {
        try {
          const got = await ctx.aws.lambda.GetFunction({ FunctionName: name });
          return got.Tags?.[TAG_STACK] === ctx.name ? Object.keys(got.Tags).filter(isOurKey) : [];
        } catch (error) {
          if (awsErrorName(error) !== 'ResourceNotFoundException') throw error;
          return [];
        }
      }),
    );
    return new Map(names.flatMap((name, i) => (found[i]?.length ? [[name, found[i]] as const] : [])));
  },

  async untag(ctx, name, keys) {
    ctx.checkpoint();
    await ctx.aws.lambda.UntagResource({
      Resource: ctx.state.functions[name]?.arn || name,
      TagKeys: [...keys],
    });
  },

  // Nothing that fails for one function holds up the rest of teardown (the NAT gateway's charge
  // above all): a function that cannot be restored stays in the stack, named with AWS's reason.
  async remove(ctx) {
    const names = Object.keys(ctx.state.functions);
    if (names.length === 0) return { outcome: 'gone', detail: '' };
    const results = await Promise.allSettled(names.map((name) => detach(ctx, name)));
    // Stopped (Ctrl-C): the run ends here with one word for it; a function caught mid-update is
    // neither restored nor "kept", and teardown does not go on.
    if (ctx.signal?.aborted) ctx.checkpoint();
    const failed = names
      .map((name, i) => ({ name, result: results[i] }))
      .filter((r): r is { name: string; result: PromiseRejectedResult } => r.result?.status === 'rejected');
    for (const { name, result } of failed) {
      const why = result.reason instanceof Error ? result.reason.message : String(result.reason);
      const restored = result.reason instanceof FixedIpError && result.reason.code === 'FUNCTION_TAGS_LEFT';
      ctx.ui.notify({
        level: 'warn',
        code: 'teardown.function.failed',
        text: restored
          ? `${why}; it stays in the stack until a re-run removes them, and teardown goes on`
          : `Could not restore ${name} (${why}); it stays in the stack and keeps its subnets, and teardown goes on`,
      });
    }
    const done = names.filter((name) => !failed.some((f) => f.name === name));
    if (failed.length > 0)
      return {
        outcome: 'kept',
        detail: `${failed.map((f) => f.name).join(', ')} (could not be restored)${done.length ? `; restored ${done.join(', ')}` : ''}`,
        why: 'could not be restored',
      };
    return { outcome: 'removed', detail: names.join(', ') };
  },
};

const liveConfig = (ctx: StackContext, name: string): FunctionConfiguration | undefined =>
  ctx.world.functions.find((f) => f.FunctionName === name);

/** Ipv6AllowedForDualStack on: in dual-stack subnets, its IPv6 traffic does not pass the NAT. */
export function leavesOverIpv6(config: FunctionConfiguration | undefined): boolean {
  return config?.VpcConfig?.Ipv6AllowedForDualStack === true;
}

function ipv6Line(names: readonly string[]): string {
  const many = names.length > 1;
  return `${names.join(', ')} ${many ? 'have' : 'has'} Ipv6AllowedForDualStack on: in dual-stack subnets ${many ? 'their' : 'its'} IPv6 traffic leaves without the fixed IP`;
}

/** What status says of attached functions that have it on (turned on by hand since the move). */
export function ipv6Problem(names: readonly string[], stack: string): string {
  return `${ipv6Line(names)}; run fixed-ip setup --name ${stack} to turn it off`;
}

/** The network setup gives a function: every private subnet of the stack, and its security group. */
export function stackVpcConfig(ctx: StackContext): VpcConfigRecord {
  return {
    subnetIds: ctx.state.shape.zones.map((zone) => recordIn(ctx, 'privateSubnet', zone)?.id ?? ''),
    securityGroupIds: [ctx.state.resources.securityGroup?.id ?? ''],
  };
}

/** In exactly the stack's private subnets, with its security group. */
export function isAttached(ctx: StackContext, config: FunctionConfiguration | undefined): boolean {
  const want = stackVpcConfig(ctx);
  const subnets = config?.VpcConfig?.SubnetIds ?? [];
  return (
    config !== undefined &&
    want.subnetIds.every(Boolean) &&
    subnets.length === want.subnetIds.length &&
    want.subnetIds.every((id) => subnets.includes(id)) &&
    (config.VpcConfig?.SecurityGroupIds ?? []).includes(want.securityGroupIds[0] ?? '')
  );
}

/**
 * A function's previous network settings, as far as they still exist: subnets and security groups
 * deleted since are left out; with none of either left, the function leaves the VPC (Lambda's own
 * internet access), and the output says so.
 */
function restorable(ctx: StackContext, name: string, previous: VpcConfigRecord): VpcConfigRecord {
  if (previous.subnetIds.length === 0) return previous;
  if (!ctx.world.loaded.has('subnets') || !ctx.world.loaded.has('securityGroups')) return previous;
  const subnetIds = previous.subnetIds.filter((id) => ctx.world.subnets.some((s) => s.SubnetId === id));
  const securityGroupIds = previous.securityGroupIds.filter((id) =>
    ctx.world.securityGroups.some((g) => g.GroupId === id),
  );
  if (
    subnetIds.length === previous.subnetIds.length &&
    securityGroupIds.length === previous.securityGroupIds.length
  )
    return previous;
  const gone = [
    ...previous.subnetIds.filter((id) => !subnetIds.includes(id)),
    ...previous.securityGroupIds.filter((id) => !securityGroupIds.includes(id)),
  ];
  if (subnetIds.length === 0 || securityGroupIds.length === 0) {
    ctx.ui.notify({
      level: 'warn',
      code: 'teardown.function.out-of-vpc',
      text: `${name}'s previous network (${gone.join(', ')}) no longer exists: it leaves the VPC, which gives it Lambda's default internet access`,
    });
    return { subnetIds: [], securityGroupIds: [] };
  }
  ctx.ui.notify({
    level: 'warn',
    code: 'teardown.function.partly',
    text: `${gone.join(', ')} of ${name}'s previous network no longer exist; it goes back to the rest`,
  });
  return { ...previous, subnetIds, securityGroupIds };
}

/** In at least one of the stack's private subnets (a setup stopped halfway through a change of zones). */
function usesStack(ctx: StackContext, config: FunctionConfiguration): boolean {
  const ours = new Set(
    Object.values(ctx.state.resources)
      .filter((r) => r.kind === 'privateSubnet')
      .map((r) => r.id),
  );
  return (config.VpcConfig?.SubnetIds ?? []).some((id) => ours.has(id));
}

async function attach(ctx: StackContext, fn: FunctionTarget): Promise<void> {
  if (!fn.attached) {
    // Record where it was before moving it, in the state and on the function itself, so teardown
    // can put it back even without the state file.
    const previous = ctx.state.functions[fn.name]?.previous ?? fn.previous;
    ctx.state.functions[fn.name] = { arn: fn.arn, previous, attached: false, ...aliasesOf(fn) };
    await ctx.save();
    await (tagging.get(ctx.state) ?? tagFunction(ctx, fn, previous));
    try {
      await update(ctx, fn.name, stackVpcConfig(ctx), fn.role);
    } catch (error) {
      // Refused outright (the role): the function is as it was, so it keeps no tag of ours either.
      if (error instanceof FixedIpError && error.code === 'ROLE_LACKS_PERMISSIONS')
        await untagFunction(ctx.aws, fn.arn).catch(() => undefined);
      throw error;
    }
  } else if (fn.lastUpdateStatus !== 'InProgress') {
    if (!ctx.state.functions[fn.name]?.attached) {
      ctx.state.functions[fn.name] = {
        arn: fn.arn,
        previous: ctx.state.functions[fn.name]?.previous ?? fn.previous,
        attached: true,
        ...aliasesOf(fn),
      };
      await ctx.save();
    }
    return;
  }
  const record = ctx.state.functions[fn.name];
  ctx.state.functions[fn.name] = {
    arn: fn.arn,
    previous: record?.previous ?? fn.previous,
    attached: true,
    ...aliasesOf(fn),
  };
  await ctx.save();
  await waitUpdated(
    ctx,
    fn.name,
    `Moving ${fn.name} into the private subnets (Lambda creates its network interfaces: about a minute)`,
  );
}

const tagging = new WeakMap<object, Promise<void>>();

/**
 * Tags each moving function with its previous settings while the network is being built: the
 * move waits for its tags (they must be there first), nothing else does.
 */
export function startTagging(ctx: StackContext, targets: Targets): void {
  const all = Promise.all(
    targets.functions
      .filter((fn) => !fn.attached)
      .map((fn) => tagFunction(ctx, fn, ctx.state.functions[fn.name]?.previous ?? fn.previous)),
  ).then(() => undefined);
  // Awaited by the move; a run that stops before it must not see an unhandled rejection.
  all.catch(() => undefined);
  tagging.set(ctx.state, all);
}

const aliasesOf = (fn: FunctionTarget) =>
  fn.staleAliases.length > 0 ? { staleAliases: fn.staleAliases } : {};

/** The previous settings as the function's own tags (written before the move, never after). */
async function tagFunction(ctx: StackContext, fn: FunctionTarget, previous: VpcConfigRecord): Promise<void> {
  const wanted = functionTags(ctx.name, previous);
  if (Object.entries(wanted).every(([key, value]) => fn.tags?.[key] === value)) return;
  ctx.checkpoint();
  try {
    await ctx.aws.lambda.TagResource({ Resource: fn.arn, Tags: wanted });
  } catch (error) {
    // plan and setup check the limit first; a tag added since then can still fill it.
    if (awsErrorName(error) !== 'InvalidParameterValueException') throw error;
    throw new FixedIpError(
      'FUNCTION_TAGS_FULL',
      `${fn.name} cannot take fixed-ip's ${Object.keys(wanted).length} tags (${error instanceof Error ? error.message : 'AWS refused them'})`,
      {
        hint: `remove some of ${fn.name}'s tags (AWS allows ${FUNCTION_TAG_LIMIT}), then run setup again`,
        cause: error,
      },
    );
  }
  fn.tags = { ...fn.tags, ...wanted };
}

export async function detach(ctx: StackContext, name: string): Promise<void> {
  const record = ctx.state.functions[name];
  if (!record) return;
  let found: { config: FunctionConfiguration; tags: Record<string, string> } | undefined;
  try {
    const got = await ctx.aws.lambda.GetFunction({ FunctionName: name });
    found = { config: got.Configuration ?? {}, tags: got.Tags ?? {} };
  } catch (error) {
    if (awsErrorName(error) !== 'ResourceNotFoundException') throw error;
  }
  // Only this stack's tags go: a function another stack has taken since carries that stack's.
  const untagOurs = (): Promise<void> =>
    found?.tags[TAG_STACK] === ctx.name ? untag(ctx, name, record.arn) : Promise.resolve();
  if (!found) {
    ctx.ui.notify({
      level: 'info',
      code: 'teardown.function.gone',
      text: `${name} no longer exists; nothing to restore`,
    });
  } else if (usesStack(ctx, found.config)) {
    const target = restorable(ctx, name, record.previous);
    await update(ctx, name, target, found.config.Role ?? '');
    // Lambda has taken the restore: the tags go while it applies it, so they hold nothing up.
    await Promise.all([waitUpdated(ctx, name, `Restoring ${name}'s previous network settings`), untagOurs()]);
  } else {
    ctx.ui.notify({
      level: 'info',
      code: 'teardown.function.moved',
      text: `${name} is no longer in the stack's private subnets; left as it is`,
    });
    await untagOurs();
  }
  delete ctx.state.functions[name];
  await ctx.save();
}

/** Removes fixed-ip's tags from a function leaving the stack. */
async function untag(ctx: StackContext, name: string, arn: string): Promise<void> {
  try {
    await untagFunction(ctx.aws, arn || name);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    // Not allowed: nothing a re-run would change. Harmless tags; say so and go on.
    if (awsErrorName(error) === 'AccessDeniedException')
      ctx.ui.notify({
        level: 'warn',
        code: 'teardown.function.tags',
        text: `Could not remove fixed-ip's tags from ${name} (${why}); they are harmless and can be removed by hand`,
      });
    else
      throw new FixedIpError(
        'FUNCTION_TAGS_LEFT',
        `${name}'s network is restored or being restored, but fixed-ip's tags on it could not be removed yet (${why})`,
        { hint: 'run the command again', cause: error },
      );
  }
}

async function update(ctx: StackContext, name: string, target: VpcConfigRecord, role: string): Promise<void> {
  const input = {
    FunctionName: name,
    VpcConfig: {
      SubnetIds: target.subnetIds,
      SecurityGroupIds: target.securityGroupIds,
      // Always said: Lambda keeps the current value when a VpcConfig leaves it out.
      Ipv6AllowedForDualStack: target.ipv6AllowedForDualStack === true && target.subnetIds.length > 0,
    },
  };
  for (let attempt = 0; ; attempt++) {
    ctx.checkpoint();
    try {
      await ctx.aws.lambda.UpdateFunctionConfiguration(input);
      return;
    } catch (error) {
      const code = awsErrorName(error);
      const message = error instanceof Error ? error.message : '';
      if (code === 'InvalidParameterValueException' && /execution role/i.test(message)) {
        throw roleError(name, role, undefined, error);
      }
      // Another update (a deploy, or a run of ours whose response was lost) is still in progress.
      if (code !== 'ResourceConflictException' || attempt >= 3) throw error;
      await waitUpdated(ctx, name, `Waiting for an update of ${name} already in progress`);
    }
  }
}

/** `missing`: the actions IAM reported missing; when unknown, the ones Lambda itself names. */
export function roleError(
  functionName: string,
  role: string,
  missing?: readonly string[],
  cause?: unknown,
): FixedIpError {
  const roleName = role.split('/').pop() ?? role;
  const actions = missing?.length
    ? missing
    : ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DeleteNetworkInterface'];
  return new FixedIpError(
    'ROLE_LACKS_PERMISSIONS',
    `the execution role ${roleName} of ${functionName} lacks ${actions.join(', ')}, which Lambda needs in a VPC`,
    {
      hint: `attach the managed policy AWSLambdaVPCAccessExecutionRole (aws iam attach-role-policy --role-name ${roleName} --policy-arn ${VPC_ACCESS_POLICY}) or rerun with --fix-role`,
      cause,
    },
  );
}

async function waitUpdated(ctx: StackContext, name: string, text: string): Promise<void> {
  const progress = ctx.ui.progress('function.wait', text);
  let config: FunctionConfiguration;
  try {
    config = await pollUntil(
      async () => {
        const current = await ctx.aws.lambda.GetFunctionConfiguration({ FunctionName: name });
        progress.update(
          `${text}: Lambda says ${current.State ?? '?'}, update ${current.LastUpdateStatus ?? '?'}`,
        );
        return current.LastUpdateStatus === 'InProgress' || current.State === 'Pending' ? undefined : current;
      },
      {
        clock: ctx.clock,
        signal: ctx.signal,
        schedule: POLL.functionUpdated,
        timeoutMs: UPDATE_TIMEOUT_MS,
        onTimeout: () =>
          new FixedIpError('FUNCTION_UPDATE_TIMEOUT', `${name} is still updating after 10 minutes`, {
            hint: 'run the command again later',
          }),
      },
    );
  } catch (error) {
    progress.fail(`${name}: ${error instanceof FixedIpError ? error.message : 'update did not finish'}`);
    throw error;
  }
  if (config.LastUpdateStatus === 'Failed') {
    progress.fail(`${name}: update failed`);
    throw new FixedIpError(
      'FUNCTION_UPDATE_FAILED',
      `Lambda could not update ${name}: ${config.LastUpdateStatusReason ?? 'no reason given'}`,
      {
        hint: 'fix the cause, then run the command again',
      },
    );
  }
  progress.succeed(`${name} updated`);
}
