import { describe, expect, it } from 'vitest';
import { client, expectAwsError, MINUTE, newSim } from './support.js';

/** A public subnet in a VPC with an internet gateway, and an address from the Taipei Local Zone's group. */
function account() {
  const { sim, clock } = newSim();
  const vpcId = sim.addVpc({ cidr: '10.0.0.0/16' });
  sim.addInternetGateway({ vpcId });
  const subnetId = sim.addSubnet({ vpcId, cidr: '10.0.1.0/24', az: 'ap-northeast-1a' });
  return { sim, clock, vpcId, subnetId, ec2: client(sim, 'ec2') };
}

describe('network border groups', () => {
  it("AllocateAddress takes the region's group or a Local Zone's, refuses any other, and Describe shows and filters it", async () => {
    const { ec2 } = account();
    const home = await ec2('AllocateAddress', { Domain: 'vpc' });
    const local = await ec2('AllocateAddress', { Domain: 'vpc', NetworkBorderGroup: 'ap-northeast-1-tpe-1' });
    expect(home.NetworkBorderGroup).toBe('ap-northeast-1');
    expect(local.NetworkBorderGroup).toBe('ap-northeast-1-tpe-1');
    await expectAwsError(
      ec2('AllocateAddress', { Domain: 'vpc', NetworkBorderGroup: 'us-west-2-lax-1' }),
      'InvalidParameterValue',
    );
    const inTaipei = await ec2('DescribeAddresses', {
      Filters: [{ Name: 'network-border-group', Values: ['ap-northeast-1-tpe-1'] }],
    });
    expect(inTaipei.Addresses.map((a: { AllocationId: string }) => a.AllocationId)).toEqual([
      local.AllocationId,
    ]);
  });

  it('a zonal NAT gateway given an address of another group fails to launch, and frees the address', async () => {
    const { ec2, clock, subnetId } = account();
    const local = await ec2('AllocateAddress', { Domain: 'vpc', NetworkBorderGroup: 'ap-northeast-1-tpe-1' });
    const created = await ec2('CreateNatGateway', { SubnetId: subnetId, AllocationId: local.AllocationId });
    clock.advance(5 * MINUTE);
    const [nat] = (await ec2('DescribeNatGateways', { NatGatewayIds: [created.NatGateway.NatGatewayId] }))
      .NatGateways;
    expect(nat).toMatchObject({ State: 'failed', FailureCode: 'InvalidParameterValue' });
    expect(nat.FailureMessage).toContain('ap-northeast-1-tpe-1');
    await ec2('ReleaseAddress', { AllocationId: local.AllocationId });
  });

  it('a regional NAT gateway refuses an address of another group for a zone of the region', async () => {
    const { ec2, vpcId } = account();
    const home = await ec2('AllocateAddress', { Domain: 'vpc' });
    const local = await ec2('AllocateAddress', { Domain: 'vpc', NetworkBorderGroup: 'ap-northeast-1-tpe-1' });
    await expectAwsError(
      ec2('CreateNatGateway', {
        AvailabilityMode: 'regional',
        VpcId: vpcId,
        AvailabilityZoneAddresses: [
          { AvailabilityZone: 'ap-northeast-1a', AllocationIds: [home.AllocationId] },
          { AvailabilityZone: 'ap-northeast-1c', AllocationIds: [local.AllocationId] },
        ],
      }),
      'InvalidParameterValue',
    );
    expect((await ec2('DescribeNatGateways', {})).NatGateways).toEqual([]);
  });
});
