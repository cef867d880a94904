import { describe, expect, it } from 'vitest';
import { contractPolicy, EC2_TRUST, natLayout } from './nat-layout.js';
import { awsError, client, expectAwsError, newSim } from './support.js';

describe('IAM instance profiles and inline role policies', () => {
  it('a profile holds one role; AWS’s refusals for a duplicate, a second role, and deleting what is in use', async () => {
    const { sim } = newSim();
    const iam = client(sim, 'iam');
    await iam('CreateRole', {
      RoleName: 'nat',
      AssumeRolePolicyDocument: EC2_TRUST,
      Tags: [{ Key: 'fixed-ip:stack', Value: 'demo' }],
    });
    await iam('CreateRole', { RoleName: 'other', AssumeRolePolicyDocument: EC2_TRUST });
    const created = (
      await iam('CreateInstanceProfile', {
        InstanceProfileName: 'nat',
        Tags: [{ Key: 'fixed-ip:stack', Value: 'demo' }],
      })
    ).InstanceProfile;
    expect(created).toMatchObject({
      InstanceProfileName: 'nat',
      Arn: 'arn:aws:iam::123456789012:instance-profile/nat',
      Roles: [],
      Tags: [{ Key: 'fixed-ip:stack', Value: 'demo' }],
    });
    expect(created.InstanceProfileId).toMatch(/^AIPA[A-Z2-7]{17}$/);
    await expectAwsError(
      iam('CreateInstanceProfile', { InstanceProfileName: 'nat' }),
      'EntityAlreadyExistsException',
      'Instance Profile nat already exists.',
    );
    await iam('AddRoleToInstanceProfile', { InstanceProfileName: 'nat', RoleName: 'nat' });
    // The account's picture shows the profile (a teardown that leaves it behind is caught).
    expect((sim.snapshot() as { instanceProfiles?: unknown[] }).instanceProfiles).toEqual([
      { name: 'nat', roleName: 'nat', tags: { 'fixed-ip:stack': 'demo' } },
    ]);
    const limit = await awsError(
      iam('AddRoleToInstanceProfile', { InstanceProfileName: 'nat', RoleName: 'other' }),
    );
    expect(limit).toMatchObject({
      name: 'LimitExceededException',
      Code: 'LimitExceeded',
      message: 'Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1',
    });
    expect((await iam('GetInstanceProfile', { InstanceProfileName: 'nat' })).InstanceProfile.Roles).toEqual([
      expect.objectContaining({ RoleName: 'nat', Arn: 'arn:aws:iam::123456789012:role/nat' }),
    ]);
    expect(
      (await iam('ListInstanceProfilesForRole', { RoleName: 'nat' })).InstanceProfiles.map(
        (p: { InstanceProfileName: string }) => p.InstanceProfileName,
      ),
    ).toEqual(['nat']);
    await expectAwsError(
      iam('DeleteInstanceProfile', { InstanceProfileName: 'nat' }),
      'DeleteConflictException',
      'Cannot delete entity, must remove roles from instance profile first.',
    );
    await expectAwsError(
      iam('DeleteRole', { RoleName: 'nat' }),
      'DeleteConflictException',
      'Cannot delete entity, must remove roles from instance profile first.',
    );
    await expectAwsError(
      iam('RemoveRoleFromInstanceProfile', { InstanceProfileName: 'nat', RoleName: 'other' }),
      'NoSuchEntityException',
    );
    await iam('RemoveRoleFromInstanceProfile', { InstanceProfileName: 'nat', RoleName: 'nat' });
    await iam('DeleteInstanceProfile', { InstanceProfileName: 'nat' });
    await expectAwsError(
      iam('GetInstanceProfile', { InstanceProfileName: 'nat' }),
      'NoSuchEntityException',
      'Instance Profile nat cannot be found.',
    );
    await iam('DeleteRole', { RoleName: 'nat' });
    expect((sim.snapshot() as { instanceProfiles?: unknown[] }).instanceProfiles).toBeUndefined();
  });

  it('inline policies: put, get (URL-encoded, as IAM returns it), list, delete; a role with one is not deleted', async () => {
    const { sim } = newSim();
    const iam = client(sim, 'iam');
    await iam('CreateRole', { RoleName: 'nat', AssumeRolePolicyDocument: EC2_TRUST });
    const document = contractPolicy('ap-northeast-1', '123456789012', 'demo');
    await iam('PutRolePolicy', { RoleName: 'nat', PolicyName: 'fixed-ip-nat', PolicyDocument: document });
    const got = await iam('GetRolePolicy', { RoleName: 'nat', PolicyName: 'fixed-ip-nat' });
    expect(decodeURIComponent(got.PolicyDocument)).toBe(document);
    expect((await iam('ListRolePolicies', { RoleName: 'nat' })).PolicyNames).toEqual(['fixed-ip-nat']);
    await expectAwsError(
      iam('PutRolePolicy', { RoleName: 'nat', PolicyName: 'bad', PolicyDocument: '{"Statement":' }),
      'MalformedPolicyDocumentException',
      'This policy contains invalid Json',
    );
    await expectAwsError(
      iam('DeleteRole', { RoleName: 'nat' }),
      'DeleteConflictException',
      'Cannot delete entity, must delete policies first.',
    );
    await expectAwsError(
      iam('GetRolePolicy', { RoleName: 'nat', PolicyName: 'nope' }),
      'NoSuchEntityException',
      'The role policy with name nope cannot be found.',
    );
    await iam('DeleteRolePolicy', { RoleName: 'nat', PolicyName: 'fixed-ip-nat' });
    expect((await iam('ListRolePolicies', { RoleName: 'nat' })).PolicyNames).toEqual([]);
    await iam('DeleteRole', { RoleName: 'nat' });
  });
});

describe('RunInstances with IamInstanceProfile', () => {
  it('refuses a profile that does not exist, or was made moments ago (IAM’s eventual consistency); shows Arn and Id', async () => {
    const { clock, iam, launch, instance } = await natLayout();
    const byName = (name: string) => ({ IamInstanceProfile: { Name: name } });
    await expectAwsError(
      launch(byName('nope')),
      'InvalidParameterValue',
      'Value (nope) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name',
    );
    await iam('CreateInstanceProfile', { InstanceProfileName: 'fresh' });
    await expectAwsError(
      launch(byName('fresh')),
      'InvalidParameterValue',
      'Value (fresh) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name',
    );
    clock.advance(10_000);
    const id = await launch(byName('fresh'));
    const profile = (await iam('GetInstanceProfile', { InstanceProfileName: 'fresh' })).InstanceProfile;
    expect((await instance(id)).IamInstanceProfile).toEqual({
      Arn: profile.Arn,
      Id: profile.InstanceProfileId,
    });
    const arn = 'arn:aws:iam::123456789012:instance-profile/gone';
    await expectAwsError(
      launch({ IamInstanceProfile: { Arn: arn } }),
      'InvalidParameterValue',
      `Value (${arn}) for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN`,
    );
    await launch({ IamInstanceProfile: { Arn: profile.Arn } });
  });

  it('needs iam:PassRole on the profile’s role as well as ec2:RunInstances', async () => {
    const { sim, launch } = await natLayout();
    const allowAll = { Effect: 'Allow' as const, Action: ['ec2:*', 'ssm:*'], Resource: '*' };
    sim.useCallerPolicy({ Statement: [allowAll] });
    const refused = await awsError(launch());
    expect(refused.name).toBe('UnauthorizedOperation');
    expect(refused.message).toMatch(/not authorized to perform: iam:PassRole/);
    await expectAwsError(launch({ DryRun: true }), 'UnauthorizedOperation');
    sim.useCallerPolicy({
      Statement: [
        allowAll,
        {
          Effect: 'Allow',
          Action: 'iam:PassRole',
          Resource: 'arn:aws:iam::123456789012:role/nat-role',
          Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
        },
      ],
    });
    await launch();
    sim.useCallerPolicy(undefined);
    sim.inject({ kind: 'deny', action: 'iam:PassRole' });
    await expectAwsError(launch(), 'UnauthorizedOperation', /iam:PassRole/);
  });
});
