import { mkdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { inTempDirectory, runMain, type Outcome } from '../support/main.js';

function only(run: Outcome): Record<string, unknown> {
  const lines = run.stdout.split('\n').filter((line) => line !== '');
  expect(lines, run.stdout).toHaveLength(1);
  return JSON.parse(lines[0] ?? '') as Record<string, unknown>;
}

inTempDirectory('fixed-ip-allowlist-');

describe('status and verify --expect-ips through main()', () => {
  it('exits 0 when the allowlist holds, 8 with code ALLOWLIST_CHANGED naming the change when it does not, 2 on a bad IP', async () => {
    const region = ['--simulate', '--region', 'eu-west-1'];
    const setup = await runMain([
      'setup',
      '--yes',
      '--nat',
      'gateway-per-az',
      '--azs',
      '2',
      '--json',
      ...region,
    ]);
    expect(setup.code, setup.stderr).toBe(ExitCode.ok);
    const ips = only(setup).elasticIps as string[];
    expect(ips).toHaveLength(2);

    const holds = await runMain(['status', '--json', '--expect-ips', ips.join(','), ...region]);
    expect(holds.code, holds.stderr).toBe(ExitCode.ok);
    expect(only(holds)).toMatchObject({ allowlist: { ok: true } });

    const [first = '', second = ''] = ips;
    const changed = await runMain([
      'status',
      '--json',
      '--expect-ips',
      first,
      '--expect-ips',
      '198.51.100.7',
      ...region,
    ]);
    expect(changed.code).toBe(ExitCode.allowlistChanged);
    expect(ExitCode.allowlistChanged).toBe(8);
    expect(only(changed)).toMatchObject({
      code: 'ALLOWLIST_CHANGED',
      allowlist: { ok: false, added: [second], missing: ['198.51.100.7'] },
    });

    const text = await runMain(['status', '--expect-ips', first, ...region]);
    expect(text.code).toBe(ExitCode.allowlistChanged);
    expect(text.stdout).toContain(`now also leaves from ${second}`);

    const bad = await runMain(['status', '--expect-ips', 'nope', ...region]);
    expect(bad.code).toBe(ExitCode.usage);

    // verify holds what its probes saw from inside the VPC to the same list.
    const verified = await runMain(['verify', '--json', '--expect-ips', ips.join(','), ...region]);
    expect(verified.code, verified.stderr).toBe(ExitCode.ok);
    expect(only(verified)).toMatchObject({ ok: true, allowlist: { ok: true } });
    const astray = await runMain(['verify', '--json', '--expect-ips', `${first},198.51.100.7`, ...region]);
    expect(astray.code).toBe(ExitCode.allowlistChanged);
    expect(only(astray)).toMatchObject({
      code: 'ALLOWLIST_CHANGED',
      allowlist: { added: [second], missing: ['198.51.100.7'] },
    });
  }, 120_000);

  it('takes the stated list from .fixed-ip/config.json when no --expect-ips is given (the flag wins), and says where it came from', async () => {
    const region = ['--simulate', '--region', 'us-west-2', '--name', 'configured'];
    const setup = await runMain(['setup', '--yes', '--json', '--function', 'orders-api', ...region]);
    expect(setup.code, setup.stderr).toBe(ExitCode.ok);
    const ips = only(setup).elasticIps as string[];
    mkdirSync('.fixed-ip', { recursive: true });
    const config = (expectIps: unknown): void =>
      writeFileSync('.fixed-ip/config.json', JSON.stringify({ expectIps }));

    config({ configured: ips, other: ['198.51.100.9'] });
    const holds = await runMain(['status', '--json', ...region]);
    expect(holds.code, holds.stderr).toBe(ExitCode.ok);
    expect(only(holds)).toMatchObject({
      allowlist: { ok: true, expected: ips, source: '.fixed-ip/config.json' },
    });
    const verified = await runMain(['verify', '--json', ...region]);
    expect(verified.code, verified.stderr).toBe(ExitCode.ok);
    expect(only(verified)).toMatchObject({ allowlist: { ok: true, source: '.fixed-ip/config.json' } });

    config({ configured: ['198.51.100.7'] });
    const changed = await runMain(['status', '--json', ...region]);
    expect(changed.code).toBe(ExitCode.allowlistChanged);
    expect(only(changed)).toMatchObject({
      code: 'ALLOWLIST_CHANGED',
      allowlist: { added: ips, missing: ['198.51.100.7'], source: '.fixed-ip/config.json' },
    });
    // The flag wins over the file.
    const flag = await runMain(['status', '--json', '--expect-ips', ips.join(','), ...region]);
    expect(flag.code, flag.stderr).toBe(ExitCode.ok);
    expect(only(flag)).toMatchObject({ allowlist: { ok: true, source: '--expect-ips' } });

    // A stack the file names no list for is held to none.
    config({ other: ['198.51.100.7'] });
    const none = await runMain(['status', '--json', ...region]);
    expect(none.code, none.stderr).toBe(ExitCode.ok);
    expect(only(none).allowlist).toBeUndefined();

    // A malformed entry: one line, exit 2, before any AWS call.
    for (const [bad, line] of [
      [{ configured: '203.0.113.10' }, /"expectIps.configured" in .*config.json must be a list of IPs/],
      [
        { configured: ['203.0.113.300'] },
        /"expectIps.configured" in .*config.json "203.0.113.300" is not an IPv4 address/,
      ],
      [['203.0.113.10'], /"expectIps" in .*config.json must map stack names to lists of IPs/],
    ] as const) {
      config(bad);
      for (const command of ['status', 'verify']) {
        const refused = await runMain([command, ...region]);
        expect(refused.code).toBe(ExitCode.usage);
        expect(refused.stderr.trim().split('\n')).toHaveLength(1);
        expect(refused.stderr).toMatch(line);
      }
    }
  }, 120_000);
});
