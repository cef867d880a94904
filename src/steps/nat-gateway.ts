import { type NatGateway } from '@aws-sdk/client-ec2';
import { awsErrorName } from '../aws/errors.js';
import { clientToken, type StackContext } from '../core/context.js';
import { activeNat } from '../core/live.js';
import { isOurs, tagSpec } from '../core/tags.js';
import { NAT_POLL, pollUntil } from '../core/wait.js';
import { AbortError, FixedIpError } from '../errors.js';
import { notRecorded, type Step } from './step.js';
import { sweepUnrecorded } from './orphans.js';

/** NAT gateways take 1-5 minutes; give AWS a generous bound before calling it stuck. */
const NAT_TIMEOUT_MS = 15 * 60_000;

function find(ctx: StackContext): NatGateway | undefined {
  const recorded = ctx.state.natGateway?.id;
  return ctx.live.natGateways.find(
    (nat) => activeNat(nat) && (nat.NatGatewayId === recorded || isOurs(nat.Tags, ctx.name, 'nat-gateway')),
  );
}

async function describe(ctx: StackContext, id: string): Promise<NatGateway | undefined> {
  const out = await ctx.aws.ec2.DescribeNatGateways({ Filter: [{ Name: 'nat-gateway-id', Values: [id] }] });
  return out.NatGateways?.[0];
}

/** Part of step 5: the NAT gateway in the public subnet, holding the Elastic IP. */
export const natGateway: Step = {
  key: 'natGateway',
  article: 5,
  title: 'NAT gateway',
  after: ['publicSubnet', 'elasticIp', 'internetGateway'],
  removeAfter: ['functions'],

  plan(ctx) {
    const found = find(ctx);
    if (found) return { action: 'done', detail: `${found.NatGatewayId} (${found.State})` };
    return {
      action: 'create',
      detail: 'new NAT gateway in the public subnet with the Elastic IP (billed hourly)',
    };
  },

  async ensure(ctx, targets) {
    let nat = find(ctx);
    if (!nat) {
      const subnetId = ctx.state.publicSubnet?.id ?? '';
      const allocationId = ctx.state.elasticIp?.id ?? '';
      // Failed or deleted gateways of ours stay visible for an hour; counting them gives a fresh
      // token after a failure, while a retry after a lost response reuses the same one.
      const earlier = ctx.live.natGateways.filter((n) => isOurs(n.Tags, ctx.name, 'nat-gateway')).length;
      ctx.checkpoint();
      const created = await ctx.aws.ec2.CreateNatGateway({
        SubnetId: subnetId,
        AllocationId: allocationId,
        ConnectivityType: 'public',
        ClientToken: clientToken(ctx, 'nat', subnetId, allocationId, String(earlier)),
        TagSpecifications: tagSpec('natgateway', 'nat-gateway', ctx.name),
      });
      nat = created.NatGateway;
    }
    const id = nat?.NatGatewayId ?? '';
    if (ctx.state.natGateway?.id !== id) {
      ctx.state.natGateway = { id, owned: true };
      await ctx.save();
    }
    if (nat?.State !== 'available') {
      await waitAvailable(ctx, id);
      // Only an earlier, interrupted run can have left duplicates; the wait gave AWS time to list them.
      if (targets.resumed) await sweepUnrecorded(ctx);
    }
    return `${id} (${ctx.state.elasticIp?.publicIp ?? ''})`;
  },

  check(ctx) {
    const record = ctx.state.natGateway;
    if (!record) return notRecorded('NAT gateway');
    const live = ctx.live.natGateways.find((n) => n.NatGatewayId === record.id);
    const state = live?.State ?? 'missing';
    if (state === 'available') return { ok: true, id: record.id, state };
    const why = live?.FailureCode ? ` (${live.FailureCode}: ${live.FailureMessage ?? ''})` : '';
    return {
      ok: false,
      id: record.id,
      state,
      problem:
        state === 'pending'
          ? `NAT gateway ${record.id} is still pending; check again in a minute`
          : `NAT gateway ${record.id} is ${state}${why}; run fixed-ip setup to replace it`,
    };
  },

  async remove(ctx) {
    const record = ctx.state.natGateway;
    if (!record) return { outcome: 'gone', detail: '' };
    ctx.checkpoint();
    let outcome: 'removed' | 'gone' = 'removed';
    try {
      await ctx.aws.ec2.DeleteNatGateway({ NatGatewayId: record.id });
    } catch (error) {
      if (!['NatGatewayNotFound', 'InvalidNatGatewayID.NotFound'].includes(awsErrorName(error) ?? ''))
        throw error;
      outcome = 'gone';
    }
    if (outcome === 'removed') {
      const progress = ctx.ui.progress('teardown.nat', `Deleting NAT gateway ${record.id}`);
      await pollUntil(
        async () => {
          const nat = await describe(ctx, record.id);
          return nat === undefined || nat.State === 'deleted' ? true : undefined;
        },
        {
          clock: ctx.clock,
          signal: ctx.signal,
          delays: NAT_POLL,
          timeoutMs: NAT_TIMEOUT_MS,
          onTimeout: () =>
            new FixedIpError('WAIT_EXPIRED', `NAT gateway ${record.id} is still deleting after 15 minutes`, {
              hint: 'run fixed-ip teardown again later',
            }),
        },
      ).catch((error: unknown) => {
        progress.fail(`NAT gateway ${record.id} did not finish deleting`);
        throw error;
      });
      progress.succeed(`NAT gateway ${record.id} deleted: its hourly charge has stopped`);
    }
    delete ctx.state.natGateway;
    await ctx.save();
    return { outcome, detail: record.id };
  },
};

async function waitAvailable(ctx: StackContext, id: string): Promise<NatGateway> {
  const progress = ctx.ui.progress(
    'setup.nat.wait',
    `Waiting for NAT gateway ${id} to become available (AWS takes 1-5 minutes)`,
  );
  let nat: NatGateway;
  try {
    nat = await pollUntil(
      async () => {
        const current = await describe(ctx, id);
        return current && current.State !== 'pending' ? current : undefined;
      },
      {
        clock: ctx.clock,
        signal: ctx.signal,
        delays: NAT_POLL,
        timeoutMs: NAT_TIMEOUT_MS,
        onTimeout: () =>
          new FixedIpError('NAT_FAILED', `NAT gateway ${id} is still pending after 15 minutes`, {
            hint: 'run fixed-ip setup again to keep waiting',
          }),
      },
    );
  } catch (error) {
    if (error instanceof AbortError)
      progress.warn(`Stopped waiting for NAT gateway ${id}; it keeps coming up in AWS`);
    else progress.fail(`NAT gateway ${id} is not available yet`);
    throw error;
  }
  if (nat.State === 'available') {
    progress.succeed(`NAT gateway ${id} is available`);
    return nat;
  }
  progress.fail(`NAT gateway ${id} ${nat.State ?? 'failed'}`);
  // Clean up so the next run starts a fresh gateway; the failed one would vanish in an hour anyway.
  if (nat.State === 'failed') {
    await ctx.aws.ec2.DeleteNatGateway({ NatGatewayId: id }).catch(() => undefined);
  }
  delete ctx.state.natGateway;
  await ctx.save();
  throw new FixedIpError(
    'NAT_FAILED',
    `NAT gateway ${id} failed: ${nat.FailureCode ?? 'unknown'}: ${nat.FailureMessage ?? 'no message from AWS'}`,
    {
      hint:
        nat.FailureCode === 'InsufficientFreeAddressesInSubnet'
          ? `free addresses in subnet ${ctx.state.publicSubnet?.id ?? ''}, then run fixed-ip setup again`
          : 'run fixed-ip setup again to retry (what was made is kept and reused)',
    },
  );
}
