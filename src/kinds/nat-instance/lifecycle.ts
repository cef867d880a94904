/**
 * A NAT instance's life, shared by the plain NAT instance (src/kinds/nat-instance.ts) and the one
 * an Auto Scaling group keeps (src/kinds/nat-group.ts): waiting for it to run and to report its
 * boot, moving the stack's interface onto it (the egress gap), terminating it.
 */
import type { Instance, NetworkInterface } from '@aws-sdk/client-ec2';
import { awsErrorName } from '../../aws/errors.js';
import { AbortError, FixedIpError } from '../../errors.js';
import { recordIn, type StackContext } from '../../model/context.js';
import { isOurs, tagSpec } from '../../model/tags.js';
import { POLL, pollUntil } from '../../model/wait.js';
import { imageParameter } from './image.js';
import { BOOT_TAG, bootOf, type Boot, userData } from './boot.js';

/** The `fixed-ip:role` of an instance fixed-ip launches, and of one its Auto Scaling group launches. */
export const INSTANCE_ROLE = 'nat-instance';
export const GROUP_INSTANCE_ROLE = 'nat-group-instance';
/** Instances come up in under a minute; a generous bound before calling one stuck. */
const INSTANCE_TIMEOUT_MS = 10 * 60_000;
/** A boot that installs a package on a small instance: minutes; a generous bound before calling it stuck. */
export const BOOT_READY_MS = 10 * 60_000;
/** The instance configures a newly attached interface within seconds. */
const BOOT_FORWARDING_MS = 2 * 60_000;

/** One of the stack's NAT instances (its own, or its group's): what may give the interface up. */
export const isNatHost = (instance: Instance | undefined, stack: string): boolean =>
  isOurs(instance?.Tags, stack, INSTANCE_ROLE) || isOurs(instance?.Tags, stack, GROUP_INSTANCE_ROLE);

export const stateOf = (instance: Instance | undefined): string => instance?.State?.Name ?? 'missing';
export const usable = (instance: Instance | undefined): boolean =>
  stateOf(instance) === 'running' || stateOf(instance) === 'pending';

/** The stack's interface as the world holds it. */
export const interfaceIn = (ctx: StackContext, zone: string | undefined): NetworkInterface | undefined => {
  const id = recordIn(ctx, 'natInterface', zone)?.id;
  return ctx.world.networkInterfaces.find((e) => e.NetworkInterfaceId === id);
};

/** The instance the interface is attached to, and at which device index. */
export function holderOf(
  eni: NetworkInterface | undefined,
): { instanceId: string; device: number; attachmentId: string } | undefined {
  const attachment = eni?.Attachment;
  if (!attachment?.InstanceId || attachment.Status === 'detached' || attachment.Status === 'detaching')
    return undefined;
  return {
    instanceId: attachment.InstanceId,
    device: attachment.DeviceIndex ?? 0,
    attachmentId: attachment.AttachmentId ?? '',
  };
}

/** A first-release instance: launched on the stack's interface as its primary (device 0). */
export const onFirstLayout = (eni: NetworkInterface | undefined, instance: Instance | undefined): boolean => {
  const holder = holderOf(eni);
  return holder !== undefined && holder.instanceId === instance?.InstanceId && holder.device === 0;
};

export async function describeInstance(ctx: StackContext, id: string): Promise<Instance | undefined> {
  try {
    const out = await ctx.aws.ec2.DescribeInstances({ InstanceIds: [id] });
    return out.Reservations?.[0]?.Instances?.[0];
  } catch (error) {
    // Just launched and not visible yet, or long gone.
    if (awsErrorName(error) === 'InvalidInstanceID.NotFound') return undefined;
    throw error;
  }
}

export async function describeInterface(
  ctx: StackContext,
  id: string,
): Promise<NetworkInterface | undefined> {
  const out = await ctx.aws.ec2.DescribeNetworkInterfaces({ NetworkInterfaceIds: [id] });
  return out.NetworkInterfaces?.[0];
}

export async function waitFor(
  ctx: StackContext,
  id: string,
  wanted: 'running' | 'terminated',
  allowMissing: boolean,
): Promise<void> {
  await pollUntil(
    async () => {
      const instance = await describeInstance(ctx, id);
      if (!instance) return allowMissing ? true : undefined;
      const state = stateOf(instance);
      if (state === wanted) return true;
      if (wanted === 'running' && (state === 'terminated' || state === 'shutting-down'))
        throw new FixedIpError('NAT_FAILED', `NAT instance ${id} is ${state} instead of starting`, {
          hint: 'run fixed-ip setup again to launch another',
        });
      return undefined;
    },
    {
      clock: ctx.clock,
      signal: ctx.signal,
      schedule: POLL.instance,
      timeoutMs: INSTANCE_TIMEOUT_MS,
      onTimeout: () =>
        new FixedIpError('WAIT_EXPIRED', `NAT instance ${id} is not ${wanted} after 10 minutes`, {
          hint: `run fixed-ip ${wanted === 'running' ? 'setup' : 'teardown'} again to keep waiting`,
        }),
    },
  );
}

/**
 * Waits until the instance's own report (its boot tag) is one of `wanted`; a boot that failed is
 * an error naming the instance's reason, never a generic timeout.
 */
export async function waitForBoot(
  ctx: StackContext,
  id: string,
  wanted: readonly Boot['state'][],
  timeoutMs: number,
): Promise<Boot> {
  return pollUntil(
    async () => {
      const instance = await describeInstance(ctx, id);
      const boot = bootOf(instance);
      if (boot.state === 'failed')
        throw new FixedIpError('NAT_FAILED', `the NAT instance's boot failed: ${boot.why}`, {
          hint: `run fixed-ip setup again to launch another; fixed-ip status shows the reason while ${id} runs`,
        });
      if (!usable(instance))
        throw new FixedIpError(
          'NAT_FAILED',
          `NAT instance ${id} is ${stateOf(instance)} before it reported its boot`,
          {
            hint: 'run fixed-ip setup again to launch another',
          },
        );
      return wanted.includes(boot.state) ? boot : undefined;
    },
    {
      clock: ctx.clock,
      signal: ctx.signal,
      schedule: POLL.instance,
      timeoutMs,
      onTimeout: () =>
        new FixedIpError(
          'WAIT_EXPIRED',
          `NAT instance ${id} has not reported ${wanted.join(' or ')} on its ${BOOT_TAG} tag after ${Math.round(timeoutMs / 60_000)} minutes`,
          {
            hint: `run fixed-ip setup again to keep waiting; its console output (EC2 console, Get system log) says how far its boot got`,
          },
        ),
    },
  );
}

/** Waits until the interface's attachment settles (attached to `instanceId`, or available). */
export async function waitForInterface(
  ctx: StackContext,
  eniId: string,
  wanted: { attachedTo: string } | { freeFor: string },
): Promise<void> {
  await pollUntil(
    async () => {
      const eni = await describeInterface(ctx, eniId);
      const attachment = eni?.Attachment;
      // Free, or already taken by the instance it is freed for (a group's instance takes it at once).
      if ('freeFor' in wanted)
        return eni?.Status === 'available' ||
          (attachment?.InstanceId === wanted.freeFor && attachment.Status !== 'detaching')
          ? true
          : undefined;
      return attachment?.InstanceId === wanted.attachedTo && attachment.Status === 'attached'
        ? true
        : undefined;
    },
    {
      clock: ctx.clock,
      signal: ctx.signal,
      schedule: POLL.interfaceMove,
      timeoutMs: 5 * 60_000,
      onTimeout: () =>
        new FixedIpError(
          'WAIT_EXPIRED',
          `network interface ${eniId} is not ${'freeFor' in wanted ? 'detached' : `attached to ${wanted.attachedTo}`} after 5 minutes`,
          { hint: 'run fixed-ip setup again to keep waiting' },
        ),
    },
  );
}

export async function terminate(ctx: StackContext, id: string, why: string): Promise<'removed' | 'gone'> {
  const progress = ctx.ui.progress('nat.instance.terminate', `Terminating NAT instance ${id} (${why})`);
  ctx.checkpoint();
  try {
    await ctx.aws.ec2.TerminateInstances({ InstanceIds: [id] });
  } catch (error) {
    if (awsErrorName(error) !== 'InvalidInstanceID.NotFound') throw error;
    progress.succeed(`NAT instance ${id} is gone`);
    return 'gone';
  }
  try {
    await waitFor(ctx, id, 'terminated', true);
  } catch (error) {
    if (error instanceof AbortError) progress.warn(`Stopped waiting for NAT instance ${id} to terminate`);
    else progress.fail(`NAT instance ${id} did not terminate`);
    throw error;
  }
  progress.succeed(`NAT instance ${id} terminated`);
  return 'removed';
}

/**
 * Moves the stack's interface onto `to` (device index 1): from a previous instance of the stack
 * (detached; a first-release instance, which holds it as device 0, is terminated first), then
 * attached, and waits for the instance to say it forwards. Returns how long egress was paused.
 */
export async function moveInterface(ctx: StackContext, eniId: string, to: string): Promise<number> {
  const eni = await describeInterface(ctx, eniId);
  const holder = holderOf(eni);
  if (holder?.instanceId === to) {
    await waitForBoot(ctx, to, ['forwarding'], BOOT_FORWARDING_MS);
    return 0;
  }
  if (holder) {
    const held = await describeInstance(ctx, holder.instanceId);
    if (!isNatHost(held, ctx.name))
      throw new FixedIpError(
        'EIP_IN_USE',
        `network interface ${eniId} is attached to instance ${holder.instanceId}, which is not stack ${ctx.name}'s NAT instance`,
        { hint: `detach it from ${holder.instanceId} yourself, then run fixed-ip setup again` },
      );
  }
  const progress = ctx.ui.progress(
    'setup.nat.move',
    holder
      ? `Moving interface ${eniId} from ${holder.instanceId} to ${to}: egress pauses until ${to} forwards`
      : `Attaching interface ${eniId} to ${to}`,
  );
  const start = ctx.clock.now();
  try {
    if (holder?.device === 0) {
      await terminate(
        ctx,
        holder.instanceId,
        "the first release's layout: its interface moves to the new instance",
      );
      await waitForInterface(ctx, eniId, { freeFor: to });
    } else if (holder) {
      ctx.checkpoint();
      await ctx.aws.ec2
        .DetachNetworkInterface({ AttachmentId: holder.attachmentId })
        .catch((error: unknown) => {
          if (awsErrorName(error) !== 'InvalidAttachmentID.NotFound') throw error;
        });
      await waitForInterface(ctx, eniId, { freeFor: to });
    }
    ctx.checkpoint();
    if (holderOf(await describeInterface(ctx, eniId))?.instanceId !== to)
      await ctx.aws.ec2
        .AttachNetworkInterface({ NetworkInterfaceId: eniId, InstanceId: to, DeviceIndex: 1 })
        .catch(async (error: unknown) => {
          // An instance of a group attaches the interface itself as soon as it is free: it may win.
          if (holderOf(await describeInterface(ctx, eniId))?.instanceId !== to) throw error;
        });
    await waitForInterface(ctx, eniId, { attachedTo: to });
    await waitForBoot(ctx, to, ['forwarding'], BOOT_FORWARDING_MS);
  } catch (error) {
    if (error instanceof AbortError)
      progress.warn(`Stopped while moving interface ${eniId}; run fixed-ip setup again to finish`);
    else progress.fail(`Interface ${eniId} did not move to ${to}`);
    throw error;
  }
  const gap = ctx.clock.now() - start;
  progress.succeed(
    holder
      ? `Interface ${eniId} moved to ${to}: egress paused ${seconds(gap)}`
      : `Interface ${eniId} attached to ${to}, which forwards through it`,
  );
  return holder ? gap : 0;
}

export const seconds = (ms: number): string => `${Math.round(ms / 1000)} s`;

/** The newest Amazon Linux 2023 image for the type's architecture (AWS's public SSM parameter). */
export async function newestImage(
  ctx: StackContext,
  type: string,
): Promise<{ id: string; created?: string }> {
  const parameter = imageParameter(type);
  const out = await ctx.aws.ssm.GetParameter({ Name: parameter });
  const id = out.Parameter?.Value;
  if (!id)
    throw new FixedIpError('AWS_ERROR', `AWS's public parameter ${parameter} names no image`, {
      hint: 'try again later, or another --region',
    });
  const images = await ctx.aws.ec2.DescribeImages({ ImageIds: [id] });
  const created = images.Images?.[0]?.CreationDate;
  return { id, ...(created ? { created } : {}) };
}

const ROOT_VOLUME_GIB = 8;

/**
 * What every NAT instance of the stack is launched with, by fixed-ip (RunInstances) or by its Auto
 * Scaling group (the launch template's data): AWS's newest Amazon Linux 2023 image, a primary
 * interface of its own in the public subnet with a public IPv4 address of AWS's (its own traffic:
 * packages, the EC2 API, its boot report), the stack's role, IMDSv2 only, no key pair, an encrypted
 * root volume, automatic recovery, and user data naming the stack's interface.
 */
export function launchSpec(
  ctx: StackContext,
  zone: string | undefined,
  options: {
    type: string;
    imageId: string;
    interfaceId: string;
    selfAttach: boolean;
    role: string;
    profile: string;
  },
) {
  return {
    ImageId: options.imageId,
    InstanceType: options.type as Instance['InstanceType'],
    NetworkInterfaces: [
      {
        DeviceIndex: 0,
        // A launch template for a group names no subnet: the group's VPCZoneIdentifier does.
        ...(options.selfAttach ? {} : { SubnetId: recordIn(ctx, 'publicSubnet', zone)?.id ?? '' }),
        Groups: [ctx.state.resources.natSecurityGroup?.id ?? ''],
        AssociatePublicIpAddress: true,
        DeleteOnTermination: true,
      },
    ],
    IamInstanceProfile: { Name: options.profile },
    MetadataOptions: { HttpTokens: 'required' as const, HttpEndpoint: 'enabled' as const },
    // Simplified automatic recovery: a hardware failure brings the same instance back (free).
    MaintenanceOptions: { AutoRecovery: 'default' as const },
    BlockDeviceMappings: [
      {
        DeviceName: '/dev/xvda',
        Ebs: {
          VolumeSize: ROOT_VOLUME_GIB,
          VolumeType: 'gp3' as const,
          Encrypted: true,
          DeleteOnTermination: true,
        },
      },
    ],
    UserData: Buffer.from(
      userData({ interfaceId: options.interfaceId, region: ctx.aws.region, selfAttach: options.selfAttach }),
    ).toString('base64'),
    // The primary interface made at launch is the instance's (it goes with it) and is not tagged as
    // the stack's: the stack's interface is the one its kind made.
    TagSpecifications: [
      ...tagSpec('instance', options.role, ctx.name, zone),
      ...tagSpec('volume', options.role, ctx.name, zone),
    ],
  };
}

/**
 * Makes a call that names the stack's instance profile (RunInstances, CreateAutoScalingGroup) until
 * AWS can use it: a profile made seconds ago is refused (IAM is eventually consistent), for up to 2
 * minutes. `propagating` tells that refusal from any other error; `call` answers something (not
 * undefined) when it is done.
 */
export async function whileProfilePropagates<T>(
  ctx: StackContext,
  call: () => Promise<T>,
  propagating: (name: string | undefined, message: string) => boolean,
): Promise<T> {
  return pollUntil(
    async () => {
      try {
        return await call();
      } catch (error) {
        if (propagating(awsErrorName(error), String((error as Error).message))) return undefined;
        throw error;
      }
    },
    {
      clock: ctx.clock,
      signal: ctx.signal,
      schedule: POLL.roleUsable,
      timeoutMs: 2 * 60_000,
      onTimeout: () =>
        new FixedIpError(
          'WAIT_EXPIRED',
          "the NAT instance's instance profile is not usable after 2 minutes",
          {
            hint: 'run fixed-ip setup again',
          },
        ),
    },
  );
}
