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

/** The names of the error each step gives, 'no error' for one that succeeds. */
async function outcomes(steps: Array<() => Promise<unknown>>): Promise<string[]> {
  const names: string[] = [];
  for (const step of steps) names.push(await errorName(step()));
  return names;
}

describe('the network the recipe builds: the simulator and moto agree', () => {
  both('a subnet must lie inside its VPC and overlap no other subnet', async (aws) => {
    const vpcId = (await aws.send('CreateVpc', { CidrBlock: '10.8.0.0/16' })).Vpc.VpcId as string;
    expect(
      await outcomes([
        () => aws.send('CreateSubnet', { VpcId: vpcId, CidrBlock: '10.8.1.0/24' }),
        () => aws.send('CreateSubnet', { VpcId: vpcId, CidrBlock: '10.9.1.0/24' }),
        () => aws.send('CreateSubnet', { VpcId: vpcId, CidrBlock: '10.8.1.0/25' }),
        () => aws.send('CreateSubnet', { VpcId: 'vpc-0123456789abcdef0', CidrBlock: '10.8.2.0/24' }),
      ]),
    ).toEqual(['no error', 'InvalidSubnet.Range', 'InvalidSubnet.Conflict', 'InvalidVpcID.NotFound']);
  });

  both('an internet gateway attaches to one VPC, and cannot be deleted while attached', async (aws) => {
    const vpcId = (await aws.send('CreateVpc', { CidrBlock: '10.8.0.0/16' })).Vpc.VpcId as string;
    const igw = (await aws.send('CreateInternetGateway', {})).InternetGateway.InternetGatewayId as string;
    expect(
      await outcomes([
        () => aws.send('AttachInternetGateway', { InternetGatewayId: igw, VpcId: vpcId }),
        () => aws.send('AttachInternetGateway', { InternetGatewayId: igw, VpcId: vpcId }),
        () => aws.send('DeleteInternetGateway', { InternetGatewayId: igw }),
        () => aws.send('DetachInternetGateway', { InternetGatewayId: igw, VpcId: vpcId }),
        () => aws.send('DeleteInternetGateway', { InternetGatewayId: igw }),
        () => aws.send('DeleteInternetGateway', { InternetGatewayId: igw }),
      ]),
    ).toEqual([
      'no error',
      'Resource.AlreadyAssociated',
      'DependencyViolation',
      'no error',
      'no error',
      'InvalidInternetGatewayID.NotFound',
    ]);
  });

  both(
    'a route table takes one route per destination, and a VPC with a subnet cannot be deleted',
    async (aws) => {
      const vpcId = (await aws.send('CreateVpc', { CidrBlock: '10.8.0.0/16' })).Vpc.VpcId as string;
      const igw = (await aws.send('CreateInternetGateway', {})).InternetGateway.InternetGatewayId as string;
      await aws.send('AttachInternetGateway', { InternetGatewayId: igw, VpcId: vpcId });
      const table = (await aws.send('CreateRouteTable', { VpcId: vpcId })).RouteTable.RouteTableId as string;
      const subnet = (await aws.send('CreateSubnet', { VpcId: vpcId, CidrBlock: '10.8.1.0/24' })).Subnet
        .SubnetId as string;
      const route = { RouteTableId: table, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igw };
      expect(
        await outcomes([
          () => aws.send('CreateRoute', route),
          () => aws.send('CreateRoute', route),
          () => aws.send('AssociateRouteTable', { RouteTableId: table, SubnetId: subnet }),
          () => aws.send('DeleteVpc', { VpcId: vpcId }),
        ]),
      ).toEqual(['no error', 'RouteAlreadyExists', 'no error', 'DependencyViolation']);
      const [described] = (await aws.send('DescribeRouteTables', { RouteTableIds: [table] })).RouteTables;
      expect(described.Routes).toContainEqual(
        expect.objectContaining({ DestinationCidrBlock: '0.0.0.0/0', GatewayId: igw }),
      );
      expect(described.Associations.map((a: { SubnetId?: string }) => a.SubnetId)).toContain(subnet);
    },
  );

  both('a security group name is unique in its VPC', async (aws) => {
    const vpcId = (await aws.send('CreateVpc', { CidrBlock: '10.8.0.0/16' })).Vpc.VpcId as string;
    const group = { VpcId: vpcId, GroupName: 'fixed-ip-default', Description: 'd' };
    expect(
      await outcomes([
        () => aws.send('CreateSecurityGroup', group),
        () => aws.send('CreateSecurityGroup', group),
      ]),
    ).toEqual(['no error', 'InvalidGroup.Duplicate']);
  });

  both('an Elastic IP is allocated for the VPC, found by id, and released once', async (aws) => {
    const allocation = await aws.send('AllocateAddress', { Domain: 'vpc' });
    const id = allocation.AllocationId as string;
    expect(id).toMatch(/^eipalloc-/);
    const [address] = (await aws.send('DescribeAddresses', { AllocationIds: [id] })).Addresses;
    expect(address.PublicIp).toBe(allocation.PublicIp);
    expect(
      await outcomes([
        () => aws.send('ReleaseAddress', { AllocationId: id }),
        () => aws.send('DescribeAddresses', { AllocationIds: [id] }),
      ]),
    ).toEqual(['no error', 'InvalidAllocationID.NotFound']);
  });

  both('a NAT gateway is made in its subnet with the Elastic IP it was given', async (aws) => {
    const vpcId = (await aws.send('CreateVpc', { CidrBlock: '10.8.0.0/16' })).Vpc.VpcId as string;
    const subnet = (await aws.send('CreateSubnet', { VpcId: vpcId, CidrBlock: '10.8.1.0/24' })).Subnet
      .SubnetId as string;
    const allocation = (await aws.send('AllocateAddress', { Domain: 'vpc' })).AllocationId as string;
    const nat = (await aws.send('CreateNatGateway', { SubnetId: subnet, AllocationId: allocation }))
      .NatGateway;
    expect(nat.NatGatewayId).toMatch(/^nat-/);
    expect(nat.SubnetId).toBe(subnet);
    expect(nat.VpcId).toBe(vpcId);
    expect(nat.NatGatewayAddresses[0].AllocationId).toBe(allocation);
    // When the address shows its association is not compared: moto makes the gateway available at
    // once, the simulator after its pending minutes (see README.md here).
  });
});
