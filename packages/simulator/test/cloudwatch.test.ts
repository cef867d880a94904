import { describe, expect, it } from 'vitest';
import { AwsSimulator, VirtualClock } from '../src/index.js';
import { DAY, GIB, HOUR, natGatewayStack } from './billing-layout.js';
import { natLayout } from './nat-layout.js';
import { awsError, client, MINUTE } from './support.js';

type Sim = AwsSimulator;

/** One query on a NAT gateway's metric, as fixed-ip asks for it. */
const natQuery = (natId: string, metricName: string, extra: Record<string, unknown> = {}) => ({
  Id: metricName.charAt(0).toLowerCase() + metricName.slice(1),
  MetricStat: {
    Metric: {
      Namespace: 'AWS/NATGateway',
      MetricName: metricName,
      Dimensions: [{ Name: 'NatGatewayId', Value: natId }],
    },
    Period: 86_400,
    Stat: 'Sum',
  },
  ...extra,
});

async function sums(sim: Sim, natId: string, start: number, end: number): Promise<Record<string, number>> {
  const out = await client(sim, 'cloudwatch')('GetMetricData', {
    MetricDataQueries: [
      'BytesInFromSource',
      'BytesOutToDestination',
      'BytesInFromDestination',
      'BytesOutToSource',
    ].map((name) => natQuery(natId, name)),
    StartTime: new Date(start),
    EndTime: new Date(end),
  });
  return Object.fromEntries(
    (out.MetricDataResults as Array<{ Label: string; Values: number[] }>).map((r) => [
      r.Label,
      r.Values.reduce((a, b) => a + b, 0),
    ]),
  );
}

/** The error's SDK name and AWS's code (CloudWatch's JSON errors keep the query code). */
async function refusal(promise: Promise<unknown>): Promise<{ name: string; code: string; message: string }> {
  const error = await awsError(promise);
  return { name: error.name, code: (error as { Code?: string }).Code ?? '', message: error.message };
}

describe('CloudWatch: the NATs’ traffic on their metrics', () => {
  it('traffic from a private subnet shows on its NAT gateway: out on BytesInFromSource and BytesOutToDestination, back on BytesInFromDestination and BytesOutToSource', async () => {
    const { sim, clock, natId, privateSubnet } = await natGatewayStack();
    clock.advance(MINUTE);
    const start = clock.now();
    expect(sim.sendTraffic({ subnetId: privateSubnet, bytesOut: 2 * GIB, bytesBack: 3 * GIB })).toMatchObject(
      {
        via: natId,
      },
    );
    clock.advance(HOUR);
    expect(await sums(sim, natId, start, clock.now())).toEqual({
      BytesInFromSource: 2 * GIB,
      BytesOutToDestination: 2 * GIB,
      BytesInFromDestination: 3 * GIB,
      BytesOutToSource: 3 * GIB,
    });
  });

  it('traffic that goes nowhere records nothing: a NAT gateway still pending, a subnet with no route to the internet', async () => {
    const { sim, clock, natId, privateSubnet, publicSubnet } = await natGatewayStack();
    const start = clock.now();
    expect(sim.sendTraffic({ subnetId: privateSubnet, bytesOut: GIB, bytesBack: GIB })).toEqual({
      publicIp: null,
      reason: `NAT gateway ${natId} is not available`,
    });
    clock.advance(MINUTE);
    // The public subnet routes to the internet gateway: nothing passes a NAT.
    expect(sim.sendTraffic({ subnetId: publicSubnet, bytesOut: GIB, bytesBack: GIB }).publicIp).toBeNull();
    expect(await sums(sim, natId, start, clock.now() + HOUR)).toEqual({
      BytesInFromSource: 0,
      BytesOutToDestination: 0,
      BytesInFromDestination: 0,
      BytesOutToSource: 0,
    });
  });

  it('a NAT instance receives and re-sends every byte: NetworkIn and NetworkOut each carry out + back', async () => {
    const { sim, clock, ec2, launch, eniId, privateSubnet } = await natLayout();
    const id = await launch();
    clock.advance(75_000);
    await ec2('AttachNetworkInterface', { InstanceId: id, NetworkInterfaceId: eniId, DeviceIndex: 1 });
    clock.advance(5_000);
    const start = clock.now();
    expect(
      sim.sendTraffic({ subnetId: privateSubnet, bytesOut: 2 * GIB, bytesBack: 3 * GIB }).publicIp,
    ).not.toBeNull();
    clock.advance(HOUR);
    const out = await client(sim, 'cloudwatch')('GetMetricData', {
      MetricDataQueries: ['NetworkIn', 'NetworkOut'].map((name) => ({
        Id: name.toLowerCase(),
        MetricStat: {
          Metric: { Namespace: 'AWS/EC2', MetricName: name, Dimensions: [{ Name: 'InstanceId', Value: id }] },
          Period: 3600,
          Stat: 'Sum',
        },
      })),
      StartTime: new Date(start),
      EndTime: new Date(clock.now()),
    });
    expect(out.MetricDataResults.map((r: { Values: number[] }) => r.Values)).toEqual([[5 * GIB], [5 * GIB]]);
  });

  it('an Invoke of a function in the private subnet passes the NAT gateway: its probe’s bytes show on the metrics', async () => {
    const { sim, clock, natId, privateSubnet, vpcId } = await natGatewayStack();
    const group = sim.addSecurityGroup({ vpcId, name: 'fn' });
    sim.addFunction({ name: 'probe', vpc: { subnetIds: [privateSubnet], securityGroupIds: [group] } });
    clock.advance(MINUTE);
    const start = clock.now();
    const invoked = await client(sim, 'lambda')('Invoke', { FunctionName: 'probe' });
    expect(invoked.FunctionError).toBeUndefined();
    expect(sim.calls.at(-1)).toMatchObject({ operation: 'Invoke', mutated: true });
    expect(await sums(sim, natId, start, clock.now() + MINUTE)).toEqual({
      BytesInFromSource: 2_048,
      BytesOutToDestination: 2_048,
      BytesInFromDestination: 6_144,
      BytesOutToSource: 6_144,
    });
  });

  it('sums two days of seeded data per day with a daily period: newest first by default, oldest first when asked', async () => {
    const { sim, clock, natId } = await natGatewayStack();
    const start = clock.now();
    // 48 hourly data points: day one 1 MiB an hour, day two 2 MiB an hour.
    for (let hour = 0; hour < 48; hour++)
      sim.recordMetric({
        namespace: 'AWS/NATGateway',
        metricName: 'BytesInFromSource',
        dimensions: { NatGatewayId: natId },
        timestamp: new Date(start + hour * HOUR + 30 * MINUTE),
        value: (hour < 24 ? 1 : 2) * 2 ** 20,
        unit: 'Bytes',
      });
    clock.advance(2 * DAY);
    const cw = client(sim, 'cloudwatch');
    const ask = (extra: Record<string, unknown> = {}) =>
      cw('GetMetricData', {
        MetricDataQueries: [natQuery(natId, 'BytesInFromSource')],
        StartTime: new Date(start),
        EndTime: new Date(clock.now()),
        ...extra,
      });
    const [newestFirst] = (await ask()).MetricDataResults;
    expect(newestFirst).toEqual({
      Id: 'bytesInFromSource',
      Label: 'BytesInFromSource',
      Timestamps: [new Date(start + DAY), new Date(start)],
      Values: [48 * 2 ** 20, 24 * 2 ** 20],
      StatusCode: 'Complete',
      Messages: [],
    });
    const [oldestFirst] = (await ask({ ScanBy: 'TimestampAscending' })).MetricDataResults;
    expect(oldestFirst.Values).toEqual([24 * 2 ** 20, 48 * 2 ** 20]);
  });

  it('each statistic per bucket; buckets from StartTime (rounded down to its minute) every Period, empty ones left out, EndTime exclusive', async () => {
    const { sim, clock, natId } = await natGatewayStack();
    const t0 = clock.now();
    const seed = (offset: number, value: number) =>
      sim.recordMetric({
        namespace: 'AWS/NATGateway',
        metricName: 'BytesOutToSource',
        dimensions: { NatGatewayId: natId },
        timestamp: new Date(t0 + offset),
        value,
        unit: 'Bytes',
      });
    seed(10_000, 10); // minute 0
    seed(20_000, 30); // minute 0: one minute, two samples
    seed(5 * MINUTE, 50); // second bucket
    seed(20 * MINUTE, 70); // at EndTime: not counted
    clock.advance(HOUR);
    const stat = async (Stat: string) =>
      (
        await client(sim, 'cloudwatch')('GetMetricData', {
          MetricDataQueries: [
            natQuery(natId, 'BytesOutToSource', {
              MetricStat: {
                Metric: {
                  Namespace: 'AWS/NATGateway',
                  MetricName: 'BytesOutToSource',
                  Dimensions: [{ Name: 'NatGatewayId', Value: natId }],
                },
                Period: 300,
                Stat,
              },
            }),
          ],
          // 30 s into the first minute: rounded down to it.
          StartTime: new Date(t0 + 30_000),
          EndTime: new Date(t0 + 20 * MINUTE),
          ScanBy: 'TimestampAscending',
        })
      ).MetricDataResults[0];
    expect((await stat('Sum')).Timestamps).toEqual([new Date(t0), new Date(t0 + 5 * MINUTE)]);
    expect((await stat('Sum')).Values).toEqual([40, 50]);
    expect((await stat('SampleCount')).Values).toEqual([2, 1]);
    expect((await stat('Average')).Values).toEqual([20, 50]);
    expect((await stat('Minimum')).Values).toEqual([10, 50]);
    expect((await stat('Maximum')).Values).toEqual([30, 50]);
  });

  it('a metric is its exact dimensions and unit: fewer dimensions, another value or another unit find no data', async () => {
    const { sim, clock, natId, privateSubnet } = await natGatewayStack();
    clock.advance(MINUTE);
    const start = clock.now();
    sim.sendTraffic({ subnetId: privateSubnet, bytesOut: 100, bytesBack: 0 });
    clock.advance(MINUTE);
    const values = async (metric: Record<string, unknown>, unit?: string) =>
      (
        await client(sim, 'cloudwatch')('GetMetricData', {
          MetricDataQueries: [
            {
              Id: 'q',
              Label: 'mine',
              MetricStat: {
                Metric: { Namespace: 'AWS/NATGateway', MetricName: 'BytesInFromSource', ...metric },
                Period: 60,
                Stat: 'Sum',
                ...(unit ? { Unit: unit } : {}),
              },
            },
            { ...natQuery(natId, 'BytesInFromSource'), Id: 'hidden', ReturnData: false },
          ],
          StartTime: new Date(start),
          EndTime: new Date(clock.now()),
        })
      ).MetricDataResults as Array<{ Id: string; Label: string; Values: number[] }>;
    const exact = { Dimensions: [{ Name: 'NatGatewayId', Value: natId }] };
    // ReturnData false: the query is answered by nothing.
    expect(await values(exact)).toEqual([expect.objectContaining({ Id: 'q', Label: 'mine', Values: [100] })]);
    expect((await values(exact, 'Bytes'))[0]?.Values).toEqual([100]);
    expect((await values(exact, 'Count'))[0]?.Values).toEqual([]);
    expect((await values({}))[0]?.Values).toEqual([]);
    expect(
      (await values({ Dimensions: [{ Name: 'NatGatewayId', Value: 'nat-0000000000000000f' }] }))[0]?.Values,
    ).toEqual([]);
  });

  it('older data is coarser: a query starting 20 days ago with a one-minute period gets nothing, with five minutes it gets the data', async () => {
    const { sim, clock, natId } = await natGatewayStack();
    const start = clock.now();
    sim.recordMetric({
      namespace: 'AWS/NATGateway',
      metricName: 'BytesInFromSource',
      dimensions: { NatGatewayId: natId },
      timestamp: new Date(start + MINUTE),
      value: 7,
    });
    clock.advance(20 * DAY);
    const ask = async (Period: number) =>
      (
        await client(sim, 'cloudwatch')('GetMetricData', {
          MetricDataQueries: [
            {
              ...natQuery(natId, 'BytesInFromSource'),
              MetricStat: { ...natQuery(natId, 'BytesInFromSource').MetricStat, Period },
            },
          ],
          StartTime: new Date(start),
          EndTime: new Date(start + HOUR),
        })
      ).MetricDataResults[0].Values;
    expect(await ask(60)).toEqual([]);
    expect(await ask(300)).toEqual([7]);
  });

  it('keeps the metrics with the account: a simulator loaded from its JSON reads them', async () => {
    const { sim, clock, natId, privateSubnet } = await natGatewayStack();
    clock.advance(MINUTE);
    const start = clock.now();
    sim.sendTraffic({ subnetId: privateSubnet, bytesOut: 1_000, bytesBack: 3_000 });
    const loaded = AwsSimulator.fromJSON(JSON.parse(JSON.stringify(sim.toJSON())), {
      clock: new VirtualClock({ start: clock.now() + HOUR }),
    });
    expect(await sums(loaded, natId, start, start + HOUR)).toMatchObject({
      BytesInFromSource: 1_000,
      BytesInFromDestination: 3_000,
    });
  });

  it('is authorized as cloudwatch:GetMetricData on *', async () => {
    const { sim, clock, natId } = await natGatewayStack();
    const ask = () =>
      client(sim, 'cloudwatch')('GetMetricData', {
        MetricDataQueries: [natQuery(natId, 'BytesInFromSource')],
        StartTime: new Date(clock.now() - HOUR),
        EndTime: new Date(clock.now()),
      });
    sim.useCallerPolicy({
      Statement: [{ Effect: 'Allow', Action: 'ec2:Describe*', Resource: '*' }],
    });
    expect(await refusal(ask())).toMatchObject({
      code: 'AccessDenied',
      message: expect.stringContaining('cloudwatch:GetMetricData'),
    });
    sim.useCallerPolicy({
      Statement: [{ Effect: 'Allow', Action: 'cloudwatch:GetMetricData', Resource: '*' }],
    });
    await expect(ask()).resolves.toMatchObject({ MetricDataResults: [expect.anything()] });
    sim.useCallerPolicy(undefined);
    sim.inject({ kind: 'deny', action: 'cloudwatch:GetMetricData' });
    expect((await refusal(ask())).code).toBe('AccessDenied');
  });
});

describe('GetMetricData refuses what CloudWatch refuses', () => {
  const window = { StartTime: new Date(Date.UTC(2025, 11, 31)), EndTime: new Date(Date.UTC(2026, 0, 1)) };
  const metric = { Namespace: 'AWS/NATGateway', MetricName: 'BytesInFromSource', Dimensions: [] };
  const query = (extra: Record<string, unknown> = {}) => ({
    Id: 'q',
    MetricStat: { Metric: metric, Period: 60, Stat: 'Sum' },
    ...extra,
  });
  const call = async (input: Record<string, unknown>) => {
    const { sim } = await natGatewayStack();
    return refusal(client(sim, 'cloudwatch')('GetMetricData', { ...window, ...input }));
  };

  it('no queries: MissingParameter', async () => {
    expect(await call({ MetricDataQueries: [] })).toMatchObject({
      name: 'MissingRequiredParameterException',
      code: 'MissingParameter',
      message: 'The parameter MetricDataQueries is required.',
    });
  });

  it('more than 500 queries: ValidationError', async () => {
    const queries = Array.from({ length: 501 }, (_, i) => query({ Id: `q${i}` }));
    expect(await call({ MetricDataQueries: queries })).toMatchObject({
      name: 'ValidationException',
      code: 'ValidationError',
      message: expect.stringContaining('must not contain more than 500 items'),
    });
    const { sim } = await natGatewayStack();
    await expect(
      client(sim, 'cloudwatch')('GetMetricData', {
        ...window,
        MetricDataQueries: Array.from({ length: 500 }, (_, i) => query({ Id: `q${i}` })),
      }),
    ).resolves.toMatchObject({ MetricDataResults: expect.any(Array) });
  });

  it('an Id not matching ^[a-z][a-zA-Z0-9_]*$, every one named: ValidationError', async () => {
    const error = await call({ MetricDataQueries: [query({ Id: '5xx' }), query({ Id: 'Upper' })] });
    expect(error).toMatchObject({ name: 'ValidationException', code: 'ValidationError' });
    expect(error.message).toContain(
      'The value 5xx for parameter MetricDataQueries.member.1.Id is not matching the expected pattern ^[a-z][a-zA-Z0-9_]*$.',
    );
    expect(error.message).toContain('MetricDataQueries.member.2.Id');
  });

  it('two queries with one Id: ValidationError', async () => {
    expect(await call({ MetricDataQueries: [query(), query()] })).toMatchObject({
      code: 'ValidationError',
      message: 'The values for parameter id in MetricDataQueries are not unique.',
    });
  });

  it('neither MetricStat nor Expression, or both: ValidationError', async () => {
    expect(await call({ MetricDataQueries: [{ Id: 'q' }] })).toMatchObject({
      code: 'ValidationError',
      message: expect.stringContaining('The parameter MetricDataQueries.member.1.MetricStat is required.'),
    });
    expect(await call({ MetricDataQueries: [query({ Expression: 'q * 2' })] })).toMatchObject({
      code: 'ValidationError',
      message: expect.stringContaining('are mutually exclusive'),
    });
  });

  it('metric math is not modelled: an Expression is refused, saying so', async () => {
    expect(await call({ MetricDataQueries: [query(), { Id: 'e', Expression: 'q * 8' }] })).toMatchObject({
      name: 'InvalidParameterValueException',
      code: 'InvalidParameterValue',
      message: expect.stringContaining('the simulator does not model metric math'),
    });
  });

  it('a Period that is not 1, 5, 10, 30 or a multiple of 60, and a missing one: ValidationError', async () => {
    for (const Period of [90, 0, 45.5])
      expect(
        await call({ MetricDataQueries: [query({ MetricStat: { Metric: metric, Period, Stat: 'Sum' } })] }),
      ).toMatchObject({ code: 'ValidationError', message: expect.stringContaining('MetricStat.Period') });
    expect(
      await call({ MetricDataQueries: [query({ MetricStat: { Metric: metric, Stat: 'Sum' } })] }),
    ).toMatchObject({ message: expect.stringContaining('MetricStat.Period is required') });
  });

  it('a Stat other than Sum, Average, Minimum, Maximum, SampleCount: ValidationError', async () => {
    expect(
      await call({
        MetricDataQueries: [query({ MetricStat: { Metric: metric, Period: 60, Stat: 'Median' } })],
      }),
    ).toMatchObject({
      code: 'ValidationError',
      message: expect.stringContaining(
        'The value Median for parameter MetricDataQueries.member.1.MetricStat.Stat is not a valid statistic.',
      ),
    });
  });

  it('a metric without namespace or name: ValidationError', async () => {
    const error = await call({
      MetricDataQueries: [query({ MetricStat: { Metric: { MetricName: 'X' }, Period: 60, Stat: 'Sum' } })],
    });
    expect(error.message).toContain('MetricStat.Metric.Namespace is required');
  });

  it('StartTime equal to or after EndTime, or missing: refused', async () => {
    const at = new Date(Date.UTC(2025, 11, 31));
    expect(await call({ MetricDataQueries: [query()], StartTime: at, EndTime: at })).toMatchObject({
      code: 'ValidationError',
      message: 'The parameter StartTime must not equal parameter EndTime.',
    });
    expect(
      await call({ MetricDataQueries: [query()], StartTime: window.EndTime, EndTime: window.StartTime }),
    ).toMatchObject({ code: 'ValidationError', message: expect.stringContaining('must be less than') });
    expect(await call({ MetricDataQueries: [query()], StartTime: undefined })).toMatchObject({
      code: 'MissingParameter',
    });
  });

  it('a ScanBy that is not TimestampDescending or TimestampAscending: ValidationError', async () => {
    expect(await call({ MetricDataQueries: [query()], ScanBy: 'Newest' })).toMatchObject({
      code: 'ValidationError',
      message: expect.stringContaining("at 'scanBy'"),
    });
  });
});
