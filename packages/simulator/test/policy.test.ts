import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { evaluate, type PolicyLike } from '../src/policy.js';
import { client, expectAwsError, newSim } from './support.js';

const ours = { 'aws:ResourceTag/fixed-ip:managed-by': 'fixed-ip' };
const allow = (statement: Partial<PolicyLike['Statement'][number]>): PolicyLike => ({
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', ...statement }],
});

describe('the policy evaluator', () => {
  it('matches actions case-insensitively with wildcards, resources as ARNs with wildcards', () => {
    const policy = allow({ Action: 'EC2:Delete*', Resource: 'arn:aws:ec2:*:*:natgateway/*' });
    const on = (action: string, resource: string) => evaluate(policy, { action, resource, context: {} });
    expect(on('ec2:DeleteNatGateway', 'arn:aws:ec2:ap-northeast-1:123456789012:natgateway/nat-1')).toBe(
      'allowed',
    );
    expect(on('ec2:DeleteSubnet', 'arn:aws:ec2:ap-northeast-1:123456789012:subnet/subnet-1')).toBe(
      'implicitDeny',
    );
    expect(on('ec2:CreateNatGateway', 'arn:aws:ec2:ap-northeast-1:123456789012:natgateway/nat-1')).toBe(
      'implicitDeny',
    );
  });

  it('a condition on a key the request lacks fails; negated operators, IfExists and ForAllValues pass it', () => {
    const on = (operator: string, context = {}) =>
      evaluate(allow({ Condition: { [operator]: { 'aws:ResourceTag/fixed-ip:managed-by': 'fixed-ip' } } }), {
        action: 'ec2:DeleteSubnet',
        resource: '*',
        context,
      });
    expect(on('StringEquals')).toBe('implicitDeny');
    expect(on('StringEquals', ours)).toBe('allowed');
    expect(on('StringEquals', { 'AWS:RESOURCETAG/FIXED-IP:MANAGED-BY': 'fixed-ip' })).toBe('allowed');
    expect(on('StringEquals', { 'aws:ResourceTag/fixed-ip:managed-by': 'Fixed-IP' })).toBe('implicitDeny');
    expect(on('StringLike', { 'aws:ResourceTag/fixed-ip:managed-by': 'fixed-ip' })).toBe('allowed');
    expect(on('StringNotEquals')).toBe('allowed');
    expect(on('StringNotEquals', ours)).toBe('implicitDeny');
    expect(on('StringEqualsIfExists')).toBe('allowed');
    expect(on('ForAllValues:StringEquals')).toBe('allowed');
    expect(on('ForAnyValue:StringEquals')).toBe('implicitDeny');
  });

  it('policy variables: ${ec2:SourceInstanceARN} takes the request’s value; a request without it matches nothing', () => {
    const self = 'arn:aws:ec2:ap-northeast-1:123456789012:instance/i-1';
    const policy = allow({
      Action: 'ec2:CreateTags',
      Resource: 'arn:aws:ec2:*:*:instance/*',
      Condition: { StringEquals: { 'aws:ARN': '${ec2:SourceInstanceARN}' } },
    });
    const tag = (resource: string, context: Record<string, string>) =>
      evaluate(policy, { action: 'ec2:CreateTags', resource, context: { 'aws:ARN': resource, ...context } });
    expect(tag(self, { 'ec2:SourceInstanceARN': self })).toBe('allowed');
    expect(tag(self.replace('i-1', 'i-2'), { 'ec2:SourceInstanceARN': self })).toBe('implicitDeny');
    expect(tag(self, {})).toBe('implicitDeny');
    const own = allow({ Action: 'iam:GetUser', Resource: 'arn:aws:iam::*:user/${aws:username}' });
    const get = (user: string) =>
      evaluate(own, {
        action: 'iam:GetUser',
        resource: `arn:aws:iam::123456789012:user/${user}`,
        context: { 'aws:username': 'alice' },
      });
    expect(get('alice')).toBe('allowed');
    expect(get('bob')).toBe('implicitDeny');
  });

  it('ForAllValues: every value of a multi-valued key must match one of the policy’s', () => {
    const policy = allow({ Condition: { 'ForAllValues:StringLike': { 'aws:TagKeys': ['fixed-ip:*'] } } });
    const keys = (...values: string[]) =>
      evaluate(policy, { action: 'lambda:TagResource', resource: '*', context: { 'aws:TagKeys': values } });
    expect(keys('fixed-ip:stack', 'fixed-ip:previous')).toBe('allowed');
    expect(keys('fixed-ip:stack', 'owner')).toBe('implicitDeny');
  });

  it('ArnEquals, Null; every operator, key must hold; any value of a key may; an explicit Deny wins', () => {
    const policy: PolicyLike = {
      Statement: [
        {
          Effect: 'Allow',
          Action: 'iam:AttachRolePolicy',
          Resource: 'arn:aws:iam::*:role/*',
          Condition: {
            ArnEquals: { 'iam:PolicyARN': ['arn:aws:iam::aws:policy/a', 'arn:aws:iam::aws:policy/b'] },
            Null: { 'iam:PermissionsBoundary': 'true' },
          },
        },
        { Effect: 'Deny', Action: '*', Resource: 'arn:aws:iam::*:role/admin' },
      ],
    };
    const attach = (role: string, policyArn: string, extra = {}) =>
      evaluate(policy, {
        action: 'iam:AttachRolePolicy',
        resource: `arn:aws:iam::123456789012:role/${role}`,
        context: { 'iam:PolicyARN': policyArn, ...extra },
      });
    expect(attach('app', 'arn:aws:iam::aws:policy/b')).toBe('allowed');
    expect(attach('app', 'arn:aws:iam::aws:policy/AdministratorAccess')).toBe('implicitDeny');
    expect(attach('app', 'arn:aws:iam::aws:policy/a', { 'iam:PermissionsBoundary': 'x' })).toBe(
      'implicitDeny',
    );
    expect(attach('admin', 'arn:aws:iam::aws:policy/a')).toBe('explicitDeny');
  });
});

describe('the simulator under a caller policy', () => {
  const TAGGED_ONLY: PolicyLike = {
    Statement: [
      { Effect: 'Allow', Action: 'ec2:Describe*', Resource: '*' },
      {
        Effect: 'Allow',
        Action: ['ec2:DeleteNatGateway', 'ec2:DeleteSubnet'],
        Resource: '*',
        Condition: { StringEquals: { 'aws:ResourceTag/fixed-ip:managed-by': 'fixed-ip' } },
      },
      {
        Effect: 'Allow',
        Action: 'ec2:CreateSubnet',
        Resource: 'arn:aws:ec2:*:*:subnet/*',
        Condition: { StringEquals: { 'aws:RequestTag/fixed-ip:managed-by': 'fixed-ip' } },
      },
      { Effect: 'Allow', Action: 'ec2:CreateSubnet', Resource: 'arn:aws:ec2:*:*:vpc/*' },
      {
        Effect: 'Allow',
        Action: 'ec2:CreateTags',
        Resource: '*',
        Condition: { StringEquals: { 'ec2:CreateAction': 'CreateSubnet' } },
      },
    ],
  };

  function account() {
    const { sim, clock } = newSim();
    const ec2 = client(sim, 'ec2');
    const vpcId = sim.addVpc({ cidr: '10.0.0.0/16' });
    sim.addInternetGateway({ vpcId });
    return { sim, clock, ec2, vpcId };
  }

  it('deletes a resource only when its live tags satisfy the policy: UnauthorizedOperation otherwise, and nothing changes', async () => {
    const { sim, ec2, vpcId } = account();
    const hand = await ec2('CreateSubnet', { VpcId: vpcId, CidrBlock: '10.0.1.0/24' });
    const tagged = await ec2('CreateSubnet', {
      VpcId: vpcId,
      CidrBlock: '10.0.2.0/24',
      TagSpecifications: [
        { ResourceType: 'subnet', Tags: [{ Key: 'fixed-ip:managed-by', Value: 'fixed-ip' }] },
      ],
    });
    sim.useCallerPolicy(TAGGED_ONLY);
    await expectAwsError(
      ec2('DeleteSubnet', { SubnetId: hand.Subnet.SubnetId }),
      'UnauthorizedOperation',
      /not authorized to perform: ec2:DeleteSubnet/,
    );
    await expectAwsError(
      ec2('DeleteSubnet', { SubnetId: hand.Subnet.SubnetId, DryRun: true }),
      'UnauthorizedOperation',
    );
    await ec2('DeleteSubnet', { SubnetId: tagged.Subnet.SubnetId });
    const left = (await ec2('DescribeSubnets', {})).Subnets.map((s: { SubnetId: string }) => s.SubnetId);
    expect(left).toContain(hand.Subnet.SubnetId);
    expect(left).not.toContain(tagged.Subnet.SubnetId);
    // A placeholder id carries no tags: a tag-scoped permission cannot be proven on it.
    await expectAwsError(
      ec2('DeleteSubnet', { SubnetId: 'subnet-00000000000000000', DryRun: true }),
      'UnauthorizedOperation',
    );
  });

  it('creates only with the tags the policy asks for, and tags only as part of that create (ec2:CreateAction)', async () => {
    const { sim, ec2, vpcId } = account();
    sim.useCallerPolicy(TAGGED_ONLY);
    await expectAwsError(
      ec2('CreateSubnet', { VpcId: vpcId, CidrBlock: '10.0.1.0/24' }),
      'UnauthorizedOperation',
    );
    const made = await ec2('CreateSubnet', {
      VpcId: vpcId,
      CidrBlock: '10.0.1.0/24',
      TagSpecifications: [
        { ResourceType: 'subnet', Tags: [{ Key: 'fixed-ip:managed-by', Value: 'fixed-ip' }] },
      ],
    });
    await expectAwsError(
      ec2('CreateTags', { Resources: [made.Subnet.SubnetId], Tags: [{ Key: 'owner', Value: 'me' }] }),
      'UnauthorizedOperation',
      /ec2:CreateTags/,
    );
  });

  it('GetFunction shows a function’s tags only to a caller allowed lambda:ListTags', async () => {
    const { sim } = newSim();
    const lambda = client(sim, 'lambda');
    sim.addFunction({ name: 'app' });
    await lambda('TagResource', {
      Resource: `arn:aws:lambda:${sim.region}:${sim.accountId}:function:app`,
      Tags: { 'fixed-ip:stack': 'prod' },
    });
    expect((await lambda('GetFunction', { FunctionName: 'app' })).Tags).toEqual({ 'fixed-ip:stack': 'prod' });
    sim.useCallerPolicy({ Statement: [{ Effect: 'Allow', Action: 'lambda:GetFunction', Resource: '*' }] });
    const hidden = await lambda('GetFunction', { FunctionName: 'app' });
    expect(hidden.Tags).toBeUndefined();
    expect(hidden.TagsError).toMatchObject({ ErrorCode: 'AccessDeniedException' });
  });
});

describe('IAM roles', () => {
  const TRUST = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ],
  });
  const PACKAGE = zipSync({ 'index.mjs': strToU8('export const handler = async () => ({});') });

  it('a role just made cannot be assumed by Lambda for a few seconds (IAM is eventually consistent)', async () => {
    const { sim, clock } = newSim({ timings: { roleAssumableMs: 8_000 } });
    const iam = client(sim, 'iam');
    const lambda = client(sim, 'lambda');
    const { Role } = await iam('CreateRole', { RoleName: 'probe', AssumeRolePolicyDocument: TRUST });
    const create = () =>
      lambda('CreateFunction', {
        FunctionName: 'probe',
        Runtime: 'nodejs24.x',
        Handler: 'index.handler',
        Role: Role.Arn,
        Code: { ZipFile: PACKAGE },
      });
    await expectAwsError(create(), 'InvalidParameterValueException', /cannot be assumed by Lambda/);
    clock.advance(8_000);
    await create();
  });

  it('a role is deleted only once its policies are detached; its name is taken until then', async () => {
    const { sim } = newSim();
    const iam = client(sim, 'iam');
    await iam('CreateRole', { RoleName: 'probe', AssumeRolePolicyDocument: TRUST });
    await expectAwsError(
      iam('CreateRole', { RoleName: 'probe', AssumeRolePolicyDocument: TRUST }),
      'EntityAlreadyExistsException',
    );
    const policy = 'arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole';
    await iam('AttachRolePolicy', { RoleName: 'probe', PolicyArn: policy });
    await expectAwsError(iam('DeleteRole', { RoleName: 'probe' }), 'DeleteConflictException');
    await iam('DetachRolePolicy', { RoleName: 'probe', PolicyArn: policy });
    await iam('DeleteRole', { RoleName: 'probe' });
    await expectAwsError(iam('GetRole', { RoleName: 'probe' }), 'NoSuchEntityException');
  });
});
