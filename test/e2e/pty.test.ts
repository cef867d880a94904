import { spawn } from 'node:child_process';
import type { StackState } from '../../src/state/schema.js';
import { viewOf } from '../support/env.js';
import { type Resize, screenOf } from '../support/screen.js';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, ensureBuilt } from './build.js';

/**
 * The built binary in a real pseudo-terminal (Python's pty module, via test/support/pty-driver.py),
 * against the simulated account, whose AWS waits last seconds (src/simulate.ts DEMO_TIMINGS).
 * What a person sees and types: the prompts, the keys, Ctrl-C, the exit codes.
 */

const DRIVER = join(ROOT, 'test', 'support', 'pty-driver.py');
const ENTER = '\r';
const CTRL_C = '\u0003';

interface Step {
  /** A regex, searched in the output without escape codes, after the previous step's match. */
  expect: string;
  send?: string;
  timeout?: number;
  /** Seconds to wait after the match before acting (the driver's default is 0.15). */
  delay?: number;
  /** Note how much output had been drawn here (see `screen`). */
  mark?: boolean;
  /** Change the terminal's size here, as a person dragging the window would. */
  resize?: { cols: number; rows: number };
}

interface Run {
  output: string;
  text: string;
  exitCode: number | null;
  signal: number | null;
  timedOut: boolean;
  failedStep: number | null;
  marks: number[];
  resizes: Resize[];
  size: { cols: number; rows: number };
}

/** The terminal's lines as a person saw them at the end of the run, or at its `mark`th mark. */
function screen(run: Run, mark?: number): Promise<string[]> {
  return screenOf(run.output, run.size, run.resizes, mark === undefined ? undefined : run.marks[mark]);
}

const SPINNER_FRAMES = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;

const dirs: string[] = [];

function tempCwd(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fixed-ip-e2e-'));
  dirs.push(dir);
  return dir;
}

/** A terminal user's environment: colour allowed, no AWS settings leaking in from the machine. */
function terminalEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || key.startsWith('AWS_') || ['NO_COLOR', 'FORCE_COLOR', 'CI'].includes(key))
      continue;
    env[key] = value;
  }
  return { ...env, TERM: 'xterm-256color', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
}

function inTerminal(args: string[], cwd: string, steps: Step[], timeout = 60, cols = 120): Promise<Run> {
  // The simulated account and states live under $XDG_STATE_HOME: the test's folder, not the real home.
  const env = { ...terminalEnv(), XDG_STATE_HOME: join(cwd, '.state') };
  const spec = { argv: [process.execPath, BIN, ...args], cwd, env, timeout, steps, cols };
  return new Promise((done, fail) => {
    const child = spawn('python3', [DRIVER], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => {
      if (code !== 0) return fail(new Error(`pty driver failed (exit ${String(code)}): ${stderr}`));
      const run = { ...(JSON.parse(stdout) as Omit<Run, 'size'>), size: { cols, rows: 40 } };
      if (run.failedStep !== null) {
        const step = steps[run.failedStep];
        return fail(
          new Error(
            `never saw /${step?.expect ?? ''}/ (step ${run.failedStep}); the terminal showed:\n${run.text}`,
          ),
        );
      }
      if (run.timedOut)
        return fail(
          new Error(`${args.join(' ')} did not finish in ${timeout}s; the terminal showed:\n${run.text}`),
        );
      done(run);
    });
    child.stdin.end(JSON.stringify(spec));
  });
}

const stateFile = (cwd: string): string => join(cwd, '.state', 'fixed-ip', 'simulated', 'default.json');

/** setup's questions up to the confirm, taking every default; `filter` then space picks the function. */
const setupDialogue = (filter: string): Step[] => [
  { expect: 'Which functions need the fixed IP\\?', send: `${filter} ` },
  { expect: '1 selected', send: ENTER },
  { expect: 'Which VPC\\?', send: ENTER },
  { expect: 'First of the 2 Availability Zones\\?', send: ENTER },
  { expect: 'CIDR block of the public subnet\\?', send: ENTER },
  { expect: 'CIDR block of the private subnet\\?', send: ENTER },
  { expect: 'Create these resources \\(about [\\d.]+ USD a month\\)\\? \\(y/N\\)', send: `y${ENTER}` },
];

beforeAll(async () => {
  await ensureBuilt();
}, 180_000);

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('fixed-ip in a terminal (--simulate)', () => {
  it.concurrent(
    'setup by answering its questions, then status, then teardown',
    async () => {
      const cwd = tempCwd();
      // Type to filter the list down to orders-api, space to pick it.
      const setup = await inTerminal(['setup', '--simulate'], cwd, [
        ...setupDialogue('orders'),
        { expect: 'Allowlist this IP: ', timeout: 45 },
      ]);
      expect(setup.exitCode).toBe(0);
      const ip = /Allowlist this IP: (\d+\.\d+\.\d+\.\d+)/.exec(setup.text)?.[1];
      expect(ip).toBeDefined();
      // The questions said what the defaults were; the plan came before the confirm.
      expect(setup.text).toMatch(/orders-api \(nodejs20\.x, not in a VPC\)/);
      expect(setup.text).toMatch(/\(default\)/);
      expect(setup.text.indexOf('Plan (')).toBeLessThan(setup.text.indexOf('Create these resources'));
      // A colour terminal: colours and a spinner (this is not the plain mode).
      expect(setup.output).toContain(`${String.fromCharCode(27)}[`);
      const state = viewOf(JSON.parse(readFileSync(stateFile(cwd), 'utf8')) as StackState);
      expect(state.elasticIp?.publicIp).toBe(ip);
      expect(Object.keys(state.functions)).toEqual(['orders-api']);

      const status = await inTerminal(['status', '--simulate'], cwd, []);
      expect(status.exitCode).toBe(0);
      expect(status.text).toContain(ip);

      const teardown = await inTerminal(['teardown', '--simulate'], cwd, [
        { expect: 'Delete these resources and release the Elastic IP\\? \\(y/N\\)', send: `y${ENTER}` },
      ]);
      expect(teardown.exitCode).toBe(0);
      expect(teardown.text).toMatch(/Will delete:/);
      expect(teardown.text).toMatch(/Stack default is gone/);
      expect(existsSync(stateFile(cwd))).toBe(false);
    },
    150_000,
  );

  it.concurrent(
    'Ctrl-C at the first question: cancelled, exit 130, no state file',
    async () => {
      const cwd = tempCwd();
      const run = await inTerminal(['setup', '--simulate'], cwd, [
        { expect: 'Which functions need the fixed IP\\?', send: CTRL_C },
      ]);
      expect(run.text).toContain('Cancelled; nothing was changed');
      expect(run.exitCode).toBe(130);
      expect(existsSync(stateFile(cwd))).toBe(false);
      expect(existsSync(`${stateFile(cwd)}.lock`)).toBe(false);
    },
    60_000,
  );

  it.concurrent(
    'setup --simulate --yes at a terminal asks nothing and takes the defaults, as without one',
    async () => {
      const cwd = tempCwd();
      const run = await inTerminal(['setup', '--simulate', '--yes'], cwd, [
        { expect: 'Allowlist this IP', timeout: 45 },
      ]);
      expect(run.text).toContain('--yes: taking the defaults');
      expect(run.text).not.toContain('Which functions need the fixed IP');
      expect(run.exitCode).toBe(0);
      const state = JSON.parse(readFileSync(stateFile(cwd), 'utf8')) as StackState;
      expect(Object.keys(state.functions)).toEqual(['orders-api']);
    },
    60_000,
  );

  it.concurrent(
    'Enter on the default No of the confirm: cancelled, exit 130, nothing made',
    async () => {
      const cwd = tempCwd();
      const dialogue = setupDialogue('orders');
      dialogue[dialogue.length - 1] = { ...dialogue.at(-1)!, send: ENTER };
      const run = await inTerminal(['setup', '--simulate'], cwd, dialogue);
      expect(run.text).toContain('Cancelled; nothing was changed');
      expect(run.exitCode).toBe(130);
      expect(existsSync(stateFile(cwd))).toBe(false);
    },
    60_000,
  );

  it.concurrent(
    'Ctrl-C while provisioning: stopped with the resume hint, exit 130, state kept, and setup resumes',
    async () => {
      const cwd = tempCwd();
      const run = await inTerminal(['setup', '--simulate', '--function', 'orders-api'], cwd, [
        ...setupDialogue('').slice(2),
        { expect: 'Waiting for nat-', send: CTRL_C, timeout: 30 },
      ]);
      // The hint repeats --simulate, so copying it acts on the same (simulated) stack; the NAT's
      // hourly charge is named.
      expect(run.text).toContain(
        'Stopped; run `fixed-ip setup --simulate` again to resume or `fixed-ip teardown --simulate` to remove what was made',
      );
      expect(run.text).toMatch(/billed\s+by\s+the\s+hour\s+until\s+you\s+resume\s+or\s+tear\s+down/);
      expect(run.exitCode).toBe(130);
      const state = viewOf(JSON.parse(readFileSync(stateFile(cwd), 'utf8')) as StackState);
      expect(state.natGateway?.id).toMatch(/^nat-/);

      // The functions, VPC, zone and blocks are in the state file: only the consent for what is
      // left is asked again.
      const consent = setupDialogue('orders').at(-1)!;
      const resumed = await inTerminal(['setup', '--simulate'], cwd, [
        consent,
        { expect: 'Allowlist this IP: ', timeout: 45 },
      ]);
      expect(resumed.exitCode).toBe(0);
      expect(resumed.text).not.toMatch(/Which functions need|Which VPC\?|Availability Zones?|CIDR block of/);
    },
    120_000,
  );
  it.concurrent(
    'a 60-column terminal: every line fits, wrapped at word boundaries',
    async () => {
      const cwd = tempCwd();
      const run = await inTerminal(['plan', '--simulate'], cwd, [], 60, 60);
      expect(run.exitCode).toBe(0);
      const lines = run.text.split(/\r?\n|\r/);
      expect(lines.filter((line) => [...line].length > 60)).toEqual([]);
      // The long cost line is wrapped, and none of its words is cut in two.
      const cost = lines.findIndex((line) => line.startsWith('Cost: about'));
      expect(cost).toBeGreaterThanOrEqual(0);
      const words = run.text.split(/\s+/);
      for (const word of ['processed;', 'ap-northeast-1', 'USD/GB']) expect(words).toContain(word);
    },
    60_000,
  );

  it.concurrent(
    'setup --yes, verify and teardown in a terminal: the summary, the per-zone proof, exit codes',
    async () => {
      const cwd = tempCwd();
      const setup = await inTerminal(
        ['setup', '--simulate', '--yes', '--function', 'orders-api', '--azs', '2'],
        cwd,
        [{ expect: 'stop the hourly charge: +fixed-ip teardown --simulate', timeout: 60 }],
        90,
      );
      expect(setup.exitCode).toBe(0);
      expect(setup.text).toMatch(/ap-northeast-1a: subnet-\w+ → nat-\w+ → [\d.]+ → igw-\w+\n/);
      const verify = await inTerminal(['verify', '--simulate'], cwd, [], 60);
      expect(verify.exitCode).toBe(0);
      expect(verify.text).toMatch(/✔ ap-northeast-1a +[\d.]+ +allowlisted/);
      expect(verify.text).toMatch(/Verified: every zone's traffic leaves from an allowlisted IP/);
      const teardown = await inTerminal(['teardown', '--simulate', '--yes'], cwd, [], 90);
      expect(teardown.exitCode).toBe(0);
      expect(teardown.text).toMatch(/Stack default is gone/);
    },
    240_000,
  );

  it.concurrent(
    'a CIDR question: typing replaces the default, enter alone takes it, and each question names its keys once',
    async () => {
      const cwd = tempCwd();
      const dialogue = setupDialogue('orders');
      const publicStep = dialogue.findIndex((step) => step.expect.startsWith('CIDR block of the public'));
      // A block typed at the question replaces the default shown beside it (it used to be appended).
      dialogue[publicStep] = { ...dialogue[publicStep], send: `172.31.200.0/24${ENTER}` };
      // The moment the function question is drawn, and the moment after the public block was typed.
      dialogue[0] = { ...dialogue[0], mark: true };
      dialogue[publicStep + 1] = { ...dialogue[publicStep + 1], mark: true };
      const run = await inTerminal(['setup', '--simulate'], cwd, [
        ...dialogue,
        { expect: 'Allowlist this IP: ', timeout: 45 },
      ]);
      expect(run.exitCode).toBe(0);
      const state = viewOf(JSON.parse(readFileSync(stateFile(cwd), 'utf8')) as StackState);
      expect(state.publicSubnet?.cidr).toBe('172.31.200.0/24');
      // Enter alone at the private question took the default it showed.
      const shown = /CIDR block of the private subnet\? \((\S+), tab to edit\)/.exec(run.text)?.[1];
      expect(shown).toMatch(/^\d+\.\d+\.\d+\.\d+\/\d+$/);
      expect(state.privateSubnet?.cidr).toBe(shown);

      // While asked, the function question names its keys on one line, and only there.
      const asking = (await screen(run, 0)).join('\n');
      expect(asking).toMatch(/type filter • ↑↓ navigate • space toggle • ⏎ accept/);
      expect(asking.match(/filter|search|space/g)).toEqual(['filter', 'space']);
      // Answered, the question keeps no hint in the scrollback.
      const answered = await screen(run, 1);
      expect(answered).toContain(
        '✔ Which functions need the fixed IP? orders-api (nodejs20.x, not in a VPC)',
      );
      expect(answered).toContain('✔ CIDR block of the public subnet? 172.31.200.0/24');
      expect(answered.join('\n')).not.toMatch(/type to|to pick|to search|filter/);
    },
    120_000,
  );

  it.concurrent(
    'a terminal narrowed while the spinner shows: the spinner fits the new width and leaves no stale line',
    async () => {
      const cwd = tempCwd();
      const run = await inTerminal(
        ['setup', '--simulate', '--yes', '--function', 'orders-api'],
        cwd,
        [
          // Drawn at 160 columns, the wait's line fits on one row; at 30 it would take two. The
          // screen is read a moment after the text shows, once the spinner has drawn a frame.
          { expect: 'Waiting for nat-\\w+', timeout: 45 },
          { expect: '', delay: 0.5, mark: true },
          { expect: '', resize: { cols: 30, rows: 40 } },
          { expect: '', delay: 1, mark: true },
          { expect: 'Allowlist this IP: ', timeout: 45 },
        ],
        90,
        160,
      );
      expect(run.exitCode).toBe(0);
      const before = await screen(run, 0);
      expect(before.filter((line) => SPINNER_FRAMES.test(line))).toHaveLength(1);
      expect(before.find((line) => SPINNER_FRAMES.test(line))?.length).toBeGreaterThan(30);
      // A moment after the resize: at most one spinner row, and every row fits in 30 columns.
      const narrowed = await screen(run, 1);
      expect(narrowed.filter((line) => SPINNER_FRAMES.test(line)).length).toBeLessThanOrEqual(1);
      expect(narrowed.filter((line) => [...line].length > 30)).toEqual([]);
      // At the end, nothing is left of the spinner: no frame, no piece of its text.
      const end = await screen(run);
      expect(end.filter((line) => SPINNER_FRAMES.test(line))).toEqual([]);
      expect(end.filter((line) => /Waiting for nat-|Waiting for \d+ NAT/.test(line))).toEqual([]);
      // The wait's explanation stays, above the gateway it named.
      // (Its rows re-wrapped at 30 columns: compared without the blanks where rows broke.)
      expect(end.join('').replace(/\s/g, '')).toContain('ANATgatewaytakes1-5minutestobecomeavailable');
      expect(end.join('').replace(/\s/g, '')).toMatch(/NATgatewaynat-\w+isavailable/);
    },
    120_000,
  );
});
