import { describe, expect, it } from 'vitest';
import { client, expectAwsError, newSim } from './support.js';

describe('IPAM and BYOIP pools', () => {
  it('AllocateAddress with IpamPoolId takes a free address of the pool, Describe names the pool, ReleaseAddress gives it back', async () => {
    const { sim } = newSim();
    const ec2 = client(sim, 'ec2');
    const pool = sim.addAddressPool({ type: 'ipam', cidr: '198.18.0.0/31' });
    const [listed] = (await ec2('DescribeIpamPools', { IpamPoolIds: [pool] })).IpamPools;
    expect(listed).toMatchObject({
      IpamPoolId: pool,
      AddressFamily: 'ipv4',
      PublicIpSource: 'amazon',
      AwsService: 'ec2',
      Locale: 'ap-northeast-1',
    });
    const first = await ec2('AllocateAddress', { Domain: 'vpc', IpamPoolId: pool });
    const second = await ec2('AllocateAddress', { Domain: 'vpc', IpamPoolId: pool });
    expect([first.PublicIp, second.PublicIp].sort()).toEqual(['198.18.0.0', '198.18.0.1']);
    const described = await ec2('DescribeAddresses', {
      Filters: [{ Name: 'public-ipv4-pool', Values: [pool] }],
    });
    expect(described.Addresses).toHaveLength(2);
    // Empty: AWS refuses, and nothing is allocated.
    await expectAwsError(
      ec2('AllocateAddress', { Domain: 'vpc', IpamPoolId: pool }),
      'InsufficientAddressCapacity',
    );
    expect((await ec2('DescribeAddresses', {})).Addresses).toHaveLength(2);
    const cidrs = await ec2('GetIpamPoolCidrs', { IpamPoolId: pool });
    expect(cidrs.IpamPoolCidrs).toEqual([{ Cidr: '198.18.0.0/31', State: 'provisioned', NetmaskLength: 31 }]);
    const allocations = await ec2('GetIpamPoolAllocations', { IpamPoolId: pool });
    expect(
      allocations.IpamPoolAllocations.map((a: { Cidr: string; ResourceId: string }) => [
        a.Cidr,
        a.ResourceId,
      ]).sort(),
    ).toEqual(
      [
        [`${first.PublicIp}/32`, first.AllocationId],
        [`${second.PublicIp}/32`, second.AllocationId],
      ].sort(),
    );
    await ec2('ReleaseAddress', { AllocationId: first.AllocationId });
    expect((await ec2('GetIpamPoolAllocations', { IpamPoolId: pool })).IpamPoolAllocations).toHaveLength(1);
    const again = await ec2('AllocateAddress', { Domain: 'vpc', IpamPoolId: pool });
    expect(again.PublicIp).toBe(first.PublicIp);
  });

  it('an IPAM pool that is unknown, private, or of another locale gives no Elastic IP', async () => {
    const { sim } = newSim();
    const ec2 = client(sim, 'ec2');
    const privatePool = sim.addAddressPool({ type: 'ipam', cidr: '10.0.0.0/24', publicIpSource: null });
    const elsewhere = sim.addAddressPool({ type: 'ipam', cidr: '198.18.1.0/30', locale: 'us-east-1' });
    await expectAwsError(
      ec2('AllocateAddress', { Domain: 'vpc', IpamPoolId: 'ipam-pool-0123456789abcdef0' }),
      'InvalidIpamPoolId.NotFound',
    );
    await expectAwsError(
      ec2('AllocateAddress', { Domain: 'vpc', IpamPoolId: privatePool }),
      'InvalidParameterValue',
    );
    await expectAwsError(
      ec2('AllocateAddress', { Domain: 'vpc', IpamPoolId: elsewhere }),
      'InvalidParameterValue',
    );
    await expectAwsError(
      ec2('DescribeIpamPools', { IpamPoolIds: ['ipam-pool-0123456789abcdef0'] }),
      'InvalidIpamPoolId.NotFound',
    );
    expect((await ec2('DescribeAddresses', {})).Addresses).toEqual([]);
  });

  it('a BYOIP pool gives its addresses in its network border group and counts what is free', async () => {
    const { sim } = newSim();
    const ec2 = client(sim, 'ec2');
    const pool = sim.addAddressPool({ type: 'byoip', cidr: '198.18.2.0/30' });
    const local = sim.addAddressPool({
      type: 'byoip',
      cidr: '198.18.3.0/30',
      locale: 'ap-northeast-1-tpe-1',
    });
    const taken = await ec2('AllocateAddress', { Domain: 'vpc', PublicIpv4Pool: pool });
    expect(taken).toMatchObject({ PublicIpv4Pool: pool, NetworkBorderGroup: 'ap-northeast-1' });
    expect(taken.PublicIp).toMatch(/^198\.18\.2\.[0-3]$/);
    const fromLocal = await ec2('AllocateAddress', { Domain: 'vpc', PublicIpv4Pool: local });
    expect(fromLocal.NetworkBorderGroup).toBe('ap-northeast-1-tpe-1');
    const [described] = (await ec2('DescribePublicIpv4Pools', { PoolIds: [pool] })).PublicIpv4Pools;
    expect(described).toMatchObject({
      TotalAddressCount: 4,
      TotalAvailableAddressCount: 3,
      NetworkBorderGroup: 'ap-northeast-1',
    });
    await expectAwsError(
      ec2('AllocateAddress', {
        Domain: 'vpc',
        PublicIpv4Pool: pool,
        NetworkBorderGroup: 'ap-northeast-1-tpe-1',
      }),
      'InvalidParameterValue',
    );
    await expectAwsError(
      ec2('AllocateAddress', { Domain: 'vpc', PublicIpv4Pool: 'ipv4pool-ec2-0123456789abcdef0' }),
      'InvalidPublicIpv4PoolID.NotFound',
    );
    await expectAwsError(
      ec2('AllocateAddress', {
        Domain: 'vpc',
        PublicIpv4Pool: pool,
        IpamPoolId: 'ipam-pool-0123456789abcdef0',
      }),
      'InvalidParameterCombination',
    );
  });

  it('allocating from a pool is authorized on the pool as well as the new address', async () => {
    const { sim } = newSim();
    const ec2 = client(sim, 'ec2');
    const pool = sim.addAddressPool({ type: 'byoip', cidr: '198.18.4.0/30' });
    sim.useCallerPolicy({
      Statement: [
        { Effect: 'Allow', Action: 'ec2:AllocateAddress', Resource: 'arn:aws:ec2:*:*:elastic-ip/*' },
      ],
    });
    await ec2('AllocateAddress', { Domain: 'vpc' });
    await expectAwsError(
      ec2('AllocateAddress', { Domain: 'vpc', PublicIpv4Pool: pool }),
      'UnauthorizedOperation',
    );
    sim.useCallerPolicy({
      Statement: [
        {
          Effect: 'Allow',
          Action: 'ec2:AllocateAddress',
          Resource: ['arn:aws:ec2:*:*:elastic-ip/*', 'arn:aws:ec2:*:*:ipv4pool-ec2/*'],
        },
      ],
    });
    expect((await ec2('AllocateAddress', { Domain: 'vpc', PublicIpv4Pool: pool })).PublicIpv4Pool).toBe(pool);
  });
});
