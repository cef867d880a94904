/**
 * Bad input through the real entry point: main() parses argv, builds the real clients (answered
 * by the simulator through aws-sdk-client-mock, which is class-level) and the real terminal UI on
 * fake streams. main() runs on the real clock, so every case fails before any wait.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Io, main } from '../../src/cli.js';
import { ExitCode } from '../../src/errors.js';
import { AwsSimulator, VirtualClock } from '@fixed-ip/simulator';
import { mockAws, type MockedAws } from '../support/mock-aws.js';
import { seedAccount, type Seeded } from './support.js';

interface Recorded {
  io: Io;
  out: string[];
  err: string[];
}

function fakeStream(sink: string[]): NodeJS.WriteStream {
  const stream = {
    isTTY: false,
    columns: 80,
    write: (chunk: string | Uint8Array) => {
      sink.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    },
    on: () => stream,
    once: () => stream,
    off: () => stream,
    removeListener: () => stream,
    end: () => undefined,
  };
  return stream as unknown as NodeJS.WriteStream;
}

function recordedIo(env: NodeJS.ProcessEnv): Recorded {
  const out: string[] = [];
  const err: string[] = [];
  const stdin = {
    isTTY: false,
    on: () => stdin,
    once: () => stdin,
    off: () => stdin,
    removeListener: () => stdin,
    setRawMode: () => stdin,
    resume: () => stdin,
    pause: () => stdin,
  };
  return {
    io: {
      stdin: stdin as unknown as NodeJS.ReadStream,
      stdout: fakeStream(out),
      stderr: fakeStream(err),
      env,
    },
    out,
    err,
  };
}

let sim: AwsSimulator;
let seeded: Seeded;
let mocks: MockedAws;
let dir: string;
let statePath: string;
const saved: Record<string, string | undefined> = {};
const ENV = {
  AWS_REGION: 'ap-northeast-1',
  AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKEFAKE',
  AWS_SECRET_ACCESS_KEY: 'fake/secret',
};

beforeEach(() => {
  sim = new AwsSimulator({ clock: new VirtualClock(), seed: 1 });
  seeded = seedAccount(sim);
  mocks = mockAws(sim);
  dir = mkdtempSync(join(tmpdir(), 'fixed-ip-cli-'));
  statePath = join(dir, 'default.json');
  for (const key of [...Object.keys(ENV), 'AWS_PROFILE']) saved[key] = process.env[key];
  Object.assign(process.env, ENV);
  delete process.env.AWS_PROFILE;
});

afterEach(() => {
  mocks.restore();
  rmSync(dir, { recursive: true, force: true });
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  process.exitCode = undefined;
});

const accountState = (overrides: Record<string, unknown>): string =>
  `${JSON.stringify({ version: 1, name: 'default', region: 'ap-northeast-1', accountId: '123456789012', functions: {}, updatedAt: '2026-01-01T00:00:00.000Z', ...overrides }, null, 2)}\n`;

interface Case {
  name: string;
  argv: (s: Seeded) => string[];
  code: ExitCode;
  /** What the one line must name. */
  names: (s: Seeded) => string;
  state?: string;
  prepare?: () => void;
}

const setupArgs = (s: Seeded, ...extra: string[]): string[] => [
  'setup',
  '--yes',
  '--function',
  'orders-api',
  '--vpc',
  s.vpcId,
  ...extra,
];

const CASES: Case[] = [
  {
    name: '--vpc malformed',
    argv: (s) => [...setupArgs(s), '--vpc', 'vpc-nope'],
    code: ExitCode.usage,
    names: () => 'vpc-nope',
  },
  {
    name: '--vpc unknown',
    argv: (s) => [...setupArgs(s), '--vpc', 'vpc-0123456789abcdef0'],
    code: ExitCode.usage,
    names: () => 'vpc-0123456789abcdef0',
  },
  {
    name: '--az malformed',
    argv: (s) => setupArgs(s, '--az', 'moon'),
    code: ExitCode.usage,
    names: () => 'moon',
  },
  {
    name: '--az unknown',
    argv: (s) => setupArgs(s, '--az', 'ap-northeast-1z'),
    code: ExitCode.usage,
    names: () => 'ap-northeast-1z',
  },
  {
    name: '--eip malformed',
    argv: (s) => setupArgs(s, '--eip', 'not-an-eip'),
    code: ExitCode.usage,
    names: () => 'not-an-eip',
  },
  {
    name: '--eip unknown',
    argv: (s) => setupArgs(s, '--eip', 'eipalloc-0123456789abcdef0'),
    code: ExitCode.usage,
    names: () => 'eipalloc-0123456789abcdef0',
  },
  {
    name: '--public-cidr malformed',
    argv: (s) => setupArgs(s, '--public-cidr', '10.0.0.0/33'),
    code: ExitCode.usage,
    names: () => '10.0.0.0/33',
  },
  {
    name: '--public-cidr outside the VPC',
    argv: (s) => setupArgs(s, '--public-cidr', '192.168.0.0/24'),
    code: ExitCode.usage,
    names: () => '192.168.0.0/24',
  },
  {
    name: '--private-cidr malformed',
    argv: (s) => setupArgs(s, '--private-cidr', 'ten.0.0.0/24'),
    code: ExitCode.usage,
    names: () => 'ten.0.0.0/24',
  },
  {
    name: '--private-cidr taken: names the subnet that holds it',
    argv: (s) => setupArgs(s, '--private-cidr', '10.0.9.0/25'),
    code: ExitCode.usage,
    names: (s) => `--private-cidr 10.0.9.0/25: overlaps subnet ${s.foreign.subnetId} (10.0.9.0/24); `,
  },
  {
    name: '--private-cidr the same as --public-cidr: names the option, not a subnet that does not exist',
    argv: (s) => setupArgs(s, '--public-cidr', '10.0.1.0/24', '--private-cidr', '10.0.1.0/24'),
    code: ExitCode.usage,
    names: () =>
      'error: --private-cidr 10.0.1.0/24: overlaps --public-cidr 10.0.1.0/24; give a free block such as 10.0.0.0/24, or omit --private-cidr to have one chosen',
  },
  {
    name: '--az given twice',
    argv: (s) => setupArgs(s, '--az', 'ap-northeast-1a', '--az', 'ap-northeast-1a'),
    code: ExitCode.usage,
    names: () =>
      'error: --az ap-northeast-1a is given twice; give each zone once, first zone first (e.g. --az ap-northeast-1a --az ap-northeast-1c)',
  },
  {
    name: 'plan: --az given twice',
    argv: (s) => [
      'plan',
      '--function',
      'orders-api',
      '--vpc',
      s.vpcId,
      '--az',
      'ap-northeast-1c',
      '--az',
      'ap-northeast-1c',
    ],
    code: ExitCode.usage,
    names: () => '--az ap-northeast-1c is given twice',
  },
  {
    name: '--vpc-cidr too big',
    argv: () => ['setup', '--yes', '--function', 'orders-api', '--new-vpc', '--vpc-cidr', '10.0.0.0/8'],
    code: ExitCode.usage,
    names: () => '10.0.0.0/8',
  },
  {
    name: '--vpc-cidr without --new-vpc',
    argv: (s) => setupArgs(s, '--vpc-cidr', '10.0.0.0/16'),
    code: ExitCode.usage,
    names: () => '--vpc-cidr',
  },
  {
    name: '--name invalid',
    argv: (s) => setupArgs(s, '--name', 'has space'),
    code: ExitCode.usage,
    names: () => 'has space',
  },
  {
    name: '--region invalid',
    argv: (s) => setupArgs(s, '--region', 'mars-1'),
    code: ExitCode.usage,
    names: () => 'mars-1',
  },
  {
    name: '--function invalid',
    argv: (s) => ['setup', '--yes', '--vpc', s.vpcId, '--function', 'bad name!'],
    code: ExitCode.usage,
    names: () => 'bad name!',
  },
  {
    name: '--function unknown',
    argv: (s) => ['setup', '--yes', '--vpc', s.vpcId, '--function', 'no-such-fn'],
    code: ExitCode.usage,
    names: () => 'no-such-fn',
  },
  {
    name: 'teardown --wait invalid',
    argv: () => ['teardown', '--yes', '--wait', 'soon'],
    code: ExitCode.usage,
    names: () => 'soon',
  },
  {
    name: 'unknown option',
    argv: (s) => setupArgs(s, '--frobnicate'),
    code: ExitCode.usage,
    names: () => '--frobnicate',
  },
  {
    name: 'EIP already associated',
    argv: (s) => setupArgs(s, '--eip', associated),
    code: ExitCode.usage,
    names: () => associated,
    prepare: () => {
      associated = sim.addAddress({ associated: true }).allocationId;
    },
  },
  {
    name: 'function in another VPC',
    argv: (s) => ['setup', '--yes', '--vpc', s.vpcId, '--function', 'elsewhere'],
    code: ExitCode.usage,
    names: () => 'elsewhere',
    prepare: () => {
      const other = sim.addVpc({ cidr: '10.9.0.0/16' });
      const subnet = sim.addSubnet({ vpcId: other, cidr: '10.9.0.0/24', az: 'ap-northeast-1a' });
      const group = sim.addSecurityGroup({ vpcId: other, name: 'x' });
      sim.addFunction({ name: 'elsewhere', vpc: { subnetIds: [subnet], securityGroupIds: [group] } });
    },
  },
  {
    name: 'corrupt state file',
    argv: (s) => setupArgs(s),
    code: ExitCode.error,
    names: () => statePath,
    state: '{"version": 1, "name": ',
  },
  {
    name: 'state file of another account',
    argv: (s) => setupArgs(s),
    code: ExitCode.usage,
    names: () => statePath,
    state: accountState({ accountId: '999999999999' }),
  },
  {
    name: 'state file of another stack (--name)',
    argv: (s) => setupArgs(s),
    code: ExitCode.usage,
    names: () =>
      `error: state file ${statePath} is for stack prod, not default (--name); run with --name prod to use it, or give stack default's own state with --state; using another stack's state could change or tear down the wrong stack`,
    state: accountState({ name: 'prod' }),
  },
  {
    name: 'teardown: state file of another stack',
    argv: () => ['teardown', '--yes', '--name', 'staging'],
    code: ExitCode.usage,
    names: () => `state file ${statePath} is for stack default, not staging (--name)`,
    state: accountState({}),
  },
  {
    name: 'status: state file of another stack',
    argv: () => ['status', '--name', 'staging'],
    code: ExitCode.usage,
    names: () => `state file ${statePath} is for stack default, not staging (--name)`,
    state: accountState({}),
  },
  {
    name: 'state file of a newer fixed-ip',
    argv: (s) => setupArgs(s),
    code: ExitCode.error,
    names: () => statePath,
    state: accountState({ version: 9 }),
  },
  {
    name: 'teardown: corrupt state file',
    argv: () => ['teardown', '--yes'],
    code: ExitCode.error,
    names: () => statePath,
    state: 'not json',
  },
  {
    name: 'status: state file of another account',
    argv: () => ['status'],
    code: ExitCode.usage,
    names: () => statePath,
    state: accountState({ accountId: '999999999999' }),
  },
];
let associated = '';

async function runMain(argv: string[]): Promise<{ code: ExitCode; out: string[]; err: string[] }> {
  const { io, out, err } = recordedIo({ ...ENV });
  const code = await main(['node', 'fixed-ip', ...argv, '--state', statePath, '--no-color'], io);
  return { code, out, err };
}

/** Exactly one line on stderr: the error, naming the value; no stack trace. */
function expectOneLine(err: string[], code: ExitCode, named: string): void {
  const lines = err
    .join('')
    .split('\n')
    .filter((line) => line.length > 0);
  expect(lines, err.join('')).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toContain(named);
  expect(lines.some((line) => /^\s+at /.test(line))).toBe(false);
  expect(process.exitCode).toBe(code);
}

describe('bad input through main()', () => {
  it.each(CASES.map((c) => [c.name, c] as const))(
    '%s: one line on stderr, its exit code, nothing created, state untouched',
    async (_name, c) => {
      c.prepare?.();
      if (c.state !== undefined) writeFileSync(statePath, c.state);
      const before = JSON.stringify(sim.snapshot());
      const { code, err } = await runMain(c.argv(seeded));
      expect(code).toBe(c.code);
      expectOneLine(err, c.code, c.names(seeded));
      expect(JSON.stringify(sim.snapshot())).toBe(before);
      expect(sim.calls.filter((call) => call.mutated)).toEqual([]);
      if (c.state !== undefined) expect(readFileSync(statePath, 'utf8')).toBe(c.state);
      else expect(existsSync(statePath)).toBe(false);
    },
  );

  it("setup without the run guard's ssm:PutParameter: one error line naming the actions and iam-policy, exit 6, nothing created", async () => {
    sim.inject({ kind: 'deny', action: 'ssm:PutParameter' });
    const { code, err } = await runMain(setupArgs(seeded));
    expect(code).toBe(ExitCode.planBlocked);
    expect(process.exitCode).toBe(ExitCode.planBlocked);
    // The plan it was about to apply is shown first (progress, on stderr); then the one error line.
    const lines = err
      .join('')
      .split('\n')
      .filter((line) => line.length > 0);
    expect(lines.filter((line) => line.startsWith('error: '))).toEqual([
      "error: AWS denied ssm:PutParameter on /fixed-ip/default/run-lock (the stack's run guard); grant the permissions listed by `fixed-ip iam-policy` (ssm:GetParameter, ssm:PutParameter and ssm:DeleteParameter on parameter/fixed-ip/*)",
    ]);
    expect(lines.at(-1)).toMatch(/^error: /);
    expect(lines.some((line) => /^\s+at /.test(line))).toBe(false);
    expect(sim.calls.filter((call) => call.mutated)).toEqual([]);
    expect(existsSync(statePath)).toBe(false);
  });

  it("plan without the run guard's ssm:PutParameter: names it as missing, exit 6, changes nothing", async () => {
    sim.inject({ kind: 'deny', action: 'ssm:PutParameter' });
    const { code, out } = await runMain(['plan', '--function', 'orders-api', '--vpc', seeded.vpcId]);
    expect(code).toBe(ExitCode.planBlocked);
    const lines = out.join('').split('\n');
    expect(lines.find((line) => line.startsWith('Permissions:'))).toMatch(
      /with IAM's policy simulator .*; MISSING: ssm:PutParameter$/,
    );
    expect(lines).toContain('! your credentials lack ssm:PutParameter (see fixed-ip iam-policy)');
    expect(lines).toContain('setup would NOT succeed as things stand.');
    expect(sim.calls.filter((call) => call.mutated)).toEqual([]);
  });

  it('no credentials: "no AWS credentials were found", exit 2, nothing created', async () => {
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    process.env.AWS_PROFILE = 'no-such-profile-fixed-ip-test';
    // The mocks answer before the SDK resolves credentials, so STS fails the way the SDK would.
    mocks.sts.on(GetCallerIdentityCommand).rejects(
      Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      }),
    );
    const before = JSON.stringify(sim.snapshot());
    const { code, err } = await runMain(setupArgs(seeded));
    expect(code).toBe(ExitCode.usage);
    expectOneLine(err, ExitCode.usage, 'no AWS credentials were found');
    expect(JSON.stringify(sim.snapshot())).toBe(before);
    expect(existsSync(statePath)).toBe(false);
  });
});
