import {
  AccessDeniedException,
  GetAWSDefaultServiceQuotaCommand,
  GetServiceQuotaCommand,
  NoSuchResourceException,
  ServiceException,
  ServiceQuotasClient,
  TooManyRequestsException,
} from '@aws-sdk/client-service-quotas';
import { describe, expect, it } from 'vitest';
import { AwsSimulator, attachSimulatorWire, InvalidAccountError } from '../src/index.js';
import { awsError, client, expectAwsError, MINUTE, newSim } from './support.js';

const NAT_PER_ZONE = 'L-FE5A380F';
const EIPS_PER_NAT = 'L-5F53652F';
const EIPS = 'L-0263D0A3';
const QUOTA_NAME = /Elastic IP addresses per public NAT gateway/;

/** A VPC with an internet gateway and subnets in zones a and c. */
function account() {
  const { sim, clock } = newSim();
  const vpcId = sim.addVpc({ cidr: '10.0.0.0/16' });
  sim.addInternetGateway({ vpcId });
  const subnetA = sim.addSubnet({ vpcId, cidr: '10.0.1.0/24', az: 'ap-northeast-1a' });
  const subnetC = sim.addSubnet({ vpcId, cidr: '10.0.2.0/24', az: 'ap-northeast-1c' });
  return {
    sim,
    clock,
    vpcId,
    subnetA,
    subnetC,
    ec2: client(sim, 'ec2'),
    quotas: client(sim, 'servicequotas'),
  };
}

describe('Service Quotas: GetServiceQuota and GetAWSDefaultServiceQuota', () => {
  it('answer AWS’s defaults for the two NAT gateway quotas and the Elastic IP quota', async () => {
    const { quotas } = account();
    const applied = await quotas('GetServiceQuota', { ServiceCode: 'vpc', QuotaCode: NAT_PER_ZONE });
    expect(applied.Quota).toEqual({
      ServiceCode: 'vpc',
      ServiceName: 'Amazon Virtual Private Cloud (Amazon VPC)',
      QuotaArn: `arn:aws:servicequotas:ap-northeast-1:123456789012:vpc/${NAT_PER_ZONE}`,
      QuotaCode: NAT_PER_ZONE,
      QuotaName: 'NAT gateways per Availability Zone',
      Value: 5,
      Unit: 'None',
      Adjustable: true,
      GlobalQuota: false,
    });
    const perNat = await quotas('GetServiceQuota', { ServiceCode: 'vpc', QuotaCode: EIPS_PER_NAT });
    expect(perNat.Quota).toMatchObject({
      QuotaName: 'Elastic IP addresses per public NAT gateway',
      Value: 2,
      Adjustable: true,
    });
    const eips = await quotas('GetServiceQuota', { ServiceCode: 'ec2', QuotaCode: EIPS });
    expect(eips.Quota).toMatchObject({ QuotaName: 'EC2-VPC Elastic IPs', Value: 5 });
    const byDefault = await quotas('GetAWSDefaultServiceQuota', {
      ServiceCode: 'vpc',
      QuotaCode: EIPS_PER_NAT,
    });
    expect(byDefault.Quota).toMatchObject({
      QuotaArn: `arn:aws:servicequotas:ap-northeast-1::vpc/${EIPS_PER_NAT}`,
      Value: 2,
      GlobalQuota: false,
    });
  });

  it('setQuota raises the applied value, not the default; the reads change nothing', async () => {
    const { sim, quotas } = account();
    sim.setQuota('vpc', EIPS_PER_NAT, 8);
    sim.setQuota('vpc', NAT_PER_ZONE, 20);
    const input = { ServiceCode: 'vpc', QuotaCode: EIPS_PER_NAT };
    expect((await quotas('GetServiceQuota', input)).Quota.Value).toBe(8);
    expect((await quotas('GetAWSDefaultServiceQuota', input)).Quota.Value).toBe(2);
    expect(
      (await quotas('GetServiceQuota', { ServiceCode: 'vpc', QuotaCode: NAT_PER_ZONE })).Quota.Value,
    ).toBe(20);
    expect(sim.calls.every((call) => !call.mutated)).toBe(true);
  });

  it('setQuota refuses a quota it does not model, a value above AWS’s ceiling (8) or below the default', () => {
    const { sim } = account();
    expect(() => sim.setQuota('vpc', 'L-45FE3B85', 10)).toThrow(/does not model vpc\/L-45FE3B85/);
    expect(() => sim.setQuota('lambda', NAT_PER_ZONE, 10)).toThrow(RangeError);
    expect(() => sim.setQuota('vpc', EIPS_PER_NAT, 9)).toThrow(/at most 8/);
    expect(() => sim.setQuota('vpc', NAT_PER_ZONE, 4)).toThrow(/at least its default 5/);
    expect(() => sim.setQuota('vpc', NAT_PER_ZONE, 6.5)).toThrow(/whole number/);
    expect(sim.snapshot()).not.toHaveProperty('serviceQuotas');
  });

  it('an unknown service or quota code is NoSuchResourceException (the SDK’s class, 404)', async () => {
    const { quotas } = account();
    const unknownQuota = await awsError(
      quotas('GetServiceQuota', { ServiceCode: 'vpc', QuotaCode: 'L-00000000' }),
    );
    expect(unknownQuota).toBeInstanceOf(NoSuchResourceException);
    expect(unknownQuota.$metadata?.httpStatusCode).toBe(404);
    await expectAwsError(
      quotas('GetAWSDefaultServiceQuota', { ServiceCode: 'vpc', QuotaCode: 'L-00000000' }),
      'NoSuchResourceException',
      /quota does not exist/,
    );
    await expectAwsError(
      quotas('GetServiceQuota', { ServiceCode: 'VPC', QuotaCode: NAT_PER_ZONE }),
      'NoSuchResourceException',
      /service does not exist/,
    );
  });

  it('a caller without servicequotas:GetServiceQuota / GetAWSDefaultServiceQuota is denied (AccessDeniedException)', async () => {
    const { sim, quotas } = account();
    const input = { ServiceCode: 'vpc', QuotaCode: NAT_PER_ZONE };
    sim.useCallerPolicy({
      Statement: [{ Effect: 'Allow', Action: ['ec2:*', 'servicequotas:GetServiceQuota'], Resource: '*' }],
    });
    expect((await quotas('GetServiceQuota', input)).Quota.Value).toBe(5);
    const denied = await awsError(quotas('GetAWSDefaultServiceQuota', input));
    expect(denied).toBeInstanceOf(AccessDeniedException);
    expect(denied.message).toMatch(/not authorized to perform: servicequotas:GetAWSDefaultServiceQuota/);
    sim.useCallerPolicy({ Statement: [{ Effect: 'Allow', Action: 'ec2:*', Resource: '*' }] });
    await expectAwsError(
      quotas('GetServiceQuota', input),
      'AccessDeniedException',
      /servicequotas:GetServiceQuota/,
    );
  });

  it('on the wire: the SDK reads the quota and builds NoSuchResourceException from the answer', async () => {
    const { sim } = account();
    sim.setQuota('vpc', NAT_PER_ZONE, 7);
    const sq = new ServiceQuotasClient({
      region: 'ap-northeast-1',
      credentials: { accessKeyId: 'SIM', secretAccessKey: 'SIM' },
      maxAttempts: 1,
    });
    attachSimulatorWire(sq, 'servicequotas', sim);
    const applied = await sq.send(
      new GetServiceQuotaCommand({ ServiceCode: 'vpc', QuotaCode: NAT_PER_ZONE }),
    );
    expect(applied.Quota).toMatchObject({ QuotaCode: NAT_PER_ZONE, Value: 7, Adjustable: true });
    const byDefault = await sq.send(
      new GetAWSDefaultServiceQuotaCommand({ ServiceCode: 'vpc', QuotaCode: NAT_PER_ZONE }),
    );
    expect(byDefault.Quota?.Value).toBe(5);
    const missing = await awsError(
      sq.send(new GetServiceQuotaCommand({ ServiceCode: 'vpc', QuotaCode: 'L-0' })),
    );
    expect(missing).toBeInstanceOf(NoSuchResourceException);
    // Throttling and server errors as the SDK's classes (what its retry policy decides on).
    const input = { ServiceCode: 'vpc', QuotaCode: NAT_PER_ZONE };
    sim.inject({ kind: 'reject', operation: 'GetServiceQuota', error: 'throttle' });
    const throttled = await awsError(sq.send(new GetServiceQuotaCommand(input)));
    expect(throttled).toBeInstanceOf(TooManyRequestsException);
    expect(throttled.$metadata?.httpStatusCode).toBe(429);
    sim.inject({ kind: 'reject', operation: 'GetServiceQuota', error: 'server' });
    expect(await awsError(sq.send(new GetServiceQuotaCommand(input)))).toBeInstanceOf(ServiceException);
  });

  it('the quotas raised are kept with the account (toJSON/fromJSON, snapshot); an older document has the defaults', async () => {
    const { sim, clock } = account();
    sim.setQuota('vpc', EIPS_PER_NAT, 4);
    const document = JSON.parse(JSON.stringify(sim.toJSON())) as { account: Record<string, unknown> };
    const loaded = AwsSimulator.fromJSON(document, { clock });
    const input = { ServiceCode: 'vpc', QuotaCode: EIPS_PER_NAT };
    expect((await client(loaded, 'servicequotas')('GetServiceQuota', input)).Quota.Value).toBe(4);
    expect(loaded.snapshot()).toMatchObject({ serviceQuotas: { [`vpc/${EIPS_PER_NAT}`]: 4 } });

    const older = structuredClone(document);
    delete older.account.serviceQuotas;
    const old = AwsSimulator.fromJSON(older, { clock });
    expect((await client(old, 'servicequotas')('GetServiceQuota', input)).Quota.Value).toBe(2);

    const broken = structuredClone(document);
    broken.account.serviceQuotas = { [`vpc/${EIPS_PER_NAT}`]: 'four' };
    expect(() => AwsSimulator.fromJSON(broken, { clock })).toThrow(InvalidAccountError);
  });
});

describe('EC2 enforces "EC2-VPC Elastic IPs" (ec2 L-0263D0A3)', () => {
  it('a sixth Elastic IP is refused at the default, allocated once the quota is 6', async () => {
    const { sim, ec2 } = account();
    for (let i = 0; i < 5; i += 1) await ec2('AllocateAddress', { Domain: 'vpc' });
    await expectAwsError(ec2('AllocateAddress', { Domain: 'vpc' }), 'AddressLimitExceeded');
    sim.setQuota('ec2', EIPS, 6);
    await ec2('AllocateAddress', { Domain: 'vpc' });
    const attributes = await ec2('DescribeAccountAttributes', { AttributeNames: ['vpc-max-elastic-ips'] });
    expect(attributes.AccountAttributes[0].AttributeValues).toEqual([{ AttributeValue: '6' }]);
  });
});

describe('EC2 enforces "NAT gateways per Availability Zone" (vpc L-FE5A380F)', () => {
  it('a sixth zonal gateway in a zone is NatGatewayLimitExceeded (failed and deleted ones not counted, deleting ones counted) until the quota is 6', async () => {
    const { sim, clock, ec2, subnetA, subnetC } = account();
    sim.setQuota('ec2', EIPS, 20);
    const otherVpc = sim.addVpc({ cidr: '10.1.0.0/16' });
    sim.addInternetGateway({ vpcId: otherVpc });
    const otherA = sim.addSubnet({ vpcId: otherVpc, cidr: '10.1.1.0/24', az: 'ap-northeast-1a' });
    const create = async (SubnetId: string) => {
      const { AllocationId } = await ec2('AllocateAddress', { Domain: 'vpc' });
      return ec2('CreateNatGateway', { SubnetId, AllocationId });
    };
    const natsNow = async () => (await ec2('DescribeNatGateways')).NatGateways.length;

    // One that fails and one deleted: gone from the count once failed / deleted.
    sim.inject({ kind: 'natFails', failureCode: 'InternalError' });
    await create(subnetA);
    const deleted = (await create(subnetA)).NatGateway.NatGatewayId;
    clock.advance(5 * MINUTE);
    await ec2('DeleteNatGateway', { NatGatewayId: deleted });
    clock.advance(5 * MINUTE);
    // Five in zone a, one of them in another VPC of the account.
    const live: string[] = [];
    for (const subnet of [subnetA, subnetA, subnetA, subnetA, otherA])
      live.push((await create(subnet)).NatGateway.NatGatewayId);
    const before = await natsNow();
    await expectAwsError(
      create(subnetA),
      'NatGatewayLimitExceeded',
      'The maximum number of NAT Gateways has been reached.',
    );
    expect(await natsNow()).toBe(before);
    // Another zone has its own quota.
    await create(subnetC);

    // Deleting still counts; deleted does not.
    clock.advance(5 * MINUTE);
    await ec2('DeleteNatGateway', { NatGatewayId: live[0] });
    await expectAwsError(create(subnetA), 'NatGatewayLimitExceeded');
    clock.advance(5 * MINUTE);
    await create(subnetA);
    await expectAwsError(create(otherA), 'NatGatewayLimitExceeded');

    sim.setQuota('vpc', NAT_PER_ZONE, 6);
    expect((await create(otherA)).NatGateway.State).toBe('pending');
  });
});

describe('EC2 enforces "Elastic IP addresses per public NAT gateway" (vpc L-5F53652F)', () => {
  it('zonal: a primary and two secondaries exceed the default 2 (the quota is checked before the simulator refuses secondaries)', async () => {
    const { sim, ec2, subnetA } = account();
    const [primary, second, third] = [sim.addAddress(), sim.addAddress(), sim.addAddress()];
    const create = (secondaries: string[]) =>
      ec2('CreateNatGateway', {
        SubnetId: subnetA,
        AllocationId: primary.allocationId,
        SecondaryAllocationIds: secondaries,
      });
    await expectAwsError(
      create([second.allocationId, third.allocationId]),
      'AddressLimitExceeded',
      QUOTA_NAME,
    );
    await expectAwsError(create([second.allocationId]), 'InvalidParameterValue', /models one Elastic IP/);
    sim.setQuota('vpc', EIPS_PER_NAT, 3);
    await expectAwsError(
      create([second.allocationId, third.allocationId]),
      'InvalidParameterValue',
      /models one Elastic IP/,
    );
    expect((await ec2('DescribeNatGateways')).NatGateways).toEqual([]);
  });

  it('regional: one address in each of three zones is accepted at the default 2 (the quota is per zone); three in one zone are not', async () => {
    const { sim, ec2, vpcId } = account();
    const eips = [sim.addAddress(), sim.addAddress(), sim.addAddress()].map((e) => e.allocationId);
    const zones = ['ap-northeast-1a', 'ap-northeast-1c', 'ap-northeast-1d'];
    await expectAwsError(
      ec2('CreateNatGateway', {
        AvailabilityMode: 'regional',
        VpcId: vpcId,
        AvailabilityZoneAddresses: [{ AvailabilityZone: zones[0], AllocationIds: eips }],
      }),
      'AddressLimitExceeded',
      QUOTA_NAME,
    );
    expect((await ec2('DescribeNatGateways')).NatGateways).toEqual([]);
    const nat = (
      await ec2('CreateNatGateway', {
        AvailabilityMode: 'regional',
        VpcId: vpcId,
        AvailabilityZoneAddresses: zones.map((AvailabilityZone, i) => ({
          AvailabilityZone,
          AllocationIds: [eips[i]],
        })),
      })
    ).NatGateway;
    expect(nat.NatGatewayAddresses).toHaveLength(3);
  });

  it('regional: a zone holding 2 addresses refuses a third via AssociateNatGatewayAddress until the quota is 3', async () => {
    const { sim, clock, ec2, vpcId } = account();
    const [first, second, third, other] = [
      sim.addAddress(),
      sim.addAddress(),
      sim.addAddress(),
      sim.addAddress(),
    ];
    const nat = (
      await ec2('CreateNatGateway', {
        AvailabilityMode: 'regional',
        VpcId: vpcId,
        AvailabilityZoneAddresses: [
          { AvailabilityZone: 'ap-northeast-1a', AllocationIds: [first.allocationId] },
        ],
      })
    ).NatGateway;
    clock.advance(5 * MINUTE);
    const associate = (allocationId: string, AvailabilityZone = 'ap-northeast-1a') =>
      ec2('AssociateNatGatewayAddress', {
        NatGatewayId: nat.NatGatewayId,
        AllocationIds: [allocationId],
        AvailabilityZone,
      });
    const added = await associate(second.allocationId);
    expect(added.NatGatewayAddresses[0].Status).toBe('associating');
    // One change at a time: while one address is associating, AWS takes no other.
    await expectAwsError(
      associate(other.allocationId, 'ap-northeast-1c'),
      'OperationInProgress',
      `Service is currently ASSOCIATING the following EIPs: [${second.allocationId}]`,
    );
    clock.advance(5 * MINUTE);
    await expectAwsError(associate(third.allocationId), 'AddressLimitExceeded', QUOTA_NAME);
    // Another zone of the same gateway has room.
    await associate(other.allocationId, 'ap-northeast-1c');
    clock.advance(5 * MINUTE);
    sim.setQuota('vpc', EIPS_PER_NAT, 3);
    await associate(third.allocationId);
    clock.advance(5 * MINUTE);
    const held = (await ec2('DescribeNatGateways', { NatGatewayIds: [nat.NatGatewayId] })).NatGateways[0]
      .NatGatewayAddresses;
    expect(
      held.filter((a: { AvailabilityZone: string }) => a.AvailabilityZone === 'ap-northeast-1a'),
    ).toHaveLength(3);
  });
});
