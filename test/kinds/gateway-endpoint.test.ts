import { writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { plan } from '../../src/commands/plan.js';
import { setup, type SetupOptions } from '../../src/commands/setup.js';
import { status } from '../../src/commands/status.js';
import { teardown } from '../../src/commands/teardown.js';
import { policyFor } from '../../src/engine/iam-policy.js';
import { createTestAccount, type TestAccount } from '../support/env.js';
import { rejection } from '../lived-in/support.js';

let account: TestAccount;
let vpcId: string;

const ZONES = ['ap-northeast-1a', 'ap-northeast-1c'];
const options = (extra: Partial<SetupOptions> = {}): SetupOptions => ({
  functions: ['orders-api'],
  vpc: vpcId,
  az: ZONES,
  name: 'default',
  yes: true,
  ...extra,
});
const snapshot = (): string => JSON.stringify(account.sim.snapshot());

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- SDK-shaped outputs, read freely
const call = (operation: string, input: object = {}): Promise<any> =>
  account.sim.handle('ec2', operation, input);

interface Endpoint {
  VpcEndpointId: string;
  ServiceName: string;
  RouteTableIds: string[];
  Tags?: Array<{ Key: string; Value: string }>;
}
const endpoints = async (): Promise<Endpoint[]> =>
  (
    (await call('DescribeVpcEndpoints', { Filters: [{ Name: 'vpc-id', Values: [vpcId] }] })) as {
      VpcEndpoints: Endpoint[];
    }
  ).VpcEndpoints;

/** The stack's private route tables, by its state. */
function privateTables(): string[] {
  const state = account.readState() as { resources: Record<string, { id: string }> };
  return ZONES.map((zone) => state.resources[`privateRouteTable@${zone}`]?.id ?? '');
}

beforeEach(() => {
  account = createTestAccount({ timings: { eniReleaseMs: 60_000 } });
  vpcId = account.sim.addVpc({ cidr: '10.0.0.0/16', name: 'app' });
  account.sim.addFunction({ name: 'orders-api', runtime: 'nodejs20.x', roleHasVpcAccess: true });
});
afterEach(() => account.restore());

describe('--endpoints: gateway VPC endpoints for S3 and DynamoDB', () => {
  it('puts one endpoint per service on every private route table, warns about aws:SourceIp, and keeps them on a plain re-run', async () => {
    const deps = account.deps();
    await setup(options({ inputs: { endpoints: 's3,dynamodb' } }), deps);
    const tables = privateTables();
    const made = await endpoints();
    expect(made.map((e) => e.ServiceName).sort()).toEqual([
      'com.amazonaws.ap-northeast-1.dynamodb',
      'com.amazonaws.ap-northeast-1.s3',
    ]);
    for (const endpoint of made) {
      expect([...endpoint.RouteTableIds].sort()).toEqual([...tables].sort());
      expect(endpoint.Tags).toContainEqual({ Key: 'fixed-ip:stack', Value: 'default' });
    }
    // Each private route table now routes the services' prefix lists to the endpoints.
    const { RouteTables } = (await call('DescribeRouteTables', { RouteTableIds: tables })) as {
      RouteTables: Array<{ Routes: Array<{ DestinationPrefixListId?: string; GatewayId?: string }> }>;
    };
    for (const table of RouteTables)
      expect(
        table.Routes.filter((r) => r.DestinationPrefixListId?.startsWith('pl-'))
          .map((r) => r.GatewayId)
          .sort(),
      ).toEqual(made.map((e) => e.VpcEndpointId).sort());
    expect(
      deps.recording.messages.filter(
        (m) => m.level === 'warn' && /aws:SourceIp.*aws:SourceVpce/.test(m.text),
      ),
    ).toHaveLength(2);
    expect(account.readState()).toMatchObject({ shape: { inputs: { endpoints: ['s3', 'dynamodb'] } } });

    // Without the flag, the stack keeps its endpoints and nothing changes.
    const from = account.sim.calls.length;
    await setup(options(), account.deps());
    expect(account.sim.calls.slice(from).filter((c) => c.mutated)).toEqual([]);
    const report = await status({ name: 'default' }, account.deps());
    expect(report.healthy).toBe(true);
  });

  it('--endpoints none removes them and nothing else; teardown removes them before the route tables and leaves the account as it was', async () => {
    const before = snapshot();
    await setup(options({ inputs: { endpoints: 's3' } }), account.deps());
    const [endpoint] = await endpoints();
    await setup(options({ inputs: { endpoints: 'none' } }), account.deps());
    expect(await endpoints()).toEqual([]);
    expect(account.readState()).toMatchObject({ resources: { 'natGateway@ap-northeast-1a': {} } });
    expect(account.sim.calls.some((c) => c.operation === 'DeleteVpcEndpoints' && c.outcome === 'ok')).toBe(
      true,
    );
    expect(endpoint).toBeDefined();

    await setup(options({ inputs: { endpoints: 's3' } }), account.deps());
    const from = account.sim.calls.length;
    await teardown({ name: 'default', yes: true }, account.deps());
    const ops = account.sim.calls
      .slice(from)
      .filter((c) => c.outcome === 'ok')
      .map((c) => c.operation);
    expect(ops.indexOf('DeleteVpcEndpoints')).toBeGreaterThan(-1);
    expect(ops.indexOf('DeleteVpcEndpoints')).toBeLessThan(ops.indexOf('DeleteRouteTable'));
    expect(snapshot()).toBe(before);
  });

  it('a zone added later joins the endpoint (ModifyVpcEndpoint); a zone taken away leaves it', async () => {
    await setup(options({ az: [ZONES[0] ?? ''], inputs: { endpoints: 's3' } }), account.deps());
    await setup(options({ az: ZONES }), account.deps());
    const tables = privateTables();
    expect([...((await endpoints())[0]?.RouteTableIds ?? [])].sort()).toEqual([...tables].sort());
    expect(account.sim.calls.some((c) => c.operation === 'ModifyVpcEndpoint' && c.outcome === 'ok')).toBe(
      true,
    );
    await setup(options({ az: [ZONES[0] ?? ''] }), account.deps());
    expect((await endpoints())[0]?.RouteTableIds).toEqual([tables[0]]);
  });

  it('your own S3 endpoint on every private route table is reused and never deleted; on only some it blocks setup before any change', async () => {
    await setup(options(), account.deps());
    const tables = privateTables();
    const yours = (
      (await call('CreateVpcEndpoint', {
        VpcEndpointType: 'Gateway',
        VpcId: vpcId,
        ServiceName: 'com.amazonaws.ap-northeast-1.s3',
        RouteTableIds: [tables[0]],
      })) as { VpcEndpoint: Endpoint }
    ).VpcEndpoint.VpcEndpointId;

    // On one of two: a route table takes one endpoint per service, so fixed-ip cannot add its own.
    const before = snapshot();
    const report = await plan(options({ inputs: { endpoints: 's3' } }), account.deps());
    expect(JSON.stringify(report)).toContain(yours);
    const error = await rejection(setup(options({ inputs: { endpoints: 's3' } }), account.deps()));
    expect(error.message).toContain(yours);
    expect(snapshot()).toBe(before);

    // On both: reused as it is.
    await call('ModifyVpcEndpoint', { VpcEndpointId: yours, AddRouteTableIds: [tables[1]] });
    const from = account.sim.calls.length;
    await setup(options({ inputs: { endpoints: 's3' } }), account.deps());
    expect((await endpoints()).map((e) => e.VpcEndpointId)).toEqual([yours]);
    expect(account.readState()).toMatchObject({ resources: { s3Endpoint: { id: yours, owned: false } } });
    await teardown({ name: 'default', yes: true }, account.deps());
    expect((await endpoints()).map((e) => e.VpcEndpointId)).toEqual([yours]);
    // fixed-ip never changed or deleted it.
    expect(
      account.sim.calls
        .slice(from)
        .filter((c) => /VpcEndpoint/.test(c.operation) && !c.operation.startsWith('Describe'))
        .map((c) => c.operation),
    ).toEqual([]);
  });

  it('a bad --endpoints is one BAD_OPTION line, and nothing is made', async () => {
    const before = snapshot();
    const error = await rejection(setup(options({ inputs: { endpoints: 's3,ftp' } }), account.deps()));
    expect(error.code).toBe('BAD_OPTION');
    expect(error.message).toBe('--endpoints s3,ftp: ftp has no gateway endpoint');
    expect(snapshot()).toBe(before);
  });

  it('a state file whose endpoints setting is not one it knows is invalid, and left as it is', async () => {
    await setup(options({ inputs: { endpoints: 's3' } }), account.deps());
    const path = account.statePath();
    const state = account.readState() as { shape: { inputs: Record<string, unknown> } };
    state.shape.inputs.endpoints = ['ftp'];
    const text = JSON.stringify(state);
    writeFileSync(path, text);
    const error = await rejection(status({ name: 'default' }, account.deps()));
    expect(error.code).toBe('STATE_INVALID');
    expect(error.message).toContain('shape.inputs.endpoints.0');
  });

  it('runs under the policy iam-policy prints, which refuses to delete an endpoint fixed-ip did not make', async () => {
    account.sim.useCallerPolicy(policyFor(['setup', 'status', 'teardown']));
    await setup(options({ inputs: { endpoints: 's3,dynamodb' } }), account.deps());
    expect(
      account.sim.calls.filter(
        (c) => /Unauthorized|AccessDenied/.test(c.outcome) && !(c.input as { DryRun?: boolean }).DryRun,
      ),
    ).toEqual([]);
    const yours = (
      (await account.sim
        .handle('ec2', 'CreateVpcEndpoint', {
          VpcEndpointType: 'Gateway',
          VpcId: vpcId,
          ServiceName: 'com.amazonaws.ap-northeast-1.s3',
        })
        .catch(() => undefined)) as { VpcEndpoint?: Endpoint } | undefined
    )?.VpcEndpoint?.VpcEndpointId;
    // An untagged create is refused by the policy itself.
    expect(yours).toBeUndefined();
    account.sim.useCallerPolicy(undefined);
    const mine = (
      (await call('CreateVpcEndpoint', {
        VpcEndpointType: 'Gateway',
        VpcId: vpcId,
        ServiceName: 'com.amazonaws.ap-northeast-1.s3',
      })) as { VpcEndpoint: Endpoint }
    ).VpcEndpoint.VpcEndpointId;
    account.sim.useCallerPolicy(policyFor(['setup', 'status', 'teardown']));
    const refused = await account.sim.handle('ec2', 'DeleteVpcEndpoints', { VpcEndpointIds: [mine] }).then(
      () => 'allowed',
      (e: Error) => e.name,
    );
    expect(refused).toBe('UnauthorizedOperation');
    await teardown({ name: 'default', yes: true }, account.deps());
    account.sim.useCallerPolicy(undefined);
    expect((await endpoints()).map((e) => e.VpcEndpointId)).toEqual([mine]);
  });
});

describe('the simulator holds gateway endpoints to what AWS enforces', () => {
  it('one endpoint per service per route table, a known service only, and Unsuccessful (not an error) for an unknown id', async () => {
    await setup(options(), account.deps());
    const [table] = privateTables();
    const create = (service: string) =>
      call('CreateVpcEndpoint', {
        VpcEndpointType: 'Gateway',
        VpcId: vpcId,
        ServiceName: `com.amazonaws.ap-northeast-1.${service}`,
        RouteTableIds: [table],
      });
    await create('s3');
    await expect(create('s3')).rejects.toMatchObject({ name: 'RouteAlreadyExists' });
    await expect(create('dynamodb')).resolves.toBeDefined();
    await expect(create('ftp')).rejects.toMatchObject({ name: 'InvalidServiceName' });
    const out = (await call('DeleteVpcEndpoints', { VpcEndpointIds: ['vpce-00000000000000000'] })) as {
      Unsuccessful: Array<{ ResourceId: string; Error: { Code: string } }>;
    };
    expect(out.Unsuccessful).toEqual([
      expect.objectContaining({
        ResourceId: 'vpce-00000000000000000',
        Error: expect.objectContaining({ Code: 'InvalidVpcEndpointId.NotFound' }),
      }),
    ]);
    await expect(
      call('DescribeVpcEndpoints', { VpcEndpointIds: ['vpce-00000000000000000'] }),
    ).rejects.toMatchObject({
      name: 'InvalidVpcEndpointId.NotFound',
    });
  });
});
