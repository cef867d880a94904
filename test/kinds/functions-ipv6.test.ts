/**
 * The IPv6 bypass guard: a function allowed to send IPv6 from dual-stack subnets would reach
 * dual-stack destinations without the NAT, so setup turns Ipv6AllowedForDualStack off (Lambda keeps
 * it when a VpcConfig leaves it out), keeps the previous value with the previous network, and
 * detach/teardown turn it back on; plan and status name a function that has it on.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { plan } from '../../src/commands/plan.js';
import { setup, type SetupOptions } from '../../src/commands/setup.js';
import { status } from '../../src/commands/status.js';
import { teardown } from '../../src/commands/teardown.js';
import { TAG_PREVIOUS } from '../../src/kinds/function-tags.js';
import { decodeVpcConfig, encodeVpcConfig } from '../../src/model/tags.js';
import { createTestAccount, type TestAccount } from '../support/env.js';

let account: TestAccount;
let vpcId: string;
let dualStack: string;
let group: string;

const options = (extra: Partial<SetupOptions> = {}): SetupOptions => ({
  functions: ['orders-api'],
  vpc: vpcId,
  name: 'default',
  yes: true,
  ...extra,
});
const lambda = (operation: string, input: object) => account.sim.handle('lambda', operation, input);
const live = async (): Promise<{ SubnetIds: string[]; Ipv6AllowedForDualStack?: boolean }> =>
  (await lambda('GetFunctionConfiguration', { FunctionName: 'orders-api' })).VpcConfig;
const snapshot = (): string => JSON.stringify(account.sim.snapshot());

beforeEach(() => {
  account = createTestAccount({ timings: { eniReleaseMs: 5 * 60_000 } });
  vpcId = account.sim.addVpc({ cidr: '10.0.0.0/16', name: 'app' });
  dualStack = account.sim.addSubnet({
    vpcId,
    cidr: '10.0.200.0/24',
    az: 'ap-northeast-1a',
    ipv6Cidr: '2600:1f18:aaaa:bb00::/64',
  });
  group = account.sim.addSecurityGroup({ vpcId, name: 'app' });
});

afterEach(() => account.restore());

describe('a function with Ipv6AllowedForDualStack on, in dual-stack subnets', () => {
  beforeEach(() => {
    account.sim.addFunction({
      name: 'orders-api',
      vpc: { subnetIds: [dualStack], securityGroupIds: [group], ipv6AllowedForDualStack: true },
    });
  });

  it('plan names it as a function that could leave over IPv6, and setup turns it off', async () => {
    const report = await plan(options(), account.deps());
    const step = report.steps.find((s) => s.key === 'functions');
    expect(step?.detail).toMatch(/orders-api has Ipv6AllowedForDualStack on.*which setup turns off/);
    await setup(options(), account.deps());
    const after = await live();
    expect(after.SubnetIds).not.toContain(dualStack);
    expect(after.Ipv6AllowedForDualStack).toBe(false);
  });

  it('setup keeps the previous value in the state and on the function’s tags; teardown restores it exactly', async () => {
    const before = snapshot();
    await setup(options(), account.deps());
    expect(account.readState()?.functions['orders-api']?.previous).toEqual({
      subnetIds: [dualStack],
      securityGroupIds: [group],
      ipv6AllowedForDualStack: true,
    });
    const tags = (await lambda('GetFunction', { FunctionName: 'orders-api' })).Tags;
    expect(decodeVpcConfig(tags[TAG_PREVIOUS])).toEqual({
      subnetIds: [dualStack],
      securityGroupIds: [group],
      ipv6AllowedForDualStack: true,
    });
    await teardown({ name: 'default', yes: true }, account.deps());
    expect(await live()).toMatchObject({ SubnetIds: [dualStack], Ipv6AllowedForDualStack: true });
    expect(snapshot()).toBe(before);
  });
});

/** Someone ticks "Allow IPv6 traffic for dual-stack subnets" in the console, keeping the network. */
async function turnOnByHand(): Promise<void> {
  const now = (await lambda('GetFunctionConfiguration', { FunctionName: 'orders-api' })).VpcConfig;
  await lambda('UpdateFunctionConfiguration', {
    FunctionName: 'orders-api',
    VpcConfig: {
      SubnetIds: now.SubnetIds,
      SecurityGroupIds: now.SecurityGroupIds,
      Ipv6AllowedForDualStack: true,
    },
  });
  account.clock.advance(5 * 60_000);
}

describe('a function with no VPC before', () => {
  beforeEach(() => {
    account.sim.addFunction({ name: 'orders-api' });
  });

  it('turned on by hand after the move: status names it as drift, and setup turns it off again', async () => {
    await setup(options(), account.deps());
    await turnOnByHand();
    const report = await status({ name: 'default', json: true }, account.deps());
    expect(report.healthy).toBe(false);
    expect(report.functions).toEqual([{ name: 'orders-api', attached: true, ipv6: true }]);
    expect(report.problems.find((p) => p.includes('orders-api'))).toMatch(
      /orders-api has Ipv6AllowedForDualStack on: in dual-stack subnets its IPv6 traffic leaves without the fixed IP; run fixed-ip setup --name default/,
    );
    const planned = await plan(options(), account.deps());
    expect(planned.steps.find((s) => s.key === 'functions')?.detail).toMatch(/Ipv6AllowedForDualStack on/);
    await setup(options(), account.deps());
    expect((await live()).Ipv6AllowedForDualStack).toBe(false);
    expect((await status({ name: 'default', json: true }, account.deps())).healthy).toBe(true);
  });

  it('turned on by hand, teardown still takes it out of the VPC (AWS refuses it on without subnets)', async () => {
    await setup(options(), account.deps());
    await turnOnByHand();
    const result = await teardown({ name: 'default', yes: true }, account.deps());
    expect(result.finished).toBe(true);
    expect(await live()).toMatchObject({ SubnetIds: [] });
  });
});

describe('the previous network as a tag value', () => {
  it('marks IPv6 after subnets and groups; a value without the mark (older releases) reads as off', () => {
    const on = {
      subnetIds: ['subnet-1', 'subnet-2'],
      securityGroupIds: ['sg-1'],
      ipv6AllowedForDualStack: true,
    };
    expect(encodeVpcConfig(on)).toBe('subnet-1+subnet-2/sg-1/ipv6');
    expect(decodeVpcConfig('subnet-1+subnet-2/sg-1/ipv6')).toEqual(on);
    expect(decodeVpcConfig('subnet-1+subnet-2/sg-1')).toEqual({
      subnetIds: ['subnet-1', 'subnet-2'],
      securityGroupIds: ['sg-1'],
    });
    expect(encodeVpcConfig({ subnetIds: ['subnet-1'], securityGroupIds: ['sg-1'] })).toBe('subnet-1/sg-1');
  });
});
