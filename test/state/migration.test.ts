/**
 * A stack made by the first release (state version 1, kept byte for byte in test/fixtures/v1)
 * migrates on read: status shows it healthy, a re-run of setup changes nothing in AWS, teardown
 * removes it cleanly; the v1 file is kept beside the state as `<state>.v1.bak`.
 */
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { setup } from '../../src/commands/setup.js';
import { status } from '../../src/commands/status.js';
import { teardown } from '../../src/commands/teardown.js';
import { createTestAccount, mutatingCalls, type TestAccount } from '../support/env.js';

const fixture = (name: string, file: string): string =>
  new URL(`../fixtures/v1/${name}/${file}`, import.meta.url).pathname;

let account: TestAccount;
afterEach(() => account.restore());

function open(name: string): string {
  const state = readFileSync(fixture(name, 'state.json'), 'utf8');
  const saved = JSON.parse(state) as { updatedAt: string };
  account = createTestAccount({
    saved: {
      account: JSON.parse(readFileSync(fixture(name, 'account.json'), 'utf8')),
      at: Date.parse(saved.updatedAt),
    },
  });
  copyFileSync(fixture(name, 'state.json'), account.statePath());
  return state;
}

describe('a stack made by the first release (state version 1)', () => {
  it('shows healthy, re-runs with 0 mutating calls, keeps the v1 file, and tears down cleanly', async () => {
    const v1 = open('live-stack');
    const before = JSON.stringify(account.sim.snapshot());
    const ip = (JSON.parse(v1) as { elasticIp: { publicIp: string } }).elasticIp.publicIp;

    const report = await status({ name: 'default', json: true }, account.deps());
    expect(report.problems).toEqual([]);
    expect(report.healthy).toBe(true);
    expect(report.elasticIp).toBe(ip);
    expect(report.zones).toEqual(['ap-northeast-1a']);
    expect(report.natMode).toBe('gateway');
    // Reading migrates in memory only: the file is still v1 until something is written.
    expect(readFileSync(account.statePath(), 'utf8')).toBe(v1);
    expect(readFileSync(`${account.statePath()}.v1.bak`, 'utf8')).toBe(v1);
    expect(JSON.stringify(account.sim.snapshot())).toBe(before);

    const result = await setup({ name: 'default', functions: [], yes: true }, account.deps());
    expect(mutatingCalls(account.sim)).toEqual([]);
    expect(result.changed).toBe(false);
    expect(result.elasticIps).toEqual([ip]);
    expect(JSON.stringify(account.sim.snapshot())).toBe(before);
    const migrated = JSON.parse(readFileSync(account.statePath(), 'utf8')) as {
      version: number;
      shape: unknown;
    };
    expect(migrated.version).toBe(2);
    expect(migrated.shape).toEqual({ nat: 'gateway', zones: ['ap-northeast-1a'] });
    expect(readFileSync(`${account.statePath()}.v1.bak`, 'utf8')).toBe(v1);

    await teardown({ name: 'default', yes: true }, account.deps());
    const after = account.sim.snapshot() as {
      subnets: unknown[];
      natGateways: unknown[];
      addresses: unknown[];
      routeTables: Array<{ main: boolean }>;
    };
    expect(after.natGateways).toEqual([]);
    expect(after.addresses).toEqual([]);
    expect(after.routeTables.every((t) => t.main)).toBe(true);
    expect(existsSync(account.statePath())).toBe(false);
  });

  it('with only a kept Elastic IP (teardown --keep-eip): setup brings the stack back with the same IP', async () => {
    const v1 = open('kept-eip');
    const ip = (JSON.parse(v1) as { elasticIp: { publicIp: string } }).elasticIp.publicIp;
    const parked = await status({ name: 'default', json: true }, account.deps());
    expect(parked.elasticIp).toBe(ip);
    const result = await setup({ name: 'default', functions: ['orders-api'], yes: true }, account.deps());
    expect(result.elasticIps).toEqual([ip]);
    const report = await status({ name: 'default', json: true }, account.deps());
    expect(report.healthy).toBe(true);
    expect(report.elasticIps).toEqual([ip]);
  });

  it('a v1 file that no release could have written is refused and left as it is', async () => {
    open('live-stack');
    const broken = JSON.stringify({
      ...JSON.parse(readFileSync(fixture('live-stack', 'state.json'), 'utf8')),
      natGateway: 'nat-1',
    });
    const { writeFileSync } = await import('node:fs');
    writeFileSync(account.statePath(), broken);
    await expect(status({ name: 'default' }, account.deps())).rejects.toMatchObject({
      code: 'STATE_INVALID',
    });
    expect(readFileSync(account.statePath(), 'utf8')).toBe(broken);
  });
});
