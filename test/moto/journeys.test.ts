import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AllocateAddressCommand,
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateNatGatewayCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeAddressesCommand,
  DescribeNatGatewaysCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeRouteTablesCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import {
  GetFunctionConfigurationCommand,
  ListTagsCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import {
  defaultVpc,
  inventory,
  seedFunction,
  seedUserVpc,
  startAccount,
  type MotoAccount,
  REGION,
  ok,
} from './harness.js';
import { playNatBoots } from './nat-boot.js';

const TESTING = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/**
 * The built CLI against moto, an AWS emulator we did not write, as a user runs it: AWS_ENDPOINT_URL,
 * fake credentials, AWS_REGION. Each `it` is one journey; moto is emptied between them.
 */

let account: MotoAccount;

beforeAll(async () => {
  account = await startAccount();
});
afterAll(async () => {
  await account?.close();
});
beforeEach(async () => {
  await account.reset();
});

async function vpcOf(fn: string): Promise<string | undefined> {
  const config = await account.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: fn }));
  return config.VpcConfig?.SubnetIds?.[0];
}

async function allocationIps(): Promise<string[]> {
  const out = await account.ec2.send(new DescribeAddressesCommand({}));
  return (out.Addresses ?? []).map((a) => a.PublicIp ?? '');
}

describe('the CLI against moto', () => {
  it('setup into a user VPC with an internet gateway reuses the gateway, and teardown restores the inventory', async () => {
    await seedFunction(account, 'orders-api');
    const vpcId = await seedUserVpc(account);
    const before = await inventory(account);

    const setup = ok(await account.cli('setup', '--function', 'orders-api', '--vpc', vpcId, '--yes'));
    const [ip] = await allocationIps();
    expect(ip).toBeDefined();
    expect(setup.stdout).toContain(ip);
    expect(await vpcOf('orders-api')).toMatch(/^subnet-/);
    const made = account.bridge.mutating().map((call) => call.action);
    expect(made).not.toContain('CreateInternetGateway');
    expect(made).toContain('CreateNatGateway');

    ok(await account.cli('teardown', '--yes'));
    expect(await inventory(account)).toEqual(before);
  });

  it('--endpoints s3,dynamodb: one gateway endpoint per service on every private route table, a re-run changes nothing, teardown restores the inventory', async () => {
    await seedFunction(account, 'orders-api');
    const vpcId = await seedUserVpc(account);
    const before = await inventory(account);
    const endpoints = async () =>
      (await account.ec2.send(new DescribeVpcEndpointsCommand({}))).VpcEndpoints ?? [];

    ok(
      await account.cli(
        'setup',
        '--function',
        'orders-api',
        '--vpc',
        vpcId,
        '--endpoints',
        's3,dynamodb',
        '--yes',
      ),
    );
    const state = JSON.parse(readFileSync(join(account.cwd, '.fixed-ip', 'default.json'), 'utf8')) as {
      resources: Record<string, { id: string }>;
    };
    const privateTables = Object.entries(state.resources)
      .filter(([key]) => key.startsWith('privateRouteTable@'))
      .map(([, record]) => record.id)
      .sort();
    expect(privateTables).toHaveLength(2);
    const made = (await endpoints()).filter((e) => e.VpcId === vpcId);
    expect(made.map((e) => e.ServiceName).sort()).toEqual([
      `com.amazonaws.${REGION}.dynamodb`,
      `com.amazonaws.${REGION}.s3`,
    ]);
    for (const endpoint of made) {
      expect([...(endpoint.RouteTableIds ?? [])].sort()).toEqual(privateTables);
      expect(endpoint.Tags).toContainEqual({ Key: 'fixed-ip:stack', Value: 'default' });
    }
    // moto, as AWS, routes each service's prefix list to its endpoint in those route tables.
    const tables = await account.ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: privateTables }));
    for (const table of tables.RouteTables ?? [])
      expect(
        (table.Routes ?? [])
          .filter((r) => r.DestinationPrefixListId)
          .map((r) => r.GatewayId)
          .sort(),
      ).toEqual(made.map((e) => e.VpcEndpointId).sort());

    account.bridge.calls.length = 0;
    ok(await account.cli('setup', '--yes'));
    expect(account.bridge.mutating()).toEqual([]);
    expect(ok(await account.cli('status')).stdout).toMatch(/S3 gateway endpoint\s+vpce-/);

    ok(await account.cli('teardown', '--yes'));
    expect(
      (await endpoints()).filter((e) => e.VpcId === vpcId && (e.State as string | undefined) !== 'deleted'),
    ).toEqual([]);
    expect(await inventory(account)).toEqual(before);
  });

  it('a re-run of setup makes no mutating call', async () => {
    await seedFunction(account, 'orders-api');
    const vpcId = await seedUserVpc(account);
    ok(await account.cli('setup', '--function', 'orders-api', '--vpc', vpcId, '--yes'));
    account.bridge.calls.length = 0;

    ok(await account.cli('setup', '--yes'));
    expect(account.bridge.calls.length).toBeGreaterThan(0);
    expect(account.bridge.mutating()).toEqual([]);
  });

  it('setup into the default VPC, and teardown restores the inventory', async () => {
    await seedFunction(account, 'orders-api');
    const vpcId = await defaultVpc(account);
    const before = await inventory(account);

    ok(await account.cli('setup', '--function', 'orders-api', '--vpc', vpcId, '--yes'));
    expect(await vpcOf('orders-api')).toMatch(/^subnet-/);

    ok(await account.cli('teardown', '--yes'));
    expect(await inventory(account)).toEqual(before);
  });

  it('setup into a new VPC (--new-vpc), and teardown deletes that VPC too', async () => {
    await seedFunction(account, 'orders-api');
    const before = await inventory(account);

    ok(await account.cli('setup', '--function', 'orders-api', '--new-vpc', '--yes'));
    const vpcs = await account.ec2.send(new DescribeVpcsCommand({}));
    expect(vpcs.Vpcs?.map((v) => v.CidrBlock)).toContain('10.0.0.0/16');

    ok(await account.cli('teardown', '--yes'));
    expect(await inventory(account)).toEqual(before);
  });

  it('status prints the IP in text and in --json, and plan changes nothing', async () => {
    await seedFunction(account, 'orders-api');
    const vpcId = await seedUserVpc(account);

    account.bridge.calls.length = 0;
    const plan = ok(await account.cli('plan', '--function', 'orders-api', '--vpc', vpcId));
    expect(plan.stdout).toMatch(/NAT gateway/i);
    // moto has no IAM policy simulator: plan reads the run guard, and names what it could not check.
    expect(plan.stdout).toMatch(/ssm:GetParameter by reading the run guard/);
    expect(plan.stdout).toMatch(
      /setup would succeed, as far as plan could check \(not checked: .*ssm:PutParameter\)/,
    );
    expect(account.bridge.mutating()).toEqual([]);

    ok(await account.cli('setup', '--function', 'orders-api', '--vpc', vpcId, '--yes'));
    const [ip] = await allocationIps();

    const text = ok(await account.cli('status'));
    expect(text.stdout).toContain(ip);

    const json = JSON.parse(ok(await account.cli('status', '--json')).stdout) as Record<string, unknown>;
    expect(JSON.stringify(json)).toContain(ip);
  });

  it('teardown --keep-eip keeps the IP, and the next setup gives the same IP back', async () => {
    await seedFunction(account, 'orders-api');
    const vpcId = await seedUserVpc(account);
    ok(await account.cli('setup', '--function', 'orders-api', '--vpc', vpcId, '--yes'));
    const [ip] = await allocationIps();

    ok(await account.cli('teardown', '--yes', '--keep-eip'));
    expect(await allocationIps()).toEqual([ip]);

    const again = ok(await account.cli('setup', '--function', 'orders-api', '--vpc', vpcId, '--yes'));
    expect(await allocationIps()).toEqual([ip]);
    expect(again.stdout).toContain(ip);
  });

  it("a lost state file: status and teardown --name find the stack by its tags, and the function's own tags take it back to its network", async () => {
    const arn = await seedFunction(account, 'orders-api');
    const vpcId = await seedUserVpc(account);
    // The function was in the user's own subnet and group before.
    const subnets = await account.ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }),
    );
    const groups = await account.ec2.send(
      new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }),
    );
    const previous = {
      SubnetIds: [subnets.Subnets![0].SubnetId!],
      SecurityGroupIds: [groups.SecurityGroups![0].GroupId!],
    };
    await account.lambda.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: 'orders-api', VpcConfig: previous }),
    );
    const before = await inventory(account);
    ok(await account.cli('setup', '--name', 'orders', '--function', 'orders-api', '--vpc', vpcId, '--yes'));
    const tagged = (await account.lambda.send(new ListTagsCommand({ Resource: arn }))).Tags ?? {};
    expect(tagged).toMatchObject({
      'fixed-ip:stack': 'orders',
      'fixed-ip:previous': `${previous.SubnetIds[0]}/${previous.SecurityGroupIds[0]}`,
    });
    const [ip] = await allocationIps();
    rmSync(join(account.cwd, '.fixed-ip'), { recursive: true, force: true });

    const status = await account.cli('status', '--name', 'orders');
    expect(status.stdout + status.stderr).toContain(ip);

    ok(await account.cli('teardown', '--name', 'orders', '--yes'));
    expect(await inventory(account)).toEqual(before);
    const left = (await account.lambda.send(new ListTagsCommand({ Resource: arn }))).Tags ?? {};
    expect(Object.keys(left).filter((key) => key.startsWith('fixed-ip:'))).toEqual([]);
  });

  it("two stacks side by side: tearing one down leaves the other whole (moto ignores DescribeNatGateways' tag filters)", async () => {
    await seedFunction(account, 'orders-api');
    await seedFunction(account, 'billing-api');
    const vpcId = await seedUserVpc(account);
    const before = await inventory(account);
    ok(await account.cli('setup', '--name', 'orders', '--function', 'orders-api', '--vpc', vpcId, '--yes'));
    const afterOrders = await inventory(account);
    ok(await account.cli('setup', '--name', 'billing', '--function', 'billing-api', '--vpc', vpcId, '--yes'));
    // list finds both by their tags alone (moto also hands back NAT gateways its tag filter should drop).
    const listed = JSON.parse(ok(await account.cli('list', '--json')).stdout) as {
      stacks: Array<{ name: string; functions: string[]; elasticIps: string[] }>;
    };
    expect(listed.stacks.map((s) => [s.name, s.functions])).toEqual([
      ['billing', ['billing-api']],
      ['orders', ['orders-api']],
    ]);
    expect(listed.stacks.every((s) => s.elasticIps.length === 1)).toBe(true);

    ok(await account.cli('teardown', '--name', 'billing', '--yes'));
    expect(await inventory(account)).toEqual(afterOrders);
    expect(ok(await account.cli('status', '--name', 'orders')).stdout).toMatch(/healthy/);

    ok(await account.cli('teardown', '--name', 'orders', '--yes'));
    expect(await inventory(account)).toEqual(before);
  });

  it('the NAT modes moto can express: --azs 1, --nat gateway-per-az over two zones, a change between them, and teardown', async () => {
    await seedFunction(account, 'orders-api');
    const vpcId = await seedUserVpc(account);
    const before = await inventory(account);
    const subnetsOf = async (): Promise<string[]> => {
      const config = await account.lambda.send(
        new GetFunctionConfigurationCommand({ FunctionName: 'orders-api' }),
      );
      return config.VpcConfig?.SubnetIds ?? [];
    };

    const one = ok(
      await account.cli('setup', '--function', 'orders-api', '--vpc', vpcId, '--azs', '1', '--yes'),
    );
    expect(one.stdout).toMatch(/Allowlist this IP: /);
    expect(await subnetsOf()).toHaveLength(1);
    const [first] = await allocationIps();

    const perAz = ok(await account.cli('setup', '--nat', 'gateway-per-az', '--azs', '2', '--yes'));
    expect(perAz.stdout).toMatch(/Allowlist these IPs:/);
    expect(await subnetsOf()).toHaveLength(2);
    const ips = await allocationIps();
    expect(ips).toHaveLength(2);
    expect(ips).toContain(first);
    const status = JSON.parse(ok(await account.cli('status', '--json')).stdout) as {
      natMode: string;
      zones: string[];
      elasticIps: string[];
    };
    expect(status.natMode).toBe('gateway-per-az');
    expect(status.zones).toHaveLength(2);
    expect(status.elasticIps[0]).toBe(first);

    // Back to one NAT gateway: the first IP stays the one to allowlist; the other is kept, not released.
    const back = ok(await account.cli('setup', '--nat', 'gateway', '--yes'));
    expect(back.stdout).toContain(`Allowlist this IP: ${first ?? ''}`);
    expect(await allocationIps()).toHaveLength(2);

    ok(await account.cli('teardown', '--yes'));
    expect(await inventory(account)).toEqual(before);
  });

  it('--nat instance: the interface of ours holding the IP goes on the instance as device index 1; --replace-nat-instance moves it to a booted replacement; teardown to the starting inventory', async () => {
    await seedFunction(account, 'orders-api');
    const vpcId = await seedUserVpc(account);
    const before = await inventory(account);
    const boots = playNatBoots(account.ec2);
    try {
      const setup = ok(
        await account.cli(
          'setup',
          '--function',
          'orders-api',
          '--vpc',
          vpcId,
          '--nat',
          'instance',
          '--azs',
          '1',
          '--yes',
        ),
      );
      const [ip] = await allocationIps();
      expect(setup.stdout).toContain(`Allowlist this IP: ${ip ?? ''}`);
      const made = account.bridge.mutating().map((call) => call.action);
      expect(made).toContain('RunInstances');
      expect(made).toContain('CreateNetworkInterface');
      expect(made).toContain('CreateInstanceProfile');
      expect(made).not.toContain('CreateNatGateway');
      // Launched with a primary of its own, then the stack's interface attached as device index 1.
      expect(made.indexOf('AttachNetworkInterface')).toBeGreaterThan(made.indexOf('RunInstances'));
      const eni = async () => {
        const out = await account.ec2.send(
          new DescribeNetworkInterfacesCommand({
            Filters: [{ Name: 'tag:fixed-ip:role', Values: ['nat-interface'] }],
          }),
        );
        return out.NetworkInterfaces?.[0];
      };
      const first = await eni();
      expect(first?.Attachment).toMatchObject({ DeviceIndex: 1, Status: 'attached' });
      expect(first?.Association?.PublicIp).toBe(ip);
      const status = JSON.parse((await account.cli('status', '--json')).stdout) as {
        natMode: string;
        elasticIps: string[];
        healthy: boolean;
      };
      expect(status.natMode).toBe('instance');
      expect(status.elasticIps).toEqual([ip]);

      // Planned replacement: the new instance boots first, then takes the interface; same IP.
      const calls = account.bridge.mutating().length;
      ok(await account.cli('setup', '--replace-nat-instance', '--yes'));
      const replaced = account.bridge
        .mutating()
        .slice(calls)
        .map((call) => call.action);
      expect(replaced.indexOf('RunInstances')).toBeLessThan(replaced.indexOf('DetachNetworkInterface'));
      expect(replaced.indexOf('DetachNetworkInterface')).toBeLessThan(
        replaced.indexOf('AttachNetworkInterface'),
      );
      expect(replaced.indexOf('AttachNetworkInterface')).toBeLessThan(replaced.indexOf('TerminateInstances'));
      const second = await eni();
      expect(second?.Attachment?.InstanceId).not.toBe(first?.Attachment?.InstanceId);
      expect(second?.Association?.PublicIp).toBe(ip);
      expect(await allocationIps()).toEqual([ip]);
    } finally {
      await boots.stop();
    }
    ok(await account.cli('teardown', '--yes'));
    expect(await inventory(account)).toEqual(before);
  });

  it("--nat instance --ha: the group's instance takes the interface itself; terminated out of band, the group's next instance takes it with the same IP and no command; teardown to the starting inventory", async () => {
    await seedFunction(account, 'orders-api');
    const vpcId = await seedUserVpc(account);
    const before = await inventory(account);
    const boots = playNatBoots(account.ec2);
    try {
      const setup = ok(
        await account.cli(
          'setup',
          '--function',
          'orders-api',
          '--vpc',
          vpcId,
          '--nat',
          'instance',
          '--ha',
          '--azs',
          '1',
          '--yes',
        ),
      );
      const [ip] = await allocationIps();
      expect(setup.stdout).toContain(`Allowlist this IP: ${ip ?? ''}`);
      const made = account.bridge.mutating().map((call) => call.action);
      expect(made).toContain('CreateLaunchTemplate');
      expect(made).toContain('CreateAutoScalingGroup');
      // fixed-ip launched no instance itself: the group did.
      expect(made).not.toContain('RunInstances');
      const holder = async () => {
        const out = await account.ec2.send(
          new DescribeNetworkInterfacesCommand({
            Filters: [{ Name: 'tag:fixed-ip:role', Values: ['nat-interface'] }],
          }),
        );
        const eni = out.NetworkInterfaces?.[0];
        return { instance: eni?.Attachment?.InstanceId, ip: eni?.Association?.PublicIp };
      };
      const first = await holder();
      expect(first.instance).toMatch(/^i-/);
      expect(first.ip).toBe(ip);

      // The instance dies; nobody runs fixed-ip; the group's next instance takes the interface.
      const calls = account.bridge.mutating().length;
      await account.ec2.send(new TerminateInstancesCommand({ InstanceIds: [first.instance ?? ''] }));
      await expect
        .poll(async () => (await holder()).instance, { timeout: 15_000, interval: 250 })
        .not.toBe(first.instance);
      expect(account.bridge.mutating().length).toBe(calls);
      const second = await holder();
      expect(second.instance).toMatch(/^i-/);
      expect(second.ip).toBe(ip);
      expect(boots.log.some((line) => line.startsWith(`${second.instance ?? ''} attach`))).toBe(true);
      const status = JSON.parse((await account.cli('status', '--json')).stdout) as {
        healthy: boolean;
        elasticIps: string[];
        resources: Array<{ type: string; state: string }>;
      };
      expect(status.elasticIps).toEqual([ip]);
      expect(status.resources.find((r) => r.type === 'natGroup')?.state).toContain(second.instance ?? '');
    } finally {
      await boots.stop();
    }
    ok(await account.cli('teardown', '--yes'));
    expect(await inventory(account)).toEqual(before);
  });

  it('two setups of one stack from two directories at once: one builds, the other stops with exit 7 or reuses it; one NAT gateway, one true IP', async () => {
    await seedFunction(account, 'orders-api');
    const vpcId = await seedUserVpc(account);
    const before = await inventory(account);
    const other = mkdtempSync(join(tmpdir(), 'fixed-ip-moto-other-'));
    try {
      const args = ['setup', '--function', 'orders-api', '--vpc', vpcId, '--yes'];
      const runs = await Promise.all([account.cli(...args), account.cliIn(other, ...args)]);

      const nats = await account.ec2.send(
        new DescribeNatGatewaysCommand({ Filter: [{ Name: 'state', Values: ['pending', 'available'] }] }),
      );
      expect(nats.NatGateways).toHaveLength(1);
      const made = account.bridge.mutating().map((call) => call.action);
      expect(made.filter((action) => action === 'CreateNatGateway')).toHaveLength(1);
      expect(made.filter((action) => action === 'AllocateAddress')).toHaveLength(1);
      const ips = await allocationIps();
      expect(ips).toHaveLength(1);
      for (const run of runs) {
        if (run.code === 0) expect(run.stdout).toContain(`Allowlist this IP: ${ips[0] ?? ''}`);
        else {
          expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(7);
          expect(run.stderr).toMatch(/stack default is in use by .*fixed-ip unlock --name default/);
          expect(run.stdout).not.toMatch(/Allowlist/);
        }
      }
      expect(runs.some((run) => run.code === 0)).toBe(true);
      // Both ended: the guard is released (kept, so the next run can tell whether anyone ran since).
      const ssm = new SSMClient({ region: REGION, endpoint: account.moto.endpoint, credentials: TESTING });
      const guard = await ssm.send(new GetParameterCommand({ Name: '/fixed-ip/default/run-lock' }));
      expect(JSON.parse(guard.Parameter?.Value ?? '{}')).toMatchObject({ released: true });
      ok(await account.cliIn(other, 'teardown', '--yes'));
      // The stack is gone, and its guard with it.
      await expect(ssm.send(new GetParameterCommand({ Name: '/fixed-ip/default/run-lock' }))).rejects.toThrow(
        /ParameterNotFound|not found/,
      );
      expect(await inventory(account)).toEqual(before);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('records added to the state file by hand, naming a NAT gateway and a subnet in another VPC: setup and teardown keep both and say so; teardown exits 3', async () => {
    await seedFunction(account, 'orders-api');
    const vpcId = await seedUserVpc(account);
    ok(await account.cli('setup', '--function', 'orders-api', '--vpc', vpcId, '--azs', '1', '--yes'));
    // Made by hand in another VPC, never by fixed-ip.
    const { ec2 } = account;
    const other = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.30.0.0/16' }))).Vpc!.VpcId!;
    const igw = (await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway!.InternetGatewayId!;
    await ec2.send(new AttachInternetGatewayCommand({ VpcId: other, InternetGatewayId: igw }));
    const subnet = (
      await ec2.send(
        new CreateSubnetCommand({ VpcId: other, CidrBlock: '10.30.1.0/24', AvailabilityZone: `${REGION}f` }),
      )
    ).Subnet!.SubnetId!;
    const allocation = (await ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }))).AllocationId!;
    const nat = (await ec2.send(new CreateNatGatewayCommand({ SubnetId: subnet, AllocationId: allocation })))
      .NatGateway!.NatGatewayId!;
    const forge = (): void => {
      const path = join(account.cwd, '.fixed-ip', 'default.json');
      const state = JSON.parse(readFileSync(path, 'utf8')) as { resources: Record<string, unknown> };
      state.resources[`natGateway@${REGION}f`] = {
        kind: 'natGateway',
        id: nat,
        owned: true,
        zone: `${REGION}f`,
      };
      state.resources[`publicSubnet@${REGION}f`] = {
        kind: 'publicSubnet',
        id: subnet,
        owned: true,
        zone: `${REGION}f`,
        cidr: '10.30.1.0/24',
      };
      writeFileSync(path, JSON.stringify(state));
    };
    const stillThere = async (): Promise<void> => {
      const nats = await ec2.send(new DescribeNatGatewaysCommand({ NatGatewayIds: [nat] }));
      expect(nats.NatGateways?.[0]?.State).toBe('available');
      const subnets = await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [subnet] }));
      expect(subnets.Subnets?.map((s) => s.SubnetId)).toEqual([subnet]);
    };

    forge();
    const again = ok(await account.cli('setup', '--yes'));
    await stillThere();
    expect(again.stderr).toContain(nat);
    expect(again.stderr).toContain(subnet);
    expect(account.bridge.mutating().map((c) => c.action)).not.toContain('DeleteNatGateway');

    forge();
    const down = await account.cli('teardown', '--yes');
    expect(down.code).toBe(3);
    expect(down.stderr).toMatch(new RegExp(`${nat}.*still bills`));
    await stillThere();
  });
});
