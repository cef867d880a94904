import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { plan } from '../../src/commands/plan.js';
import { setup, type SetupOptions } from '../../src/commands/setup.js';
import { teardown } from '../../src/commands/teardown.js';
import { policyFor } from '../../src/engine/iam-policy.js';
import { FixedIpError } from '../../src/errors.js';
import { recordsOf } from '../../src/state/schema.js';
import { createTestAccount, mutatingCalls, type TestAccount } from '../support/env.js';

let account: TestAccount;
let vpcId: string;
const A = 'ap-northeast-1a';
const C = 'ap-northeast-1c';

const options = (pool: string, extra: Partial<SetupOptions> = {}): SetupOptions => ({
  functions: ['orders-api'],
  vpc: vpcId,
  name: 'default',
  yes: true,
  az: [A, C],
  nat: 'gateway-per-az',
  inputs: { eipPool: pool },
  ...extra,
});
const snapshot = (): string => JSON.stringify(account.sim.snapshot());

async function addresses(): Promise<
  Array<{ AllocationId: string; PublicIp: string; PublicIpv4Pool: string }>
> {
  const out = (await account.sim.handle('ec2', 'DescribeAddresses', {})) as {
    Addresses: Array<{ AllocationId: string; PublicIp: string; PublicIpv4Pool: string }>;
  };
  return out.Addresses;
}

beforeEach(() => {
  account = createTestAccount();
  vpcId = account.sim.addVpc({ cidr: '10.0.0.0/16' });
  account.sim.addFunction({ name: 'orders-api', roleHasVpcAccess: true });
});
afterEach(() => account.restore());

describe('--eip-pool', () => {
  it.each(['ipam', 'byoip'] as const)(
    '%s: plan names the new IPs as from the pool, setup allocates them from its CIDR and records it, teardown gives them back',
    async (type) => {
      const pool = account.sim.addAddressPool({ type, cidr: '198.18.0.0/29' });
      const before = await plan(options(pool), account.deps());
      expect(before.ips).toEqual([
        { zone: A, ip: null, status: 'new', pool },
        { zone: C, ip: null, status: 'new', pool },
      ]);
      expect(before.blockers).toEqual([]);
      const shown = account.deps();
      await plan(options(pool), shown);
      expect(shown.recording.results.join('\n')).toContain(`IP for ${A}: a new Elastic IP from pool ${pool}`);

      const result = await setup(options(pool), account.deps());
      const live = await addresses();
      expect(live).toHaveLength(2);
      for (const address of live) {
        expect(address.PublicIp).toMatch(/^198\.18\.0\.[0-7]$/);
        expect(address.PublicIpv4Pool).toBe(pool);
      }
      expect(result.elasticIps.sort()).toEqual(live.map((a) => a.PublicIp).sort());
      const state = account.readState();
      expect(recordsOf(state!, 'elasticIp').map((r) => r.pool)).toEqual([pool, pool]);

      // A re-run changes nothing and says where the kept IPs came from.
      const again = await plan({ ...options(pool), inputs: {} }, account.deps());
      expect(again.ips.map((ip) => [ip.status, ip.pool])).toEqual([
        ['kept', pool],
        ['kept', pool],
      ]);

      await teardown({ name: 'default', yes: true }, account.deps());
      expect(await addresses()).toEqual([]);
    },
  );

  it.each(['ipam', 'byoip'] as const)(
    '%s: runs under the policy iam-policy prints, which grants AllocateAddress (and the IPAM reads) on the pool',
    async (type) => {
      const pool = account.sim.addAddressPool({ type, cidr: '198.18.0.0/29' });
      account.sim.useCallerPolicy(policyFor(['setup', 'status', 'teardown']));
      const report = await plan(options(pool), account.deps());
      expect(report.permissions.missing).toEqual([]);
      await setup(options(pool), account.deps());
      expect(
        account.sim.calls.filter(
          (c) => /Unauthorized|AccessDenied/.test(c.outcome) && !(c.input as { DryRun?: boolean }).DryRun,
        ),
      ).toEqual([]);
      expect((await addresses()).map((a) => a.PublicIpv4Pool)).toEqual([pool, pool]);
      await teardown({ name: 'default', yes: true }, account.deps());
      account.sim.useCallerPolicy(undefined);
      expect(await addresses()).toEqual([]);
    },
  );

  describe('refusals before anything is created', () => {
    const cases: Array<[string, () => string, string]> = [
      ['an IPAM pool that does not exist', () => 'ipam-pool-0123456789abcdef0', 'no such IPAM pool'],
      ['a BYOIP pool that does not exist', () => 'ipv4pool-ec2-0123456789abcdef0', 'no such BYOIP pool'],
      [
        'a private IPAM pool',
        () => account.sim.addAddressPool({ type: 'ipam', cidr: '10.9.0.0/24', publicIpSource: null }),
        'not a public IPv4 pool',
      ],
      [
        'an IPAM pool of another region',
        () => account.sim.addAddressPool({ type: 'ipam', cidr: '198.18.0.0/29', locale: 'us-east-1' }),
        'locale is us-east-1',
      ],
      [
        "a BYOIP pool of a Local Zone's border group",
        () =>
          account.sim.addAddressPool({
            type: 'byoip',
            cidr: '198.18.0.0/29',
            locale: 'ap-northeast-1-tpe-1',
          }),
        'ap-northeast-1-tpe-1',
      ],
      [
        'a BYOIP pool with one free address for two zones',
        () => account.sim.addAddressPool({ type: 'byoip', cidr: '198.18.0.0/32' }),
        '1 of its addresses is free and setup needs 2',
      ],
      [
        'an IPAM pool with one free address for two zones',
        () => account.sim.addAddressPool({ type: 'ipam', cidr: '198.18.0.0/32' }),
        '1 of its addresses is free and setup needs 2',
      ],
    ];
    it.each(cases)('%s', async (_what, pool, named) => {
      const id = pool();
      const report = await plan(options(id), account.deps());
      expect(report.wouldSucceed).toBe(false);
      expect(report.blockers.join('\n')).toContain(named);
      const before = snapshot();
      const error = await setup(options(id), account.deps()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FixedIpError);
      expect((error as FixedIpError).code).toBe('PLAN_BLOCKED');
      expect((error as FixedIpError).line).toContain(`--eip-pool ${id}`);
      expect((error as FixedIpError).line).toContain(named);
      expect(snapshot()).toBe(before);
      expect(mutatingCalls(account.sim)).toEqual([]);
    });

    it('a pool id of neither kind is a bad option', async () => {
      const error = await setup(options('pool-123'), account.deps()).catch((e: unknown) => e);
      expect((error as FixedIpError).code).toBe('BAD_OPTION');
      expect((error as FixedIpError).line).toContain('--eip-pool "pool-123"');
      expect(mutatingCalls(account.sim)).toEqual([]);
    });
  });
});
