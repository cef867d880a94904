/**
 * EC2 instances, as far as a NAT instance needs them: launched on an interface made beforehand
 * (or in a subnet), pending -> running, stopping -> stopped, shutting-down -> terminated on the
 * clock; status checks initializing -> ok; the primary interface stays attached until the
 * instance is terminated, and survives it unless it was made at launch (DeleteOnTermination).
 * A new primary interface may get an Amazon-owned public IPv4 (AssociatePublicIpAddress, see
 * public-ips.ts); an instance profile is checked as EC2 checks it (instance-profiles.ts); more
 * interfaces come with AttachNetworkInterface (interface-attachments.ts) and are all listed.
 */
import type {
  Instance,
  InstanceNetworkInterface,
  InstanceStatus,
  TagSpecification,
} from '@aws-sdk/client-ec2';
import type { SimContext } from '../context.js';
import { describeOperation, recordsOf } from '../describe.js';
import { ec2Error, Ec2ErrorCode, ec2InvalidParameter, ec2MissingParameter, ec2NotFound } from '../errors.js';
import type { FilterFields } from '../filters.js';
import { newId } from '../ids.js';
import { instanceProfileArn, profileForLaunch } from '../instance-profiles.js';
import {
  attachmentIsLive,
  attachmentStatus,
  instanceIsGone,
  interfacesOf,
  instanceState,
  type InstanceState,
  newRecord,
} from '../lifecycle.js';
import type {
  InstanceRecord,
  InstanceStableState,
  InstanceTransition,
  NetworkInterfaceRecord,
} from '../model.js';
import { azIdOf } from './availability-zones.js';
import { findImage } from './images.js';
import { architectureOf, zoneOffers } from './instance-types.js';
import { requireInstance, requireNetworkInterface } from './lookup.js';
import { natConfigOf } from '../nat-config.js';
import { insertNetworkInterface } from './network-interfaces.js';
import { autoPublicIp, newAutoPublicIp } from './public-ips.js';
import { tagList } from './tags.js';
import { tagsFromSpecifications } from './tags.js';

const STATE_CODES: Record<InstanceState, number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

interface InterfaceSpec {
  DeviceIndex?: number;
  NetworkInterfaceId?: string;
  SubnetId?: string;
  Groups?: string[];
  DeleteOnTermination?: boolean;
  AssociatePublicIpAddress?: boolean;
}

interface RunInstancesInput {
  ImageId?: string;
  InstanceType?: string;
  MinCount?: number;
  MaxCount?: number;
  SubnetId?: string;
  SecurityGroupIds?: string[];
  NetworkInterfaces?: InterfaceSpec[];
  KeyName?: string;
  UserData?: string;
  MetadataOptions?: { HttpTokens?: string; HttpEndpoint?: string };
  IamInstanceProfile?: { Name?: string; Arn?: string };
  MaintenanceOptions?: { AutoRecovery?: string };
  BlockDeviceMappings?: {
    DeviceName?: string;
    Ebs?: { VolumeSize?: number; VolumeType?: string; Encrypted?: boolean; DeleteOnTermination?: boolean };
  }[];
  TagSpecifications?: TagSpecification[];
}

function stateOf(instance: InstanceRecord, now: number): { Code: number; Name: InstanceState } {
  const name = instanceState(instance, now);
  return { Code: STATE_CODES[name], Name: name };
}

/** Tags for each kind RunInstances can tag; another kind is refused, as by AWS. */
function launchTags(specs: readonly TagSpecification[] | undefined) {
  const kinds = ['instance', 'volume', 'network-interface'];
  for (const spec of specs ?? []) {
    if (!kinds.includes(spec.ResourceType ?? ''))
      throw ec2InvalidParameter(
        `'${spec.ResourceType ?? ''}' is not a valid taggable resource type for this operation.`,
      );
  }
  const of = (kind: string) =>
    tagsFromSpecifications(
      specs?.filter((s) => s.ResourceType === kind),
      kind,
    );
  return { instance: of('instance'), volume: of('volume'), eni: of('network-interface') };
}

/** The primary interface: one made beforehand (it must be free), or one made now in a subnet. */
function primaryInterface(
  ctx: SimContext,
  input: RunInstancesInput,
  eniTags: Record<string, string>,
): {
  eni: NetworkInterfaceRecord | undefined;
  create: () => NetworkInterfaceRecord;
  deleteOnTermination: boolean;
} {
  const specs = input.NetworkInterfaces ?? [];
  if (specs.length > 1 && specs.some((s) => s.AssociatePublicIpAddress === true))
    throw ec2Error(
      Ec2ErrorCode.invalidParameterCombination,
      'The associatePublicIPAddress parameter cannot be specified when launching with multiple network interfaces.',
    );
  if (specs.length > 1)
    throw ec2InvalidParameter(
      'The simulator launches with one network interface; attach more with AttachNetworkInterface.',
    );
  const spec = specs[0];
  if (spec) {
    if (spec.DeviceIndex !== 0)
      throw ec2InvalidParameter('The primary network interface must have DeviceIndex 0.');
    if (input.SubnetId !== undefined || input.SecurityGroupIds !== undefined) {
      throw ec2Error(
        Ec2ErrorCode.invalidParameterCombination,
        'Network interfaces and an instance-level subnet ID or security groups may not be specified on the same request',
      );
    }
    if (spec.NetworkInterfaceId !== undefined) {
      // A public IPv4 comes with a new interface only.
      if (spec.AssociatePublicIpAddress === true)
        throw ec2Error(
          Ec2ErrorCode.invalidParameterCombination,
          'The associatePublicIPAddress parameter cannot be specified for a network interface with an ID.',
        );
      if (spec.SubnetId !== undefined || spec.Groups !== undefined)
        throw ec2Error(
          Ec2ErrorCode.invalidParameterCombination,
          'A network interface ID cannot be given with a subnet or security groups for that interface.',
        );
      const eni = requireNetworkInterface(ctx, spec.NetworkInterfaceId);
      if (attachmentIsLive(ctx, eni))
        throw ec2Error(Ec2ErrorCode.networkInterfaceInUse, `Interface: [${eni.id}] in use.`);
      return { eni, create: () => eni, deleteOnTermination: spec.DeleteOnTermination ?? false };
    }
  }
  const subnetId = spec?.SubnetId ?? input.SubnetId;
  const groupIds = spec?.Groups ?? input.SecurityGroupIds;
  if (subnetId === undefined)
    throw ec2MissingParameter('subnetId (the simulator has no EC2-Classic default)');
  const create = () =>
    insertNetworkInterface(ctx, { subnetId, groupIds, description: '', tags: eniTags, visibleAt: ctx.now });
  return { eni: undefined, create, deleteOnTermination: spec?.DeleteOnTermination ?? true };
}

/** The Elastic IP on an interface, if any. */
function elasticIpOn(ctx: SimContext, eniId: string) {
  return recordsOf(ctx.state.addresses).find((a) => a.externalAssociation?.networkInterfaceId === eniId);
}

/** An interface as DescribeInstances lists it under its instance. */
function instanceInterface(
  ctx: SimContext,
  instance: InstanceRecord,
  eni: NetworkInterfaceRecord,
): InstanceNetworkInterface {
  const attachment = eni.attachment;
  const address = elasticIpOn(ctx, eni.id);
  const autoIp = eni.id === instance.primaryEniId ? autoPublicIp(ctx, instance) : undefined;
  const association = address
    ? { PublicIp: address.publicIp, IpOwnerId: ctx.state.accountId }
    : autoIp !== undefined
      ? { PublicIp: autoIp, IpOwnerId: 'amazon' }
      : undefined;
  return {
    NetworkInterfaceId: eni.id,
    SubnetId: eni.subnetId,
    VpcId: eni.vpcId,
    PrivateIpAddress: eni.privateIp,
    SourceDestCheck: eni.sourceDestCheck,
    Status: 'in-use',
    OwnerId: ctx.state.accountId,
    Groups: eni.groupIds.map((GroupId) => ({
      GroupId,
      GroupName: ctx.state.securityGroups[GroupId]?.name ?? '',
    })),
    Attachment: {
      AttachmentId: attachment?.id,
      DeviceIndex: attachment?.deviceIndex,
      NetworkCardIndex: 0,
      Status: attachment ? attachmentStatus(attachment, ctx.now) : 'attached',
      DeleteOnTermination: attachment?.deleteOnTermination,
      AttachTime: new Date(attachment?.attachedAt ?? instance.createdAt),
    },
    ...(association ? { Association: association } : {}),
  };
}

function toInstance(ctx: SimContext, instance: InstanceRecord): Instance {
  const state = stateOf(instance, ctx.now);
  const interfaces = interfacesOf(ctx, instance.id);
  const primary = interfaces.find((e) => e.id === instance.primaryEniId);
  const publicIp = primary
    ? (elasticIpOn(ctx, primary.id)?.publicIp ?? autoPublicIp(ctx, instance))
    : undefined;
  const architecture = findImage(ctx, instance.imageId).architecture;
  return {
    InstanceId: instance.id,
    ImageId: instance.imageId,
    InstanceType: instance.instanceType as Instance['InstanceType'],
    State: state,
    ...(state.Name === 'terminated' || state.Name === 'shutting-down'
      ? {}
      : {
          SubnetId: instance.subnetId,
          VpcId: instance.vpcId,
          PrivateIpAddress: instance.privateIp,
          ...(publicIp !== undefined ? { PublicIpAddress: publicIp } : {}),
        }),
    Placement: {
      AvailabilityZone: instance.az,
      AvailabilityZoneId: azIdOf(ctx.state.region, instance.az),
      Tenancy: 'default',
    },
    Architecture: architecture,
    LaunchTime: new Date(instance.launchedAt),
    ...(instance.keyName !== null ? { KeyName: instance.keyName } : {}),
    ...(instance.instanceProfile
      ? { IamInstanceProfile: { Arn: instance.instanceProfile.arn, Id: instance.instanceProfile.id } }
      : {}),
    ...(instance.autoRecovery ? { MaintenanceOptions: { AutoRecovery: instance.autoRecovery } } : {}),
    MetadataOptions: { HttpTokens: instance.httpTokens, HttpEndpoint: 'enabled', State: 'applied' },
    RootDeviceName: instance.volume.deviceName,
    RootDeviceType: 'ebs',
    BlockDeviceMappings:
      state.Name === 'terminated'
        ? []
        : [
            {
              DeviceName: instance.volume.deviceName,
              Ebs: {
                VolumeId: instance.volume.id,
                Status: 'attached',
                DeleteOnTermination: instance.volume.deleteOnTermination,
                AttachTime: new Date(instance.createdAt),
              },
            },
          ],
    NetworkInterfaces: interfaces.map((eni) => instanceInterface(ctx, instance, eni)),
    SourceDestCheck: primary?.sourceDestCheck,
    SecurityGroups: (primary?.groupIds ?? []).map((GroupId) => ({
      GroupId,
      GroupName: ctx.state.securityGroups[GroupId]?.name ?? '',
    })),
    Tags: tagList(instance.tags),
  };
}

function instanceFields(ctx: SimContext): FilterFields<InstanceRecord> {
  return {
    'instance-id': (i) => i.id,
    'instance-state-name': (i) => instanceState(i, ctx.now),
    'instance-state-code': (i) => STATE_CODES[instanceState(i, ctx.now)],
    'instance-type': (i) => i.instanceType,
    'image-id': (i) => i.imageId,
    'vpc-id': (i) => i.vpcId,
    'subnet-id': (i) => i.subnetId,
    'availability-zone': (i) => i.az,
    'network-interface.network-interface-id': (i) => interfacesOf(ctx, i.id).map((e) => e.id),
    'network-interface.attachment.attachment-id': (i) => interfacesOf(ctx, i.id).map((e) => e.attachment?.id),
    'network-interface.attachment.device-index': (i) =>
      interfacesOf(ctx, i.id).map((e) => e.attachment?.deviceIndex),
    'network-interface.attachment.status': (i) =>
      interfacesOf(ctx, i.id).map((e) =>
        e.attachment ? attachmentStatus(e.attachment, ctx.now) : undefined,
      ),
    'iam-instance-profile.arn': (i) => i.instanceProfile?.arn,
    'ip-address': (i) => autoPublicIp(ctx, i),
    'private-ip-address': (i) => i.privateIp,
    'reservation-id': (i) => i.reservationId,
  };
}

function move(
  ctx: SimContext,
  instance: InstanceRecord,
  transition: InstanceTransition,
  settles: InstanceStableState,
  ms: number,
) {
  const previous = stateOf(instance, ctx.now);
  instance.phase = { transition, until: ctx.now + ms, settles };
  return { InstanceId: instance.id, CurrentState: stateOf(instance, ctx.now), PreviousState: previous };
}

function requireInstances(ctx: SimContext, ids: string[] | undefined): InstanceRecord[] {
  if (!ids?.length) throw ec2MissingParameter('instanceId');
  const missing = ids.filter((id) => {
    const instance = ctx.state.instances[id];
    return !instance || instanceIsGone(instance, ctx);
  });
  if (missing.length > 0) throw ec2NotFound(Ec2ErrorCode.instanceNotFound, 'instance', missing);
  return ids.map((id) => requireInstance(ctx, id));
}

function statusOf(ctx: SimContext, instance: InstanceRecord): InstanceStatus {
  const state = stateOf(instance, ctx.now);
  const runningSince = instance.phase.until;
  const checks =
    state.Name !== 'running'
      ? 'not-applicable'
      : ctx.now < runningSince + ctx.timings.instanceStatusInitMs
        ? 'initializing'
        : 'ok';
  const detail = checks === 'ok' ? 'passed' : checks === 'initializing' ? 'initializing' : undefined;
  const summary = {
    Status: checks,
    ...(detail ? { Details: [{ Name: 'reachability', Status: detail }] } : {}),
  } as InstanceStatus['InstanceStatus'];
  return {
    InstanceId: instance.id,
    AvailabilityZone: instance.az,
    AvailabilityZoneId: azIdOf(ctx.state.region, instance.az),
    InstanceState: state,
    InstanceStatus: summary,
    SystemStatus: summary,
    AttachedEbsStatus: summary,
  };
}

export const instanceOperations = {
  RunInstances(ctx: SimContext, input: RunInstancesInput): object {
    if (input.MinCount === undefined) throw ec2MissingParameter('minCount');
    if (input.MaxCount === undefined) throw ec2MissingParameter('maxCount');
    if (input.MinCount !== 1 || input.MaxCount !== 1)
      throw ec2InvalidParameter('The simulator launches one instance per call (MinCount = MaxCount = 1).');
    if (input.ImageId === undefined) throw ec2MissingParameter('imageId');
    const image = findImage(ctx, input.ImageId);
    const instanceType = input.InstanceType ?? 'm1.small';
    const typeArchitecture = architectureOf(instanceType);
    if (typeArchitecture !== image.architecture) {
      throw ec2InvalidParameter(
        `The architecture '${typeArchitecture}' of the specified instance type does not match the architecture '${image.architecture}' of the specified AMI. Specify an instance type and an AMI that have matching architectures, and try again. You can use 'describe-instance-types' or 'describe-images' to discover the architecture of the instance type or AMI.`,
      );
    }
    const httpTokens = input.MetadataOptions?.HttpTokens ?? 'optional';
    if (httpTokens !== 'required' && httpTokens !== 'optional')
      throw ec2InvalidParameter(`Value (${httpTokens}) for parameter HttpTokens is invalid.`);
    const tags = launchTags(input.TagSpecifications);
    const root = input.BlockDeviceMappings?.find((m) => m.DeviceName === '/dev/xvda');
    if ((input.BlockDeviceMappings ?? []).some((m) => m.DeviceName !== '/dev/xvda'))
      throw ec2InvalidParameter('The simulator models the root volume (/dev/xvda) only.');
    const sizeGiB = root?.Ebs?.VolumeSize ?? 8;
    if (sizeGiB < 8)
      throw ec2InvalidParameter(
        `Volume of size ${sizeGiB}GB is smaller than snapshot '${image.id}', expect size >= 8GB`,
      );
    const autoRecovery = input.MaintenanceOptions?.AutoRecovery ?? 'default';
    if (autoRecovery !== 'default' && autoRecovery !== 'disabled')
      throw ec2InvalidParameter(`Value (${autoRecovery}) for parameter AutoRecovery is invalid.`);
    const profile = profileForLaunch(ctx, input.IamInstanceProfile);
    const primary = primaryInterface(ctx, input, tags.eni);
    const subnetId = primary.eni?.subnetId ?? input.NetworkInterfaces?.[0]?.SubnetId ?? input.SubnetId ?? '';
    const subnet = ctx.state.subnets[subnetId];
    if (subnet && !zoneOffers(ctx.state.region, subnet.az, instanceType)) {
      throw ec2Error(
        Ec2ErrorCode.unsupported,
        `Your requested instance type (${instanceType}) is not supported in your requested Availability Zone (${subnet.az}). Please retry your request by not specifying an Availability Zone or choosing another zone.`,
      );
    }
    // Everything is checked: make the interface (if any), then the instance.
    const eni = primary.create();
    const record: InstanceRecord = {
      ...newRecord(ctx, 'i', ctx.now + ctx.timings.eventualConsistencyMs, tags.instance),
      imageId: image.id,
      instanceType,
      subnetId: eni.subnetId,
      vpcId: eni.vpcId,
      az: ctx.state.subnets[eni.subnetId]?.az ?? '',
      primaryEniId: eni.id,
      privateIp: eni.privateIp,
      reservationId: newId(ctx.state, 'r'),
      keyName: input.KeyName ?? null,
      userData: input.UserData ?? null,
      httpTokens,
      volume: {
        id: newId(ctx.state, 'vol'),
        deviceName: '/dev/xvda',
        sizeGiB,
        encrypted: root?.Ebs?.Encrypted ?? false,
        deleteOnTermination: root?.Ebs?.DeleteOnTermination ?? true,
        tags: tags.volume,
      },
      phase: { transition: 'pending', until: ctx.now + ctx.timings.instancePendingMs, settles: 'running' },
      launchedAt: ctx.now,
      ...(input.MaintenanceOptions ? { autoRecovery } : {}),
      ...(profile
        ? {
            instanceProfile: {
              name: profile.name,
              id: profile.id,
              arn: instanceProfileArn(ctx.state.accountId, profile.name),
            },
          }
        : {}),
    };
    if (input.NetworkInterfaces?.[0]?.AssociatePublicIpAddress === true) {
      record.associatePublicIp = true;
      record.publicIp = newAutoPublicIp(ctx);
    }
    // A fixed-ip NAT instance: a `natBootFails` fault decides now how its boot will end.
    if (natConfigOf(record.userData)) {
      const failure = ctx.takeNatBootFailure();
      if (failure !== undefined) record.natBootFailure = failure;
    }
    eni.attachment = {
      id: newId(ctx.state, 'eni-attach'),
      instanceId: record.id,
      deviceIndex: 0,
      deleteOnTermination: primary.deleteOnTermination,
      attachedAt: ctx.now,
    };
    ctx.state.instances[record.id] = record;
    return {
      ReservationId: record.reservationId,
      OwnerId: ctx.state.accountId,
      Groups: [],
      Instances: [toInstance(ctx, record)],
    };
  },

  DescribeInstances(
    ctx: SimContext,
    input: { InstanceIds?: string[]; MaxResults?: number; NextToken?: string },
  ): object {
    const listed = describeOperation({
      list: 'Instances',
      records: (c) => recordsOf(c.state.instances).filter((i) => !instanceIsGone(i, c)),
      ids: (i: { InstanceIds?: string[] }) => i.InstanceIds,
      fields: instanceFields,
      notFound: (missing) => ec2NotFound(Ec2ErrorCode.instanceNotFound, 'instance', missing),
      show: toInstance,
    })(ctx, input) as { Instances: Instance[]; NextToken?: string };
    // One reservation per launch, as RunInstances made them.
    const reservations = new Map<string, Instance[]>();
    for (const instance of listed.Instances) {
      const id = ctx.state.instances[instance.InstanceId ?? '']?.reservationId ?? '';
      reservations.set(id, [...(reservations.get(id) ?? []), instance]);
    }
    return {
      Reservations: [...reservations].map(([ReservationId, Instances]) => ({
        ReservationId,
        OwnerId: ctx.state.accountId,
        Groups: [],
        Instances,
      })),
      ...(listed.NextToken ? { NextToken: listed.NextToken } : {}),
    };
  },

  DescribeInstanceStatus(
    ctx: SimContext,
    input: { InstanceIds?: string[]; IncludeAllInstances?: boolean; MaxResults?: number; NextToken?: string },
  ): object {
    return describeOperation({
      list: 'InstanceStatuses',
      records: (c) =>
        recordsOf(c.state.instances).filter(
          (i) =>
            !instanceIsGone(i, c) &&
            (input.IncludeAllInstances === true || instanceState(i, c.now) === 'running'),
        ),
      ids: (i: { InstanceIds?: string[] }) => i.InstanceIds,
      fields: instanceFields,
      notFound: (missing) => ec2NotFound(Ec2ErrorCode.instanceNotFound, 'instance', missing),
      show: statusOf,
    })(ctx, input);
  },

  StopInstances(ctx: SimContext, input: { InstanceIds?: string[] }): object {
    const instances = requireInstances(ctx, input.InstanceIds);
    for (const instance of instances) {
      const state = instanceState(instance, ctx.now);
      if (state === 'shutting-down' || state === 'terminated' || state === 'pending') {
        throw ec2Error(
          Ec2ErrorCode.incorrectInstanceState,
          `This instance '${instance.id}' is not in a state from which it can be stopped.`,
        );
      }
    }
    return {
      StoppingInstances: instances.map((instance) =>
        instanceState(instance, ctx.now) === 'running'
          ? move(ctx, instance, 'stopping', 'stopped', ctx.timings.instanceStoppingMs)
          : {
              InstanceId: instance.id,
              CurrentState: stateOf(instance, ctx.now),
              PreviousState: stateOf(instance, ctx.now),
            },
      ),
    };
  },

  StartInstances(ctx: SimContext, input: { InstanceIds?: string[] }): object {
    const instances = requireInstances(ctx, input.InstanceIds);
    for (const instance of instances) {
      const state = instanceState(instance, ctx.now);
      if (state !== 'stopped' && state !== 'running' && state !== 'pending') {
        throw ec2Error(
          Ec2ErrorCode.incorrectInstanceState,
          `The instance '${instance.id}' is not in a state from which it can be started.`,
        );
      }
    }
    return {
      StartingInstances: instances.map((instance) => {
        if (instanceState(instance, ctx.now) !== 'stopped')
          return {
            InstanceId: instance.id,
            CurrentState: stateOf(instance, ctx.now),
            PreviousState: stateOf(instance, ctx.now),
          };
        instance.launchedAt = ctx.now;
        if (instance.associatePublicIp) instance.publicIp = newAutoPublicIp(ctx);
        return move(ctx, instance, 'pending', 'running', ctx.timings.instancePendingMs);
      }),
    };
  },

  TerminateInstances(ctx: SimContext, input: { InstanceIds?: string[] }): object {
    const instances = requireInstances(ctx, input.InstanceIds);
    return {
      TerminatingInstances: instances.map((instance) => {
        const state = instanceState(instance, ctx.now);
        if (state === 'terminated' || state === 'shutting-down')
          return {
            InstanceId: instance.id,
            CurrentState: stateOf(instance, ctx.now),
            PreviousState: stateOf(instance, ctx.now),
          };
        return move(ctx, instance, 'shutting-down', 'terminated', ctx.timings.instanceShuttingDownMs);
      }),
    };
  },
};
