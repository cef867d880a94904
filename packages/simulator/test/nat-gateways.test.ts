import { describe, expect, it } from 'vitest';
import { client, expectAwsError, MINUTE, newSim } from './support.js';

function publicAccount() {
  const { sim, clock } = newSim();
  const vpcId = sim.addVpc({ cidr: '10.0.0.0/16' });
  const igwId = sim.addInternetGateway({ vpcId });
  const subnetId = sim.addSubnet({ vpcId, cidr: '10.0.1.0/24', az: 'ap-northeast-1a' });
  const { allocationId, publicIp } = sim.addAddress();
  return { sim, clock, vpcId, igwId, subnetId, allocationId, publicIp, ec2: client(sim, 'ec2') };
}

describe('NAT gateways', () => {
  it('goes pending -> available -> deleting -> deleted on the clock, holding an ENI and the EIP meanwhile', async () => {
    const { clock, ec2, subnetId, allocationId, publicIp, vpcId } = publicAccount();
    const created = await ec2('CreateNatGateway', {
      SubnetId: subnetId,
      AllocationId: allocationId,
      ConnectivityType: 'public',
      TagSpecifications: [{ ResourceType: 'natgateway', Tags: [{ Key: 'fixed-ip:stack', Value: 'demo' }] }],
    });
    const natId = created.NatGateway.NatGatewayId;
    expect(created.NatGateway).toMatchObject({
      State: 'pending',
      SubnetId: subnetId,
      VpcId: vpcId,
      ConnectivityType: 'public',
    });
    const describeNat = async () =>
      (await ec2('DescribeNatGateways', { NatGatewayIds: [natId] })).NatGateways[0];
    const address = async () =>
      (await ec2('DescribeAddresses', { AllocationIds: [allocationId] })).Addresses[0];

    expect((await ec2('DescribeSubnets', { SubnetIds: [subnetId] })).Subnets[0].AvailableIpAddressCount).toBe(
      250,
    );
    expect((await address()).AssociationId).toBeUndefined();
    await expectAwsError(ec2('ReleaseAddress', { AllocationId: allocationId }), 'InvalidIPAddress.InUse');

    clock.advance(89_999);
    expect((await describeNat()).State).toBe('pending');
    clock.advance(1);
    const available = await describeNat();
    expect(available).toMatchObject({ State: 'available', Tags: [{ Key: 'fixed-ip:stack', Value: 'demo' }] });
    expect(available.CreateTime).toBeInstanceOf(Date);
    const [natAddress] = available.NatGatewayAddresses;
    expect(natAddress).toMatchObject({
      AllocationId: allocationId,
      PublicIp: publicIp,
      PrivateIp: '10.0.1.4',
      NetworkInterfaceId: expect.stringMatching(/^eni-/),
    });
    expect(await address()).toMatchObject({
      AssociationId: expect.stringMatching(/^eipassoc-/),
      NetworkInterfaceId: natAddress.NetworkInterfaceId,
    });
    const enis = (
      await ec2('DescribeNetworkInterfaces', {
        Filters: [{ Name: 'interface-type', Values: ['nat_gateway'] }],
      })
    ).NetworkInterfaces;
    expect(enis).toEqual([
      expect.objectContaining({
        NetworkInterfaceId: natAddress.NetworkInterfaceId,
        SubnetId: subnetId,
        VpcId: vpcId,
        Status: 'in-use',
      }),
    ]);

    await expectAwsError(
      ec2('DeleteSubnet', { SubnetId: subnetId }),
      'DependencyViolation',
      `The subnet '${subnetId}' has dependencies and cannot be deleted.`,
    );
    expect(await ec2('DeleteNatGateway', { NatGatewayId: natId })).toEqual({ NatGatewayId: natId });
    expect((await describeNat()).State).toBe('deleting');
    await expectAwsError(ec2('ReleaseAddress', { AllocationId: allocationId }), 'InvalidIPAddress.InUse');
    clock.advance(MINUTE);
    const deleted = await describeNat();
    expect(deleted.State).toBe('deleted');
    expect(deleted.DeleteTime).toBeInstanceOf(Date);
    // Deleting disassociates the address but does not release it.
    expect((await address()).AssociationId).toBeUndefined();
    expect((await ec2('DescribeNetworkInterfaces')).NetworkInterfaces).toEqual([]);
    await ec2('DeleteSubnet', { SubnetId: subnetId });
    await ec2('ReleaseAddress', { AllocationId: allocationId });

    // Deleted gateways stay visible about an hour, then are NotFound, as the SDK waiter expects.
    clock.advance(60 * MINUTE);
    await expectAwsError(ec2('DescribeNatGateways', { NatGatewayIds: [natId] }), 'NatGatewayNotFound');
    expect((await ec2('DescribeNatGateways')).NatGateways).toEqual([]);
  });

  it('fails with Gateway.NotAttached in a VPC without an internet gateway', async () => {
    const { sim, clock } = newSim();
    const ec2 = client(sim, 'ec2');
    const vpcId = sim.addVpc({ cidr: '10.0.0.0/16' });
    const subnetId = sim.addSubnet({ vpcId, cidr: '10.0.1.0/24', az: 'ap-northeast-1a' });
    const { allocationId } = sim.addAddress();
    const natId = (await ec2('CreateNatGateway', { SubnetId: subnetId, AllocationId: allocationId }))
      .NatGateway.NatGatewayId;
    clock.advance(90_000);
    const nat = (await ec2('DescribeNatGateways', { Filter: [{ Name: 'state', Values: ['failed'] }] }))
      .NatGateways[0];
    expect(nat).toMatchObject({
      NatGatewayId: natId,
      State: 'failed',
      FailureCode: 'Gateway.NotAttached',
      FailureMessage: `Network ${vpcId} has no Internet gateway attached`,
    });
    // A failed gateway holds nothing: its address is free and its subnet deletable.
    await ec2('ReleaseAddress', { AllocationId: allocationId });
    await ec2('DeleteSubnet', { SubnetId: subnetId });
    clock.advance(60 * MINUTE);
    expect((await ec2('DescribeNatGateways')).NatGateways).toEqual([]);
  });

  it('fails with Resource.AlreadyAssociated when the EIP is taken, and with an armed natFails fault', async () => {
    const { sim, clock, ec2, subnetId, allocationId } = publicAccount();
    await ec2('CreateNatGateway', { SubnetId: subnetId, AllocationId: allocationId });
    const second = (await ec2('CreateNatGateway', { SubnetId: subnetId, AllocationId: allocationId }))
      .NatGateway.NatGatewayId;
    sim.inject({ kind: 'natFails', failureCode: 'InsufficientFreeAddressesInSubnet' });
    const third = (
      await ec2('CreateNatGateway', { SubnetId: subnetId, AllocationId: sim.addAddress().allocationId })
    ).NatGateway.NatGatewayId;
    const fourth = (
      await ec2('CreateNatGateway', { SubnetId: subnetId, AllocationId: sim.addAddress().allocationId })
    ).NatGateway.NatGatewayId;
    clock.advance(90_000);
    const states = async (ids: string[]) =>
      (await ec2('DescribeNatGateways', { NatGatewayIds: ids })).NatGateways.map(
        (n: { State: string; FailureCode?: string }) => [n.State, n.FailureCode],
      );
    expect(await states([second, third, fourth])).toEqual([
      ['failed', 'Resource.AlreadyAssociated'],
      ['failed', 'InsufficientFreeAddressesInSubnet'],
      ['available', undefined],
    ]);
  });

  it('checks the subnet and allocation; ClientToken makes a retry return the same gateway', async () => {
    const { ec2, subnetId, allocationId } = publicAccount();
    await expectAwsError(
      ec2('CreateNatGateway', { SubnetId: 'subnet-0123456789abcdef0', AllocationId: allocationId }),
      'InvalidSubnetID.NotFound',
    );
    await expectAwsError(
      ec2('CreateNatGateway', { SubnetId: subnetId, AllocationId: 'eipalloc-0123456789abcdef0' }),
      'InvalidAllocationID.NotFound',
    );
    await expectAwsError(
      ec2('CreateNatGateway', {
        SubnetId: subnetId,
        AllocationId: allocationId,
        ClientToken: 'x'.repeat(65),
      }),
      'InvalidParameterValue',
    );
    const first = await ec2('CreateNatGateway', {
      SubnetId: subnetId,
      AllocationId: allocationId,
      ClientToken: 'setup-demo-nat',
    });
    const retry = await ec2('CreateNatGateway', {
      SubnetId: subnetId,
      AllocationId: allocationId,
      ClientToken: 'setup-demo-nat',
    });
    expect(retry.NatGateway.NatGatewayId).toBe(first.NatGateway.NatGatewayId);
    expect(retry.ClientToken).toBe('setup-demo-nat');
    await expectAwsError(
      ec2('CreateNatGateway', {
        SubnetId: subnetId,
        AllocationId: allocationId,
        ClientToken: 'setup-demo-nat',
        TagSpecifications: [{ ResourceType: 'natgateway', Tags: [{ Key: 'a', Value: 'b' }] }],
      }),
      'IdempotentParameterMismatch',
    );
    expect((await ec2('DescribeNatGateways')).NatGateways).toHaveLength(1);
    await expectAwsError(
      ec2('DeleteNatGateway', { NatGatewayId: 'nat-0123456789abcdef0' }),
      'NatGatewayNotFound',
    );
  });
});
