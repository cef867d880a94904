import type { Instance, RunInstancesCommandInput } from '@aws-sdk/client-ec2';
import * as z from 'zod/mini';
import { clientToken, dropRecord, putRecord, recordIn, type StackContext } from '../model/context.js';
import { FALLBACK_PRICE_REGION, IPV4_HOURLY_USD, usageTypes } from '../model/pricing.js';
import { isOurs, TAG_ROLE, tagSpec, tagValue } from '../model/tags.js';
import { AbortError, FixedIpError } from '../errors.js';
import type { Shape } from '../state/schema.js';
import { findListed } from './find.js';
import { untagEc2 } from './untag.js';
import { baseRecord, type Kind, type KindBilling, PLACEHOLDER } from '../model/kind.js';
import { holdAddress } from './nat-interface.js';
import { INSTANCES, NETWORK_INTERFACES, type World } from '../model/world.js';
import type { ResourceRecord } from '../state/identity.js';
import { natRoleName } from './nat-role.js';
import { idRef, type IacExport, type IacResource } from '../model/iac.js';
import { bootOf } from './nat-instance/boot.js';
import { architectureOf } from './nat-instance/image.js';
import {
  BOOT_READY_MS,
  describeInstance,
  GROUP_INSTANCE_ROLE,
  holderOf,
  INSTANCE_ROLE,
  interfaceIn,
  launchSpec,
  moveInterface,
  newestImage,
  onFirstLayout,
  seconds,
  stateOf,
  terminate,
  usable,
  waitFor,
  waitForBoot,
  whileProfilePropagates,
} from './nat-instance/lifecycle.js';

export { architectureOf, imageParameter } from './nat-instance/image.js';
export { userData } from './nat-instance/boot.js';

const ROLE = INSTANCE_ROLE;
export const DEFAULT_NAT_INSTANCE_TYPE = 't4g.nano';
const ROOT_VOLUME_GIB = 8;
const DAY_MS = 24 * 60 * 60_000;

export const natInstanceRecord = z.extend(baseRecord, {
  kind: z.literal('natInstance'),
  instanceType: z.optional(z.string()),
  imageId: z.optional(z.string()),
  /** When AWS built the image (DescribeImages' CreationDate): status shows its age. */
  imageCreated: z.optional(z.string()),
  /** The instance this one replaces, until the interface has moved and it is terminated. */
  previous: z.optional(z.string()),
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

/**
 * How AWS bills a NAT instance (and a group's): the instance, its gp3 root volume and its primary's
 * public IPv4 address, by the second, from its launch; its traffic is what it receives (every byte
 * it forwards, both ways), with no processing charge.
 */
export function natHostBilling(
  host: (world: World, record: ResourceRecord) => Instance | undefined,
  since?: KindBilling['since'],
): KindBilling {
  return {
    usageTypes: (region, shape) => [
      ...usageTypes(region, `BoxUsage:${natInstanceType(shape)}`),
      ...usageTypes(region, 'EBS:VolumeUsage.gp3'),
      ...usageTypes(region, 'PublicIPv4:InUseAddress'),
    ],
    per: 'second',
    since: since ?? ((world, record) => host(world, record)?.LaunchTime),
    traffic: (world, record) => {
      const id = host(world, record)?.InstanceId;
      return id
        ? {
            namespace: 'AWS/EC2',
            dimensions: [{ Name: 'InstanceId', Value: id }],
            metrics: [{ name: 'NetworkIn', direction: 'both' }],
          }
        : undefined;
    },
    processingPerGbUsd: () => 0,
  };
}

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
  const boot = bootOf(instance);
  if (boot.state === 'failed') return `its boot failed: ${boot.why}`;
  if (onFirstLayout(interfaceIn(ctx, zone), instance))
    return "the first release's layout: the interface moves to a new instance as device index 1, so later replacements take seconds";
  return undefined;
}

/**
 * Launches a NAT instance with its own primary interface in the public subnet (a public IPv4 of
 * AWS's for its own traffic: packages, the EC2 API, its boot report) and the stack's role. The
 * stack's interface is attached afterwards, as device index 1.
 */
async function launch(
  ctx: StackContext,
  zone: string | undefined,
  type: string,
  eniId: string,
): Promise<{ instance: Instance | undefined; image: { id: string; created?: string } }> {
  const image = await newestImage(ctx, type);
  const subnetId = recordIn(ctx, 'publicSubnet', zone)?.id ?? '';
  // Instances of ours AWS still lists (terminated ones for about an hour) give a fresh token after
  // a replacement, while a retry after a lost response reuses the same one.
  const earlier = ctx.world.instances.filter((i) => isOurs(i.Tags, ctx.name, ROLE, zone)).length;
  const profile = natRoleName(ctx.name, ctx.aws.region);
  const input: RunInstancesCommandInput = {
    ...launchSpec(ctx, zone, {
      type,
      imageId: image.id,
      interfaceId: eniId,
      selfAttach: false,
      role: ROLE,
      profile,
    }),
    MinCount: 1,
    MaxCount: 1,
    ClientToken: clientToken(ctx, 'nat-instance', subnetId, eniId, image.id, type, String(earlier)),
  };
  ctx.checkpoint();
  const launched = await whileProfilePropagates(
    ctx,
    () => ctx.aws.ec2.RunInstances(input),
    (name, message) => name === 'InvalidParameterValue' && /iamInstanceProfile/i.test(message),
  );
  return { instance: launched.Instances?.[0], image };
}

function live(ctx: StackContext, zone: string | undefined): Instance | undefined {
  const listed = findListed(ctx, natInstance, zone);
  const instance = listed ? ctx.world.instances.find((i) => i.InstanceId === listed.id) : undefined;
  // One the state names but whose tags do not prove it is the stack's is never replaced (terminated).
  return instance && isOurs(instance.Tags, ctx.name, ROLE, zone) ? instance : undefined;
}

/** "12 days" from the image's creation date. */
export function imageAge(record: NatInstanceRecord | undefined, now: number): string | undefined {
  if (!record?.imageCreated) return undefined;
  const days = Math.max(0, Math.floor((now - Date.parse(record.imageCreated)) / DAY_MS));
  return `${days} day${days === 1 ? '' : 's'}`;
}

/**
 * Part of step 5 with `--nat instance`: the NAT instance. Amazon Linux 2023 (the newest image,
 * arm64 for Graviton types), with a primary interface of its own and the stack's interface (the
 * Elastic IP, the private routes' target) attached as device index 1, so that interface moves to
 * a replacement in seconds: a replacement is launched first, reports its boot on a tag of its own,
 * takes the interface, and only then is the old instance terminated. IMDSv2 required, no key pair,
 * an encrypted root volume, automatic recovery on.
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
    create: [
      'ec2:RunInstances',
      'ec2:CreateTags',
      'ec2:TerminateInstances',
      'ec2:AttachNetworkInterface',
      'ec2:DetachNetworkInterface',
    ],
    remove: ['ec2:TerminateInstances'],
  },
  needs: [INSTANCES, NETWORK_INTERFACES],
  goneLine: 'NAT instance is terminated',
  // The instance, and the root volume tagged with it at launch.
  untag(ctx, record, keys) {
    const instance = ctx.world.instances.find((i) => i.InstanceId === record.id);
    const volumes = (instance?.BlockDeviceMappings ?? []).flatMap((b) => b.Ebs?.VolumeId ?? []);
    return untagEc2(ctx, [record.id, ...volumes], keys);
  },
  // The instance as it runs (its image, type, primary interface, role, IMDSv2), and the attachment
  // of the stack's interface. Its user data names that interface and stays as it is.
  iac(ctx, record, live): IacExport {
    const instance = ctx.world.instances.find((i) => i.InstanceId === record.id);
    const primary = instance?.NetworkInterfaces?.find((n) => n.Attachment?.DeviceIndex === 0);
    const stackEni = instance?.NetworkInterfaces?.find(
      (n) => n.NetworkInterfaceId === recordIn(ctx, 'natInterface', record.zone)?.id,
    );
    const profile = instance?.IamInstanceProfile?.Arn?.split('/').at(-1);
    const profileRef = profile ? idRef(`instance-profile/${profile}`) : undefined;
    const subnetId = idRef(primary?.SubnetId ?? instance?.SubnetId ?? '');
    const groups = (primary?.Groups ?? []).map((g) => idRef(g.GroupId ?? ''));
    const publicIp = primary?.Association?.PublicIp !== undefined;
    const metadata = instance?.MetadataOptions;
    const attachment: IacResource[] =
      stackEni?.Attachment?.AttachmentId && stackEni.NetworkInterfaceId
        ? [
            {
              id: stackEni.Attachment.AttachmentId,
              part: 'attachment',
              terraform: {
                type: 'aws_network_interface_attachment',
                attributes: {
                  instance_id: idRef(record.id),
                  network_interface_id: idRef(stackEni.NetworkInterfaceId),
                  device_index: stackEni.Attachment.DeviceIndex ?? 1,
                },
                importId: stackEni.Attachment.AttachmentId,
              },
              cloudformation: {
                type: 'AWS::EC2::NetworkInterfaceAttachment',
                properties: {
                  InstanceId: idRef(record.id),
                  NetworkInterfaceId: idRef(stackEni.NetworkInterfaceId),
                  DeviceIndex: String(stackEni.Attachment.DeviceIndex ?? 1),
                },
                identifier: { AttachmentId: stackEni.Attachment.AttachmentId },
              },
            },
          ]
        : [];
    return {
      owned: [
        {
          id: record.id,
          part: '',
          tags: live.tags,
          terraform: {
            type: 'aws_instance',
            attributes: {
              ami: instance?.ImageId ?? '',
              instance_type: instance?.InstanceType ?? '',
              subnet_id: subnetId,
              vpc_security_group_ids: groups,
              associate_public_ip_address: publicIp,
              iam_instance_profile: profileRef,
              metadata_options: metadata
                ? [
                    {
                      http_tokens: metadata.HttpTokens ?? 'required',
                      http_endpoint: metadata.HttpEndpoint ?? 'enabled',
                    },
                  ]
                : undefined,
            },
            importId: record.id,
            ignoreChanges: ['user_data', 'user_data_base64'],
          },
          cloudformation: {
            type: 'AWS::EC2::Instance',
            properties: {
              ImageId: instance?.ImageId ?? '',
              InstanceType: instance?.InstanceType ?? '',
              NetworkInterfaces: [
                {
                  DeviceIndex: '0',
                  SubnetId: subnetId,
                  GroupSet: groups,
                  AssociatePublicIpAddress: publicIp,
                  DeleteOnTermination: true,
                },
              ],
              IamInstanceProfile: profileRef,
              MetadataOptions: metadata
                ? {
                    HttpTokens: metadata.HttpTokens ?? 'required',
                    HttpEndpoint: metadata.HttpEndpoint ?? 'enabled',
                  }
                : undefined,
            },
            identifier: { InstanceId: record.id },
          },
        },
        ...attachment,
      ],
    };
  },

  hourlyUsd: (region, shape) => {
    const price = natInstanceHourlyUsd(region, natInstanceType(shape));
    // Its own primary interface has a public IPv4 address of AWS's, charged like any other.
    return price.instance + price.volume + IPV4_HOURLY_USD;
  },
  billing: natHostBilling((world, record) => world.instances.find((i) => i.InstanceId === record.id)),

  list: (world) =>
    world.instances
      // An instance the stack's group launched is the group's (it goes with the group), not one of these.
      .filter((i) => i.State?.Name !== 'terminated' && tagValue(i.Tags, TAG_ROLE) !== GROUP_INSTANCE_ROLE)
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
    const eni = interfaceIn(ctx, zone);
    if (why) {
      const firstLayout = onFirstLayout(eni, instance);
      return {
        action: 'repair',
        detail: `replace ${instance?.InstanceId ?? ''} (${why}) with a new ${type} from the newest Amazon Linux 2023 image: it boots first, then takes the interface (same IP); egress pauses ${firstLayout ? 'while the old instance terminates (about a minute, this once)' : 'for the detach and attach (seconds)'}`,
      };
    }
    if (instance) {
      if (eni && holderOf(eni)?.instanceId !== instance.InstanceId)
        return {
          action: 'repair',
          detail: `attach interface ${eni.NetworkInterfaceId ?? ''} to ${instance.InstanceId ?? ''}`,
        };
      return { action: 'done', detail: `${instance.InstanceId ?? ''} (${stateOf(instance)})` };
    }
    return {
      action: 'create',
      detail: `${type} from the newest Amazon Linux 2023 image (${architectureOf(type)}) in ${zone ?? ''}, then the NAT network interface attached as its second interface`,
    };
  },

  async ensure(ctx, zone, targets) {
    const type = natInstanceType(ctx.state.shape);
    const eniId = recordIn(ctx, 'natInterface', zone)?.id ?? '';
    const recorded = recordIn(ctx, 'natInstance', zone);
    let instance = live(ctx, zone);
    // A replacement interrupted after its launch: the instance it replaces may still hold the interface.
    let previous = recorded?.previous;
    const why = replacementReason(ctx, zone, instance, targets.replaceNatInstance);
    if (instance && why) {
      previous = instance.InstanceId;
      instance = undefined;
    }
    let image: { id: string; created?: string } | undefined;
    if (!instance) {
      ({ instance, image } = await launch(ctx, zone, type, eniId));
    }
    const id = instance?.InstanceId ?? '';
    const record = (extra: { previous?: string }) =>
      putRecord(ctx, {
        kind: 'natInstance',
        id,
        owned: true,
        ...(zone ? { zone } : {}),
        instanceType: instance?.InstanceType ?? type,
        ...(instance?.ImageId ? { imageId: instance.ImageId } : {}),
        ...((image?.created ?? recorded?.imageCreated)
          ? { imageCreated: image?.created ?? recorded?.imageCreated }
          : {}),
        ...extra,
      });
    await record(previous && previous !== id ? { previous } : {});
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
    if (bootOf(instance).state !== 'forwarding') {
      const progress = ctx.ui.progress('setup.nat.boot', `Waiting for NAT instance ${id} to report its boot`);
      try {
        await waitForBoot(ctx, id, ['ready', 'forwarding'], BOOT_READY_MS);
      } catch (error) {
        if (error instanceof AbortError) progress.warn(`Stopped waiting for NAT instance ${id} to boot`);
        else {
          progress.fail(`NAT instance ${id} did not boot`);
          // A boot that failed serves nothing and is billed by the hour: it goes (its reason is in the
          // error), and an instance it was to replace stays the stack's, still forwarding.
          if (error instanceof FixedIpError && error.code === 'NAT_FAILED') {
            await terminate(ctx, id, 'its boot failed').catch(() => undefined);
            if (previous && previous !== id && recorded)
              await putRecord(ctx, { ...recorded, id: previous, previous: undefined });
          }
        }
        throw error;
      }
      progress.succeed(`NAT instance ${id} booted: forwarding on, waiting for the interface`);
    }
    const gap = await moveInterface(ctx, eniId, id);
    // Coming from a NAT gateway mode, the Elastic IP moves now that the instance forwards.
    await holdAddress(ctx, zone, eniId, { takeFromGateway: true });
    if (previous && previous !== id) {
      const old = await describeInstance(ctx, previous);
      if (usable(old) || stateOf(old) === 'stopped' || stateOf(old) === 'stopping')
        await terminate(ctx, previous, `replaced by ${id}`);
      await record({});
    }
    return `${id} (${type}, ${zone ?? ''}${gap > 0 ? `; egress paused ${seconds(gap)} while the interface moved` : ''})`;
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
        problem: `NAT instance ${record.id} is ${state}: the functions have no egress; run fixed-ip setup to launch a new one and move the interface to it (same IP)`,
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
    const boot = bootOf(instance);
    const eni = interfaceIn(ctx, zone);
    const firstLayout = onFirstLayout(eni, instance);
    if (boot.state === 'failed')
      return {
        ok: false,
        id: record.id,
        state: 'boot failed',
        problem: `the NAT instance's boot failed: ${boot.why}; run fixed-ip setup --replace-nat-instance`,
      };
    if (!firstLayout && eni && holderOf(eni)?.instanceId !== record.id)
      return {
        ok: false,
        id: record.id,
        state: `running, interface not attached${image}`,
        problem: `the NAT network interface ${eni.NetworkInterfaceId ?? ''} is not attached to NAT instance ${record.id}: the functions have no egress; run fixed-ip setup to attach it`,
      };
    if (!firstLayout && boot.state !== 'forwarding')
      return {
        ok: false,
        id: record.id,
        state: `running, ${boot.state === 'unreported' ? 'boot not reported' : boot.state}${image}`,
        problem:
          boot.state === 'waiting'
            ? `NAT instance ${record.id} is waiting: ${boot.why}`
            : `NAT instance ${record.id} has not reported that it forwards through the interface yet; check again in a minute, or run fixed-ip setup --replace-nat-instance`,
      };
    const status = ctx.world.instanceStatuses.find((s) => s.InstanceId === record.id);
    const checks = [status?.SystemStatus?.Status, status?.InstanceStatus?.Status];
    const layout = firstLayout ? ", first release's layout (setup moves it)" : '';
    if (checks.every((c) => c === 'ok'))
      return { ok: true, id: record.id, state: `running${layout}${image}` };
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
    // A replacement interrupted halfway leaves two: the one it replaces goes too.
    if (record.previous) {
      const previous = await describeInstance(ctx, record.previous);
      if (previous && isOurs(previous.Tags, ctx.name, ROLE) && stateOf(previous) !== 'terminated')
        await terminate(ctx, record.previous, 'teardown');
    }
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
          NetworkInterfaces: [
            {
              DeviceIndex: 0,
              SubnetId: `subnet-${PLACEHOLDER}`,
              Groups: [`sg-${PLACEHOLDER}`],
              AssociatePublicIpAddress: true,
            },
          ],
          TagSpecifications: [
            ...tagSpec('instance', ROLE, stack, zone),
            ...tagSpec('volume', ROLE, stack, zone),
          ],
        }),
    },
    {
      action: 'ec2:AttachNetworkInterface',
      onOwnResource: true,
      call: () =>
        aws.ec2.AttachNetworkInterface({
          DryRun: true,
          NetworkInterfaceId: `eni-${PLACEHOLDER}`,
          InstanceId: `i-${PLACEHOLDER}`,
          DeviceIndex: 1,
        }),
    },
  ],
};
