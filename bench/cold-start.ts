/**
 * Cold start: spawned processes, as a user runs them, against a bare `node -e ''` measured in the
 * same rounds (interleaved, so a busy machine slows all three alike).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { setup } from '../src/commands/setup.js';
import { seedDemoAccount } from '../src/simulator/index.js';
import { FileStateStore } from '../src/state/store.js';
import { type Figure, median } from './figure.js';
import { createBenchAccount } from './harness.js';

const ROUNDS = 10;
// dist/bench/bench/cold-start.js -> the package root.
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const BIN = join(ROOT, 'bin', 'fixed-ip.js');
/** What any command that talks to AWS must load: the four SDK clients, and nothing of fixed-ip. */
const SDK_ONLY = [
  '--input-type=module',
  '-e',
  "await Promise.all(['@aws-sdk/client-ec2', '@aws-sdk/client-lambda', '@aws-sdk/client-sts', '@aws-sdk/client-iam'].map((m) => import(m)))",
];

interface Run {
  ms: number;
  status: number | null;
  stdout: string;
  stderr: string;
}

function time(args: string[], cwd: string): Run {
  const began = performance.now();
  const out = spawnSync(process.execPath, args, {
    cwd,
    env: { ...process.env, NO_COLOR: '1' },
    encoding: 'utf8',
  });
  return { ms: performance.now() - began, status: out.status, stdout: out.stdout, stderr: out.stderr };
}

/**
 * A temp folder holding a simulated account with a complete stack, as `setup --simulate` leaves it,
 * built in-process on a virtual clock that ended in the past, so every wait is over.
 */
async function preparedStack(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'fixed-ip-bench-'));
  const account = await createBenchAccount({
    timings: {},
    seed: seedDemoAccount,
    start: Date.now() - 6 * 3_600_000,
  });
  const done = await setup({ name: 'default', functions: ['orders-api'], yes: true }, account.deps());
  const simulated = join(dir, '.fixed-ip', 'simulated');
  mkdirSync(simulated, { recursive: true });
  await new FileStateStore(join(simulated, 'default.json')).write(done.state);
  writeFileSync(join(simulated, `account-${account.sim.region}.json`), JSON.stringify(account.sim.toJSON()));
  return dir;
}

export async function coldStartFigures(): Promise<Figure[]> {
  const dir = await preparedStack();
  const runs: Record<'node' | 'help' | 'status' | 'sdk', Run[]> = { node: [], help: [], status: [], sdk: [] };
  try {
    for (let round = 0; round <= ROUNDS; round++) {
      const node = time(['-e', ''], dir);
      const help = time([BIN, '--help'], dir);
      const status = time([BIN, 'status', '--simulate'], dir);
      const sdk = time(SDK_ONLY, ROOT);
      // Round 0 warms the file cache; it is not counted.
      if (round === 0) continue;
      runs.node.push(node);
      runs.help.push(help);
      runs.status.push(status);
      runs.sdk.push(sdk);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const base = median(runs.node.map((r) => r.ms));
  const help = median(runs.help.map((r) => r.ms));
  const status = median(runs.status.map((r) => r.ms));
  const sdk = median(runs.sdk.map((r) => r.ms));
  const helpOk = runs.help.every((r) => r.status === 0 && r.stdout.includes('Usage: fixed-ip'));
  const statusOk = runs.status.every((r) => r.status === 0 && r.stdout.includes('is healthy'));
  const ms = (value: number): string => `${Math.round(value)} ms`;
  return [
    {
      name: '`fixed-ip --help`, cold (spawned, median of 10)',
      measured: `${ms(help)} vs \`node -e ''\` ${ms(base)} (${(help / base).toFixed(2)}x)${helpOk ? '' : `, FAILED: ${firstProblem(runs.help)}`}`,
      target: "≤ 2x `node -e ''`",
      pass: helpOk && help <= 2 * base,
    },
    {
      name: '`status --simulate`, cold (spawned, median of 10)',
      measured: `${ms(status)} vs \`node -e ''\` ${ms(base)} (${(status / base).toFixed(2)}x); loading the AWS SDK clients alone: ${ms(sdk)}; simulated calls add 40-120 ms each${statusOk ? '' : `, FAILED: ${firstProblem(runs.status)}`}`,
      target: '(reported)',
      pass: statusOk ? undefined : false,
    },
  ];
}

function firstProblem(runs: readonly Run[]): string {
  const bad = runs.find((r) => r.status !== 0) ?? runs[0];
  return `exit ${String(bad?.status)}: ${(bad?.stderr || bad?.stdout || '').trim().split('\n')[0] ?? ''}`;
}
