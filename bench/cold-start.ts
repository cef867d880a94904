/**
 * Cold start: spawned processes, as a user runs them, against a bare `node -e ''` measured in the
 * same rounds (interleaved, so a busy machine slows them alike). Each process reports its own cpu
 * time (user + system) and peak memory (max RSS) from process.resourceUsage() as it exits, through
 * a small CommonJS preload (`--require`), the same for every process measured.
 * `status` runs against moto (`moto_server` on 127.0.0.1) with a two-zone stack the CLI built
 * there: real HTTP, real SDK clients, no simulator in the process.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { type Figure, median } from './figure.js';
import { startMoto } from './moto.js';

const ROUNDS = 21;
const STATUS_ROUNDS = 15;
// dist/bench/bench/cold-start.js -> the package root.
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const BIN = join(ROOT, 'bin', 'fixed-ip.js');
/** Written into the temp folder: reports the process's own usage on stderr as it exits. */
const USAGE_PRELOAD = `process.on('exit', () => { const u = process.resourceUsage(); require('fs').writeSync(2, '\\n@@usage ' + u.userCPUTime + ' ' + u.systemCPUTime + ' ' + u.maxRSS + '\\n'); });`;
let preload = '';

export interface Run {
  wallMs: number;
  cpuMs: number;
  rssMiB: number;
  status: number | null;
  stdout: string;
  stderr: string;
}

/** One process: wall from here, cpu and peak memory from its own resourceUsage() at exit. */
export function timed(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Run> {
  return new Promise((done, fail) => {
    const began = performance.now();
    const child = spawn(process.execPath, ['--require', preload, ...args], {
      cwd: options.cwd,
      env: { ...process.env, NO_COLOR: '1', ...options.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('close', (status) => {
      const wallMs = performance.now() - began;
      const usage = /\n@@usage (\d+) (\d+) (\d+)\n$/.exec(stderr);
      const [user, system, kib] = [usage?.[1], usage?.[2], usage?.[3]].map(Number);
      done({
        wallMs,
        cpuMs: ((user ?? Number.NaN) + (system ?? Number.NaN)) / 1000,
        rssMiB: (kib ?? Number.NaN) / 1024,
        status,
        stdout,
        stderr: usage ? stderr.slice(0, usage.index) : stderr,
      });
    });
  });
}

const ms = (value: number): string => `${Math.round(value)} ms`;
/** The middle half of the runs, to show how noisy the machine was. */
function spread(values: readonly number[], unit: (v: number) => string): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.floor(q * (sorted.length - 1))] ?? Number.NaN;
  return `${unit(at(0.25))}-${unit(at(0.75))}`;
}

function firstProblem(runs: readonly Run[]): string {
  const bad = runs.find((r) => r.status !== 0) ?? runs[0];
  return `exit ${String(bad?.status)}: ${(bad?.stderr || bad?.stdout || '').trim().split('\n')[0] ?? ''}`;
}

export async function coldStartFigures(): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'fixed-ip-bench-'));
  preload = join(dir, 'usage.cjs');
  writeFileSync(preload, USAGE_PRELOAD);
  try {
    return [...(await startFigures(dir)), ...(await statusFigures(dir))];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function startFigures(dir: string): Promise<Figure[]> {
  const runs: Record<'node' | 'help' | 'version', Run[]> = { node: [], help: [], version: [] };
  // Round 0 warms the file cache; it is not counted.
  for (let round = 0; round <= ROUNDS; round++) {
    const node = await timed(['-e', ''], { cwd: dir });
    const help = await timed([BIN, '--help'], { cwd: dir });
    const version = await timed([BIN, '--version'], { cwd: dir });
    if (round === 0) continue;
    runs.node.push(node);
    runs.help.push(help);
    runs.version.push(version);
  }
  const base = median(runs.node.map((r) => r.wallMs));
  const baseCpu = median(runs.node.map((r) => r.cpuMs));
  const figure = (label: string, list: Run[], expect: RegExp): Figure => {
    const wall = median(list.map((r) => r.wallMs));
    const cpu = median(list.map((r) => r.cpuMs));
    const ok = list.every((r) => r.status === 0 && expect.test(r.stdout));
    return {
      name: `\`fixed-ip ${label}\`, wall (median of ${ROUNDS})`,
      measured: `${ms(wall)} vs \`node -e ''\` ${ms(base)} (${(wall / base).toFixed(2)}x; middle half ${spread(
        list.map((r) => r.wallMs),
        ms,
      )} vs ${spread(
        runs.node.map((r) => r.wallMs),
        ms,
      )}); cpu ${ms(cpu)} vs ${ms(baseCpu)} (${(cpu / baseCpu).toFixed(2)}x)${ok ? '' : `, FAILED: ${firstProblem(list)}`}`,
      target: "≤ 1.2x `node -e ''`",
      pass: ok && wall <= 1.2 * base,
    };
  };
  return [
    figure('--help', runs.help, /Usage: fixed-ip/),
    figure('--version', runs.version, /^\d+\.\d+\.\d+/),
  ];
}

async function statusFigures(dir: string): Promise<Figure[]> {
  const moto = await startMoto(dir);
  if ('missing' in moto) {
    return [{ name: '`status` against moto', measured: moto.missing, target: '(needs moto)', pass: false }];
  }
  try {
    const built = await timed(
      [BIN, 'setup', '--function', 'orders-api', '--vpc', moto.vpcId, '--azs', '2', '--yes'],
      {
        cwd: dir,
        env: moto.setupEnv,
      },
    );
    if (built.status !== 0) {
      return [
        {
          name: '`status` against moto',
          measured: `setup failed: ${firstProblem([built])}`,
          target: '(a stack to check)',
          pass: false,
        },
      ];
    }
    const runs: Record<'node' | 'status', Run[]> = { node: [], status: [] };
    for (let round = 0; round <= STATUS_ROUNDS; round++) {
      const node = await timed(['-e', ''], { cwd: dir });
      const status = await timed([BIN, 'status'], { cwd: dir, env: moto.env });
      if (round === 0) continue;
      runs.node.push(node);
      runs.status.push(status);
    }
    const ok = runs.status.every((r) => r.status === 0 && r.stdout.includes('is healthy'));
    const problem = ok ? '' : `, FAILED: ${firstProblem(runs.status)}`;
    const cpu = median(runs.status.map((r) => r.cpuMs));
    const baseCpu = median(runs.node.map((r) => r.cpuMs));
    const rss = median(runs.status.map((r) => r.rssMiB));
    const peak = Math.max(...runs.status.map((r) => r.rssMiB));
    const mib = (v: number): string => `${v.toFixed(0)} MiB`;
    return [
      {
        name: `\`status\`, 2 zones, against moto: cpu (median of ${STATUS_ROUNDS})`,
        measured: `${ms(cpu)} vs \`node -e ''\` ${ms(baseCpu)} (${(cpu / baseCpu).toFixed(2)}x; middle half ${spread(
          runs.status.map((r) => r.cpuMs),
          ms,
        )}); wall ${ms(median(runs.status.map((r) => r.wallMs)))}${problem}`,
        target: "≤ 3x `node -e ''`",
        pass: ok && cpu <= 3 * baseCpu,
      },
      {
        name: '`status`, 2 zones, against moto: peak memory',
        measured: `${mib(rss)} median, ${mib(peak)} highest (max RSS); \`node -e ''\` ${mib(median(runs.node.map((r) => r.rssMiB)))}${problem}`,
        target: '≤ 64 MiB',
        pass: ok && peak <= 64,
      },
    ];
  } finally {
    await moto.stop();
  }
}
