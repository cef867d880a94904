import { describe, expect, it } from 'vitest';
import { runFlags, withFlags } from '../../src/hints.js';

describe('hints repeat the flags that select the same stack', () => {
  const flags = runFlags('setup', {
    name: 'payments',
    state: './state dir/p.json',
    region: 'eu-west-1',
    profile: 'prod',
    simulate: true,
    nat: 'gateway-per-az',
    az: ['eu-west-1a', 'eu-west-1b'],
  });

  it('completes each command named in a hint, once per flag, shell-quoted', () => {
    expect(withFlags('run fixed-ip setup again to resume or `fixed-ip teardown` to remove it', flags)).toBe(
      "run fixed-ip setup --name payments --state './state dir/p.json' --region eu-west-1 --profile prod --simulate --nat gateway-per-az --az eu-west-1a --az eu-west-1b again to resume or `fixed-ip teardown --name payments --state './state dir/p.json' --region eu-west-1 --profile prod --simulate` to remove it",
    );
  });

  it('keeps what the hint already says, placeholders included, and does not take a word for a value', () => {
    const plain = runFlags('status', { name: 'payments', region: 'eu-west-1' });
    expect(
      withFlags('create one with: fixed-ip setup --name payments --function <name> --vpc <vpc-id>', plain),
    ).toBe(
      'create one with: fixed-ip setup --name payments --function <name> --vpc <vpc-id> --region eu-west-1',
    );
    expect(withFlags('run fixed-ip teardown --keep-eip, then setup', plain)).toBe(
      'run fixed-ip teardown --keep-eip --name payments --region eu-west-1, then setup',
    );
    expect(withFlags('run fixed-ip teardown --keep-eip then setup', plain)).toBe(
      'run fixed-ip teardown --keep-eip --name payments --region eu-west-1 then setup',
    );
  });

  it('teardown again keeps --keep-eip; the default stack adds nothing', () => {
    expect(
      withFlags('run `fixed-ip teardown` again', runFlags('teardown', { name: 'default', keepEip: true })),
    ).toBe('run `fixed-ip teardown --keep-eip` again');
    expect(withFlags('run fixed-ip setup to repair', runFlags('status', { name: 'default' }))).toBe(
      'run fixed-ip setup to repair',
    );
  });
});

describe('hints in the CLI’s own lines', () => {
  it('a missing stack: the "create one with" line repeats --name, --region and --simulate', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { main } = await import('../../src/cli.js');
    const { fakeStream } = await import('../support/streams.js');
    const home = process.cwd();
    const exitCodeBefore = process.exitCode;
    const cwd = mkdtempSync(join(tmpdir(), 'fixed-ip-hints-'));
    process.chdir(cwd);
    try {
      const stderr = fakeStream(false);
      const code = await main(
        ['node', 'fixed-ip', 'status', '--simulate', '--region', 'eu-west-2', '--name', 'billing'],
        {
          stdin: fakeStream(false).stream as unknown as NodeJS.ReadStream,
          stdout: fakeStream(false).stream as unknown as NodeJS.WriteStream,
          stderr: stderr.stream as unknown as NodeJS.WriteStream,
          env: { XDG_STATE_HOME: join(cwd, '.state') },
        },
      );
      expect(code).toBe(4);
      expect(stderr.text()).toContain(
        'create one with: fixed-ip setup --name billing --function <name> --vpc <vpc-id> --region eu-west-2 --simulate',
      );
    } finally {
      process.chdir(home);
      process.exitCode = exitCodeBefore;
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
