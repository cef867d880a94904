import { describe, expect, it } from 'vitest';
import { client, expectAwsError, MINUTE, newSim } from './support.js';

/** A VPC with an internet gateway and private subnets in two zones, and three Elastic IPs. */
function regionalAccount() {
  const { sim, clock } = newSim();
  const vpcId = sim.addVpc({ cidr: '10.0.0.0/16' });
  const igwId = sim.addInternetGateway({ vpcId });
  const subnetA = sim.addSubnet({ vpcId, cidr: '10.0.1.0/24', az: 'ap-northeast-1a' });
  const subnetC = sim.addSubnet({ vpcId, cidr: '10.0.2.0/24', az: 'ap-northeast-1c' });
  const eips = [sim.addAddress(), sim.addAddress(), sim.addAddress()];
  return { sim, clock, vpcId, igwId, subnetA, subnetC, eips, ec2: client(sim, 'ec2') };
}

describe('regional NAT gateways', () => {
  it('manual mode: per-zone Elastic IPs, its own route table to the internet gateway, pending -> available -> deleted', async () => {
    const { clock, ec2, vpcId, igwId, eips } = regionalAccount();
    const [a, c] = eips;
    const created = await ec2('CreateNatGateway', {
      AvailabilityMode: 'regional',
      VpcId: vpcId,
      AvailabilityZoneAddresses: [
        { AvailabilityZone: 'ap-northeast-1a', AllocationIds: [a?.allocationId] },
        { AvailabilityZoneId: 'apne1-az1', AllocationIds: [c?.allocationId] },
      ],
      TagSpecifications: [{ ResourceType: 'natgateway', Tags: [{ Key: 'fixed-ip:stack', Value: 'demo' }] }],
    });
    const nat = created.NatGateway;
    expect(nat).toMatchObject({
      State: 'pending',
      VpcId: vpcId,
      AvailabilityMode: 'regional',
      AutoProvisionZones: 'disabled',
      AutoScalingIps: 'disabled',
      RouteTableId: expect.stringMatching(/^rtb-/),
    });
    expect(nat.SubnetId).toBeUndefined();
    expect(nat.NatGatewayAddresses.map((x: { Status: string }) => x.Status)).toEqual([
      'associating',
      'associating',
    ]);
    const table = (await ec2('DescribeRouteTables', { RouteTableIds: [nat.RouteTableId] })).RouteTables[0];
    expect(table.Routes).toContainEqual(
      expect.objectContaining({ DestinationCidrBlock: '0.0.0.0/0', GatewayId: igwId, State: 'active' }),
    );
    await expectAwsError(ec2('ReleaseAddress', { AllocationId: a?.allocationId }), 'InvalidIPAddress.InUse');

    clock.advance(90_000);
    const available = (await ec2('DescribeNatGateways', { NatGatewayIds: [nat.NatGatewayId] }))
      .NatGateways[0];
    expect(available.State).toBe('available');
    expect(available.NatGatewayAddresses).toEqual([
      {
        AllocationId: a?.allocationId,
        PublicIp: a?.publicIp,
        AssociationId: expect.stringMatching(/^eipassoc-/),
        IsPrimary: true,
        Status: 'succeeded',
        AvailabilityZone: 'ap-northeast-1a',
        AvailabilityZoneId: 'apne1-az4',
      },
      expect.objectContaining({
        AllocationId: c?.allocationId,
        IsPrimary: false,
        AvailabilityZone: 'ap-northeast-1c',
        AvailabilityZoneId: 'apne1-az1',
      }),
    ]);
    const address = (await ec2('DescribeAddresses', { AllocationIds: [a?.allocationId] })).Addresses[0];
    expect(address.AssociationId).toBe(available.NatGatewayAddresses[0].AssociationId);
    expect(
      (await ec2('DescribeNatGateways', { Filter: [{ Name: 'availability-mode', Values: ['regional'] }] }))
        .NatGateways,
    ).toHaveLength(1);

    await ec2('DeleteNatGateway', { NatGatewayId: nat.NatGatewayId });
    await expectAwsError(ec2('ReleaseAddress', { AllocationId: a?.allocationId }), 'InvalidIPAddress.InUse');
    clock.advance(MINUTE);
    const deleted = (await ec2('DescribeNatGateways', { NatGatewayIds: [nat.NatGatewayId] })).NatGateways[0];
    expect(deleted.State).toBe('deleted');
    await ec2('ReleaseAddress', { AllocationId: a?.allocationId });
    await expectAwsError(
      ec2('DescribeRouteTables', { RouteTableIds: [nat.RouteTableId] }),
      'InvalidRouteTableID.NotFound',
    );
  });

  it('automatic mode: AWS picks an address in each zone with a subnet, and says so', async () => {
    const { clock, ec2, vpcId } = regionalAccount();
    const nat = (await ec2('CreateNatGateway', { AvailabilityMode: 'regional', VpcId: vpcId })).NatGateway;
    expect(nat).toMatchObject({ AutoProvisionZones: 'enabled', AutoScalingIps: 'enabled' });
    clock.advance(90_000);
    const shown = (await ec2('DescribeNatGateways', { NatGatewayIds: [nat.NatGatewayId] })).NatGateways[0];
    expect(shown.NatGatewayAddresses.map((x: { AvailabilityZone: string }) => x.AvailabilityZone)).toEqual([
      'ap-northeast-1a',
      'ap-northeast-1c',
    ]);
    expect(shown.NatGatewayAddresses[0].AllocationId).toBeUndefined();
    // Its addresses are AWS's, not Elastic IPs of the account.
    expect(
      (await ec2('DescribeAddresses')).Addresses.every((x: { AssociationId?: string }) => !x.AssociationId),
    ).toBe(true);
  });

  it('refuses a subnet id, no VPC, private connectivity, a VPC without an internet gateway, a taken EIP and more than 32 IPs a zone', async () => {
    const { sim, ec2, vpcId, subnetA, eips } = regionalAccount();
    const zoneA = (ids: string[]) => [{ AvailabilityZone: 'ap-northeast-1a', AllocationIds: ids }];
    await expectAwsError(
      ec2('CreateNatGateway', { AvailabilityMode: 'regional', VpcId: vpcId, SubnetId: subnetA }),
      'InvalidParameterCombination',
    );
    await expectAwsError(ec2('CreateNatGateway', { AvailabilityMode: 'regional' }), 'MissingParameter');
    await expectAwsError(
      ec2('CreateNatGateway', { AvailabilityMode: 'regional', VpcId: vpcId, ConnectivityType: 'private' }),
      'InvalidParameterValue',
      /public/,
    );
    const bareVpc = sim.addVpc({ cidr: '10.1.0.0/16' });
    await expectAwsError(
      ec2('CreateNatGateway', { AvailabilityMode: 'regional', VpcId: bareVpc }),
      'Gateway.NotAttached',
      `Network ${bareVpc} has no Internet gateway attached`,
    );
    await expectAwsError(
      ec2('CreateNatGateway', {
        AvailabilityMode: 'regional',
        VpcId: vpcId,
        AvailabilityZoneAddresses: zoneA(Array.from({ length: 33 }, () => eips[0]?.allocationId ?? '')),
      }),
      'InvalidParameterValue',
      /at most 32/,
    );
    await expectAwsError(
      ec2('CreateNatGateway', {
        AvailabilityMode: 'regional',
        VpcId: vpcId,
        AvailabilityZoneAddresses: zoneA(['eipalloc-00000000000000000']),
      }),
      'InvalidAllocationID.NotFound',
    );
    await expectAwsError(
      ec2('CreateNatGateway', {
        SubnetId: subnetA,
        AllocationId: eips[0]?.allocationId,
        SecondaryAllocationIds: Array.from({ length: 8 }, (_, i) => `eipalloc-${i}`),
      }),
      'InvalidParameterValue',
      /at most 8/,
    );
    const eip = eips[0]?.allocationId ?? '';
    await ec2('CreateNatGateway', {
      AvailabilityMode: 'regional',
      VpcId: vpcId,
      AvailabilityZoneAddresses: zoneA([eip]),
    });
    await expectAwsError(
      ec2('CreateNatGateway', {
        AvailabilityMode: 'regional',
        VpcId: vpcId,
        AvailabilityZoneAddresses: zoneA([eip]),
      }),
      'Resource.AlreadyAssociated',
    );
    // Nothing was made by the refused calls: one gateway, one extra route table.
    expect((await ec2('DescribeNatGateways')).NatGateways).toHaveLength(1);
    expect(
      (await ec2('DescribeRouteTables', { Filters: [{ Name: 'vpc-id', Values: [vpcId] }] })).RouteTables,
    ).toHaveLength(2);
  });

  it('takes routes 0.0.0.0/0 -> nat- from a subnet in any zone of the VPC', async () => {
    const { clock, ec2, vpcId, subnetA, subnetC, eips } = regionalAccount();
    const nat = (
      await ec2('CreateNatGateway', {
        AvailabilityMode: 'regional',
        VpcId: vpcId,
        AvailabilityZoneAddresses: [
          { AvailabilityZone: 'ap-northeast-1a', AllocationIds: [eips[0]?.allocationId] },
        ],
      })
    ).NatGateway;
    clock.advance(90_000);
    for (const subnetId of [subnetA, subnetC]) {
      const table = (await ec2('CreateRouteTable', { VpcId: vpcId })).RouteTable;
      await ec2('AssociateRouteTable', { RouteTableId: table.RouteTableId, SubnetId: subnetId });
      await ec2('CreateRoute', {
        RouteTableId: table.RouteTableId,
        DestinationCidrBlock: '0.0.0.0/0',
        NatGatewayId: nat.NatGatewayId,
      });
      const routes = (await ec2('DescribeRouteTables', { RouteTableIds: [table.RouteTableId] }))
        .RouteTables[0].Routes;
      expect(routes).toContainEqual(
        expect.objectContaining({ NatGatewayId: nat.NatGatewayId, State: 'active' }),
      );
    }
  });

  it('AssociateNatGatewayAddress adds an EIP in a zone; DisassociateNatGatewayAddress drains it, then frees it', async () => {
    const { clock, ec2, vpcId, eips } = regionalAccount();
    const [a, b] = eips;
    const nat = (
      await ec2('CreateNatGateway', {
        AvailabilityMode: 'regional',
        VpcId: vpcId,
        AvailabilityZoneAddresses: [
          { AvailabilityZone: 'ap-northeast-1a', AllocationIds: [a?.allocationId] },
        ],
      })
    ).NatGateway;
    const natId = nat.NatGatewayId;
    await expectAwsError(
      ec2('AssociateNatGatewayAddress', {
        NatGatewayId: natId,
        AllocationIds: [b?.allocationId],
        AvailabilityZone: 'ap-northeast-1c',
      }),
      'InvalidParameterValue',
      /pending/,
    );
    clock.advance(90_000);
    const associated = await ec2('AssociateNatGatewayAddress', {
      NatGatewayId: natId,
      AllocationIds: [b?.allocationId],
      AvailabilityZone: 'ap-northeast-1c',
    });
    expect(associated.NatGatewayAddresses).toEqual([
      expect.objectContaining({
        AllocationId: b?.allocationId,
        Status: 'associating',
        AvailabilityZone: 'ap-northeast-1c',
      }),
    ]);
    clock.advance(90_000);
    const addresses = async () =>
      (await ec2('DescribeNatGateways', { NatGatewayIds: [natId] })).NatGateways[0].NatGatewayAddresses;
    const added = (await addresses()).find(
      (x: { AllocationId?: string }) => x.AllocationId === b?.allocationId,
    );
    expect(added.Status).toBe('succeeded');

    await expectAwsError(
      ec2('DisassociateNatGatewayAddress', {
        NatGatewayId: natId,
        AssociationIds: ['eipassoc-00000000000000000'],
      }),
      'InvalidAssociationID.NotFound',
    );
    await expectAwsError(
      ec2('DisassociateNatGatewayAddress', {
        NatGatewayId: natId,
        AssociationIds: [added.AssociationId],
        MaxDrainDurationSeconds: 0,
      }),
      'InvalidParameterValue',
    );
    await ec2('DisassociateNatGatewayAddress', {
      NatGatewayId: natId,
      AssociationIds: [added.AssociationId],
      MaxDrainDurationSeconds: 120,
    });
    expect((await addresses()).map((x: { Status: string }) => x.Status)).toEqual([
      'succeeded',
      'disassociating',
    ]);
    await expectAwsError(ec2('ReleaseAddress', { AllocationId: b?.allocationId }), 'InvalidIPAddress.InUse');
    clock.advance(120_000);
    expect(await addresses()).toHaveLength(1);
    await ec2('ReleaseAddress', { AllocationId: b?.allocationId });
  });
});

describe('zonal NAT gateways in one VPC', () => {
  it('several gateways in one zone are fine; an EIP goes on one gateway only', async () => {
    const { clock, ec2, subnetA, eips } = regionalAccount();
    const make = async (allocationId: string | undefined) =>
      (await ec2('CreateNatGateway', { SubnetId: subnetA, AllocationId: allocationId })).NatGateway
        .NatGatewayId;
    const first = await make(eips[0]?.allocationId);
    const second = await make(eips[1]?.allocationId);
    const third = await make(eips[0]?.allocationId);
    clock.advance(90_000);
    const states = (
      await ec2('DescribeNatGateways', { NatGatewayIds: [first, second, third] })
    ).NatGateways.map((n: { State: string; FailureCode?: string; AvailabilityMode: string }) => [
      n.State,
      n.FailureCode,
      n.AvailabilityMode,
    ]);
    expect(states).toEqual([
      ['available', undefined, 'zonal'],
      ['available', undefined, 'zonal'],
      ['failed', 'Resource.AlreadyAssociated', 'zonal'],
    ]);
  });

  it('while an address drains, AWS takes no other association or disassociation (OperationInProgress)', async () => {
    const { clock, ec2, vpcId, eips } = regionalAccount();
    const [first, second, third] = eips as [(typeof eips)[0], (typeof eips)[0], (typeof eips)[0]];
    const nat = (
      await ec2('CreateNatGateway', {
        AvailabilityMode: 'regional',
        VpcId: vpcId,
        AvailabilityZoneAddresses: [
          { AvailabilityZone: 'ap-northeast-1a', AllocationIds: [first.allocationId] },
          { AvailabilityZone: 'ap-northeast-1c', AllocationIds: [second.allocationId] },
        ],
      })
    ).NatGateway;
    clock.advance(5 * MINUTE);
    const addresses = async () =>
      (await ec2('DescribeNatGateways', { NatGatewayIds: [nat.NatGatewayId] })).NatGateways[0]
        .NatGatewayAddresses as Array<{ AllocationId: string; AssociationId: string }>;
    const secondAssociation = (await addresses()).find((a) => a.AllocationId === second.allocationId);
    await ec2('DisassociateNatGatewayAddress', {
      NatGatewayId: nat.NatGatewayId,
      AssociationIds: [secondAssociation?.AssociationId],
    });
    await expectAwsError(
      ec2('AssociateNatGatewayAddress', {
        NatGatewayId: nat.NatGatewayId,
        AllocationIds: [third.allocationId],
        AvailabilityZone: 'ap-northeast-1c',
      }),
      'OperationInProgress',
      `Service is currently DISASSOCIATING the following EIPs: [${second.allocationId}]`,
    );
    // The default drain is 350 seconds; after it the gateway takes changes again.
    clock.advance(6 * MINUTE);
    await ec2('AssociateNatGatewayAddress', {
      NatGatewayId: nat.NatGatewayId,
      AllocationIds: [third.allocationId],
      AvailabilityZone: 'ap-northeast-1c',
    });
  });
});
