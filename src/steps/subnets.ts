import { type Subnet, type Tag } from '@aws-sdk/client-ec2';
import { awsErrorName } from '../aws/errors.js';
import { type StackContext, type Targets, vpcIdOf } from '../core/context.js';
import {
  functionTag,
  isOurs,
  stackFilter,
  tagSpec,
  tagValue,
  TAG_FUNCTION_PREFIX,
  TAG_ROLE,
} from '../core/tags.js';
import { pollUntil } from '../core/wait.js';
import { FixedIpError } from '../errors.js';
import type { SubnetRecord } from '../state/schema.js';
import { deleteWhenFree } from './retry.js';
import { notRecorded, type Step, type StepKey } from './step.js';

type Which = 'public' | 'private';

function findSubnet(ctx: StackContext, which: Which): Subnet | undefined {
  const recorded = ctx.state[`${which}Subnet`]?.id;
  return ctx.live.subnets.find(
    (subnet) => subnet.SubnetId === recorded || isOurs(subnet.Tags, ctx.name, `${which}-subnet`),
  );
}

/** The private subnet carries one tag per function: its previous VpcConfig, for a lost state file. */
function functionTags(targets: Targets): Tag[] {
  return targets.functions.filter((fn) => !fn.attached).map((fn) => functionTag(fn.name, fn.previous));
}

function subnetStep(which: Which, article: number, after: StepKey[], removeAfter: StepKey[]): Step {
  const key = `${which}Subnet` as const;
  const role = `${which}-subnet` as const;
  const title = which === 'public' ? 'Public subnet' : 'Private subnet';
  const cidrOf = (targets: Targets): string =>
    which === 'public' ? targets.publicCidr : targets.privateCidr;

  return {
    key,
    article,
    title,
    after,
    removeAfter,

    plan(ctx, targets) {
      const found = findSubnet(ctx, which);
      if (found) return { action: 'done', detail: `${found.SubnetId} (${found.CidrBlock})` };
      return { action: 'create', detail: `${cidrOf(targets)} in ${targets.az}` };
    },

    async ensure(ctx, targets) {
      let subnet = findSubnet(ctx, which);
      if (!subnet) {
        ctx.checkpoint();
        const extra = which === 'private' ? functionTags(targets) : [];
        try {
          const created = await ctx.aws.ec2Create.CreateSubnet({
            VpcId: vpcIdOf(ctx),
            CidrBlock: cidrOf(targets),
            AvailabilityZone: targets.az,
            TagSpecifications: tagSpec('subnet', role, ctx.name, extra),
          });
          subnet = created.Subnet;
        } catch (error) {
          // A create whose response was lost may not be visible yet (eventual consistency).
          subnet =
            awsErrorName(error) === 'InvalidSubnet.Conflict' ? await findOursSoon(ctx, which) : undefined;
          // Found: it was ours all along. Otherwise the block is someone else's, or the call failed.
          if (!subnet && awsErrorName(error) === 'InvalidSubnet.Conflict') {
            throw new FixedIpError(
              'CIDR_INVALID',
              `the ${which} subnet CIDR ${cidrOf(targets)} conflicts with a subnet in ${vpcIdOf(ctx)}`,
              {
                hint: `pass --${which}-cidr with a free block, or run fixed-ip setup again to choose one`,
                cause: error,
              },
            );
          }
          if (!subnet) throw error;
        }
      }
      const record: SubnetRecord = {
        id: subnet?.SubnetId ?? '',
        owned: true,
        cidr: subnet?.CidrBlock ?? cidrOf(targets),
        az: subnet?.AvailabilityZone ?? targets.az,
      };
      const before = ctx.state[key];
      if (before?.id !== record.id || before.cidr !== record.cidr) {
        ctx.state[key] = record;
        await ctx.save();
      }
      if (which === 'private' && subnet) await tagNewFunctions(ctx, subnet, targets);
      return `${record.id} (${record.cidr})`;
    },

    check(ctx) {
      const record = ctx.state[key];
      if (!record) return notRecorded(`${which} subnet`);
      const live = ctx.live.subnets.find((subnet) => subnet.SubnetId === record.id);
      if (!live)
        return {
          ok: false,
          id: record.id,
          state: 'missing',
          problem: `${which} subnet ${record.id} was deleted; run fixed-ip setup to recreate it`,
        };
      return { ok: true, id: record.id, state: live.State ?? 'available' };
    },

    async remove(ctx, options) {
      const record = ctx.state[key];
      if (!record) return { outcome: 'gone', detail: '' };
      const outcome = await deleteWhenFree(ctx, {
        ...options,
        what: `${which} subnet ${record.id}`,
        waitingFor:
          which === 'private'
            ? 'Lambda to delete its network interfaces (AWS takes up to 20 minutes after a function leaves)'
            : 'the NAT gateway to release its network interface',
        notFound: ['InvalidSubnetID.NotFound'],
        busy: ['DependencyViolation'],
        attempt: () => ctx.aws.ec2.DeleteSubnet({ SubnetId: record.id }),
      });
      delete ctx.state[key];
      await ctx.save();
      return { outcome, detail: `${record.id} (${record.cidr})` };
    },
  };
}

/** Looks for this stack's subnet by its tags for up to 30 s, while AWS makes a new one visible. */
async function findOursSoon(ctx: StackContext, which: Which): Promise<Subnet | undefined> {
  const filters = [
    { Name: 'vpc-id', Values: [vpcIdOf(ctx)] },
    { Name: `tag:${TAG_ROLE}`, Values: [`${which}-subnet`] },
    stackFilter(ctx.name),
  ];
  return pollUntil(
    async () => {
      const out = await ctx.aws.ec2.DescribeSubnets({ Filters: filters });
      return out.Subnets?.find((subnet) => isOurs(subnet.Tags, ctx.name, `${which}-subnet`)) ?? undefined;
    },
    {
      clock: ctx.clock,
      signal: ctx.signal,
      delays: [2_000, 4_000, 8_000],
      timeoutMs: 30_000,
      onTimeout: () => new Error('not visible'),
    },
  ).catch(() => undefined);
}

/** A later setup that adds functions records their previous VpcConfig on the subnet too. */
async function tagNewFunctions(ctx: StackContext, subnet: Subnet, targets: Targets): Promise<void> {
  const missing = functionTags(targets).filter((tag) => tagValue(subnet.Tags, tag.Key ?? '') === undefined);
  if (missing.length === 0) return;
  ctx.checkpoint();
  await ctx.aws.ec2.CreateTags({ Resources: [subnet.SubnetId ?? ''], Tags: missing });
  subnet.Tags = [...(subnet.Tags ?? []), ...missing];
}

export function recordedFunctionTags(subnet: Subnet | undefined): Array<{ name: string; value: string }> {
  return (subnet?.Tags ?? [])
    .filter((tag) => tag.Key?.startsWith(TAG_FUNCTION_PREFIX))
    .map((tag) => ({ name: (tag.Key ?? '').slice(TAG_FUNCTION_PREFIX.length), value: tag.Value ?? '' }));
}

/** Step 2. */
export const publicSubnet = subnetStep('public', 2, ['vpc'], ['publicRouteTable', 'natGateway']);
/** Step 4. */
export const privateSubnet = subnetStep('private', 4, ['vpc'], ['privateRouteTable', 'functions']);
