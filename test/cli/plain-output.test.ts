import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { ROOT } from '../e2e/build.js';
import { inTempDirectory, runMain } from '../support/main.js';
import { ESC, expectPlain } from '../support/plain.js';

/**
 * What scripts and logs see: without a colour terminal (a pipe, NO_COLOR, --no-color) the CLI
 * writes plain lines only, no colour, no spinner frames, no cursor moves; the result on stdout,
 * progress on stderr. `main()` runs in-process with fake streams, the simulated account in a temp
 * folder (the built binary with real pipes: test/e2e/pipes.test.ts).
 */

const IP_LINE = /^Allowlist this IP: (\d+\.\d+\.\d+\.\d+)$/;
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

const cli = runMain;

// The simulated account and the state files live under ./.fixed-ip of a temporary directory.
inTempDirectory('fixed-ip-plain-');

describe.concurrent('plain output (in-process main)', () => {
  // The two flows use separate regions, so separate simulated accounts, and run side by side.
  it('with pipes: setup, status and teardown print plain lines, the IP alone on stdout', async () => {
    const setup = await cli(['setup', '--simulate']);
    expect(setup.code, setup.stderr).toBe(ExitCode.ok);
    expectPlain(setup);
    // stdout holds the result line and nothing else, so `| tail -1` or a regex gets the IP.
    const lines = setup.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    const ip = IP_LINE.exec(lines[0] ?? '')?.[1];
    expect(ip).toBeDefined();
    // Progress and notices went to stderr, as plain lines.
    expect(setup.stderr).toContain('[simulated account] no AWS calls are made, nothing is billed');
    expect(setup.stderr).toContain('No terminal: taking the defaults');
    expect(setup.stderr).toMatch(
      /^Plan \(one NAT gateway in the first zone; zones ap-northeast-1a, ap-northeast-1c\):$/m,
    );
    expect(setup.stderr).toMatch(/^✔ .*NAT gateway/m);
    expect(setup.stderr).not.toContain('Allowlist this IP');

    const status = await cli(['status', '--simulate']);
    expect(status.code, status.stderr).toBe(ExitCode.ok);
    expectPlain(status);
    expect(status.stdout).toContain(ip);

    const json = await cli(['status', '--simulate', '--json']);
    expect(json.code).toBe(ExitCode.ok);
    expectPlain(json);
    expect(JSON.stringify(JSON.parse(json.stdout))).toContain(ip);

    const teardown = await cli(['teardown', '--simulate', '--yes']);
    expect(teardown.code, teardown.stderr).toBe(ExitCode.ok);
    expectPlain(teardown);
    expect(teardown.stdout).toMatch(/^Stack default is gone/);
    expect(teardown.stderr).toMatch(/^Will delete:$/m);
  }, 90_000);

  it('on a terminal: NO_COLOR and --no-color give plain text; otherwise there is colour', async () => {
    const flags = ['--simulate', '--region', 'us-east-1', '--name', 'tty'];
    const noColor = await cli(['setup', ...flags, '--function', 'orders-api'], {
      tty: true,
      env: { NO_COLOR: '1' },
    });
    expect(noColor.code, noColor.stderr).toBe(ExitCode.ok);
    expectPlain(noColor);
    expect(noColor.stdout).toMatch(/^Allowlist this IP: [\d.]+\n$/);

    // The control: the same fake terminal with colour allowed does get escape codes and the frame.
    const coloured = await cli(['setup', ...flags], { tty: true });
    expect(coloured.code, coloured.stderr).toBe(ExitCode.ok);
    expect(coloured.stderr).toMatch(ESC);
    expect(coloured.stdout).toMatch(/╭─+╮/);

    const flag = await cli(['teardown', ...flags, '--yes', '--no-color'], { tty: true });
    expect(flag.code, flag.stderr).toBe(ExitCode.ok);
    expectPlain(flag);
    expect(flag.stdout).toMatch(/^Stack tty is gone/);
  }, 90_000);

  it('--help lists setup, status and teardown on stdout', async () => {
    const run = await cli(['--help']);
    expect(run.code).toBe(ExitCode.ok);
    for (const command of ['setup', 'status', 'teardown'])
      expect(run.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    expectPlain(run);
    expect(run.stderr).toBe('');
  });

  it.each([['--version'], ['-v']])("%s prints package.json's version", async (flag) => {
    const run = await cli([flag]);
    expect(run.code).toBe(ExitCode.ok);
    expect(run.stdout).toBe(`${VERSION}\n`);
    expect(run.stderr).toBe('');
  });

  it.each([[['--bogus']], [['--bogus', 'setup']]])(
    'an unknown option (%j) is one line on stderr and exit 2',
    async (args) => {
      const run = await cli(args);
      expect(run.code).toBe(ExitCode.usage);
      expect(run.stdout).toBe('');
      expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(/^error: unknown option '--bogus'; see fixed-ip( setup)? --help\n$/);
    },
  );

  it('an unknown command is one line on stderr and exit 2', async () => {
    const run = await cli(['bogus']);
    expect(run.code).toBe(ExitCode.usage);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('a question with no terminal and no flag is a clear one-line error, not a hang', async () => {
    // --name other than default: the demo does not pick a function for you.
    const run = await cli(['setup', '--simulate', '--region', 'eu-west-1', '--name', 'nofn']);
    expect(run.code).toBe(ExitCode.usage);
    expectPlain(run);
    expect(run.stdout).toBe('');
    expect(run.stderr.trimEnd().split('\n').at(-1)).toMatch(
      /^error: no function given; pass --function <name>/,
    );
  });
});
