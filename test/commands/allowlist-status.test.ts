import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setup, type SetupOptions } from '../../src/commands/setup.js';
import { status } from '../../src/commands/status.js';
import { EXIT_CODES, ExitCode } from '../../src/errors.js';
import { compareAllowlist, parseExpectIps } from '../../src/engine/allowlist.js';
import { recordsOf } from '../../src/state/schema.js';
import { createTestAccount, type TestAccount } from '../support/env.js';

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

beforeEach(() => {
  account = createTestAccount();
  vpcId = account.sim.addVpc({ cidr: '10.0.0.0/16' });
  account.sim.addFunction({ name: 'orders-api', roleHasVpcAccess: true });
});
afterEach(() => account.restore());

type Ec2Out = Record<string, unknown> & {
  NatGateway?: { NatGatewayId: string };
  AllocationId?: string;
  PublicIp?: string;
};
const ec2 = (operation: string, input: object) =>
  account.sim.handle('ec2', operation, input) as Promise<Ec2Out>;

/** A two-zone gateway-per-az stack built with two adopted addresses. */
async function twoAdopted() {
  const a = account.sim.addAddress();
  const c = account.sim.addAddress();
  await setup(options({ eip: [`${A}=${a.allocationId}`, `${C}=${c.allocationId}`] }), account.deps());
  return { a, c };
}

/** Replaces zone C's NAT gateway by hand with one on a fresh address, and points C's route at it. */
async function replaceNatByHand() {
  const state = account.readState();
  if (!state) throw new Error('no state');
  const nat = recordsOf(state, 'natGateway').find((r) => r.zone === C);
  const subnet = recordsOf(state, 'publicSubnet').find((r) => r.zone === C);
  const table = recordsOf(state, 'privateRouteTable').find((r) => r.zone === C);
  const fresh = await ec2('AllocateAddress', { Domain: 'vpc' });
  const made = await ec2('CreateNatGateway', { SubnetId: subnet?.id, AllocationId: fresh.AllocationId });
  account.clock.advance(5 * 60_000);
  await ec2('ReplaceRoute', {
    RouteTableId: table?.id,
    DestinationCidrBlock: '0.0.0.0/0',
    NatGatewayId: made.NatGateway?.NatGatewayId,
  });
  await ec2('DeleteNatGateway', { NatGatewayId: nat?.id });
  account.clock.advance(5 * 60_000);
  return fresh.PublicIp ?? '';
}

describe('status --expect-ips', () => {
  it('passes while traffic leaves from the stated IPs, and names what changed once a NAT is replaced by hand', async () => {
    const { a, c } = await twoAdopted();
    const holds = await status({ name: 'default', expectIps: [c.publicIp, a.publicIp] }, account.deps());
    expect(holds.allowlist).toMatchObject({ ok: true, added: [], missing: [] });
    expect(holds.code).toBeUndefined();
    expect(holds.allowlist?.live).toEqual([a.publicIp, c.publicIp].sort());

    const fresh = await replaceNatByHand();
    const deps = account.deps();
    const changed = await status({ name: 'default', expectIps: [a.publicIp, c.publicIp] }, deps);
    expect(changed.code).toBe('ALLOWLIST_CHANGED');
    expect(changed.allowlist).toMatchObject({ ok: false, added: [fresh], missing: [c.publicIp] });
    expect(EXIT_CODES[changed.code ?? 'DRIFTED']).toBe(ExitCode.allowlistChanged);
    expect(deps.recording.results.some((line) => line.includes(fresh) && line.includes(c.publicIp))).toBe(
      true,
    );
  });

  it('fails when an address stated is not the stack’s at all, and says nothing of an allowlist when none is stated', async () => {
    const { a } = await twoAdopted();
    const report = await status({ name: 'default', expectIps: [a.publicIp, '203.0.113.9'] }, account.deps());
    expect(report.code).toBe('ALLOWLIST_CHANGED');
    expect(report.allowlist?.missing).toEqual(['203.0.113.9']);
    const plain = await status({ name: 'default' }, account.deps());
    expect(plain.allowlist).toBeUndefined();
    expect(plain.code).toBeUndefined();
  });
});

describe('the allowlist check', () => {
  it('parses comma-separated and repeated IPs, and refuses what is not an IPv4 address', () => {
    expect(parseExpectIps(['203.0.113.2,203.0.113.1', '203.0.113.1'])).toEqual([
      '203.0.113.1',
      '203.0.113.2',
    ]);
    expect(parseExpectIps(undefined)).toBeUndefined();
    expect(() => parseExpectIps(['203.0.113.256'])).toThrow(/not an IPv4 address/);
    expect(() => parseExpectIps([','])).toThrow(/names no IP/);
  });

  it('names added and missing IPs', () => {
    expect(compareAllowlist(['1.1.1.1', '2.2.2.2'], ['2.2.2.2', '3.3.3.3'])).toEqual({
      expected: ['1.1.1.1', '2.2.2.2'],
      live: ['2.2.2.2', '3.3.3.3'],
      added: ['3.3.3.3'],
      missing: ['1.1.1.1'],
      ok: false,
    });
  });
});

describe('an allowlist change setup would make', () => {
  /** A one-gateway stack (one IP allowlisted) about to become gateway-per-az (a second IP). */
  async function oneGateway() {
    await setup(options({ nat: 'gateway' }), account.deps());
    return JSON.stringify(account.sim.snapshot());
  }
  const perAz = { nat: 'gateway-per-az' as const, yes: false };

  it('is announced and refused without a terminal or --yes, before anything is created', async () => {
    const before = await oneGateway();
    const deps = account.deps({ interactive: false });
    const error = await setup(options(perAz), deps).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CONSENT_REQUIRED' });
    expect((error as Error).message).toContain(C);
    expect(deps.recording.messages.map((m) => m.code)).toContain('setup.allowlist');
    expect(JSON.stringify(account.sim.snapshot())).toBe(before);
  });

  it('is asked on its own, before the cost; declining it changes nothing', async () => {
    const before = await oneGateway();
    const deps = account.deps({
      interactive: true,
      answers: { 'setup.confirm.allowlist': false, 'setup.confirm': true },
    });
    const error = await setup(options(perAz), deps).catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    expect(deps.recording.questions.map((q) => q.code)).toEqual(['setup.confirm.allowlist']);
    expect(JSON.stringify(account.sim.snapshot())).toBe(before);
  });

  it('goes ahead with both answers yes, and --yes covers both; a re-run asks nothing', async () => {
    await oneGateway();
    const deps = account.deps({
      interactive: true,
      answers: { 'setup.confirm.allowlist': true, 'setup.confirm': true },
    });
    const result = await setup(options(perAz), deps);
    expect(deps.recording.questions.map((q) => q.code)).toEqual(['setup.confirm.allowlist', 'setup.confirm']);
    expect(result.elasticIps).toHaveLength(2);
    const again = account.deps({ interactive: false });
    await setup(options({ nat: 'gateway-per-az' }), again);
    expect(again.recording.messages.map((m) => m.code)).not.toContain('setup.allowlist');
  });
});

describe('plan names an allowlist change', () => {
  it('for a mode change that adds an IP, and none for a new stack or a re-run', async () => {
    const { plan } = await import('../../src/commands/plan.js');
    const fresh = await plan(options({ nat: 'gateway' }), account.deps());
    expect(fresh.allowlistChange).toEqual([]);
    await setup(options({ nat: 'gateway' }), account.deps());
    expect((await plan(options({ nat: 'gateway' }), account.deps())).allowlistChange).toEqual([]);
    const deps = account.deps();
    const change = await plan(options({ nat: 'gateway-per-az' }), deps);
    expect(change.allowlistChange).toEqual([C]);
    expect(deps.recording.results.some((line) => line.includes('Allowlist change'))).toBe(true);
  });
});
