/**
 * IAM instance profiles: the holder of at most one role that an EC2 instance acts as. What AWS
 * enforces and this models: names are unique (EntityAlreadyExists); a profile holds one role
 * (LimitExceeded "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1"); a profile that
 * still holds a role cannot be deleted, nor can the role (DeleteConflict); a profile just made is
 * not usable by RunInstances for a few seconds (IAM's eventual consistency, see ec2/instances.ts).
 */
import type { SimContext } from './context.js';
import {
  ec2Error,
  Ec2ErrorCode,
  ec2InvalidParameter,
  iamError,
  iamInvalidInput,
  iamNoSuchEntity,
} from './errors.js';
import { requireRole, roleArn } from './iam.js';
import { newRoleId } from './ids.js';
import type { InstanceProfileRecord, Tags } from './model.js';
import type { AuthRequest } from './policy.js';

const PROFILE_NAME = /^[\w+=,.@-]{1,128}$/;

export function instanceProfileArn(accountId: string, name: string): string {
  return `arn:aws:iam::${accountId}:instance-profile/${name}`;
}

/** The account's profiles, to read (a read must not add the map). */
export const profilesOf = (ctx: SimContext): Readonly<Record<string, InstanceProfileRecord>> =>
  ctx.state.instanceProfiles ?? {};

export function requireInstanceProfile(ctx: SimContext, name: string | undefined): InstanceProfileRecord {
  const profile = name === undefined ? undefined : profilesOf(ctx)[name];
  if (!profile) throw iamNoSuchEntity(`Instance Profile ${String(name)} cannot be found.`);
  return profile;
}

function profileView(ctx: SimContext, profile: InstanceProfileRecord): object {
  const role = profile.roleName === null ? undefined : ctx.state.roles[profile.roleName];
  return {
    InstanceProfileName: profile.name,
    InstanceProfileId: profile.id,
    Arn: instanceProfileArn(ctx.state.accountId, profile.name),
    Path: '/',
    CreateDate: new Date(profile.createdAt),
    Roles: role
      ? [
          {
            RoleName: role.name,
            RoleId: role.id,
            Arn: roleArn(ctx.state.accountId, role.name),
            Path: '/',
            CreateDate: new Date(role.createdAt),
            ...(role.assumeRolePolicy
              ? { AssumeRolePolicyDocument: encodeURIComponent(role.assumeRolePolicy) }
              : {}),
          },
        ]
      : [],
    ...(Object.keys(profile.tags).length > 0
      ? { Tags: Object.entries(profile.tags).map(([Key, Value]) => ({ Key, Value })) }
      : {}),
  };
}

export const instanceProfileOperations = {
  CreateInstanceProfile(
    ctx: SimContext,
    input: { InstanceProfileName?: string; Tags?: Array<{ Key?: string; Value?: string }> },
  ): object {
    const name = input.InstanceProfileName ?? '';
    if (!PROFILE_NAME.test(name))
      throw iamInvalidInput(
        `1 validation error detected: Value '${name}' at 'instanceProfileName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+`,
      );
    if (profilesOf(ctx)[name])
      throw iamError('EntityAlreadyExists', `Instance Profile ${name} already exists.`);
    const tags: Tags = Object.fromEntries((input.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
    const profile: InstanceProfileRecord = {
      name,
      id: newRoleId(ctx.state, 'AIPA'),
      createdAt: ctx.now,
      usableAt: ctx.now + ctx.timings.instanceProfileUsableMs,
      roleName: null,
      tags,
    };
    ctx.state.instanceProfiles = { ...ctx.state.instanceProfiles, [name]: profile };
    return { InstanceProfile: profileView(ctx, profile) };
  },

  GetInstanceProfile(ctx: SimContext, input: { InstanceProfileName?: string }): object {
    return { InstanceProfile: profileView(ctx, requireInstanceProfile(ctx, input.InstanceProfileName)) };
  },

  /** Removes the profile's tags of these keys; a key it does not carry is no error (as IAM). */
  UntagInstanceProfile(ctx: SimContext, input: { InstanceProfileName?: string; TagKeys?: string[] }): object {
    const profile = requireInstanceProfile(ctx, input.InstanceProfileName);
    const keys = new Set(input.TagKeys ?? []);
    profile.tags = Object.fromEntries(Object.entries(profile.tags).filter(([key]) => !keys.has(key)));
    return {};
  },

  DeleteInstanceProfile(ctx: SimContext, input: { InstanceProfileName?: string }): object {
    const profile = requireInstanceProfile(ctx, input.InstanceProfileName);
    if (profile.roleName !== null)
      throw iamError(
        'DeleteConflict',
        'Cannot delete entity, must remove roles from instance profile first.',
      );
    const rest = { ...ctx.state.instanceProfiles };
    delete rest[profile.name];
    ctx.state.instanceProfiles = rest;
    return {};
  },

  AddRoleToInstanceProfile(
    ctx: SimContext,
    input: { InstanceProfileName?: string; RoleName?: string },
  ): object {
    const profile = requireInstanceProfile(ctx, input.InstanceProfileName);
    const role = requireRole(ctx, input.RoleName);
    if (profile.roleName !== null)
      throw iamError('LimitExceeded', 'Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1');
    profile.roleName = role.name;
    return {};
  },

  RemoveRoleFromInstanceProfile(
    ctx: SimContext,
    input: { InstanceProfileName?: string; RoleName?: string },
  ): object {
    const profile = requireInstanceProfile(ctx, input.InstanceProfileName);
    const role = requireRole(ctx, input.RoleName);
    if (profile.roleName !== role.name)
      throw iamNoSuchEntity(`The role with name ${role.name} cannot be found.`);
    profile.roleName = null;
    return {};
  },

  ListInstanceProfilesForRole(ctx: SimContext, input: { RoleName?: string }): object {
    const role = requireRole(ctx, input.RoleName);
    return {
      InstanceProfiles: Object.values(profilesOf(ctx))
        .filter((p) => p.roleName === role.name)
        .map((p) => profileView(ctx, p)),
      IsTruncated: false,
    };
  },
};

/**
 * The profile RunInstances names (`{Name}` or `{Arn}`), as EC2 sees it: one that does not exist, or
 * was made moments ago (IAM's eventual consistency), is AWS's InvalidParameterValue.
 */
export function profileForLaunch(
  ctx: SimContext,
  spec: { Name?: string; Arn?: string } | undefined,
): InstanceProfileRecord | undefined {
  if (spec === undefined) return undefined;
  if (spec.Name !== undefined && spec.Arn !== undefined)
    throw ec2Error(
      Ec2ErrorCode.invalidParameterCombination,
      'The parameter iamInstanceProfile.name may not be used in combination with iamInstanceProfile.arn.',
    );
  if (spec.Arn !== undefined) {
    const match = /^arn:aws:iam::(\d{12}):instance-profile\/(?:.*\/)?([^/]+)$/.exec(spec.Arn);
    const profile = match?.[1] === ctx.state.accountId ? profilesOf(ctx)[match[2] ?? ''] : undefined;
    if (!profile || ctx.now < profile.usableAt)
      throw ec2InvalidParameter(
        `Value (${spec.Arn}) for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN`,
      );
    return profile;
  }
  const name = spec.Name ?? '';
  const profile = profilesOf(ctx)[name];
  if (!profile || ctx.now < profile.usableAt)
    throw ec2InvalidParameter(
      `Value (${name}) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name`,
    );
  return profile;
}

/**
 * Launching with an instance profile hands its role to EC2: iam:PassRole on the role (the
 * Service Authorization Reference's dependent action of ec2:RunInstances, as in the EC2 user
 * guide's "Permissions to launch an instance with an IAM role"). None for a profile without a role.
 */
export function passingProfile(ctx: SimContext, spec: unknown): AuthRequest[] {
  const given = (spec ?? {}) as { Name?: unknown; Arn?: unknown };
  const arn = typeof given.Arn === 'string' ? given.Arn : undefined;
  const name = typeof given.Name === 'string' ? given.Name : arn?.slice(arn.lastIndexOf('/') + 1);
  const roleName = name === undefined ? undefined : profilesOf(ctx)[name]?.roleName;
  if (roleName === undefined || roleName === null) return [];
  return [
    {
      action: 'iam:PassRole',
      resource: roleArn(ctx.state.accountId, roleName),
      context: { 'iam:PassedToService': 'ec2.amazonaws.com' },
    },
  ];
}
