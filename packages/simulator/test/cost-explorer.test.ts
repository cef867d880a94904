import { describe, expect, it } from 'vitest';
import { AwsSimulator, VirtualClock } from '../src/index.js';
import { DAY, GIB, HOUR, natGatewayStack } from './billing-layout.js';
import { natLayout } from './nat-layout.js';
import { awsError, client, MINUTE, newSim } from './support.js';

type Metric = { Amount: string; Unit: string };
type Group = { Keys: string[]; Metrics: Record<string, Metric> };
type Result = {
  TimePeriod: { Start: string; End: string };
  Total: Record<string, Metric>;
  Groups: Group[];
  Estimated: boolean;
};

const cents = (amount: string): number => Math.round(Number(amount) * 100) / 100;

async function costs(sim: AwsSimulator, input: Record<string, unknown>): Promise<Result[]> {
  return (
    await client(sim, 'ce')('GetCostAndUsage', {
      Granularity: 'DAILY',
      Metrics: ['UnblendedCost', 'UsageQuantity'],
      ...input,
    })
  ).ResultsByTime as Result[];
}

/** One result's groups as { key: [USD to the cent, quantity, unit] }. */
const byKey = (result: Result | undefined): Record<string, [number, number, string]> =>
  Object.fromEntries(
    (result?.Groups ?? []).map((g) => [
      g.Keys.join(' '),
      [
        cents(g.Metrics.UnblendedCost?.Amount ?? ''),
        Math.round(Number(g.Metrics.UsageQuantity?.Amount) * 1000) / 1000,
        g.Metrics.UsageQuantity?.Unit ?? '',
      ],
    ]),
  );

/** The article's stack, 10 hours after it was made, with 5 GiB processed (2 out, 3 back). */
async function tenHours(region: string) {
  const stack = await natGatewayStack({ region });
  stack.clock.advance(MINUTE);
  stack.sim.sendTraffic({ subnetId: stack.privateSubnet, bytesOut: 2 * GIB, bytesBack: 3 * GIB });
  stack.clock.advance(10 * HOUR - MINUTE);
  return stack;
}

const BY_USAGE_TYPE = { GroupBy: [{ Type: 'DIMENSION', Key: 'USAGE_TYPE' }] };
const JANUARY_1 = { TimePeriod: { Start: '2026-01-01', End: '2026-01-02' } };

describe('Cost Explorer: the bill of what happened in the account', () => {
  it('a stack in Tokyo, 10 hours: NAT gateway hours, its Elastic IP in use and 5 GiB processed, to the cent, under APN1- usage types', async () => {
    const { sim } = await tenHours('ap-northeast-1');
    const [day] = await costs(sim, { ...JANUARY_1, ...BY_USAGE_TYPE });
    expect(byKey(day)).toEqual({
      'APN1-NatGateway-Bytes': [0.31, 5, 'GB'],
      'APN1-NatGateway-Hours': [0.62, 10, 'Hrs'],
      'APN1-PublicIPv4:InUseAddress': [0.05, 10, 'Hrs'],
    });
    expect(day?.Groups.find((g) => g.Keys[0] === 'APN1-NatGateway-Hours')?.Metrics.UnblendedCost).toEqual({
      Amount: '0.62',
      Unit: 'USD',
    });
    const [total] = await costs(sim, JANUARY_1);
    expect(total).toMatchObject({
      TimePeriod: { Start: '2026-01-01', End: '2026-01-02' },
      Total: { UnblendedCost: { Amount: '0.98', Unit: 'USD' }, UsageQuantity: { Amount: '25', Unit: 'N/A' } },
      Groups: [],
      Estimated: true,
    });
  });

  it('files NAT gateway hours and bytes under EC2 - Other and public IPv4 under Amazon Virtual Private Cloud (SERVICE)', async () => {
    const { sim } = await tenHours('ap-northeast-1');
    const [day] = await costs(sim, { ...JANUARY_1, GroupBy: [{ Type: 'DIMENSION', Key: 'SERVICE' }] });
    expect(byKey(day)).toEqual({
      'Amazon Virtual Private Cloud': [0.05, 10, 'Hrs'],
      'EC2 - Other': [0.93, 15, 'N/A'],
    });
  });

  it.each([
    ['us-east-1', ''],
    ['us-east-2', 'USE2-'],
    ['us-west-1', 'USW1-'],
    ['us-west-2', 'USW2-'],
    ['ca-central-1', 'CAN1-'],
    ['eu-west-1', 'EU-'],
    ['eu-west-2', 'EUW2-'],
    ['eu-west-3', 'EUW3-'],
    ['eu-central-1', 'EUC1-'],
    ['eu-north-1', 'EUN1-'],
    ['ap-northeast-1', 'APN1-'],
    ['ap-northeast-2', 'APN2-'],
    ['ap-northeast-3', 'APN3-'],
    ['ap-southeast-1', 'APS1-'],
    ['ap-southeast-2', 'APS2-'],
    ['ap-south-1', 'APS3-'],
    ['sa-east-1', 'SAE1-'],
  ])('usage types in %s carry the prefix %j', async (region, prefix) => {
    const { sim, clock } = newSim({ region });
    sim.addAddress();
    await client(sim, 'ec2')('DescribeAddresses', {});
    // The bill is kept, not changed by the call: a read stays a read.
    expect(sim.calls.at(-1)?.mutated).toBe(false);
    clock.advance(2 * HOUR);
    const [day] = await costs(sim, { ...JANUARY_1, ...BY_USAGE_TYPE });
    expect(day?.Groups.map((g) => g.Keys[0])).toEqual([`${prefix}PublicIPv4:IdleAddress`]);
    expect(byKey(day)[`${prefix}PublicIPv4:IdleAddress`]).toEqual([0.01, 2, 'Hrs']);
  });

  it('the same stack in us-east-1: usage types without a prefix, at its prices', async () => {
    const { sim } = await tenHours('us-east-1');
    const [day] = await costs(sim, { ...JANUARY_1, ...BY_USAGE_TYPE });
    expect(byKey(day)).toEqual({
      'NatGateway-Bytes': [0.23, 5, 'GB'],
      'NatGateway-Hours': [0.45, 10, 'Hrs'],
      'PublicIPv4:InUseAddress': [0.05, 10, 'Hrs'],
    });
    expect(day?.Groups.find((g) => g.Keys[0] === 'NatGateway-Bytes')?.Metrics.UnblendedCost?.Amount).toBe(
      '0.225',
    );
  });

  it('a usage type in the wrong form (NatGateway-Hours in Tokyo) matches nothing, without an error; the right one matches', async () => {
    const { sim } = await tenHours('ap-northeast-1');
    const filtered = (usageTypes: string[]) =>
      costs(sim, {
        ...JANUARY_1,
        Filter: {
          And: [
            { Dimensions: { Key: 'REGION', Values: ['ap-northeast-1'] } },
            { Dimensions: { Key: 'USAGE_TYPE', Values: usageTypes } },
          ],
        },
      });
    const [wrong] = await filtered(['NatGateway-Hours', 'USE1-NatGateway-Hours']);
    expect(wrong?.Total.UnblendedCost).toEqual({ Amount: '0', Unit: 'USD' });
    const [right] = await filtered(['APN1-NatGateway-Hours']);
    expect(right?.Total.UnblendedCost?.Amount).toBe('0.62');
    const [grouped] = await costs(sim, {
      ...JANUARY_1,
      ...BY_USAGE_TYPE,
      Filter: { Dimensions: { Key: 'USAGE_TYPE', Values: ['NatGateway-Hours'] } },
    });
    expect(grouped?.Groups).toEqual([]);
    // Not: everything else.
    const [others] = await costs(sim, {
      ...JANUARY_1,
      Filter: { Not: { Dimensions: { Key: 'USAGE_TYPE', Values: ['APN1-NatGateway-Hours'] } } },
    });
    expect(cents(others?.Total.UnblendedCost?.Amount ?? '')).toBe(0.36);
  });

  it('grouping by the fixed-ip:stack tag splits only after the key is activated, and only the usage from then on', async () => {
    const { sim, clock } = await tenHours('ap-northeast-1');
    const byStack = { GroupBy: [{ Type: 'TAG', Key: 'fixed-ip:stack' }] };
    expect(byKey((await costs(sim, { ...JANUARY_1, ...byStack }))[0])).toEqual({
      'fixed-ip:stack$': [0.98, 25, 'N/A'],
    });
    // A filter on a key that is not active matches nothing.
    const tagFilter = { Filter: { Tags: { Key: 'fixed-ip:stack', Values: ['prod'] } } };
    expect((await costs(sim, { ...JANUARY_1, ...tagFilter }))[0]?.Total.UnblendedCost?.Amount).toBe('0');

    sim.activateCostAllocationTag('fixed-ip:stack');
    clock.advance(10 * HOUR);
    const [day] = await costs(sim, {
      ...JANUARY_1,
      GroupBy: [...byStack.GroupBy, { Type: 'DIMENSION', Key: 'USAGE_TYPE' }],
    });
    expect(byKey(day)).toEqual({
      'fixed-ip:stack$ APN1-NatGateway-Bytes': [0.31, 5, 'GB'],
      'fixed-ip:stack$ APN1-NatGateway-Hours': [0.62, 10, 'Hrs'],
      'fixed-ip:stack$ APN1-PublicIPv4:InUseAddress': [0.05, 10, 'Hrs'],
      'fixed-ip:stack$prod APN1-NatGateway-Hours': [0.62, 10, 'Hrs'],
      'fixed-ip:stack$prod APN1-PublicIPv4:InUseAddress': [0.05, 10, 'Hrs'],
    });
    expect((await costs(sim, { ...JANUARY_1, ...tagFilter }))[0]?.Total.UnblendedCost?.Amount).toBe('0.67');
    const absent = { Filter: { Tags: { Key: 'fixed-ip:stack', MatchOptions: ['ABSENT'] } } };
    expect((await costs(sim, { ...JANUARY_1, ...absent }))[0]?.Total.UnblendedCost?.Amount).toBe('0.98');
  });

  it('daily and monthly results over the period (End exclusive, the last one cut at End); the current month is an estimate', async () => {
    const { sim, clock } = await natGatewayStack();
    clock.advance(40 * DAY); // 2026-02-10
    const daily = await costs(sim, { TimePeriod: { Start: '2026-01-30', End: '2026-02-02' } });
    expect(daily.map((r) => [r.TimePeriod.Start, r.TimePeriod.End, r.Estimated])).toEqual([
      ['2026-01-30', '2026-01-31', false],
      ['2026-01-31', '2026-02-01', false],
      ['2026-02-01', '2026-02-02', true],
    ]);
    const monthly = await costs(sim, {
      Granularity: 'MONTHLY',
      TimePeriod: { Start: '2026-01-15', End: '2026-02-11' },
      ...BY_USAGE_TYPE,
    });
    expect(monthly.map((r) => [r.TimePeriod, r.Estimated])).toEqual([
      [{ Start: '2026-01-15', End: '2026-02-01' }, false],
      [{ Start: '2026-02-01', End: '2026-02-11' }, true],
    ]);
    expect(byKey(monthly[0])['APN1-NatGateway-Hours']).toEqual([25.3, 17 * 24, 'Hrs']);
    // February up to now (the 10th, 00:00): nothing billed after now.
    expect(byKey(monthly[1])['APN1-NatGateway-Hours']?.[1]).toBe(9 * 24);
  });

  it('a NAT gateway bills each clock hour it existed in, until deleted; its Elastic IP is idle from then until released', async () => {
    const { sim, clock, ec2, natId, allocationId } = await natGatewayStack({
      timings: { natDeletingMs: 60_000 },
    });
    clock.advance(5 * HOUR);
    await ec2('DeleteNatGateway', { NatGatewayId: natId });
    clock.advance(2 * HOUR);
    await ec2('ReleaseAddress', { AllocationId: allocationId });
    clock.advance(5 * HOUR);
    const [day] = await costs(sim, { ...JANUARY_1, ...BY_USAGE_TYPE });
    // 5 hours and the started sixth (deleted at 05:01).
    expect(byKey(day)['APN1-NatGateway-Hours']).toEqual([0.37, 6, 'Hrs']);
    expect(byKey(day)['APN1-PublicIPv4:InUseAddress']?.[1]).toBe(5.017);
    expect(byKey(day)['APN1-PublicIPv4:IdleAddress']?.[1]).toBe(1.983);
  });

  it('a NAT instance: BoxUsage by the second while running, its 8 GiB gp3 root volume in GB-Mo, its public IPv4 addresses', async () => {
    const { sim, clock, ec2, launch } = await natLayout();
    const launchedAt = clock.now();
    const id = await launch();
    clock.advance(10 * HOUR);
    await ec2('TerminateInstances', { InstanceIds: [id] });
    clock.advance(HOUR);
    const start = new Date(launchedAt).toISOString().slice(0, 10);
    const [day] = await costs(sim, { TimePeriod: { Start: start, End: '2026-01-02' }, ...BY_USAGE_TYPE });
    const groups = byKey(day);
    // Running 30 s after launch, until terminated.
    expect(groups['APN1-BoxUsage:t4g.nano']?.[1]).toBe(9.992);
    expect(groups['APN1-BoxUsage:t4g.nano']?.[0]).toBe(0.05);
    // 8 GB for 10 hours of a 31-day month.
    expect(
      Number(
        day?.Groups.find((g) => g.Keys[0] === 'APN1-EBS:VolumeUsage.gp3')?.Metrics.UsageQuantity?.Amount,
      ),
    ).toBeCloseTo((8 * 10) / (31 * 24), 6);
    expect(groups['APN1-EBS:VolumeUsage.gp3']?.[2]).toBe('GB-Mo');
    // The instance's own public IPv4 (10 h), and the stack's Elastic IP on its interface, in use
    // since the layout made it (11 h and the 10 s before the launch).
    expect(groups['APN1-PublicIPv4:InUseAddress']?.[1]).toBe(21.003);
  });

  it('a regional NAT gateway bills RegionalNatGateway-Hours per zone it covers, and its bytes as RegionalNatGateway-Bytes', async () => {
    const { sim, clock } = newSim({ timings: { natPendingMs: 60_000 } });
    const ec2 = client(sim, 'ec2');
    const vpcId = sim.addVpc({ cidr: '10.0.0.0/16' });
    sim.addInternetGateway({ vpcId });
    const subnet = sim.addSubnet({ vpcId, cidr: '10.0.1.0/24', az: 'ap-northeast-1a' });
    const [a, c] = [sim.addAddress(), sim.addAddress()];
    const natId = (
      await ec2('CreateNatGateway', {
        AvailabilityMode: 'regional',
        VpcId: vpcId,
        AvailabilityZoneAddresses: [
          { AvailabilityZone: 'ap-northeast-1a', AllocationIds: [a.allocationId] },
          { AvailabilityZone: 'ap-northeast-1c', AllocationIds: [c.allocationId] },
        ],
      })
    ).NatGateway.NatGatewayId as string;
    const table = (await ec2('CreateRouteTable', { VpcId: vpcId })).RouteTable.RouteTableId as string;
    await ec2('AssociateRouteTable', { RouteTableId: table, SubnetId: subnet });
    await ec2('CreateRoute', { RouteTableId: table, DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: natId });
    clock.advance(5 * MINUTE);
    expect(sim.sendTraffic({ subnetId: subnet, bytesOut: GIB, bytesBack: GIB }).publicIp).toBe(a.publicIp);
    clock.advance(4 * HOUR - 5 * MINUTE);
    const groups = byKey((await costs(sim, { ...JANUARY_1, ...BY_USAGE_TYPE }))[0]);
    expect(groups['APN1-RegionalNatGateway-Hours']).toEqual([0.5, 8, 'Hrs']);
    expect(groups['APN1-RegionalNatGateway-Bytes']).toEqual([0.12, 2, 'GB']);
    expect(groups['APN1-NatGateway-Hours']).toBeUndefined();
  });

  it('keeps the bill with the account: a simulator loaded from its JSON answers the same', async () => {
    const { sim, clock } = await tenHours('ap-northeast-1');
    const loaded = AwsSimulator.fromJSON(JSON.parse(JSON.stringify(sim.toJSON())), {
      clock: new VirtualClock({ start: clock.now() }),
    });
    expect(await costs(loaded, { ...JANUARY_1, ...BY_USAGE_TYPE })).toEqual(
      await costs(sim, { ...JANUARY_1, ...BY_USAGE_TYPE }),
    );
  });

  it('reads never change the account, and the call is authorized as ce:GetCostAndUsage', async () => {
    const { sim } = await tenHours('ap-northeast-1');
    await costs(sim, JANUARY_1);
    expect(sim.calls.at(-1)).toMatchObject({ operation: 'GetCostAndUsage', mutated: false });
    sim.useCallerPolicy({
      Statement: [{ Effect: 'Allow', Action: 'ce:GetCostAndUsage', Resource: '*' }],
    });
    await expect(costs(sim, JANUARY_1)).resolves.toHaveLength(1);
    sim.useCallerPolicy({
      Statement: [{ Effect: 'Allow', Action: 'ec2:*', Resource: '*' }],
    });
    expect(await awsError(costs(sim, JANUARY_1))).toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining('ce:GetCostAndUsage'),
    });
  });
});

describe('GetCostAndUsage refuses what Cost Explorer refuses', () => {
  const refused = async (input: Record<string, unknown>, name = 'ValidationException') => {
    const { sim } = newSim();
    const error = await awsError(costs(sim, { ...JANUARY_1, ...input }));
    expect(error.name).toBe(name);
    return error.message;
  };

  it('Start not before End: ValidationException', async () => {
    expect(await refused({ TimePeriod: { Start: '2026-01-02', End: '2026-01-02' } })).toBe(
      'Start date (and hour) should be before end date (and hour)',
    );
    expect(await refused({ TimePeriod: { Start: '2026-01-03', End: '2026-01-02' } })).toMatch(
      /before end date/,
    );
  });

  it('a date not written YYYY-MM-DD, or not a day of the calendar: ValidationException', async () => {
    expect(await refused({ TimePeriod: { Start: '2026-1-1', End: '2026-01-02' } })).toMatch(/yyyy-MM-dd/);
    expect(await refused({ TimePeriod: { Start: '2026-02-30', End: '2026-03-02' } })).toMatch(/2026-02-30/);
  });

  it('HOURLY granularity is not enabled; a granularity that is none of DAILY, MONTHLY, HOURLY is refused', async () => {
    expect(await refused({ Granularity: 'HOURLY' })).toMatch(/Hourly granularity is not enabled/);
    expect(await refused({ Granularity: 'WEEKLY' })).toMatch(/WEEKLY/);
  });

  it('Metrics missing, or a name Cost Explorer does not know: ValidationException', async () => {
    expect(await refused({ Metrics: [] })).toMatch(/Metrics/);
    expect(await refused({ Metrics: ['UnblendedCosts'] })).toMatch(/UnblendedCosts/);
  });

  it('a filter Expression with more than one root, or an And / Or of fewer than 2: ValidationException', async () => {
    const region = { Dimensions: { Key: 'REGION', Values: ['ap-northeast-1'] } };
    expect(await refused({ Filter: { ...region, Tags: { Key: 'fixed-ip:stack', Values: ['x'] } } })).toMatch(
      /more than one root/,
    );
    expect(await refused({ Filter: { And: [region] } })).toMatch(/at least 2 operands/);
    expect(await refused({ Filter: { Or: [region] } })).toMatch(/at least 2 operands/);
    expect(await refused({ Filter: {} })).toMatch(/no root level operator/);
  });

  it('a dimension that is not one, or match options Dimensions do not take: ValidationException', async () => {
    expect(await refused({ Filter: { Dimensions: { Key: 'COLOUR', Values: ['blue'] } } })).toMatch(/COLOUR/);
    expect(
      await refused({
        Filter: { Dimensions: { Key: 'REGION', Values: ['x'], MatchOptions: ['STARTS_WITH'] } },
      }),
    ).toMatch(/STARTS_WITH/);
  });

  it('more than 2 GroupBy, or a GroupBy type that is not one: ValidationException', async () => {
    const group = { Type: 'DIMENSION', Key: 'USAGE_TYPE' };
    expect(await refused({ GroupBy: [group, group, group] })).toMatch(/at most 2/);
    expect(await refused({ GroupBy: [{ Type: 'LABEL', Key: 'x' }] })).toMatch(/LABEL/);
  });

  it('a page token it never gave: InvalidNextTokenException', async () => {
    expect(await refused({ NextPageToken: 'abc' }, 'InvalidNextTokenException')).toMatch(/token/);
  });
});
