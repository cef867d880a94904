/**
 * The simulator checked by an AWS we did not write: each scenario is written once and run against
 * both, the simulator (through its SDK-shaped handler) and moto (through the real SDK). What moto
 * does not model as AWS does is asserted on the simulator alone, and listed in README.md here.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EC2_OPERATIONS } from '../../src/aws/operations.js';
import { createTestAccount } from '../support/env.js';
import { startAccount, type MotoAccount } from './harness.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- SDK-shaped outputs, read freely
type Send = (operation: keyof typeof EC2_OPERATIONS, input: object) => Promise<any>;
interface Backend {
  name: string;
  region: string;
  send: Send;
}

let moto: MotoAccount;
beforeAll(async () => {
  moto = await startAccount();
});
afterAll(async () => {
  await moto?.close();
});
beforeEach(async () => {
  await moto.reset();
});

/**
 * A scenario on a fresh simulated account. Its SDK mock intercepts every client of the class, the
 * moto client too, so it is restored before a moto scenario runs.
 */
async function onSimulator(scenario: (aws: Backend) => Promise<void>): Promise<void> {
  const account = createTestAccount();
  try {
    await scenario({
      name: 'simulator',
      region: account.sim.region,
      send: (op, input) => account.sim.handle('ec2', op, input),
    });
  } finally {
    account.restore();
  }
}

function motoBackend(): Backend {
  return {
    name: 'moto',
    region: 'us-east-1',
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any command of the table
    send: (op, input) => moto.ec2.send(new (EC2_OPERATIONS[op] as any)(input)),
  };
}

const errorName = (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'no error',
    (error: Error) => error.name,
  );

/** A VPC with two route tables of its own. */
async function network(aws: Backend): Promise<{ vpcId: string; tables: string[] }> {
  const vpcId = (await aws.send('CreateVpc', { CidrBlock: '10.9.0.0/16' })).Vpc.VpcId as string;
  const tables: string[] = [];
  for (let i = 0; i < 2; i++)
    tables.push((await aws.send('CreateRouteTable', { VpcId: vpcId })).RouteTable.RouteTableId as string);
  return { vpcId, tables: tables.sort() };
}

/** The gateway endpoints each route table routes a prefix list to. */
async function endpointRoutes(aws: Backend, tables: string[]): Promise<string[][]> {
  const out = await aws.send('DescribeRouteTables', { RouteTableIds: tables });
  return (out.RouteTables as Array<{ RouteTableId: string; Routes: Array<Record<string, string>> }>)
    .sort((a, b) => a.RouteTableId.localeCompare(b.RouteTableId))
    .map((t) =>
      t.Routes.filter((r) => r.DestinationPrefixListId?.startsWith('pl-')).map((r) => r.GatewayId ?? ''),
    );
}

/** One scenario, run on each backend. */
function both(title: string, scenario: (aws: Backend) => Promise<void>): void {
  it(`${title} (simulator)`, () => onSimulator(scenario));
  it(`${title} (moto)`, () => scenario(motoBackend()));
}

describe('gateway VPC endpoints: the simulator and moto agree', () => {
  both(
    'an S3 endpoint routes its prefix list in each of its route tables, and takes the routes with it',
    async (aws) => {
      const { vpcId, tables } = await network(aws);
      const created = await aws.send('CreateVpcEndpoint', {
        VpcEndpointType: 'Gateway',
        VpcId: vpcId,
        ServiceName: `com.amazonaws.${aws.region}.s3`,
        RouteTableIds: tables,
        TagSpecifications: [{ ResourceType: 'vpc-endpoint', Tags: [{ Key: 'k', Value: 'v' }] }],
      });
      const id = created.VpcEndpoint.VpcEndpointId as string;
      expect(id).toMatch(/^vpce-/);

      const [endpoint] = (await aws.send('DescribeVpcEndpoints', { VpcEndpointIds: [id] })).VpcEndpoints;
      expect(endpoint.VpcId).toBe(vpcId);
      expect(endpoint.VpcEndpointType).toBe('Gateway');
      expect(String(endpoint.State)).toBe('available');
      expect([...endpoint.RouteTableIds].sort()).toEqual(tables);
      expect(endpoint.Tags).toContainEqual({ Key: 'k', Value: 'v' });
      const byVpc = await aws.send('DescribeVpcEndpoints', {
        Filters: [{ Name: 'vpc-id', Values: [vpcId] }],
      });
      expect(byVpc.VpcEndpoints.map((e: { VpcEndpointId: string }) => e.VpcEndpointId)).toEqual([id]);
      expect(await endpointRoutes(aws, tables)).toEqual([[id], [id]]);

      const deleted = await aws.send('DeleteVpcEndpoints', { VpcEndpointIds: [id] });
      expect(deleted.Unsuccessful ?? []).toEqual([]);
      expect(await endpointRoutes(aws, tables)).toEqual([[], []]);
    },
  );

  both('an unknown endpoint id is InvalidVpcEndpointId.NotFound to Describe', async (aws) => {
    expect(
      await errorName(aws.send('DescribeVpcEndpoints', { VpcEndpointIds: ['vpce-0123456789abcdef0'] })),
    ).toBe('InvalidVpcEndpointId.NotFound');
  });
});

describe('gateway VPC endpoints: what moto 5.2.1 does not model (the simulator as AWS)', () => {
  it('a route table takes one endpoint per service (RouteAlreadyExists), ModifyVpcEndpoint adds and takes routes, and Delete names an unknown id in Unsuccessful', () =>
    onSimulator(async (aws) => {
      const { vpcId, tables } = await network(aws);
      const create = (service: string, RouteTableIds: string[]) =>
        aws.send('CreateVpcEndpoint', {
          VpcEndpointType: 'Gateway',
          VpcId: vpcId,
          ServiceName: `com.amazonaws.${aws.region}.${service}`,
          RouteTableIds,
        });
      const id = (await create('s3', [tables[0] ?? ''])).VpcEndpoint.VpcEndpointId as string;
      expect(await errorName(create('s3', [tables[0] ?? '']))).toBe('RouteAlreadyExists');
      await aws.send('ModifyVpcEndpoint', { VpcEndpointId: id, AddRouteTableIds: [tables[1]] });
      expect(await endpointRoutes(aws, tables)).toEqual([[id], [id]]);
      await aws.send('ModifyVpcEndpoint', { VpcEndpointId: id, RemoveRouteTableIds: [tables[0]] });
      expect(await endpointRoutes(aws, tables)).toEqual([[], [id]]);
      const out = await aws.send('DeleteVpcEndpoints', { VpcEndpointIds: ['vpce-0123456789abcdef0'] });
      expect(out.Unsuccessful[0].Error.Code).toBe('InvalidVpcEndpointId.NotFound');
    }));
});
