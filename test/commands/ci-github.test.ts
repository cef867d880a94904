import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ExitCode } from '../../src/errors.js';
import { VERSION } from '../../src/version.js';
import { inTempDirectory, runMain, type Outcome } from '../support/main.js';

/**
 * `fixed-ip ci github` writes the scheduled check; the file is validated against SchemaStore's
 * GitHub workflow schema (as @action-validator/core ships it) and its job summary is run with jq on
 * what status and verify print for a simulated stack.
 */

interface ValidationState {
  errors: Array<{ code: string; title: string; detail?: string; path?: string }>;
}
const { validateWorkflow } = createRequire(import.meta.url)('@action-validator/core') as {
  validateWorkflow: (src: string) => ValidationState;
};

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Workflow {
  on: { schedule: Array<{ cron: string }>; workflow_dispatch: unknown };
  permissions: Record<string, string>;
  jobs: { check: { steps: Step[] } };
}

function only(run: Outcome): Record<string, unknown> {
  const lines = run.stdout.split('\n').filter((line) => line !== '');
  expect(lines, run.stdout).toHaveLength(1);
  return JSON.parse(lines[0] ?? '') as Record<string, unknown>;
}

const ROLE = 'arn:aws:iam::123456789012:role/fixed-ip-ci';
const OUT = '.github/workflows/fixed-ip.yml';
const here = inTempDirectory('fixed-ip-ci-');

describe('fixed-ip ci github', () => {
  it('writes a workflow for a sample repository that passes the GitHub workflow schema: schedule, OIDC permissions, the role, status --json and verify held to the allowlist', async () => {
    const run = await runMain([
      'ci',
      'github',
      '--name',
      'payments',
      '--region',
      'eu-west-1',
      '--role-arn',
      ROLE,
      '--expect-ips',
      '203.0.113.11,203.0.113.10',
      '--state',
      's3://team-state/fixed-ip/',
    ]);
    expect(run.code, run.stderr).toBe(ExitCode.ok);
    const text = readFileSync(OUT, 'utf8');
    // It prints what it wrote: the path, then the file.
    expect(run.stderr).toContain(`Wrote ${OUT}`);
    expect(run.stdout).toBe(text);
    expect(run.stderr).toContain('fixed-ip iam-policy --for ci --repo OWNER/NAME --account 123456789012');

    expect(validateWorkflow(text).errors).toEqual([]);
    const workflow = parse(text) as Workflow;
    expect(workflow.on.schedule).toEqual([{ cron: '17 */6 * * *' }]);
    expect(workflow.on).toHaveProperty('workflow_dispatch');
    expect(workflow.permissions).toEqual({ 'id-token': 'write', contents: 'read' });
    const steps = workflow.jobs.check.steps;
    const credentials = steps.find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'));
    expect(credentials?.with).toMatchObject({ 'role-to-assume': ROLE, 'aws-region': 'eu-west-1' });
    const runs = steps.map((s) => s.run ?? '').join('\n');
    expect(runs).toContain(`npm install --global fixed-ip@${VERSION}`);
    const flags =
      '--name payments --region eu-west-1 --expect-ips 203.0.113.10,203.0.113.11 --state s3://team-state/fixed-ip/';
    expect(steps.find((s) => s.id === 'status')?.run).toContain(`fixed-ip status --json ${flags}`);
    expect(steps.find((s) => s.id === 'verify')?.run).toContain(`fixed-ip verify --json ${flags}`);
    expect(runs).toContain('$GITHUB_STEP_SUMMARY');
    // The credentials come before the commands, and the verdict runs whatever happened before it.
    const index = (step: Step | undefined): number => (step ? steps.indexOf(step) : -1);
    expect(index(credentials)).toBeLessThan(index(steps.find((s) => s.id === 'status')));
    expect(steps.at(-1)?.if).toBe('always()');

    // A workflow the schema refuses is told apart (the check is not one that always passes).
    expect(validateWorkflow(text.replace('runs-on:', 'runs-onn:')).errors).not.toEqual([]);
  });

  it('takes the allowlist from .fixed-ip/config.json, says a local state is found by its tags in CI, and prints one JSON object with --json', async () => {
    mkdirSync('.fixed-ip', { recursive: true });
    writeFileSync('.fixed-ip/config.json', JSON.stringify({ expectIps: { default: ['198.51.100.4'] } }));
    const out = join(here.dir(), 'ci', 'check.yml');
    const run = await runMain([
      'ci',
      'github',
      '--region',
      'ap-northeast-1',
      '--role-arn',
      ROLE,
      '--schedule',
      '*/30 9-17 * * MON-FRI',
      '--package',
      'https://example.com/fixed-ip-0.1.0.tgz',
      '--out',
      out,
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(ExitCode.ok);
    const report = only(run);
    expect(report).toMatchObject({
      name: 'default',
      path: out,
      expectIps: ['198.51.100.4'],
      expectIpsSource: '.fixed-ip/config.json',
      schedule: '*/30 9-17 * * MON-FRI',
      state: null,
      version: VERSION,
    });
    expect(report.workflow).toBe(readFileSync(out, 'utf8'));
    expect(validateWorkflow(report.workflow as string).errors).toEqual([]);
    expect(report.workflow).not.toContain('--state');
    expect(report.workflow).toContain('npm install --global https://example.com/fixed-ip-0.1.0.tgz');
    expect(report.workflow).toContain('--expect-ips 198.51.100.4');
    expect(run.stderr).toMatch(/which a CI runner cannot read: the check finds stack default by its tags/);
  });

  it('refuses bad input in one line (exit 2) and writes nothing; never replaces a file without --force', async () => {
    const base = [
      'ci',
      'github',
      '--region',
      'eu-west-1',
      '--role-arn',
      ROLE,
      '--expect-ips',
      '203.0.113.10',
    ];
    const cases: Array<[string[], RegExp]> = [
      [
        ['--schedule', '* * * *'],
        /--schedule "\* \* \* \*" is not a cron schedule GitHub runs: it has 4 fields/,
      ],
      [['--schedule', '61 * * * *'], /61 is outside the minute field's 0-59/],
      [['--schedule', 'daily * * * *'], /"daily" in the minute field is not a number/],
      [['--role-arn', 'fixed-ip-ci'], /--role-arn "fixed-ip-ci" is not an IAM role ARN/],
      [['--expect-ips', '203.0.113.300'], /--expect-ips "203.0.113.300" is not an IPv4 address/],
      [['--region', 'Europe'], /--region "Europe" is not an AWS region/],
      [['--name', 'no spaces'], /--name "no spaces" is not a valid stack name/],
    ];
    for (const [flags, line] of cases) {
      const run = await runMain([...base, ...flags, '--out', 'refused.yml']);
      expect(run.code, flags.join(' ')).toBe(ExitCode.usage);
      expect(run.stderr.trim().split('\n'), run.stderr).toHaveLength(1);
      expect(run.stderr).toMatch(line);
      expect(existsSync('refused.yml')).toBe(false);
    }
    const noList = await runMain([
      'ci',
      'github',
      '--region',
      'eu-west-1',
      '--role-arn',
      ROLE,
      '--name',
      'x',
    ]);
    expect(noList.code).toBe(ExitCode.usage);
    expect(noList.stderr).toMatch(/no allowlist stated for stack x; pass --expect-ips/);
    const noRole = await runMain(['ci', 'github', '--region', 'eu-west-1', '--expect-ips', '203.0.113.10']);
    expect(noRole.code).toBe(ExitCode.usage);
    expect(noRole.stderr).toMatch(/needs --role-arn/);

    writeFileSync('mine.yml', 'name: mine\n');
    const kept = await runMain([...base, '--out', 'mine.yml']);
    expect(kept.code).toBe(ExitCode.usage);
    expect(kept.stderr).toMatch(/mine.yml already exists; pass --force to replace it/);
    expect(readFileSync('mine.yml', 'utf8')).toBe('name: mine\n');
    const forced = await runMain([...base, '--out', 'mine.yml', '--force']);
    expect(forced.code, forced.stderr).toBe(ExitCode.ok);
    expect(readFileSync('mine.yml', 'utf8')).toContain('fixed-ip status --json');
  });

  const jq = (() => {
    try {
      execFileSync('jq', ['--version']);
      return true;
    } catch {
      return false;
    }
  })();
  it.skipIf(!jq && process.env.CI !== 'true')(
    "the job summary and the verdict, run as the workflow's steps run them on what status and verify print: IPs, health, cost; exit 8 fails the job",
    async () => {
      rmSync('.fixed-ip/config.json', { force: true });
      const region = ['--simulate', '--region', 'eu-west-1'];
      const setup = await runMain(['setup', '--yes', '--json', ...region]);
      expect(setup.code, setup.stderr).toBe(ExitCode.ok);
      const ips = only(setup).elasticIps as string[];
      const made = await runMain([
        'ci',
        'github',
        '--region',
        'eu-west-1',
        '--role-arn',
        ROLE,
        '--expect-ips',
        '198.51.100.7',
        '--out',
        'summary.yml',
      ]);
      expect(made.code, made.stderr).toBe(ExitCode.ok);
      const steps = (parse(readFileSync('summary.yml', 'utf8')) as Workflow).jobs.check.steps;
      // What the status and verify steps write: the commands' own --json output.
      const status = await runMain(['status', '--json', '--expect-ips', '198.51.100.7', ...region]);
      expect(status.code).toBe(ExitCode.allowlistChanged);
      writeFileSync('status.json', status.stdout);
      const verify = await runMain(['verify', '--json', ...region]);
      expect(verify.code, verify.stderr).toBe(ExitCode.ok);
      writeFileSync('verify.json', verify.stdout);

      const bash = (step: Step | undefined, env: Record<string, string>): { code: number; out: string } => {
        try {
          const out = execFileSync('bash', ['-e', '-c', step?.run ?? 'exit 99'], {
            env: { ...process.env, ...step?.env, ...env, GITHUB_STEP_SUMMARY: 'summary.md' },
            encoding: 'utf8',
          });
          return { code: 0, out };
        } catch (error) {
          const e = error as { status: number; stdout: string };
          return { code: e.status, out: e.stdout };
        }
      };
      writeFileSync('summary.md', '');
      expect(
        bash(
          steps.find((s) => s.name === 'Job summary'),
          {},
        ).code,
      ).toBe(0);
      const summary = readFileSync('summary.md', 'utf8');
      expect(summary).toContain(`| Egress IPs | ${ips.join(', ')} |`);
      expect(summary).toContain('| Health | healthy |');
      expect(summary).toMatch(
        /\| Allowlist \| CHANGED: not allowlisted .*; stated but unused 198\.51\.100\.7 \|/,
      );
      expect(summary).toMatch(/\| Cost \| [\d.]+ USD a month; [\d.]+ USD so far \|/);
      expect(summary).toContain('### verify: every zone leaves from an allowlisted IP');
      expect(summary).toContain(`| ${ips[0] ?? ''} | allowlisted |`);

      const verdict = steps.at(-1);
      expect(bash(verdict, { STATUS_EXIT: '0', VERIFY_EXIT: '0' }).code).toBe(0);
      const changed = bash(verdict, { STATUS_EXIT: String(status.code), VERIFY_EXIT: '0' });
      expect(changed.code).toBe(1);
      expect(changed.out).toContain('::error title=fixed-ip status::the allowlist changed');
      expect(bash(verdict, { STATUS_EXIT: '3', VERIFY_EXIT: '0' }).out).toContain('drift');
      // A step that never ran (no exit recorded) fails the job too.
      expect(bash(verdict, { STATUS_EXIT: '0', VERIFY_EXIT: '' }).code).toBe(1);

      // An error object (exit 4, no stack) is summarised, not dropped.
      writeFileSync('status.json', (await runMain(['status', '--json', '--name', 'none', ...region])).stdout);
      writeFileSync('summary.md', '');
      bash(
        steps.find((s) => s.name === 'Job summary'),
        {},
      );
      expect(readFileSync('summary.md', 'utf8')).toMatch(
        /\*\*status failed\*\* \(exit 4\): no fixed-ip stack/,
      );
    },
    120_000,
  );
});

describe('iam-policy --for ci', () => {
  it("prints status's and verify's policy; with --repo the OIDC trust policy for the repository's default branch; an S3 state is read-only", async () => {
    const plain = await runMain(['iam-policy', '--for', 'ci']);
    expect(plain.code).toBe(ExitCode.ok);
    const policy = JSON.parse(plain.stdout) as { Statement: Array<{ Action: string[]; Resource: unknown }> };
    const actions = policy.Statement.flatMap((s) => s.Action);
    expect(actions).toContain('lambda:CreateFunction');
    expect(actions).not.toContain('ec2:CreateNatGateway');

    const both = await runMain([
      'iam-policy',
      '--for',
      'ci',
      '--repo',
      'octo-org/payments',
      '--account',
      '123456789012',
      '--state',
      's3://team-state/fixed-ip/payments.json',
    ]);
    expect(both.code, both.stderr).toBe(ExitCode.ok);
    const printed = JSON.parse(both.stdout) as {
      permissionsPolicy: { Statement: Array<{ Sid: string; Action: string[] }> };
      trustPolicy: unknown;
    };
    expect(printed.trustPolicy).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'FixedIpCiGithubOidc',
          Effect: 'Allow',
          Principal: {
            Federated: 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com',
          },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: {
              'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
              'token.actions.githubusercontent.com:sub': 'repo:octo-org/payments:ref:refs/heads/main',
            },
          },
        },
      ],
    });
    const objects = printed.permissionsPolicy.Statement.find((s) => s.Sid === 'FixedIpStateObjects');
    expect(objects?.Action).toEqual(['s3:GetObject']);

    const branch = await runMain([
      'iam-policy',
      '--for',
      'ci',
      '--repo',
      'octo-org/payments',
      '--branch',
      'trunk',
    ]);
    expect(branch.stdout).toContain('repo:octo-org/payments:ref:refs/heads/trunk');
    expect(branch.stdout).toContain('arn:aws:iam::<ACCOUNT_ID>:oidc-provider/');

    for (const [args, line] of [
      [['--for', 'ci', '--repo', 'payments'], /--repo "payments" is not a GitHub repository/],
      [
        ['--for', 'ci', '--repo', 'octo-org/payments', '--account', '12'],
        /--account "12" is not an AWS account id/,
      ],
      [['--for', 'status', '--repo', 'octo-org/payments'], /--repo goes with --for ci/],
      [['--for', 'ci', '--branch', 'main'], /--branch goes with --repo/],
    ] as const) {
      const run = await runMain(['iam-policy', ...args]);
      expect(run.code, args.join(' ')).toBe(ExitCode.usage);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(line);
      expect(run.stdout).toBe('');
    }
  });
});
