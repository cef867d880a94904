import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setup, type SetupOptions } from '../../src/commands/setup.js';
import { setupSummary } from '../../src/summary.js';
import { createTestAccount, type TestAccount } from '../support/env.js';

let account: TestAccount;
let vpcId: string;

const options = (extra: Partial<SetupOptions> = {}): SetupOptions => ({
  functions: ['orders-api'],
  vpc: vpcId,
  name: 'default',
  yes: true,
  az: ['ap-northeast-1a', 'ap-northeast-1c'],
  ...extra,
});

beforeEach(() => {
  account = createTestAccount();
  vpcId = account.sim.addVpc({ cidr: '10.0.0.0/16', name: 'app' });
  account.sim.addFunction({ name: 'orders-api' });
});
afterEach(() => account.restore());

describe('the summary setup ends with', () => {
  it('draws each zone’s path, says what was created and reused, the IPs, the cost and the next commands', async () => {
    const result = await setup(options({ nat: 'gateway-per-az' }), account.deps());
    const state = account.readState();
    const lines = setupSummary(result);
    const path = (zone: string) =>
      `${zone}: ${state?.resources[`privateSubnet@${zone}`]?.id ?? ''} → ${state?.resources[`natGateway@${zone}`]?.id ?? ''} → ${(state?.resources[`elasticIp@${zone}`] as { publicIp: string }).publicIp} → ${state?.internetGateway?.id ?? ''}`;
    expect(lines).toContain(`    ${path('ap-northeast-1a')}`);
    expect(lines).toContain(`    ${path('ap-northeast-1c')}`);
    expect(lines).toContain('  orders-api');
    expect(lines.find((l) => l.startsWith('  Created:'))).toMatch(/2 x NAT gateway/);
    expect(lines.find((l) => l.startsWith('  Reused:'))).toBe(`  Reused:  VPC ${vpcId}`);
    expect(lines).toContain(`  IPs to allowlist: ${result.elasticIps.join(', ')}`);
    expect(lines.slice(-3)).toEqual([
      '    is it still wired?         fixed-ip status',
      '    prove the IP from inside:  fixed-ip verify',
      '    stop the hourly charge:    fixed-ip teardown',
    ]);
  });

  it('a re-run that changes nothing says "No changes" with the IP', async () => {
    await setup(options(), account.deps());
    const again = await setup(options(), account.deps());
    expect(setupSummary(again)).toEqual([
      `No changes: stack default is as setup left it; allowlisted IP ${again.elasticIp}`,
    ]);
  });
});
