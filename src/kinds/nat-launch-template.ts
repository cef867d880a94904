import type { LaunchTemplate, RequestLaunchTemplateData } from '@aws-sdk/client-ec2';
import * as z from 'zod/mini';
import { awsErrorName } from '../aws/errors.js';
import { clientToken, dropRecord, putRecord, recordIn, type StackContext } from '../model/context.js';
import { baseRecord, type Kind } from '../model/kind.js';
import { MANAGED_BY, stackTags, TAG_MANAGED_BY, TAG_STACK } from '../model/tags.js';
import { extraPart } from '../model/world.js';
import { natInstanceType } from './nat-instance.js';
import { architectureOf } from './nat-instance/image.js';
import { GROUP_INSTANCE_ROLE, launchSpec, newestImage } from './nat-instance/lifecycle.js';
import { findListed } from './find.js';
import { natRoleName } from './nat-role.js';
import { exportedTags, idRef, type IacExport, type IacValue } from '../model/iac.js';

const ROLE = 'nat-launch-template';
const NOT_FOUND = ['InvalidLaunchTemplateId.NotFound', 'InvalidLaunchTemplateName.NotFoundException'];

export const natLaunchTemplateRecord = z.extend(baseRecord, {
  kind: z.literal('natLaunchTemplate'),
  /** The version the group launches ($Latest when it was made), its image and type. */
  version: z.optional(z.number()),
  imageId: z.optional(z.string()),
  imageCreated: z.optional(z.string()),
  instanceType: z.optional(z.string()),
});

// This kind's state record, declared where the state's identities are (src/state/identity.ts).
declare module '../state/identity.js' {
  interface KindRecords {
    natLaunchTemplate: z.infer<typeof natLaunchTemplateRecord>;
  }
}

/** Launch templates are regional and named; the stack's name is its own. */
export const natLaunchTemplateName = (stack: string): string => `fixed-ip-nat-${stack}`;

/**
 * The account's launch templates carrying the stack's tag (DescribeLaunchTemplates filters by tag,
 * not by VPC), or the ones of these ids.
 */
export const LAUNCH_TEMPLATES = extraPart<LaunchTemplate>({
  name: 'launchTemplates',
  idFilter: 'launch-template-id',
  async describe(aws, filters, _into, _statuses, stack) {
    const ids = filters.find((f) => f.Name === 'launch-template-id')?.Values;
    const tagged = filters.find((f) => f.Name === `tag:${TAG_STACK}`)?.Values;
    const byTag = tagged ?? (stack ? [stack] : undefined);
    if (!ids && !byTag) return [];
    try {
      const out = await aws.ec2.DescribeLaunchTemplates(
        ids ? { LaunchTemplateIds: ids } : { Filters: [{ Name: `tag:${TAG_STACK}`, Values: byTag }] },
      );
      return out.LaunchTemplates ?? [];
    } catch (error) {
      // Asked by id, AWS refuses the whole call when one is gone.
      if (NOT_FOUND.includes(awsErrorName(error) ?? '')) return [];
      throw error;
    }
  },
  idOf: (template) => template.LaunchTemplateId,
});

const templateIn = (ctx: StackContext, zone: string | undefined): LaunchTemplate | undefined => {
  const listed = findListed(ctx, natLaunchTemplate, zone);
  return LAUNCH_TEMPLATES.get(ctx.world).find((t) => t.LaunchTemplateId === listed?.id);
};

/** Why the group's template needs a new version (a new image or type), or undefined. */
function newVersionReason(ctx: StackContext, zone: string | undefined, replace: boolean): string | undefined {
  const record = recordIn(ctx, 'natLaunchTemplate', zone);
  if (!record) return undefined;
  if (replace) return '--replace-nat-instance: the newest image';
  const type = natInstanceType(ctx.state.shape);
  if (record.instanceType !== undefined && record.instanceType !== type)
    return `${record.instanceType} becomes ${type}`;
  return undefined;
}

/**
 * With `--nat instance --ha`: the launch template the stack's Auto Scaling group launches its NAT
 * instance from. Its instances attach the stack's interface themselves at boot (the user data's
 * NAT_SELF_ATTACH), since a group cannot hand an existing interface to the instance it launches as
 * a secondary one. A new image or instance type is a new version; the group launches `$Latest`.
 */
export const natLaunchTemplate: Kind = {
  name: 'natLaunchTemplate',
  part: LAUNCH_TEMPLATES,
  needs: [LAUNCH_TEMPLATES],
  role: ROLE,
  zonal: true,
  article: 5,
  title: 'NAT launch template',
  record: natLaunchTemplateRecord,
  iam: {
    // Versions: what export writes of it.
    read: ['ec2:DescribeLaunchTemplates', 'ec2:DescribeLaunchTemplateVersions'],
    create: ['ec2:CreateLaunchTemplate', 'ec2:CreateTags'],
    change: ['ec2:CreateLaunchTemplateVersion', 'ec2:ModifyLaunchTemplate'],
    remove: ['ec2:DeleteLaunchTemplate'],
    scope: { ownType: 'launch-template', refersTo: [] },
    grants: [
      // The group launches from the stack's template only (RunInstances is checked on it too).
      {
        sid: 'FixedIpEc2RunFromOwnTemplate',
        actions: ['ec2:RunInstances'],
        resource: 'arn:aws:ec2:*:*:launch-template/*',
        condition: { StringEquals: { [`aws:ResourceTag/${TAG_MANAGED_BY}`]: MANAGED_BY } },
      },
    ],
  },
  // Free: what it launches is priced by the group.
  hourlyUsd: () => 0,

  // What its latest version holds (the one the group launches), read from EC2.
  async iac(ctx, record, live): Promise<IacExport> {
    const out = await ctx.aws.ec2.DescribeLaunchTemplateVersions({
      LaunchTemplateId: record.id,
      Versions: ['$Latest'],
    });
    const version = out.LaunchTemplateVersions?.[0];
    const data = version?.LaunchTemplateData ?? {};
    const name = version?.LaunchTemplateName ?? natLaunchTemplateName(ctx.name);
    const profile = data.IamInstanceProfile?.Name ?? data.IamInstanceProfile?.Arn?.split('/').at(-1);
    const profileRef = profile ? idRef(`instance-profile/${profile}`) : undefined;
    const interfaces = (data.NetworkInterfaces ?? []).map((n) => ({
      device: n.DeviceIndex ?? 0,
      groups: (n.Groups ?? []).map(idRef),
      publicIp: n.AssociatePublicIpAddress,
      deleteOnTermination: n.DeleteOnTermination,
    }));
    const flag = (value: boolean | undefined): string | undefined =>
      value === undefined ? undefined : String(value);
    const volumes = (data.BlockDeviceMappings ?? []).map((b) => ({ name: b.DeviceName ?? '', ebs: b.Ebs }));
    const tags = exportedTags(live.tags);
    // What each instance and its volume are tagged with at launch, as they are: the NAT instance's
    // role moves the interface only off an instance carrying the stack's tag.
    const launchTags = (data.TagSpecifications ?? []).map((spec) => ({
      type: spec.ResourceType ?? '',
      tags: (spec.Tags ?? []).map((t) => ({ Key: t.Key ?? '', Value: t.Value ?? '' })),
    }));
    const terraform: Record<string, IacValue | undefined> = {
      name,
      image_id: data.ImageId,
      instance_type: data.InstanceType,
      user_data: data.UserData,
      network_interfaces: interfaces.map((n) => ({
        device_index: n.device,
        security_groups: n.groups,
        associate_public_ip_address: flag(n.publicIp),
        delete_on_termination: flag(n.deleteOnTermination),
      })),
      iam_instance_profile: profileRef ? [{ name: profileRef }] : undefined,
      metadata_options: data.MetadataOptions
        ? [{ http_tokens: data.MetadataOptions.HttpTokens, http_endpoint: data.MetadataOptions.HttpEndpoint }]
        : undefined,
      maintenance_options: data.MaintenanceOptions
        ? [{ auto_recovery: data.MaintenanceOptions.AutoRecovery }]
        : undefined,
      block_device_mappings: volumes.map((v) => ({
        device_name: v.name,
        ebs: [
          {
            volume_size: v.ebs?.VolumeSize,
            volume_type: v.ebs?.VolumeType,
            encrypted: flag(v.ebs?.Encrypted),
            delete_on_termination: flag(v.ebs?.DeleteOnTermination),
          },
        ],
      })),
      tag_specifications: launchTags.map((spec) => ({
        resource_type: spec.type,
        tags: Object.fromEntries(spec.tags.map((t) => [t.Key, t.Value])),
      })),
      tags: tags.length > 0 ? Object.fromEntries(tags.map((t) => [t.Key, t.Value])) : undefined,
    };
    return {
      owned: [
        {
          id: record.id,
          part: '',
          terraform: { type: 'aws_launch_template', attributes: terraform, importId: record.id },
          cloudformation: {
            type: 'AWS::EC2::LaunchTemplate',
            properties: {
              LaunchTemplateName: name,
              LaunchTemplateData: {
                ImageId: data.ImageId,
                InstanceType: data.InstanceType,
                UserData: data.UserData,
                NetworkInterfaces: interfaces.map((n) => ({
                  DeviceIndex: n.device,
                  Groups: n.groups,
                  AssociatePublicIpAddress: n.publicIp,
                  DeleteOnTermination: n.deleteOnTermination,
                })),
                IamInstanceProfile: profileRef ? { Name: profileRef } : undefined,
                MetadataOptions: data.MetadataOptions
                  ? {
                      HttpTokens: data.MetadataOptions.HttpTokens,
                      HttpEndpoint: data.MetadataOptions.HttpEndpoint,
                    }
                  : undefined,
                MaintenanceOptions: data.MaintenanceOptions
                  ? { AutoRecovery: data.MaintenanceOptions.AutoRecovery }
                  : undefined,
                TagSpecifications: launchTags.map((spec) => ({ ResourceType: spec.type, Tags: spec.tags })),
                BlockDeviceMappings: volumes.map((v) => ({
                  DeviceName: v.name,
                  Ebs: {
                    VolumeSize: v.ebs?.VolumeSize,
                    VolumeType: v.ebs?.VolumeType,
                    Encrypted: v.ebs?.Encrypted,
                    DeleteOnTermination: v.ebs?.DeleteOnTermination,
                  },
                })),
              },
              TagSpecifications:
                tags.length > 0 ? [{ ResourceType: 'launch-template', Tags: tags }] : undefined,
            },
            identifier: { LaunchTemplateId: record.id },
          },
        },
      ],
      notes: [
        `the launch template ${record.id} is exported at its latest version (${String(version?.VersionNumber ?? '?')}); Terraform and CloudFormation keep versions their own way from here`,
      ],
    };
  },

  list: (world) =>
    LAUNCH_TEMPLATES.get(world).map((t) => ({
      id: t.LaunchTemplateId ?? '',
      tags: t.Tags,
      zone: undefined,
      extra: {},
    })),

  plan(ctx, zone, targets) {
    const template = templateIn(ctx, zone);
    const type = natInstanceType(targets.shape);
    if (!template)
      return {
        action: 'create',
        detail: `${natLaunchTemplateName(ctx.name)}: ${type} from the newest Amazon Linux 2023 image (${architectureOf(type)}); its instances attach the NAT network interface themselves`,
      };
    const why = newVersionReason(ctx, zone, targets.replaceNatInstance);
    if (why)
      return { action: 'repair', detail: `a new version of ${template.LaunchTemplateId ?? ''} (${why})` };
    return {
      action: 'done',
      detail: `${template.LaunchTemplateId ?? ''} (version ${String(template.LatestVersionNumber ?? 1)})`,
    };
  },

  async ensure(ctx, zone, targets) {
    const type = natInstanceType(ctx.state.shape);
    const eniId = recordIn(ctx, 'natInterface', zone)?.id ?? '';
    const template = templateIn(ctx, zone);
    const recorded = recordIn(ctx, 'natLaunchTemplate', zone);
    const why = template ? newVersionReason(ctx, zone, targets.replaceNatInstance) : 'new';
    if (template && !why) {
      await putRecord(ctx, {
        kind: 'natLaunchTemplate',
        id: template.LaunchTemplateId ?? '',
        owned: true,
        ...(zone ? { zone } : {}),
        ...(recorded?.version !== undefined ? { version: recorded.version } : {}),
        ...(recorded?.imageId ? { imageId: recorded.imageId } : {}),
        ...(recorded?.imageCreated ? { imageCreated: recorded.imageCreated } : {}),
        instanceType: recorded?.instanceType ?? type,
      });
      return `${template.LaunchTemplateId ?? ''} (version ${String(recorded?.version ?? template.LatestVersionNumber ?? 1)})`;
    }
    const image = await newestImage(ctx, type);
    const data = launchSpec(ctx, zone, {
      type,
      imageId: image.id,
      interfaceId: eniId,
      selfAttach: true,
      role: GROUP_INSTANCE_ROLE,
      profile: natRoleName(ctx.name, ctx.aws.region),
    }) as RequestLaunchTemplateData;
    let id = template?.LaunchTemplateId ?? '';
    let version = 1;
    ctx.checkpoint();
    if (!template) {
      const made = await ctx.aws.ec2.CreateLaunchTemplate({
        LaunchTemplateName: natLaunchTemplateName(ctx.name),
        LaunchTemplateData: data,
        ClientToken: clientToken(ctx, 'nat-template', eniId, image.id, type),
        VersionDescription: `fixed-ip ${ctx.name}: ${type}, ${image.id}`,
        TagSpecifications: [{ ResourceType: 'launch-template', Tags: stackTags(ROLE, ctx.name, zone) }],
      });
      id = made.LaunchTemplate?.LaunchTemplateId ?? '';
    } else {
      const made = await ctx.aws.ec2.CreateLaunchTemplateVersion({
        LaunchTemplateId: id,
        LaunchTemplateData: data,
        ClientToken: clientToken(
          ctx,
          'nat-template-version',
          id,
          image.id,
          type,
          String(template.LatestVersionNumber),
        ),
        VersionDescription: `fixed-ip ${ctx.name}: ${type}, ${image.id} (${why ?? ''})`,
      });
      version = made.LaunchTemplateVersion?.VersionNumber ?? (template.LatestVersionNumber ?? 1) + 1;
      ctx.checkpoint();
      await ctx.aws.ec2.ModifyLaunchTemplate({ LaunchTemplateId: id, DefaultVersion: String(version) });
    }
    await putRecord(ctx, {
      kind: 'natLaunchTemplate',
      id,
      owned: true,
      ...(zone ? { zone } : {}),
      version,
      imageId: image.id,
      ...(image.created ? { imageCreated: image.created } : {}),
      instanceType: type,
    });
    return `${id} (version ${String(version)}: ${type}, ${image.id})`;
  },

  check(ctx, zone) {
    const record = recordIn(ctx, 'natLaunchTemplate', zone);
    if (!record)
      return {
        ok: false,
        id: undefined,
        state: 'missing',
        problem: 'no NAT launch template recorded; run fixed-ip setup',
      };
    const template = LAUNCH_TEMPLATES.get(ctx.world).find((t) => t.LaunchTemplateId === record.id);
    if (!template)
      return {
        ok: false,
        id: record.id,
        state: 'missing',
        problem: `launch template ${record.id} was deleted: the group cannot replace its NAT instance; run fixed-ip setup`,
      };
    return {
      ok: true,
      id: record.id,
      state: `version ${String(record.version ?? template.LatestVersionNumber ?? 1)}`,
    };
  },

  async remove(ctx, zone) {
    const record = recordIn(ctx, 'natLaunchTemplate', zone);
    if (!record) return { outcome: 'gone', detail: '' };
    ctx.checkpoint();
    let outcome: 'removed' | 'gone' = 'removed';
    try {
      await ctx.aws.ec2.DeleteLaunchTemplate({ LaunchTemplateId: record.id });
    } catch (error) {
      if (!NOT_FOUND.includes(awsErrorName(error) ?? '')) throw error;
      outcome = 'gone';
    }
    await dropRecord(ctx, 'natLaunchTemplate', zone);
    return { outcome, detail: record.id };
  },
};
