import { describe, expect, it } from 'vitest';
import { client, expectAwsError, MINUTE, newSim } from './support.js';

function account() {
  const { sim, clock } = newSim();
  const vpcId = sim.addVpc({ cidr: '10.0.0.0/16' });
  const subnetId = sim.addSubnet({ vpcId, cidr: '10.0.10.0/24', az: 'ap-northeast-1a' });
  const groupId = sim.addSecurityGroup({ vpcId, name: 'fn' });
  const arn = sim.addFunction({ name: 'orders-api' });
  return {
    sim,
    clock,
    vpcId,
    subnetId,
    groupId,
    arn,
    lambda: client(sim, 'lambda'),
    ec2: client(sim, 'ec2'),
  };
}

const tags = (n: number, prefix = 'k') =>
  Array.from({ length: n }, (_, i) => ({ Key: `${prefix}${i}`, Value: 'v' }));

describe('EC2 tag limits', () => {
  it('50 user tags per resource (TagLimitExceeded), keys up to 128 and values up to 256 characters', async () => {
    const { ec2, vpcId } = account();
    await ec2('CreateTags', { Resources: [vpcId], Tags: tags(49) });
    await expectAwsError(ec2('CreateTags', { Resources: [vpcId], Tags: tags(2, 'x') }), 'TagLimitExceeded');
    // Overwriting an existing key does not count twice.
    await ec2('CreateTags', { Resources: [vpcId], Tags: [...tags(1, 'x'), { Key: 'k0', Value: 'w' }] });
    const vpc = (await ec2('DescribeVpcs', { VpcIds: [vpcId] })).Vpcs[0];
    expect(vpc.Tags).toHaveLength(50);

    await expectAwsError(
      ec2('CreateSecurityGroup', {
        VpcId: vpcId,
        GroupName: 'many',
        Description: 'many',
        TagSpecifications: [{ ResourceType: 'security-group', Tags: tags(51) }],
      }),
      'TagLimitExceeded',
    );
    await expectAwsError(
      ec2('CreateTags', { Resources: [vpcId], Tags: [{ Key: 'a'.repeat(129), Value: '' }] }),
      'InvalidParameterValue',
    );
    await expectAwsError(
      ec2('AllocateAddress', {
        Domain: 'vpc',
        TagSpecifications: [{ ResourceType: 'elastic-ip', Tags: [{ Key: 'a', Value: 'v'.repeat(257) }] }],
      }),
      'InvalidParameterValue',
    );
    await ec2('CreateTags', { Resources: [vpcId], Tags: [{ Key: 'k1', Value: 'v'.repeat(256) }] });
    expect(
      (await ec2('DescribeSecurityGroups', { Filters: [{ Name: 'group-name', Values: ['many'] }] }))
        .SecurityGroups,
    ).toEqual([]);
    expect((await ec2('DescribeAddresses')).Addresses).toEqual([]);
  });

  it('security group names are unique per VPC, not per account', async () => {
    const { sim, ec2, vpcId } = account();
    const other = sim.addVpc({ cidr: '10.1.0.0/16' });
    await ec2('CreateSecurityGroup', { VpcId: vpcId, GroupName: 'nat', Description: 'x' });
    await ec2('CreateSecurityGroup', { VpcId: other, GroupName: 'nat', Description: 'x' });
    await expectAwsError(
      ec2('CreateSecurityGroup', { VpcId: vpcId, GroupName: 'nat', Description: 'x' }),
      'InvalidGroup.Duplicate',
      `The security group 'nat' already exists for VPC '${vpcId}'`,
    );
  });
});

describe('Lambda in a lived-in account', () => {
  it('refuses a VpcConfig naming a subnet or security group that no longer exists', async () => {
    const { lambda, ec2, vpcId, groupId } = account();
    const gone = (await ec2('CreateSubnet', { VpcId: vpcId, CidrBlock: '10.0.20.0/24' })).Subnet.SubnetId;
    await ec2('DeleteSubnet', { SubnetId: gone });
    await expectAwsError(
      lambda('UpdateFunctionConfiguration', {
        FunctionName: 'orders-api',
        VpcConfig: { SubnetIds: [gone], SecurityGroupIds: [groupId] },
      }),
      'InvalidParameterValueException',
      `Error occurred while DescribeSubnets. EC2 Error Code: InvalidSubnetID.NotFound. EC2 Error Message: The subnet ID '${gone}' does not exist`,
    );
    const subnetId = (await ec2('CreateSubnet', { VpcId: vpcId, CidrBlock: '10.0.21.0/24' })).Subnet.SubnetId;
    await ec2('DeleteSecurityGroup', { GroupId: groupId });
    await expectAwsError(
      lambda('UpdateFunctionConfiguration', {
        FunctionName: 'orders-api',
        VpcConfig: { SubnetIds: [subnetId], SecurityGroupIds: [groupId] },
      }),
      'InvalidParameterValueException',
      /EC2 Error Code: InvalidGroup.NotFound/,
    );
    expect(
      (await lambda('GetFunctionConfiguration', { FunctionName: 'orders-api' })).VpcConfig.SubnetIds,
    ).toEqual([]);
  });

  it('a published version keeps its VpcConfig (and its ENI); UpdateFunctionConfiguration changes $LATEST only; aliases point at versions', async () => {
    const { lambda, ec2, clock, subnetId, groupId, arn } = account();
    await lambda('UpdateFunctionConfiguration', {
      FunctionName: 'orders-api',
      VpcConfig: { SubnetIds: [subnetId], SecurityGroupIds: [groupId] },
    });
    await expectAwsError(
      lambda('PublishVersion', { FunctionName: 'orders-api' }),
      'ResourceConflictException',
    );
    clock.advance(MINUTE);
    const v1 = await lambda('PublishVersion', { FunctionName: 'orders-api' });
    expect(v1).toMatchObject({ Version: '1', FunctionArn: `${arn}:1`, VpcConfig: { SubnetIds: [subnetId] } });
    // Nothing changed since: publishing again returns the same version.
    expect((await lambda('PublishVersion', { FunctionName: 'orders-api' })).Version).toBe('1');
    const alias = await lambda('CreateAlias', {
      FunctionName: 'orders-api',
      Name: 'live',
      FunctionVersion: '1',
    });
    expect(alias).toMatchObject({ AliasArn: `${arn}:live`, FunctionVersion: '1' });
    await expectAwsError(
      lambda('CreateAlias', { FunctionName: 'orders-api', Name: 'live', FunctionVersion: '1' }),
      'ResourceConflictException',
    );
    await expectAwsError(
      lambda('CreateAlias', { FunctionName: 'orders-api', Name: 'next', FunctionVersion: '7' }),
      'ResourceNotFoundException',
    );

    await lambda('UpdateFunctionConfiguration', {
      FunctionName: 'orders-api',
      VpcConfig: { SubnetIds: [], SecurityGroupIds: [] },
    });
    clock.advance(MINUTE);
    expect(
      (await lambda('GetFunction', { FunctionName: 'orders-api' })).Configuration.VpcConfig.SubnetIds,
    ).toEqual([]);
    expect(
      (await lambda('GetFunction', { FunctionName: 'orders-api', Qualifier: '1' })).Configuration.VpcConfig
        .SubnetIds,
    ).toEqual([subnetId]);
    expect(
      (await lambda('GetFunctionConfiguration', { FunctionName: `${arn}:live` })).VpcConfig.SubnetIds,
    ).toEqual([subnetId]);
    await expectAwsError(
      lambda('GetFunction', { FunctionName: `${arn}:live`, Qualifier: '1' }),
      'InvalidParameterValueException',
    );
    const lambdaEnis = async () =>
      (
        await ec2('DescribeNetworkInterfaces', {
          IncludeManagedResources: true,
          Filters: [{ Name: 'interface-type', Values: ['lambda'] }],
        })
      ).NetworkInterfaces;
    // Version 1 still uses the subnet + group pair: its ENI stays.
    clock.advance(60 * MINUTE);
    expect(await lambdaEnis()).toHaveLength(1);

    const v2 = await lambda('PublishVersion', { FunctionName: 'orders-api' });
    expect(v2).toMatchObject({ Version: '2', VpcConfig: { SubnetIds: [] } });
    expect(
      (await lambda('ListVersionsByFunction', { FunctionName: 'orders-api' })).Versions.map(
        (v: { Version: string }) => v.Version,
      ),
    ).toEqual(['$LATEST', '1', '2']);
    await expectAwsError(
      lambda('DeleteFunction', { FunctionName: 'orders-api', Qualifier: '1' }),
      'ResourceConflictException',
      /live/,
    );
    await lambda('UpdateAlias', { FunctionName: 'orders-api', Name: 'live', FunctionVersion: '2' });
    expect((await lambda('GetAlias', { FunctionName: 'orders-api', Name: 'live' })).FunctionVersion).toBe(
      '2',
    );
    expect((await lambda('ListAliases', { FunctionName: 'orders-api' })).Aliases).toHaveLength(1);
    await lambda('DeleteFunction', { FunctionName: 'orders-api', Qualifier: '1' });
    await expectAwsError(
      lambda('GetFunction', { FunctionName: 'orders-api', Qualifier: '1' }),
      'ResourceNotFoundException',
    );
    await expectAwsError(
      lambda('DeleteFunction', { FunctionName: 'orders-api', Qualifier: '$LATEST' }),
      'InvalidParameterValueException',
    );
    // No function or version uses the pair any more: Lambda releases the ENI after eniReleaseMs.
    clock.advance(20 * MINUTE);
    expect(await lambdaEnis()).toHaveLength(0);
  });

  it('an ARN carries region and account: another region is not reachable, another account is denied', async () => {
    const { lambda } = account();
    await expectAwsError(
      lambda('GetFunction', { FunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:orders-api' }),
      'ResourceNotFoundException',
      "Functions from 'us-east-1' are not reachable in this region ('ap-northeast-1')",
    );
    await expectAwsError(
      lambda('UpdateFunctionConfiguration', {
        FunctionName: 'arn:aws:lambda:ap-northeast-1:210987654321:function:orders-api',
        Timeout: 10,
      }),
      'AccessDeniedException',
      /lambda:UpdateFunctionConfiguration/,
    );
    await expectAwsError(
      lambda('GetFunctionConfiguration', { FunctionName: '210987654321:function:orders-api' }),
      'AccessDeniedException',
    );
    expect((await lambda('GetFunctionConfiguration', { FunctionName: 'orders-api' })).Timeout).toBe(3);
  });

  it('DeleteFunction removes the function, its versions and aliases, and lets Lambda release its ENI', async () => {
    const { lambda, ec2, clock, subnetId, groupId } = account();
    await lambda('UpdateFunctionConfiguration', {
      FunctionName: 'orders-api',
      VpcConfig: { SubnetIds: [subnetId], SecurityGroupIds: [groupId] },
    });
    clock.advance(MINUTE);
    await lambda('PublishVersion', { FunctionName: 'orders-api' });
    await lambda('CreateAlias', { FunctionName: 'orders-api', Name: 'live', FunctionVersion: '1' });
    await lambda('DeleteFunction', { FunctionName: 'orders-api' });
    await expectAwsError(lambda('GetFunction', { FunctionName: 'orders-api' }), 'ResourceNotFoundException');
    await expectAwsError(
      lambda('GetAlias', { FunctionName: 'orders-api', Name: 'live' }),
      'ResourceNotFoundException',
    );
    expect((await lambda('ListFunctions')).Functions).toEqual([]);
    await expectAwsError(ec2('DeleteSubnet', { SubnetId: subnetId }), 'DependencyViolation');
    clock.advance(20 * MINUTE);
    await ec2('DeleteSubnet', { SubnetId: subnetId });
  });
});
