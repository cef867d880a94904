import { readFileSync } from 'node:fs';
import type { Instance } from '@aws-sdk/client-ec2';
import * as z from 'zod/mini';
import { awsErrorName } from '../aws/errors.js';
import { clientToken, dropRecord, putRecord, recordIn, type StackContext } from '../model/context.js';
import { FALLBACK_PRICE_REGION } from '../model/pricing.js';
import { isOurs, tagSpec } from '../model/tags.js';
import { POLL, pollUntil } from '../model/wait.js';
import { AbortError, FixedIpError } from '../errors.js';
import type { Shape } from '../state/schema.js';
import { findListed } from './find.js';
import { baseRecord, type Kind, PLACEHOLDER } from '../model/kind.js';
import { holdAddress } from './nat-interface.js';
import { INSTANCES } from '../model/world.js';

const ROLE = 'nat-instance';
export const DEFAULT_NAT_INSTANCE_TYPE = 't4g.nano';
/** Instances come up in under a minute; a generous bound before calling one stuck. */
const INSTANCE_TIMEOUT_MS = 10 * 60_000;
const ROOT_VOLUME_GIB = 8;
const DAY_MS = 24 * 60 * 60_000;

export const natInstanceRecord = z.extend(baseRecord, {
  kind: z.literal('natInstance'),
  instanceType: z.optional(z.string()),
  imageId: z.optional(z.string()),
  /** When AWS built the image (DescribeImages' CreationDate): status shows its age. */
  imageCreated: z.optional(z.string()),
});

// This kind's state record, declared where the state's identities are (src/state/identity.ts).
declare module '../state/identity.js' {
  interface KindRecords {
    natInstance: z.infer<typeof natInstanceRecord>;
  }
}
type NatInstanceRecord = z.infer<typeof natInstanceRecord>;

/**
 * On-demand Linux prices, USD per hour (AWS's EC2 pricing page, 2026; approximate: re-check before
 * quoting), and gp3 storage per GB-month. Other regions and types are quoted at us-east-1's
 * t4g.nano price, flagged as approximate.
 */
export const INSTANCE_PRICES: Readonly<Partial<Record<string, Readonly<Record<string, number>>>>> = {
  'us-east-1': { 't4g.nano': 0.0042, 't4g.micro': 0.0084, 't3.nano': 0.0052, 't3.micro': 0.0104 },
  'us-west-2': { 't4g.nano': 0.0042, 't4g.micro': 0.0084, 't3.nano': 0.0052, 't3.micro': 0.0104 },
  'eu-west-1': { 't4g.nano': 0.0046, 't4g.micro': 0.0092, 't3.nano': 0.0057, 't3.micro': 0.0114 },
  'eu-central-1': { 't4g.nano': 0.0048, 't4g.micro': 0.0096, 't3.nano': 0.006, 't3.micro': 0.012 },
  'ap-northeast-1': { 't4g.nano': 0.0054, 't4g.micro': 0.0108, 't3.nano': 0.0068, 't3.micro': 0.0136 },
  'ap-southeast-1': { 't4g.nano': 0.0053, 't4g.micro': 0.0106, 't3.nano': 0.0066, 't3.micro': 0.0132 },
};
export const GP3_GB_MONTH: Readonly<Partial<Record<string, number>>> = {
  'us-east-1': 0.08,
  'us-west-2': 0.08,
  'eu-west-1': 0.088,
  'eu-central-1': 0.0952,
  'ap-northeast-1': 0.096,
  'ap-southeast-1': 0.096,
};

export const natInstanceType = (shape: Shape): string => shape.natInstanceType ?? DEFAULT_NAT_INSTANCE_TYPE;

/** The instance's price per hour (type, and its 8 GiB gp3 root volume); `known` false when guessed. */
export function natInstanceHourlyUsd(
  region: string,
  type: string,
): { instance: number; volume: number; known: boolean } {
  const price = INSTANCE_PRICES[region]?.[type];
  const gp3 = GP3_GB_MONTH[region] ?? GP3_GB_MONTH[FALLBACK_PRICE_REGION] ?? 0.08;
  return {
    instance: price ?? INSTANCE_PRICES[FALLBACK_PRICE_REGION]?.[type] ?? 0.0042,
    volume: (gp3 * ROOT_VOLUME_GIB) / 730,
    known: price !== undefined,
  };
}

/** Graviton types (a `g` after the family's generation: t4g, c7g, m7gd) run arm64 images. */
export function architectureOf(type: string): 'arm64' | 'x86_64' {
  return /^[a-z]+\d+[a-z]*g[a-z]*\./.test(type) ? 'arm64' : 'x86_64';
}

export const imageParameter = (type: string): string =>
  `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${architectureOf(type)}`;

/** The script cloud-init runs at first boot (src/kinds/nat-instance/user-data.sh, shipped in dist). */
export function userData(): string {
  return readFileSync(new URL('./nat-instance/user-data.sh', import.meta.url), 'utf8');
}

function live(ctx: StackContext, zone: string | undefined): Instance | undefined {
  const listed = findListed(ctx, natInstance, zone);
  const instance = listed ? ctx.world.instances.find((i) => i.InstanceId === listed.id) : undefined;
  // One the state names but whose tags do not prove it is the stack's is never replaced (terminated).
  return instance && isOurs(instance.Tags, ctx.name, ROLE, zone) ? instance : undefined;
}

const stateOf = (instance: Instance | undefined): string => instance?.State?.Name ?? 'missing';
const usable = (instance: Instance | undefined): boolean =>
  stateOf(instance) === 'running' || stateOf(instance) === 'pending';

/** Why the instance must be replaced, or undefined when it serves. */
function replacementReason(
  ctx: StackContext,
  zone: string | undefined,
  instance: Instance | undefined,
  replace: boolean,
): string | undefined {
  if (!instance) return undefined;
  if (!usable(instance)) return `${instance.InstanceId ?? ''} is ${stateOf(instance)}`;
  if (replace) return `--replace-nat-instance`;
  const type = natInstanceType(ctx.state.shape);
  if (instance.InstanceType !== type) return `${instance.InstanceType ?? ''} becomes ${type}`;
  void zone;
  return undefined;
}

async function describeInstance(ctx: StackContext, id: string): Promise<Instance | undefined> {
  try {
    const out = await ctx.aws.ec2.DescribeInstances({ InstanceIds: [id] });
    return out.Reservations?.[0]?.Instances?.[0];
  } catch (error) {
    // Just launched and not visible yet, or long gone.
    if (awsErrorName(error) === 'InvalidInstanceID.NotFound') return undefined;
    throw error;
  }
}

async function waitFor(
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

async function terminate(ctx: StackContext, id: string, why: string): Promise<'removed' | 'gone'> {
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

/** The live instance of ours on the interface, if any. */
async function attachedInstance(ctx: StackContext, eniId: string): Promise<Instance | undefined> {
  const out = await ctx.aws.ec2.DescribeNetworkInterfaces({ NetworkInterfaceIds: [eniId] });
  const id = out.NetworkInterfaces?.[0]?.Attachment?.InstanceId;
  const instance = id ? await describeInstance(ctx, id) : undefined;
  return instance && isOurs(instance.Tags, ctx.name, ROLE) && usable(instance) ? instance : undefined;
}

/** The newest Amazon Linux 2023 image for the type's architecture (AWS's public SSM parameter). */
async function newestImage(ctx: StackContext, type: string): Promise<{ id: string; created?: string }> {
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

/** "12 days" from the image's creation date. */
export function imageAge(record: NatInstanceRecord | undefined, now: number): string | undefined {
  if (!record?.imageCreated) return undefined;
  const days = Math.max(0, Math.floor((now - Date.parse(record.imageCreated)) / DAY_MS));
  return `${days} day${days === 1 ? '' : 's'}`;
}

/**
 * Part of step 5 with `--nat instance`: the NAT instance. Amazon Linux 2023 (the newest image,
 * arm64 for Graviton types), on the stack's network interface as its primary one, IMDSv2
 * required, no key pair, an encrypted root volume, and user data that turns on forwarding and
 * masquerading for good. A stopped or terminated instance is replaced on the same interface, so the
 * routes and the Elastic IP stay: the allowlisted IP does not change.
 */
export const natInstance: Kind = {
  name: 'natInstance',
  part: INSTANCES,
  role: ROLE,
  zonal: true,
  article: 5,
  title: 'NAT instance',
  record: natInstanceRecord,
  iam: {
    read: [
      'ec2:DescribeInstances',
      'ec2:DescribeInstanceStatus',
      'ec2:DescribeImages',
      'ec2:DescribeInstanceTypeOfferings',
      'ssm:GetParameter',
    ],
    create: ['ec2:RunInstances', 'ec2:CreateTags', 'ec2:TerminateInstances'],
    remove: ['ec2:TerminateInstances'],
  },
  needs: [INSTANCES],
  goneLine: 'NAT instance is terminated',
  hourlyUsd: (region, shape) => {
    const price = natInstanceHourlyUsd(region, natInstanceType(shape));
    return price.instance + price.volume;
  },

  list: (world) =>
    world.instances
      .filter((i) => i.State?.Name !== 'terminated')
      .map((i) => ({
        id: i.InstanceId ?? '',
        tags: i.Tags,
        zone: i.Placement?.AvailabilityZone,
        extra: {
          ...(i.InstanceType ? { instanceType: i.InstanceType } : {}),
          ...(i.ImageId ? { imageId: i.ImageId } : {}),
        },
      })),

  plan(ctx, zone, targets) {
    const instance = live(ctx, zone);
    const type = natInstanceType(targets.shape);
    const why = replacementReason(ctx, zone, instance, targets.replaceNatInstance);
    if (why)
      return {
        action: 'repair',
        detail: `replace ${instance?.InstanceId ?? ''} (${why}) with a new ${type} from the newest Amazon Linux 2023 image on the same interface: same IP, egress pauses for about a minute`,
      };
    if (instance) return { action: 'done', detail: `${instance.InstanceId ?? ''} (${stateOf(instance)})` };
    return {
      action: 'create',
      detail: `${type} from the newest Amazon Linux 2023 image (${architectureOf(type)}) on the NAT network interface in ${zone ?? ''}`,
    };
  },

  async ensure(ctx, zone, targets) {
    const type = natInstanceType(ctx.state.shape);
    let instance = live(ctx, zone);
    const why = replacementReason(ctx, zone, instance, targets.replaceNatInstance);
    if (instance && why) {
      await terminate(ctx, instance.InstanceId ?? '', why);
      await dropRecord(ctx, 'natInstance', zone);
      instance = undefined;
    }
    const eniId = recordIn(ctx, 'natInterface', zone)?.id ?? '';
    let image: { id: string; created?: string } | undefined;
    if (!instance) {
      image = await newestImage(ctx, type);
      // Instances of ours AWS still lists (terminated ones for about an hour) give a fresh token
      // after a replacement, while a retry after a lost response reuses the same one.
      const earlier = ctx.world.instances.filter((i) => isOurs(i.Tags, ctx.name, ROLE, zone)).length;
      ctx.checkpoint();
      const launched = await ctx.aws.ec2
        .RunInstances({
          ImageId: image.id,
          InstanceType: type as Instance['InstanceType'],
          MinCount: 1,
          MaxCount: 1,
          NetworkInterfaces: [{ DeviceIndex: 0, NetworkInterfaceId: eniId }],
          MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled' },
          BlockDeviceMappings: [
            {
              DeviceName: '/dev/xvda',
              Ebs: {
                VolumeSize: ROOT_VOLUME_GIB,
                VolumeType: 'gp3',
                Encrypted: true,
                DeleteOnTermination: true,
              },
            },
          ],
          UserData: Buffer.from(userData()).toString('base64'),
          ClientToken: clientToken(ctx, 'nat-instance', eniId, image.id, type, String(earlier)),
          TagSpecifications: [
            ...tagSpec('instance', ROLE, ctx.name, zone),
            ...tagSpec('volume', ROLE, ctx.name, zone),
          ],
        })
        .catch(async (error: unknown) => {
          // Launched by an attempt whose response was lost: the interface already carries it.
          if (awsErrorName(error) !== 'InvalidNetworkInterface.InUse') throw error;
          const onIt = await attachedInstance(ctx, eniId);
          if (!onIt) throw error;
          return { Instances: [onIt] };
        });
      instance = launched.Instances?.[0];
    }
    const id = instance?.InstanceId ?? '';
    const recorded = recordIn(ctx, 'natInstance', zone);
    await putRecord(ctx, {
      kind: 'natInstance',
      id,
      owned: true,
      ...(zone ? { zone } : {}),
      instanceType: instance?.InstanceType ?? type,
      ...(instance?.ImageId ? { imageId: instance.ImageId } : {}),
      ...((image?.created ?? recorded?.imageCreated)
        ? { imageCreated: image?.created ?? recorded?.imageCreated }
        : {}),
    });
    if (stateOf(instance) !== 'running') {
      const progress = ctx.ui.progress('setup.nat.instance', `Waiting for NAT instance ${id} to start`);
      try {
        await waitFor(ctx, id, 'running', false);
      } catch (error) {
        if (error instanceof AbortError)
          progress.warn(
            `Stopped waiting for NAT instance ${id}; it keeps starting and is billed by the hour`,
          );
        else progress.fail(`NAT instance ${id} did not start`);
        throw error;
      }
      progress.succeed(`NAT instance ${id} is running`);
    }
    // Coming from a NAT gateway mode, the Elastic IP moves now that the instance runs.
    await holdAddress(ctx, zone, eniId, { takeFromGateway: true });
    return `${id} (${type}, ${zone ?? ''})`;
  },

  check(ctx, zone) {
    const record = recordIn(ctx, 'natInstance', zone);
    if (!record)
      return {
        ok: false,
        id: undefined,
        state: 'missing',
        problem: 'no NAT instance recorded: the functions have no egress; run fixed-ip setup to launch one',
      };
    const instance = ctx.world.instances.find((i) => i.InstanceId === record.id);
    const state = stateOf(instance);
    if (state !== 'running' && state !== 'pending')
      return {
        ok: false,
        id: record.id,
        state,
        problem: `NAT instance ${record.id} is ${state}: the functions have no egress; run fixed-ip setup to launch a new one on the same interface (same IP)`,
      };
    const age = imageAge(record, ctx.clock.now());
    const image = age ? `, image ${age} old` : '';
    if (state === 'pending')
      return {
        ok: false,
        id: record.id,
        state,
        problem: `NAT instance ${record.id} is still starting; check again in a minute`,
      };
    const status = ctx.world.instanceStatuses.find((s) => s.InstanceId === record.id);
    const checks = [status?.SystemStatus?.Status, status?.InstanceStatus?.Status];
    if (checks.every((c) => c === 'ok')) return { ok: true, id: record.id, state: `running${image}` };
    if (checks.some((c) => c === 'initializing' || c === undefined))
      return {
        ok: false,
        id: record.id,
        state: `running, checks initializing${image}`,
        problem: `NAT instance ${record.id} is running but its status checks are still initializing; check again in a few minutes`,
      };
    return {
      ok: false,
      id: record.id,
      state: `running, checks ${checks.join('/')}${image}`,
      problem: `NAT instance ${record.id} fails its status checks (system ${checks[0] ?? '?'}, instance ${checks[1] ?? '?'}); run fixed-ip setup --replace-nat-instance`,
    };
  },

  async remove(ctx, zone) {
    const record = recordIn(ctx, 'natInstance', zone);
    if (!record) return { outcome: 'gone', detail: '' };
    const outcome = await terminate(ctx, record.id, 'teardown');
    await dropRecord(ctx, 'natInstance', zone);
    return {
      outcome,
      detail: `${record.id}${outcome === 'removed' ? ': its hourly charge has stopped' : ''}`,
    };
  },

  async blockers(ctx, zone, targets) {
    const type = natInstanceType(targets.shape);
    const out = await ctx.aws.ec2.DescribeInstanceTypeOfferings({
      LocationType: 'availability-zone',
      Filters: [
        { Name: 'instance-type', Values: [type] },
        { Name: 'location', Values: [zone ?? ''] },
      ],
    });
    if ((out.InstanceTypeOfferings ?? []).some((o) => o.Location === zone)) return [];
    return [
      `${zone ?? ''} does not offer ${type}: pass --az with another zone first, or --nat-instance-type with another type (e.g. ${architectureOf(type) === 'arm64' ? 't3.nano' : 't4g.nano'})`,
    ];
  },

  dryRuns: (aws, stack, zone, targets) => [
    {
      action: 'ec2:RunInstances',
      call: () =>
        aws.ec2.RunInstances({
          DryRun: true,
          ImageId: `ami-${PLACEHOLDER}`,
          InstanceType: natInstanceType(targets.shape) as Instance['InstanceType'],
          MinCount: 1,
          MaxCount: 1,
          NetworkInterfaces: [{ DeviceIndex: 0, NetworkInterfaceId: `eni-${PLACEHOLDER}` }],
          TagSpecifications: [
            ...tagSpec('instance', ROLE, stack, zone),
            ...tagSpec('volume', ROLE, stack, zone),
          ],
        }),
    },
  ],
};
