import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { plan } from '../../src/commands/plan.js';
import { setup, type SetupOptions } from '../../src/commands/setup.js';
import { FixedIpError } from '../../src/errors.js';
import { recordsOf } from '../../src/state/schema.js';
import { createTestAccount, mutatingCalls, type TestAccount } from '../support/env.js';

let account: TestAccount;
let vpcId: string;
const A = 'ap-northeast-1a';
const C = 'ap-northeast-1c';

const options = (extra: Partial<SetupOptions> = {}): SetupOptions => ({
  functions: ['orders-api'],
  vpc: vpcId,
  name: 'default',
  yes: true,
  az: [A, C],
  nat: 'gateway-per-az',
  ...extra,
});
const snapshot = (): string => JSON.stringify(account.sim.snapshot());

beforeEach(() => {
  account = createTestAccount();
  vpcId = account.sim.addVpc({ cidr: '10.0.0.0/16' });
  account.sim.addFunction({ name: 'orders-api', roleHasVpcAccess: true });
});
afterEach(() => account.restore());

/** The stack's Elastic IP records by zone: allocation id and whether the stack owns it. */
function addressRecords(): Record<string, { id: string; owned: boolean }> {
  const state = account.readState();
  if (!state) return {};
  return Object.fromEntries(
    recordsOf(state, 'elasticIp').map((r) => [r.zone ?? '', { id: r.id, owned: r.owned }]),
  );
}

describe('--eip per zone', () => {
  it.each([
    ['gateway-per-az', (a: string, c: string) => [`${A}=${a}`, `${C}=${c}`]],
    ['gateway-per-az', (a: string, c: string) => [a, `${C}=${c}`]],
    ['regional', (a: string, c: string) => [`${C}=${c}`, `${A}=${a}`]],
  ] as const)(
    '%s: adopts an address in every zone, allocates none, and plan names them before',
    async (nat, flags) => {
      const a = account.sim.addAddress();
      const c = account.sim.addAddress();
      const eip = flags(a.allocationId, c.allocationId);

      const before = await plan({ ...options({ nat, eip }) }, account.deps());
      expect(before.ips).toEqual([
        { zone: A, ip: a.publicIp, status: 'adopted' },
        { zone: C, ip: c.publicIp, status: 'adopted' },
      ]);

      const result = await setup(options({ nat, eip }), account.deps());
      expect(result.elasticIps.sort()).toEqual([a.publicIp, c.publicIp].sort());
      expect(addressRecords()).toEqual({
        [A]: { id: a.allocationId, owned: false },
        [C]: { id: c.allocationId, owned: false },
      });
      expect(mutatingCalls(account.sim)).not.toContain('AllocateAddress');

      const after = await plan({ ...options({ nat, eip }) }, account.deps());
      expect(after.ips.map((ip) => ip.status)).toEqual(['kept', 'kept']);
    },
  );

  it('adopts one zone and allocates the other: plan says which IP is new', async () => {
    const c = account.sim.addAddress();
    const report = await plan(options({ eip: [`${C}=${c.allocationId}`] }), account.deps());
    expect(report.ips).toEqual([
      { zone: A, ip: null, status: 'new' },
      { zone: C, ip: c.publicIp, status: 'adopted' },
    ]);
    await setup(options({ eip: [`${C}=${c.allocationId}`] }), account.deps());
    const records = addressRecords();
    expect(records[C]).toEqual({ id: c.allocationId, owned: false });
    expect(records[A]?.owned).toBe(true);
    expect(mutatingCalls(account.sim).filter((op) => op === 'AllocateAddress')).toHaveLength(1);
  });

  it('teardown releases the addresses the stack allocated and keeps the adopted ones', async () => {
    const { teardown } = await import('../../src/commands/teardown.js');
    const a = account.sim.addAddress();
    const c = account.sim.addAddress();
    await setup(options({ eip: [`${A}=${a.allocationId}`, `${C}=${c.allocationId}`] }), account.deps());
    await teardown({ name: 'default', yes: true }, account.deps());
    const described = (await account.sim.handle('ec2', 'DescribeAddresses', {})) as {
      Addresses: Array<{ AllocationId: string }>;
    };
    const left = described.Addresses.map((x) => x.AllocationId);
    expect(left.sort()).toEqual([a.allocationId, c.allocationId].sort());
  });

  describe('refusals before anything is created', () => {
    const cases: Array<[string, () => Partial<SetupOptions>, string, string]> = [
      [
        'an address associated elsewhere, for the second zone',
        () => ({ eip: [`${C}=${account.sim.addAddress({ associated: true }).allocationId}`] }),
        'EIP_IN_USE',
        'already associated',
      ],
      [
        "an address of a Local Zone's network border group",
        () => ({
          eip: [
            `${C}=${account.sim.addAddress({ networkBorderGroup: 'ap-northeast-1-tpe-1' }).allocationId}`,
          ],
        }),
        'EIP_WRONG_ZONE',
        'ap-northeast-1-tpe-1',
      ],
      [
        'a zone where the NAT mode has no address (one NAT gateway)',
        () => ({ nat: 'gateway', eip: [`${C}=${account.sim.addAddress().allocationId}`] }),
        'BAD_OPTION',
        C,
      ],
      [
        'a zone that is not the stack’s',
        () => ({ eip: [`ap-northeast-1d=${account.sim.addAddress().allocationId}`] }),
        'BAD_OPTION',
        'ap-northeast-1d',
      ],
      [
        'the first zone twice (plain and named)',
        () => {
          const [x, y] = [account.sim.addAddress(), account.sim.addAddress()];
          return { eip: [x.allocationId, `${A}=${y.allocationId}`] };
        },
        'BAD_OPTION',
        'two Elastic IPs',
      ],
      [
        'one address for two zones',
        () => {
          const x = account.sim.addAddress();
          return { eip: [`${A}=${x.allocationId}`, `${C}=${x.allocationId}`] };
        },
        'BAD_OPTION',
        'two zones',
      ],
      ['a malformed zone', () => ({ eip: ['moon=eipalloc-0123456789abcdef0'] }), 'BAD_OPTION', 'moon'],
    ];
    it.each(cases)('%s', async (_what, extra, code, named) => {
      const given = extra();
      const before = snapshot();
      const error = await setup(options(given), account.deps()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FixedIpError);
      expect((error as FixedIpError).code).toBe(code);
      expect((error as FixedIpError).line).toContain(named);
      expect(snapshot()).toBe(before);
      expect(account.readState()?.resources ?? {}).toEqual({});
    });
  });
});
