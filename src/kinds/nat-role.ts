import type { InstanceProfile, Role } from '@aws-sdk/client-iam';
import * as z from 'zod/mini';
import { awsErrorName } from '../aws/errors.js';
import { FixedIpError } from '../errors.js';
import { dropRecord, putRecord, recordIn, type StackContext } from '../model/context.js';
import { baseRecord, type Kind } from '../model/kind.js';
import {
  isOurs,
  MANAGED_BY,
  stackTags,
  TAG_MANAGED_BY,
  TAG_PREFIX,
  TAG_STACK,
  whyNotOurs,
} from '../model/tags.js';
import { extraPart } from '../model/world.js';
import { idRef, type IacExport, type IacValue } from '../model/iac.js';

const ROLE = 'nat-role';
/** The inline policy's name on the role. */
const POLICY_NAME = 'fixed-ip-nat';
/** The tag a NAT instance sets on itself to report its boot (src/kinds/nat-instance/user-data.sh). */
export const BOOT_TAG = 'fixed-ip:nat-boot';
/** IAM's "not found", as AWS names it and as the SDK's modelled exception does. */
const NOT_FOUND = ['NoSuchEntity', 'NoSuchEntityException'];
const notFound = (error: unknown): boolean => NOT_FOUND.includes(awsErrorName(error) ?? '');

export const natRoleRecord = z.extend(baseRecord, { kind: z.literal('natRole') });

// This kind's state record, declared where the state's identities are (src/state/identity.ts).
declare module '../state/identity.js' {
  interface KindRecords {
    natRole: z.infer<typeof natRoleRecord>;
  }
}

/**
 * The role and its instance profile share one name. IAM is global, so the name carries the region
 * as well as the stack (at most 13 + 32 + 1 + 14 = 60 characters; IAM allows 64).
 */
export const natRoleName = (stack: string, region: string): string => `fixed-ip-nat-${stack}-${region}`;

const ROLE_ARNS = 'arn:aws:iam::*:role/fixed-ip-nat-*';
const PROFILE_ARNS = 'arn:aws:iam::*:instance-profile/fixed-ip-nat-*';

/** EC2 may hand the role's credentials to an instance: the only principal that can assume it. */
const TRUST_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

/**
 * What a NAT instance of this stack may do, and nothing else: tag itself with its boot report (that
 * one key only), attach the stack's interface to itself, and take that interface from another of
 * the stack's instances (one that died holding it). Describe calls support no resource scoping.
 */
export function natRolePolicy(stack: string, region: string): object {
  const arn = (type: string) => `arn:aws:ec2:${region}:*:${type}/*`;
  const itself = { StringEquals: { 'aws:ARN': '${ec2:SourceInstanceARN}' } };
  const stacks = { StringEquals: { [`aws:ResourceTag/${TAG_STACK}`]: stack } };
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ReportBootOnItself',
        Effect: 'Allow',
        Action: 'ec2:CreateTags',
        Resource: arn('instance'),
        Condition: { ...itself, 'ForAllValues:StringEquals': { 'aws:TagKeys': [BOOT_TAG] } },
      },
      {
        Sid: 'MoveTheStacksInterface',
        Effect: 'Allow',
        Action: ['ec2:AttachNetworkInterface', 'ec2:DetachNetworkInterface'],
        Resource: arn('network-interface'),
        Condition: stacks,
      },
      {
        Sid: 'AttachToItself',
        Effect: 'Allow',
        Action: 'ec2:AttachNetworkInterface',
        Resource: arn('instance'),
        Condition: itself,
      },
      {
        Sid: 'DetachFromTheStacksInstances',
        Effect: 'Allow',
        Action: 'ec2:DetachNetworkInterface',
        Resource: arn('instance'),
        Condition: stacks,
      },
      {
        Sid: 'Read',
        Effect: 'Allow',
        Action: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeInstances'],
        Resource: '*',
      },
    ],
  };
}

/** The stack's role and its instance profile, one name: either may exist without the other (a run stopped between them). */
export interface NatRoleItem {
  name: string;
  role?: Role;
  profile?: InstanceProfile;
}

/** Ignores IAM's "not found": undefined. */
const orNone = <T>(call: Promise<T>): Promise<T | undefined> =>
  call.catch((error: unknown) => {
    if (notFound(error)) return undefined;
    throw error;
  });

/** The stack's role and instance profile, found by their name (IAM has no filter by tag). */
export const NAT_ROLES = extraPart<NatRoleItem>({
  name: 'natRoles',
  idFilter: 'role-name',
  byName: true,
  async describe(aws, filters, _into, _statuses, stack) {
    const named = filters.find((f) => f.Name === 'role-name')?.Values;
    const names = named ?? (stack ? [natRoleName(stack, aws.region)] : []);
    const found = await Promise.all(
      names.map(async (name) => {
        const [role, profile] = await Promise.all([
          orNone(aws.iam.GetRole({ RoleName: name })).then((out) => out?.Role),
          orNone(aws.iam.GetInstanceProfile({ InstanceProfileName: name })).then(
            (out) => out?.InstanceProfile,
          ),
        ]);
        return role || profile
          ? { name, ...(role ? { role } : {}), ...(profile ? { profile } : {}) }
          : undefined;
      }),
    );
    return found.filter((item): item is NatRoleItem => item !== undefined);
  },
  idOf: (item) => item.name,
});

const profileIn = (ctx: StackContext): InstanceProfile | undefined => {
  const name = natRoleName(ctx.name, ctx.aws.region);
  return NAT_ROLES.get(ctx.world).find((item) => item.name === name)?.profile;
};

const complete = (profile: InstanceProfile | undefined, name: string): boolean =>
  profile?.Roles?.some((role) => role.RoleName === name) === true;

/** Ignores IAM's "not found" (a retry after a lost response, or a hand delete). */
async function unlessGone(call: () => Promise<unknown>, also: readonly string[] = []): Promise<void> {
  try {
    await call();
  } catch (error) {
    const name = awsErrorName(error);
    if (!NOT_FOUND.includes(name ?? '') && !also.includes(name ?? '')) throw error;
  }
}

/**
 * Part of step 5 with `--nat instance`: the NAT instance's IAM role and instance profile. The
 * instance reports its boot with a tag on itself, and with `--ha` attaches the stack's interface
 * to itself: both through this role, which can do nothing else (natRolePolicy).
 */
export const natRole: Kind = {
  name: 'natRole',
  part: NAT_ROLES,
  needs: [NAT_ROLES],
  role: ROLE,
  zonal: false,
  article: 5,
  title: 'NAT instance role',
  record: natRoleRecord,
  iam: {
    read: ['iam:GetInstanceProfile', 'iam:GetRole', 'iam:GetRolePolicy'],
    create: [
      'iam:CreateRole',
      'iam:TagRole',
      'iam:PutRolePolicy',
      'iam:CreateInstanceProfile',
      'iam:TagInstanceProfile',
      'iam:AddRoleToInstanceProfile',
      'iam:PassRole',
    ],
    remove: [
      'iam:RemoveRoleFromInstanceProfile',
      'iam:DeleteInstanceProfile',
      'iam:DeleteRolePolicy',
      'iam:DeleteRole',
    ],
    untag: ['iam:UntagRole', 'iam:UntagInstanceProfile'],
    grants: [
      // The NAT instances' roles and profiles: made (tagged) under their name pattern only...
      {
        sid: 'FixedIpIamNatRoleCreate',
        actions: ['iam:CreateRole', 'iam:TagRole', 'iam:CreateInstanceProfile', 'iam:TagInstanceProfile'],
        resource: [ROLE_ARNS, PROFILE_ARNS],
        condition: { StringEquals: { [`aws:RequestTag/${TAG_MANAGED_BY}`]: MANAGED_BY } },
      },
      // ...read there (GetRole is granted on every role for plan's role check)...
      {
        sid: 'FixedIpIamNatRoleRead',
        actions: ['iam:GetInstanceProfile', 'iam:GetRolePolicy'],
        resource: [ROLE_ARNS, PROFILE_ARNS],
      },
      // ...changed and removed only when they carry fixed-ip's marker...
      {
        sid: 'FixedIpIamNatRoleOwn',
        actions: [
          'iam:PutRolePolicy',
          'iam:DeleteRolePolicy',
          'iam:DeleteRole',
          'iam:AddRoleToInstanceProfile',
          'iam:RemoveRoleFromInstanceProfile',
          'iam:DeleteInstanceProfile',
        ],
        resource: [ROLE_ARNS, PROFILE_ARNS],
        condition: { StringEquals: { [`aws:ResourceTag/${TAG_MANAGED_BY}`]: MANAGED_BY } },
      },
      // ...their fixed-ip tags taken off (forget) only there, only while they carry the marker...
      {
        sid: 'FixedIpIamNatRoleUntag',
        actions: ['iam:UntagRole', 'iam:UntagInstanceProfile'],
        resource: [ROLE_ARNS, PROFILE_ARNS],
        condition: {
          StringEquals: { [`aws:ResourceTag/${TAG_MANAGED_BY}`]: MANAGED_BY },
          'ForAllValues:StringLike': { 'aws:TagKeys': [`${TAG_PREFIX}*`] },
        },
      },
      // ...and handed on (a launch, or the role joining its profile) only under that pattern: no
      // role of yours. Not conditioned on iam:PassedToService: AddRoleToInstanceProfile needs
      // PassRole too, and AWS documents that key for the launch only; the roles trust EC2 alone.
      { sid: 'FixedIpIamPassNatRole', actions: ['iam:PassRole'], resource: ROLE_ARNS },
    ],
  },
  hourlyUsd: () => 0,

  // The role (with its inline policy, read from IAM) and its instance profile of the same name.
  async iac(ctx, record, live): Promise<IacExport> {
    const item = NAT_ROLES.get(ctx.world).find((i) => i.name === record.id);
    const trust: unknown = JSON.parse(decodeURIComponent(item?.role?.AssumeRolePolicyDocument ?? '%7B%7D'));
    const written = await orNone(ctx.aws.iam.GetRolePolicy({ RoleName: record.id, PolicyName: POLICY_NAME }));
    const policy: unknown = written?.PolicyDocument
      ? JSON.parse(decodeURIComponent(written.PolicyDocument))
      : undefined;
    const roleId = `role/${record.id}`;
    const description = item?.role?.Description;
    return {
      owned: [
        {
          id: roleId,
          part: 'role',
          tags: live.tags,
          terraform: {
            type: 'aws_iam_role',
            attributes: { name: record.id, assume_role_policy: JSON.stringify(trust), description },
            importId: record.id,
            refAttribute: 'name',
          },
          cloudformation: {
            type: 'AWS::IAM::Role',
            properties: {
              RoleName: record.id,
              AssumeRolePolicyDocument: trust as IacValue,
              Description: description,
              Policies: policy
                ? [{ PolicyName: POLICY_NAME, PolicyDocument: policy as IacValue }]
                : undefined,
            },
            identifier: { RoleName: record.id },
          },
        },
        ...(policy
          ? [
              {
                id: `${roleId}:${POLICY_NAME}`,
                part: 'policy',
                terraform: {
                  type: 'aws_iam_role_policy',
                  attributes: { name: POLICY_NAME, role: idRef(roleId), policy: JSON.stringify(policy) },
                  importId: `${record.id}:${POLICY_NAME}`,
                },
                // CloudFormation holds it in the role's Policies.
              },
            ]
          : []),
        {
          id: `instance-profile/${record.id}`,
          part: 'instance-profile',
          tags: item?.profile?.Tags,
          terraform: {
            type: 'aws_iam_instance_profile',
            attributes: { name: record.id, role: idRef(roleId) },
            importId: record.id,
            refAttribute: 'name',
          },
          cloudformation: {
            type: 'AWS::IAM::InstanceProfile',
            properties: { InstanceProfileName: record.id, Roles: [idRef(roleId)] },
            identifier: { InstanceProfileName: record.id },
            untagged: true,
          },
        },
      ],
    };
  },

  // The role and its instance profile of the same name (either may be gone: nothing to take off).
  async untag(ctx, record, keys) {
    const TagKeys = [...keys];
    ctx.checkpoint();
    await unlessGone(() => ctx.aws.iam.UntagRole({ RoleName: record.id, TagKeys }));
    ctx.checkpoint();
    await unlessGone(() => ctx.aws.iam.UntagInstanceProfile({ InstanceProfileName: record.id, TagKeys }));
  },

  list: (world) =>
    NAT_ROLES.get(world).map((item) => ({
      id: item.name,
      // The role is made first and carries the same tags: what proves either is the stack's.
      tags: item.role?.Tags ?? item.profile?.Tags,
      zone: undefined,
      extra: {},
    })),

  plan(ctx) {
    const name = natRoleName(ctx.name, ctx.aws.region);
    const profile = profileIn(ctx);
    if (complete(profile, name)) return { action: 'done', detail: name };
    if (profile) return { action: 'repair', detail: `${name} (its role is not in the instance profile)` };
    return {
      action: 'create',
      detail: `IAM role and instance profile ${name}: the instance may tag itself with its boot report and move only this stack's interface`,
    };
  },

  // A role of that name that is not the stack's stops setup before anything is made (exit 6).
  async blockers(ctx) {
    const name = natRoleName(ctx.name, ctx.aws.region);
    const role = (await orNone(ctx.aws.iam.GetRole({ RoleName: name })))?.Role;
    if (!role || isOurs(role.Tags, ctx.name, ROLE)) return [];
    return [
      `IAM role ${name} exists, but ${whyNotOurs(role.Tags, ctx.name, ROLE) ?? "it is not this stack's"}: delete or rename it if it is left over, or use another --name`,
    ];
  },

  async ensure(ctx) {
    const name = natRoleName(ctx.name, ctx.aws.region);
    const tags = stackTags(ROLE, ctx.name).map((t) => ({ Key: t.Key ?? '', Value: t.Value ?? '' }));
    const role = (await orNone(ctx.aws.iam.GetRole({ RoleName: name })))?.Role;
    if (role && !isOurs(role.Tags, ctx.name, ROLE))
      throw new FixedIpError(
        'NAME_TAKEN',
        `IAM role ${name} exists, but ${whyNotOurs(role.Tags, ctx.name, ROLE) ?? "it is not this stack's"}`,
        { hint: `delete or rename that role if it is left over, or use another --name` },
      );
    if (!role) {
      ctx.checkpoint();
      await unlessGone(
        () =>
          ctx.aws.iam.CreateRole({
            RoleName: name,
            AssumeRolePolicyDocument: TRUST_POLICY,
            Description: `fixed-ip ${ctx.name}: the NAT instance reports its boot and moves the stack's interface`,
            Tags: tags,
          }),
        ['EntityAlreadyExists', 'EntityAlreadyExistsException'],
      );
    }
    // Recorded as soon as the role exists: a run stopped here leaves nothing teardown does not know.
    await putRecord(ctx, { kind: 'natRole', id: name, owned: true });
    // The policy is written when it is not what this release gives (a re-run changes nothing).
    const wanted = natRolePolicy(ctx.name, ctx.aws.region);
    const written = role
      ? await orNone(ctx.aws.iam.GetRolePolicy({ RoleName: name, PolicyName: POLICY_NAME }))
      : undefined;
    const current: unknown = written?.PolicyDocument
      ? JSON.parse(decodeURIComponent(written.PolicyDocument))
      : undefined;
    if (JSON.stringify(current) !== JSON.stringify(wanted)) {
      ctx.checkpoint();
      await ctx.aws.iam.PutRolePolicy({
        RoleName: name,
        PolicyName: POLICY_NAME,
        PolicyDocument: JSON.stringify(wanted),
      });
    }
    let profile = profileIn(ctx);
    if (!profile) {
      ctx.checkpoint();
      await unlessGone(
        () => ctx.aws.iam.CreateInstanceProfile({ InstanceProfileName: name, Tags: tags }),
        ['EntityAlreadyExists', 'EntityAlreadyExistsException'],
      );
      profile = (await ctx.aws.iam.GetInstanceProfile({ InstanceProfileName: name })).InstanceProfile;
    }
    if (!complete(profile, name)) {
      ctx.checkpoint();
      await unlessGone(
        () => ctx.aws.iam.AddRoleToInstanceProfile({ InstanceProfileName: name, RoleName: name }),
        ['LimitExceeded', 'LimitExceededException'],
      );
    }
    await putRecord(ctx, { kind: 'natRole', id: name, owned: true });
    return `${name} (may tag only itself, and move only this stack's interface)`;
  },

  check(ctx) {
    const record = recordIn(ctx, 'natRole', undefined);
    const name = natRoleName(ctx.name, ctx.aws.region);
    if (!record)
      return {
        ok: false,
        id: undefined,
        state: 'missing',
        problem: 'no NAT instance role recorded; run fixed-ip setup',
      };
    const profile = profileIn(ctx);
    if (!profile)
      return {
        ok: false,
        id: record.id,
        state: 'missing',
        problem: `instance profile ${name} was deleted: a new NAT instance could not report its boot; run fixed-ip setup`,
      };
    if (!complete(profile, name))
      return {
        ok: false,
        id: record.id,
        state: 'drifted',
        problem: `role ${name} is not in its instance profile; run fixed-ip setup to repair`,
      };
    return { ok: true, id: record.id, state: 'present' };
  },

  async remove(ctx) {
    const record = recordIn(ctx, 'natRole', undefined);
    if (!record) return { outcome: 'gone', detail: '' };
    const name = record.id;
    const profile = (await orNone(ctx.aws.iam.GetInstanceProfile({ InstanceProfileName: name })))
      ?.InstanceProfile;
    if (profile) {
      for (const role of profile.Roles ?? []) {
        // Only the stack's own role leaves the profile; the profile goes only when it proves ours.
        if (role.RoleName !== name) continue;
        ctx.checkpoint();
        await unlessGone(() =>
          ctx.aws.iam.RemoveRoleFromInstanceProfile({ InstanceProfileName: name, RoleName: name }),
        );
      }
      ctx.checkpoint();
      await unlessGone(() => ctx.aws.iam.DeleteInstanceProfile({ InstanceProfileName: name }));
    }
    // The role goes only when its own tags prove it is the stack's (the profile's were checked).
    const role = (await orNone(ctx.aws.iam.GetRole({ RoleName: name })))?.Role;
    if (role && !isOurs(role.Tags, ctx.name, ROLE)) {
      await dropRecord(ctx, 'natRole', undefined);
      return {
        outcome: 'kept',
        detail: `${name}: instance profile deleted; role kept, ${whyNotOurs(role.Tags, ctx.name, ROLE) ?? ''}`,
        why: `instance profile deleted; role kept, ${whyNotOurs(role.Tags, ctx.name, ROLE) ?? ''}`,
      };
    }
    if (role) {
      ctx.checkpoint();
      await unlessGone(() => ctx.aws.iam.DeleteRolePolicy({ RoleName: name, PolicyName: POLICY_NAME }));
      ctx.checkpoint();
      await unlessGone(() => ctx.aws.iam.DeleteRole({ RoleName: name }));
    }
    await dropRecord(ctx, 'natRole', undefined);
    return { outcome: profile || role ? 'removed' : 'gone', detail: name };
  },
};
