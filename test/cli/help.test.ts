import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { fakeStream } from '../support/streams.js';

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = fakeStream(false);
  const stderr = fakeStream(false);
  const code = await main(['node', 'fixed-ip', ...args], {
    stdin: fakeStream(false).stream as unknown as NodeJS.ReadStream,
    stdout: stdout.stream as unknown as NodeJS.WriteStream,
    stderr: stderr.stream as unknown as NodeJS.WriteStream,
    env: {},
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

let exitCodeBefore: typeof process.exitCode;
beforeAll(() => {
  exitCodeBefore = process.exitCode;
});
afterAll(() => {
  process.exitCode = exitCodeBefore;
});

describe('help', () => {
  it.each(['setup', 'plan', 'status', 'verify', 'teardown', 'iam-policy', 'completion'])(
    '%s --help: its own options, then the global ones, then Examples; no (default: []) noise',
    async (command) => {
      const { code, stdout } = await cli([command, '--help']);
      expect(code).toBe(0);
      expect(stdout).toMatch(new RegExp(`\\nExamples:\\n  \\$ fixed-ip ${command}`));
      expect(stdout).not.toContain('(default: [])');
      if (!['iam-policy', 'completion'].includes(command)) {
        expect(stdout.indexOf('Options:')).toBeLessThan(stdout.indexOf('Global options:'));
        expect(stdout.indexOf('--name <stack>')).toBeGreaterThan(stdout.indexOf('Global options:'));
      }
    },
  );

  it('state move --help lists its own --to and --json above the global options', async () => {
    const { code, stdout } = await cli(['state', 'move', '--help']);
    expect(code).toBe(0);
    const globals = stdout.indexOf('Global options:');
    expect(globals).toBeGreaterThan(0);
    expect(stdout.indexOf('--to <path|s3-url>')).toBeLessThan(globals);
    expect(stdout.indexOf('--json')).toBeLessThan(globals);
    expect(stdout.indexOf('--name <stack>')).toBeGreaterThan(globals);
  });

  it('an unknown command suggests the nearest one, on one line pointing at --help', async () => {
    const run = await cli(['stup']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("error: unknown command 'stup' (did you mean setup?); see fixed-ip --help\n");
  });

  it('an unknown option suggests the nearest one and points at the command’s help', async () => {
    const run = await cli(['teardown', '--keep-ip']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      "error: unknown option '--keep-ip' (did you mean --keep-eip?); see fixed-ip teardown --help\n",
    );
  });
});

describe('completion', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fixed-ip-completion-'));
    mkdirSync(join(dir, '.fixed-ip'));
    writeFileSync(join(dir, '.fixed-ip', 'payments.json'), '{}');
    writeFileSync(join(dir, '.fixed-ip', 'default.json'), '{}');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** What bash offers for the words typed so far (the last one being completed). */
  function complete(script: string, words: string[]): string[] {
    writeFileSync(join(dir, 'completion.bash'), script);
    const out = execFileSync(
      'bash',
      [
        '-c',
        `source ./completion.bash; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _fixed_ip; printf '%s\\n' "\${COMPREPLY[@]}"`,
      ],
      { cwd: dir, encoding: 'utf8' },
    );
    return out.split('\n').filter((line) => line !== '');
  }

  it('bash: commands, a command’s options, --nat choices and the stack names in ./.fixed-ip', async () => {
    const { code, stdout } = await cli(['completion', 'bash']);
    expect(code).toBe(0);
    expect(complete(stdout, ['fixed-ip', 'te'])).toEqual(['teardown']);
    expect(complete(stdout, ['fixed-ip', 'teardown', '--ke'])).toEqual(['--keep-eip']);
    expect(complete(stdout, ['fixed-ip', 'setup', '--nat', 'gateway-'])).toEqual(['gateway-per-az']);
    expect(complete(stdout, ['fixed-ip', 'status', '--name', ''])).toEqual(['default', 'payments']);
    expect(complete(stdout, ['fixed-ip', 'verify', '--js'])).toEqual(['--json']);
  });

  it('zsh runs the bash script through bashcompinit; fish gets its own, with the same options', async () => {
    const zsh = await cli(['completion', 'zsh']);
    expect(zsh.stdout).toMatch(/^#compdef fixed-ip\nautoload -U \+X bashcompinit && bashcompinit\n/);
    const fish = await cli(['completion', 'fish']);
    expect(fish.stdout).toContain(
      "complete -c fixed-ip -n '__fish_seen_subcommand_from teardown' -l keep-eip",
    );
    expect(fish.stdout).toContain("-l name -x -a '(__fixed_ip_stacks)'");
    expect(fish.stdout).toContain("-l nat -x -a 'gateway gateway-per-az regional instance'");
  });

  it('an unknown shell is a usage error', async () => {
    const run = await cli(['completion', 'tcsh']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: no completion for the shell "tcsh"; use one of bash, zsh, fish/);
  });
});
