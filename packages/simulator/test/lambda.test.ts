import { describe, expect, it } from 'vitest';
import { client, expectAwsError, MINUTE, newSim } from './support.js';

function lambdaAccount() {
  const { sim, clock } = newSim();
  const vpcId = sim.addVpc({ cidr: '10.0.0.0/16' });
  const subnetA = sim.addSubnet({ vpcId, cidr: '10.0.10.0/24', az: 'ap-northeast-1a' });
  const subnetC = sim.addSubnet({ vpcId, cidr: '10.0.11.0/24', az: 'ap-northeast-1c' });
  const groupId = sim.addSecurityGroup({ vpcId, name: 'fn' });
  const arn = sim.addFunction({ name: 'orders-api' });
  return {
    sim,
    clock,
    vpcId,
    subnetA,
    subnetC,
    groupId,
    arn,
    lambda: client(sim, 'lambda'),
    ec2: client(sim, 'ec2'),
  };
}

describe('Lambda functions', () => {
  it('returns the SDK configuration shape, by name, ARN or partial ARN', async () => {
    const { lambda, arn } = lambdaAccount();
    expect(arn).toBe('arn:aws:lambda:ap-northeast-1:123456789012:function:orders-api');
    const config = await lambda('GetFunctionConfiguration', { FunctionName: 'orders-api' });
    expect(config).toMatchObject({
      FunctionName: 'orders-api',
      FunctionArn: arn,
      Runtime: 'nodejs20.x',
      Role: 'arn:aws:iam::123456789012:role/orders-api-role',
      State: 'Active',
      LastUpdateStatus: 'Successful',
      VpcConfig: { SubnetIds: [], SecurityGroupIds: [], VpcId: '' },
    });
    expect((await lambda('GetFunctionConfiguration', { FunctionName: arn })).FunctionName).toBe('orders-api');
    expect(
      (await lambda('GetFunction', { FunctionName: '123456789012:function:orders-api' })).Configuration
        .FunctionArn,
    ).toBe(arn);
  });

  it('unknown function: ResourceNotFoundException (404) naming the ARN', async () => {
    const { lambda } = lambdaAccount();
    await expectAwsError(
      lambda('GetFunction', { FunctionName: 'nope' }),
      'ResourceNotFoundException',
      'Function not found: arn:aws:lambda:ap-northeast-1:123456789012:function:nope',
    );
    await expectAwsError(
      lambda('GetFunction', { FunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:orders-api' }),
      'ResourceNotFoundException',
    );
  });

  it('moves a function into a VPC: InProgress/Pending for functionUpdateMs, one ENI per subnet+groups pair', async () => {
    const { lambda, ec2, clock, subnetA, subnetC, groupId, vpcId } = lambdaAccount();
    const updated = await lambda('UpdateFunctionConfiguration', {
      FunctionName: 'orders-api',
      VpcConfig: { SubnetIds: [subnetA, subnetC], SecurityGroupIds: [groupId] },
    });
    expect(updated).toMatchObject({
      LastUpdateStatus: 'InProgress',
      State: 'Pending',
      VpcConfig: { SubnetIds: [subnetA, subnetC], SecurityGroupIds: [groupId], VpcId: vpcId },
    });
    await expectAwsError(
      lambda('UpdateFunctionConfiguration', { FunctionName: 'orders-api', Timeout: 10 }),
      'ResourceConflictException',
      'The operation cannot be performed at this time. An update is in progress for resource: arn:aws:lambda:ap-northeast-1:123456789012:function:orders-api',
    );
    const enis = (
      await ec2('DescribeNetworkInterfaces', {
        IncludeManagedResources: true,
        Filters: [{ Name: 'interface-type', Values: ['lambda'] }],
      })
    ).NetworkInterfaces;
    expect(enis).toHaveLength(2);
    expect(enis[0]).toMatchObject({
      Description: 'AWS Lambda VPC ENI-orders-api',
      InterfaceType: 'lambda',
      Groups: [{ GroupId: groupId, GroupName: 'fn' }],
      Status: 'in-use',
      RequesterId: expect.any(String),
    });
    clock.advance(MINUTE);
    expect(await lambda('GetFunctionConfiguration', { FunctionName: 'orders-api' })).toMatchObject({
      LastUpdateStatus: 'Successful',
      State: 'Active',
    });
  });

  it('shares the ENI of a pair between functions: a second function is InProgress but not Pending', async () => {
    const { sim, lambda, ec2, clock, subnetA, groupId } = lambdaAccount();
    sim.addFunction({ name: 'billing', runtime: 'python3.12' });
    await lambda('UpdateFunctionConfiguration', {
      FunctionName: 'orders-api',
      VpcConfig: { SubnetIds: [subnetA], SecurityGroupIds: [groupId] },
    });
    clock.advance(MINUTE);
    const second = await lambda('UpdateFunctionConfiguration', {
      FunctionName: 'billing',
      VpcConfig: { SubnetIds: [subnetA], SecurityGroupIds: [groupId] },
    });
    expect(second).toMatchObject({ LastUpdateStatus: 'InProgress', State: 'Active' });
    expect(
      (await ec2('DescribeNetworkInterfaces', { IncludeManagedResources: true })).NetworkInterfaces,
    ).toHaveLength(1);
  });

  it('refuses subnets without groups, unknown ids, two VPCs and a role without VPC access, changing nothing', async () => {
    const { sim, lambda, subnetA, groupId } = lambdaAccount();
    const update = (name: string, SubnetIds: string[], SecurityGroupIds: string[]) =>
      lambda('UpdateFunctionConfiguration', {
        FunctionName: name,
        VpcConfig: { SubnetIds, SecurityGroupIds },
      });
    await expectAwsError(
      update('orders-api', [subnetA], []),
      'InvalidParameterValueException',
      'SubnetIds and SecurityIds must coexist or be both empty list.',
    );
    await expectAwsError(
      update('orders-api', ['subnet-0123456789abcdef0'], [groupId]),
      'InvalidParameterValueException',
      /InvalidSubnetID.NotFound/,
    );
    await expectAwsError(
      update('orders-api', [subnetA], ['sg-0123456789abcdef0']),
      'InvalidParameterValueException',
      /InvalidGroup.NotFound/,
    );
    const otherVpc = sim.addVpc({ cidr: '10.1.0.0/16' });
    await expectAwsError(
      update('orders-api', [subnetA], [sim.addSecurityGroup({ vpcId: otherVpc, name: 'x' })]),
      'InvalidParameterValueException',
    );
    sim.addFunction({ name: 'report-builder', roleHasVpcAccess: false });
    await expectAwsError(
      update('report-builder', [subnetA], [groupId]),
      'InvalidParameterValueException',
      'The provided execution role does not have permissions to call CreateNetworkInterface on EC2',
    );
    const error = await lambda('GetFunction', { FunctionName: 'report-builder' });
    expect(error.Configuration.VpcConfig.SubnetIds).toEqual([]);
    expect(
      sim.calls.filter((c) => c.operation === 'UpdateFunctionConfiguration').every((c) => !c.mutated),
    ).toBe(true);
    // Attaching the managed policy takes effect at once.
    await client(sim, 'iam')('AttachRolePolicy', {
      RoleName: 'report-builder-role',
      PolicyArn: 'arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole',
    });
    expect((await update('report-builder', [subnetA], [groupId])).LastUpdateStatus).toBe('InProgress');
  });

  it("keeps Lambda's ENI eniReleaseMs after detaching: DeleteSubnet and DeleteSecurityGroup get DependencyViolation until then", async () => {
    const { lambda, ec2, clock, subnetA, groupId } = lambdaAccount();
    await lambda('UpdateFunctionConfiguration', {
      FunctionName: 'orders-api',
      VpcConfig: { SubnetIds: [subnetA], SecurityGroupIds: [groupId] },
    });
    clock.advance(MINUTE);
    const detached = await lambda('UpdateFunctionConfiguration', {
      FunctionName: 'orders-api',
      VpcConfig: { SubnetIds: [], SecurityGroupIds: [] },
    });
    expect(detached).toMatchObject({
      LastUpdateStatus: 'InProgress',
      VpcConfig: { SubnetIds: [], SecurityGroupIds: [], VpcId: '' },
    });
    clock.advance(MINUTE);
    await expectAwsError(ec2('DeleteSubnet', { SubnetId: subnetA }), 'DependencyViolation');
    await expectAwsError(
      ec2('DeleteSecurityGroup', { GroupId: groupId }),
      'DependencyViolation',
      `resource ${groupId} has a dependent object`,
    );
    clock.advance(18 * MINUTE);
    await expectAwsError(ec2('DeleteSubnet', { SubnetId: subnetA }), 'DependencyViolation');
    clock.advance(MINUTE);
    expect(
      (await ec2('DescribeNetworkInterfaces', { IncludeManagedResources: true })).NetworkInterfaces,
    ).toEqual([]);
    await ec2('DeleteSubnet', { SubnetId: subnetA });
    await ec2('DeleteSecurityGroup', { GroupId: groupId });
  });

  it('re-attaching before release reuses the lingering ENI', async () => {
    const { lambda, ec2, clock, subnetA, groupId } = lambdaAccount();
    const vpc = { SubnetIds: [subnetA], SecurityGroupIds: [groupId] };
    await lambda('UpdateFunctionConfiguration', { FunctionName: 'orders-api', VpcConfig: vpc });
    clock.advance(MINUTE);
    const eniId = (await ec2('DescribeNetworkInterfaces', { IncludeManagedResources: true }))
      .NetworkInterfaces[0].NetworkInterfaceId;
    await lambda('UpdateFunctionConfiguration', {
      FunctionName: 'orders-api',
      VpcConfig: { SubnetIds: [], SecurityGroupIds: [] },
    });
    clock.advance(MINUTE);
    const again = await lambda('UpdateFunctionConfiguration', { FunctionName: 'orders-api', VpcConfig: vpc });
    expect(again.State).toBe('Active');
    clock.advance(60 * MINUTE);
    expect(
      (await ec2('DescribeNetworkInterfaces', { IncludeManagedResources: true })).NetworkInterfaces.map(
        (e: { NetworkInterfaceId: string }) => e.NetworkInterfaceId,
      ),
    ).toEqual([eniId]);
  });

  it('an update that finds the subnet full ends Failed and keeps the old configuration', async () => {
    const { sim, lambda, clock, vpcId, groupId } = lambdaAccount();
    const tiny = sim.addSubnet({ vpcId, cidr: '10.0.20.0/28', az: 'ap-northeast-1a' });
    for (let i = 0; i < 11; i++) {
      sim.addFunction({
        name: `filler-${i}`,
        vpc: { subnetIds: [tiny], securityGroupIds: [sim.addSecurityGroup({ vpcId, name: `g${i}` })] },
      });
    }
    await lambda('UpdateFunctionConfiguration', {
      FunctionName: 'orders-api',
      VpcConfig: { SubnetIds: [tiny], SecurityGroupIds: [groupId] },
    });
    clock.advance(MINUTE);
    expect(await lambda('GetFunctionConfiguration', { FunctionName: 'orders-api' })).toMatchObject({
      LastUpdateStatus: 'Failed',
      LastUpdateStatusReasonCode: 'SubnetOutOfIPAddresses',
      VpcConfig: { SubnetIds: [] },
    });
  });

  it('ListFunctions pages with MaxItems/Marker, at most 50 a page', async () => {
    const { sim, lambda } = lambdaAccount();
    for (let i = 0; i < 60; i++)
      sim.addFunction({ name: `fn-${String(i).padStart(2, '0')}`, roleName: 'shared-role' });
    const first = await lambda('ListFunctions');
    expect(first.Functions).toHaveLength(50);
    const second = await lambda('ListFunctions', { Marker: first.NextMarker });
    expect(second.Functions).toHaveLength(11);
    expect(second.NextMarker).toBeUndefined();
    const names = [...first.Functions, ...second.Functions].map(
      (f: { FunctionName: string }) => f.FunctionName,
    );
    expect(new Set(names).size).toBe(61);
    const small = await lambda('ListFunctions', { MaxItems: 7 });
    expect(small.Functions).toHaveLength(7);
    expect((await lambda('ListFunctions', { MaxItems: 1000 })).Functions).toHaveLength(50);
    await expectAwsError(lambda('ListFunctions', { Marker: 'garbage' }), 'InvalidParameterValueException');
  });

  it('ListFunctions leaves out State and LastUpdateStatus, which GetFunctionConfiguration has', async () => {
    const { lambda, subnetA, groupId } = lambdaAccount();
    await lambda('UpdateFunctionConfiguration', {
      FunctionName: 'orders-api',
      VpcConfig: { SubnetIds: [subnetA], SecurityGroupIds: [groupId] },
    });
    const [listed] = (await lambda('ListFunctions')).Functions;
    expect(listed).toMatchObject({ FunctionName: 'orders-api', VpcConfig: { SubnetIds: [subnetA] } });
    for (const field of ['State', 'StateReason', 'LastUpdateStatus', 'LastUpdateStatusReason'])
      expect(listed).not.toHaveProperty(field);
    expect(await lambda('GetFunctionConfiguration', { FunctionName: 'orders-api' })).toMatchObject({
      State: 'Pending',
      LastUpdateStatus: 'InProgress',
    });
  });

  it('tags functions', async () => {
    const { lambda, arn } = lambdaAccount();
    await lambda('TagResource', { Resource: arn, Tags: { 'fixed-ip:stack': 'demo' } });
    expect(await lambda('ListTags', { Resource: arn })).toEqual({ Tags: { 'fixed-ip:stack': 'demo' } });
    expect((await lambda('GetFunction', { FunctionName: arn })).Tags).toEqual({ 'fixed-ip:stack': 'demo' });
    await lambda('UntagResource', { Resource: arn, TagKeys: ['fixed-ip:stack', 'absent'] });
    expect(await lambda('ListTags', { Resource: arn })).toEqual({ Tags: {} });
  });

  it('tags by ARN only, at most 50 a function, keys up to 128 and values up to 256 characters', async () => {
    const { lambda, arn } = lambdaAccount();
    await expect(lambda('TagResource', { Resource: 'orders-api', Tags: { a: 'b' } })).rejects.toMatchObject({
      name: 'ValidationException',
    });
    const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`team:${i}`, 'x']));
    await lambda('TagResource', { Resource: arn, Tags: fifty });
    // Overwriting a key adds nothing; a 51st key is refused and changes nothing.
    await lambda('TagResource', { Resource: arn, Tags: { 'team:0': 'y' } });
    await expect(
      lambda('TagResource', { Resource: arn, Tags: { 'fixed-ip:stack': 'demo' } }),
    ).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
      message: expect.stringMatching(/maximum of 50/),
    });
    expect(Object.keys((await lambda('ListTags', { Resource: arn })).Tags)).toHaveLength(50);
    await lambda('UntagResource', { Resource: arn, TagKeys: ['team:1'] });
    await expect(
      lambda('TagResource', { Resource: arn, Tags: { long: 'v'.repeat(257) } }),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await expect(
      lambda('TagResource', { Resource: arn, Tags: { ['k'.repeat(129)]: 'v' } }),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await expect(lambda('TagResource', { Resource: arn, Tags: { bad: 'a#b' } })).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
    });
    await lambda('TagResource', { Resource: arn, Tags: { long: 'v'.repeat(256) } });
  });
});

describe('IAM and STS', () => {
  it('GetCallerIdentity names the account', async () => {
    const { sim } = newSim({ region: 'us-east-1' });
    expect(await client(sim, 'sts')('GetCallerIdentity')).toEqual({
      Account: '123456789012',
      Arn: 'arn:aws:iam::123456789012:user/simulated',
      UserId: expect.any(String),
    });
  });

  it("SimulatePrincipalPolicy evaluates a role's managed policies; AttachRolePolicy applies at once", async () => {
    const { sim } = newSim();
    sim.addFunction({ name: 'report-builder', roleHasVpcAccess: false });
    const iam = client(sim, 'iam');
    const simulate = async () =>
      (
        await iam('SimulatePrincipalPolicy', {
          PolicySourceArn: 'arn:aws:iam::123456789012:role/report-builder-role',
          ActionNames: ['ec2:CreateNetworkInterface', 'logs:PutLogEvents'],
        })
      ).EvaluationResults.map((r: { EvalActionName: string; EvalDecision: string }) => [
        r.EvalActionName,
        r.EvalDecision,
      ]);
    expect(await simulate()).toEqual([
      ['ec2:CreateNetworkInterface', 'implicitDeny'],
      ['logs:PutLogEvents', 'allowed'],
    ]);
    expect(
      (await iam('ListAttachedRolePolicies', { RoleName: 'report-builder-role' })).AttachedPolicies,
    ).toEqual([
      {
        PolicyName: 'AWSLambdaBasicExecutionRole',
        PolicyArn: 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
      },
    ]);
    await iam('AttachRolePolicy', {
      RoleName: 'report-builder-role',
      PolicyArn: 'arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole',
    });
    expect((await simulate())[0]).toEqual(['ec2:CreateNetworkInterface', 'allowed']);
    await expectAwsError(iam('ListAttachedRolePolicies', { RoleName: 'ghost' }), 'NoSuchEntityException');
  });

  it('a deny fault on iam:SimulatePrincipalPolicy makes it AccessDenied; on another action it shows in the caller simulation', async () => {
    const { sim } = newSim();
    const iam = client(sim, 'iam');
    sim.inject({ kind: 'deny', action: 'ec2:CreateNatGateway' });
    const { EvaluationResults } = await iam('SimulatePrincipalPolicy', {
      PolicySourceArn: 'arn:aws:iam::123456789012:user/simulated',
      ActionNames: ['ec2:CreateNatGateway', 'ec2:CreateVpc'],
    });
    expect(EvaluationResults.map((r: { EvalDecision: string }) => r.EvalDecision)).toEqual([
      'implicitDeny',
      'allowed',
    ]);
    sim.inject({ kind: 'deny', action: 'iam:SimulatePrincipalPolicy' });
    await expectAwsError(
      iam('SimulatePrincipalPolicy', { PolicySourceArn: 'x', ActionNames: ['ec2:CreateVpc'] }),
      'AccessDenied',
    );
  });
});

describe("Lambda's network interfaces, as DescribeNetworkInterfaces lists them", () => {
  async function attachedThenDetached() {
    const account = lambdaAccount();
    const { lambda, clock, subnetA, subnetC, groupId } = account;
    await lambda('UpdateFunctionConfiguration', {
      FunctionName: 'orders-api',
      VpcConfig: { SubnetIds: [subnetA, subnetC], SecurityGroupIds: [groupId] },
    });
    clock.advance(MINUTE);
    return account;
  }
  const listed = async (ec2: ReturnType<typeof client>, input: object): Promise<string[]> =>
    ((await ec2('DescribeNetworkInterfaces', input)).NetworkInterfaces as Array<{ SubnetId: string }>).map(
      (eni) => eni.SubnetId,
    );

  it('are listed only with IncludeManagedResources (the cautious reading of EC2 hiding managed resources)', async () => {
    const { ec2, subnetA, subnetC } = await attachedThenDetached();
    expect(await listed(ec2, {})).toEqual([]);
    expect(await listed(ec2, { IncludeManagedResources: false })).toEqual([]);
    expect((await listed(ec2, { IncludeManagedResources: true })).sort()).toEqual([subnetA, subnetC].sort());
  });

  it('are found by subnet-id and group-id together, and by the operator filters', async () => {
    const { sim, ec2, vpcId, subnetA, groupId } = await attachedThenDetached();
    const otherGroup = sim.addSecurityGroup({ vpcId, name: 'other' });
    const base = { IncludeManagedResources: true };
    expect(
      await listed(ec2, {
        ...base,
        Filters: [
          { Name: 'subnet-id', Values: [subnetA] },
          { Name: 'group-id', Values: [groupId] },
        ],
      }),
    ).toEqual([subnetA]);
    expect(
      await listed(ec2, {
        ...base,
        Filters: [
          { Name: 'subnet-id', Values: [subnetA] },
          { Name: 'group-id', Values: [otherGroup] },
        ],
      }),
    ).toEqual([]);
    expect(
      await listed(ec2, { ...base, Filters: [{ Name: 'operator.managed', Values: ['true'] }] }),
    ).toHaveLength(2);
    expect(
      await listed(ec2, {
        ...base,
        Filters: [{ Name: 'operator.principal', Values: ['lambda.amazonaws.com'] }],
      }),
    ).toHaveLength(2);
    expect(
      await listed(ec2, { ...base, Filters: [{ Name: 'operator.managed', Values: ['false'] }] }),
    ).toEqual([]);
    const [eni] = (await ec2('DescribeNetworkInterfaces', base)).NetworkInterfaces;
    expect(eni).toMatchObject({ Operator: { Managed: true, Principal: 'lambda.amazonaws.com' } });
  });

  it('no longer show as type lambda once no function uses them, but keep their description until they go', async () => {
    const { lambda, ec2, clock, subnetA } = await attachedThenDetached();
    const byType = {
      IncludeManagedResources: true,
      Filters: [{ Name: 'interface-type', Values: ['lambda'] }],
    };
    const byDescription = {
      IncludeManagedResources: true,
      Filters: [{ Name: 'description', Values: ['AWS Lambda VPC ENI*'] }],
    };
    expect(await listed(ec2, byType)).toHaveLength(2);
    await lambda('UpdateFunctionConfiguration', {
      FunctionName: 'orders-api',
      VpcConfig: { SubnetIds: [], SecurityGroupIds: [] },
    });
    clock.advance(MINUTE);
    expect(await listed(ec2, byType)).toEqual([]);
    expect(await listed(ec2, byDescription)).toContain(subnetA);
    const [eni] = (await ec2('DescribeNetworkInterfaces', byDescription)).NetworkInterfaces;
    expect(eni).toMatchObject({ InterfaceType: 'interface', Description: 'AWS Lambda VPC ENI-orders-api' });
    clock.advance(20 * MINUTE);
    expect(await listed(ec2, byDescription)).toEqual([]);
  });
});
