import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AllocateAddressCommand,
  CreateNatGatewayCommand,
  DeleteNatGatewayCommand,
  DescribeAddressesCommand,
  DescribeNatGatewaysCommand,
  DescribeRouteTablesCommand,
  ReplaceRouteCommand,
} from '@aws-sdk/client-ec2';
import { EXIT_CODES, ExitCode } from '../../src/errors.js';
import {
  inventory,
  ok,
  REGION,
  seedFunction,
  seedUserVpc,
  startAccount,
  type MotoAccount,
} from './harness.js';

/**
 * Issue 27 against moto: the allowlist as a guarantee. A two-zone `gateway-per-az` stack built on
 * two addresses the user brought; `status --expect-ips` holds, then a NAT gateway put on another
 * address by hand makes it fail with exit 8 and code ALLOWLIST_CHANGED naming the change; and a mode
 * change that adds an IP is announced as an allowlist change and not made without its own consent.
 * (The question asked apart from the cost's is proved in the simulator, where a person can answer.)
 */

let account: MotoAccount;
const A = `${REGION}a`;
const B = `${REGION}b`;

beforeAll(async () => {
  account = await startAccount();
});
afterAll(async () => {
  await account?.close();
});
beforeEach(async () => {
  await account.reset();
});

async function address(): Promise<{ allocationId: string; publicIp: string }> {
  const out = await account.ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }));
  return { allocationId: out.AllocationId!, publicIp: out.PublicIp! };
}

interface StatusJson {
  code?: string;
  healthy: boolean;
  allowlist?: { ok: boolean; expected: string[]; live: string[]; added: string[]; missing: string[] };
}

const statusJson = async (...ips: string[]) => {
  const run = await account.cli('status', '--json', '--expect-ips', ips.join(','));
  return { run, report: JSON.parse(run.stdout) as StatusJson };
};

/** The NAT gateways of the account that are not deleted. */
async function liveNats() {
  const out = await account.ec2.send(new DescribeNatGatewaysCommand({}));
  return (out.NatGateways ?? []).filter((n) => n.State !== 'deleted' && n.State !== 'deleting');
}

describe('the allowlist against moto', () => {
  it('two adopted addresses in two zones: status --expect-ips holds, then fails with exit 8 naming what a NAT put on another address by hand changed', async () => {
    const vpcId = await seedUserVpc(account);
    await seedFunction(account, 'orders-api');
    const [a, b] = [await address(), await address()];
    ok(
      await account.cli(
        'setup',
        '--function',
        'orders-api',
        '--vpc',
        vpcId,
        '--nat',
        'gateway-per-az',
        '--az',
        A,
        '--az',
        B,
        '--eip',
        `${A}=${a.allocationId}`,
        '--eip',
        `${B}=${b.allocationId}`,
        '--yes',
      ),
    );
    // The gateways stand on the addresses brought, one per zone, and no other address was allocated.
    const nats = await liveNats();
    expect(nats.flatMap((n) => n.NatGatewayAddresses?.map((x) => x.AllocationId) ?? []).sort()).toEqual(
      [a.allocationId, b.allocationId].sort(),
    );
    expect((await account.ec2.send(new DescribeAddressesCommand({}))).Addresses).toHaveLength(2);

    const holds = await statusJson(b.publicIp, a.publicIp);
    expect(holds.run.code, holds.run.stderr).toBe(ExitCode.ok);
    expect(holds.report.allowlist).toMatchObject({ ok: true, added: [], missing: [] });

    // By hand: zone B's traffic moves to a new gateway on a fresh address, and the old one goes.
    const old = nats.find((n) => n.NatGatewayAddresses?.[0]?.AllocationId === b.allocationId)!;
    const fresh = await address();
    const made = await account.ec2.send(
      new CreateNatGatewayCommand({ SubnetId: old.SubnetId, AllocationId: fresh.allocationId }),
    );
    const tables = await account.ec2.send(
      new DescribeRouteTablesCommand({
        Filters: [{ Name: 'route.nat-gateway-id', Values: [old.NatGatewayId!] }],
      }),
    );
    for (const table of tables.RouteTables ?? [])
      await account.ec2.send(
        new ReplaceRouteCommand({
          RouteTableId: table.RouteTableId,
          DestinationCidrBlock: '0.0.0.0/0',
          NatGatewayId: made.NatGateway!.NatGatewayId,
        }),
      );
    await account.ec2.send(new DeleteNatGatewayCommand({ NatGatewayId: old.NatGatewayId }));

    const changed = await statusJson(a.publicIp, b.publicIp);
    expect(changed.run.code).toBe(ExitCode.allowlistChanged);
    expect(changed.report.code).toBe('ALLOWLIST_CHANGED');
    expect(changed.report.allowlist).toMatchObject({
      ok: false,
      added: [fresh.publicIp],
      missing: [b.publicIp],
    });
    // In text, one line names both the address that left and the one that came.
    const text = await account.cli('status', '--expect-ips', `${a.publicIp},${b.publicIp}`);
    expect(text.code).toBe(ExitCode.allowlistChanged);
    const lines = `${text.stdout}\n${text.stderr}`.split('\n');
    expect(lines.filter((line) => line.includes(fresh.publicIp) && line.includes(b.publicIp))).not.toEqual(
      [],
    );
  });

  it('a mode change that adds an IP is announced as an allowlist change, and is not made on the cost consent alone', async () => {
    const vpcId = await seedUserVpc(account);
    await seedFunction(account, 'orders-api');
    const a = await address();
    ok(
      await account.cli(
        'setup',
        '--function',
        'orders-api',
        '--vpc',
        vpcId,
        '--az',
        A,
        '--az',
        B,
        '--eip',
        a.allocationId,
        '--yes',
      ),
    );
    const before = await inventory(account);

    // plan names the change; setup without a person or --yes announces it and stops, making nothing.
    const plan = await account.cli('plan', '--nat', 'gateway-per-az', '--json');
    expect(plan.code, plan.stderr).toBe(ExitCode.ok);
    const planned = JSON.parse(plan.stdout) as { allowlistChange?: unknown[] };
    expect(planned.allowlistChange).toHaveLength(1);
    const refused = await account.cli('setup', '--nat', 'gateway-per-az');
    expect(refused.code).toBe(EXIT_CODES.NO_TERMINAL);
    expect(refused.stderr).toMatch(
      /Allowlist change: traffic will also leave from a new Elastic IP in us-east-1b/,
    );
    expect(await inventory(account)).toEqual(before);

    // Brought for the new zone and consented to, the change is made and the stated list holds.
    const b = await address();
    ok(await account.cli('setup', '--nat', 'gateway-per-az', '--eip', `${B}=${b.allocationId}`, '--yes'));
    const holds = await statusJson(a.publicIp, b.publicIp);
    expect(holds.run.code, holds.run.stderr).toBe(ExitCode.ok);
    ok(await account.cli('teardown', '--yes'));
    expect(await liveNats()).toEqual([]);
  });
});
