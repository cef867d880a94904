import type { PassThrough } from 'node:stream';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AbortError, FixedIpError } from '../../src/errors.js';
import type { Message } from '../../src/ports/ui.js';
import { matchesFilter } from '../../src/ui/searchable-checkbox.js';
import { SpinnerBoard } from '../../src/ui/spinner.js';
import { createTerminalUi, formatElapsed, type TerminalUi } from '../../src/ui/terminal.js';
import { truncateToWidth } from '../../src/ui/wrap.js';
import { VirtualClock } from '@fixed-ip/simulator';
import { screenOf } from '../support/screen.js';
import { fakeStream } from '../support/streams.js';

// eslint-disable-next-line no-control-regex -- looking for terminal escape codes is the point
const ESC = /\u001b\[/;

function setup(options: {
  tty: boolean;
  /** stdout alone piped (`fixed-ip teardown | cat`) or alone a terminal. */
  stdoutTty?: boolean;
  stderrTty?: boolean;
  color: boolean;
  debug?: boolean;
  banner?: string;
  clock?: VirtualClock;
}) {
  const stdin = fakeStream(options.tty);
  const stdout = fakeStream(options.stdoutTty ?? options.tty);
  const stderr = fakeStream(options.stderrTty ?? options.tty);
  const ui = createTerminalUi(
    {
      stdin: stdin.stream as unknown as NodeJS.ReadStream,
      stdout: stdout.stream as unknown as NodeJS.WriteStream,
      stderr: stderr.stream as unknown as NodeJS.WriteStream,
      color: options.color,
      debug: options.debug ?? false,
      ...(options.banner !== undefined && { banner: options.banner }),
      ...(options.clock !== undefined && { clock: options.clock }),
    },
    SpinnerBoard,
  );
  opened.push(ui);
  return { ui, stdin: stdin.stream, stdout, stderr };
}

const opened: TerminalUi[] = [];
afterEach(() => {
  for (const ui of opened.splice(0)) ui.close();
  vi.useRealTimers();
});

/** Let the prompt render, then type `keys` one chunk at a time. */
// The first question loads inquirer; loaded here, keys typed 5 ms after a question reach it.
beforeAll(() => import('../../src/ui/prompts.js'));

async function type(stdin: PassThrough, ...keys: string[]): Promise<void> {
  for (const key of keys) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    stdin.write(key);
  }
}

describe('terminal UI, plain mode (no TTY, no colour)', () => {
  it('a long wait prints a heartbeat every 30 s of the clock: what it waits for, its latest state, elapsed', async () => {
    const clock = new VirtualClock();
    const { ui, stderr } = setup({ tty: false, color: false, clock });
    const wait = ui.progress('setup.nat.wait', 'Waiting for NAT gateway nat-1 to become available');
    // Microtasks only: the virtual clock jumps ahead by itself when the event loop goes idle.
    const settle = async (): Promise<void> => {
      for (let i = 0; i < 10; i += 1) await Promise.resolve();
    };
    clock.advance(29_000);
    await settle();
    expect(stderr.text()).not.toMatch(/still waiting/);
    wait.update('Waiting for NAT gateway nat-1: AWS says pending');
    clock.advance(1_000);
    await settle();
    clock.advance(30_000);
    await settle();
    const beats = stderr
      .text()
      .split('\n')
      .filter((line) => line.startsWith('still waiting'));
    expect(beats).toEqual([
      'still waiting: Waiting for NAT gateway nat-1: AWS says pending (30s)',
      'still waiting: Waiting for NAT gateway nat-1: AWS says pending (1m 00s)',
    ]);
    wait.succeed('NAT gateway nat-1 is available');
    clock.advance(120_000);
    await settle();
    expect(
      stderr
        .text()
        .split('\n')
        .filter((line) => line.startsWith('still waiting')),
    ).toHaveLength(2);
    expect(stderr.text()).toMatch(/✔ NAT gateway nat-1 is available \(1m 00s\)/);
  });

  it('writes results to stdout and progress to stderr, with no escape codes', () => {
    const { ui, stdout, stderr } = setup({ tty: false, color: false });
    const nat = ui.progress('setup.nat.wait', 'Waiting for NAT gateway nat-0abc to become available');
    nat.update('Still waiting for NAT gateway nat-0abc');
    nat.succeed('NAT gateway nat-0abc is available');
    ui.progress('setup.nat.instance', 'Adding the default route').warn('Route already present');
    ui.progress('setup.nat.handover', 'Allocating an Elastic IP').fail('Elastic IP limit reached');
    ui.notify({ level: 'warn', code: 'lease.takeover', text: 'careful' });
    // No message of the catalogue is an error (errors end the run), but the adapter still draws one.
    ui.notify({ level: 'error', code: 'x.error', text: 'broken' } as unknown as Message);
    ui.notify({ level: 'success', code: 'unlock.done', text: 'all good' });
    ui.notify({ level: 'info', code: 'unlock.none', text: 'fyi' });
    ui.result('Allowlist this IP: 203.0.113.10', { emphasis: true });

    expect(stdout.text()).toBe('Allowlist this IP: 203.0.113.10\n');
    const err = stderr.text();
    expect(err).not.toMatch(ESC);
    expect(stdout.text()).not.toMatch(ESC);
    expect(err).toContain('✔ NAT gateway nat-0abc is available\n');
    expect(err).toContain('warning: Route already present\n');
    expect(err).toContain('error: Elastic IP limit reached\n');
    expect(err).toContain('warning: careful\n');
    expect(err).toContain('error: broken\n');
    expect(err).toContain('✔ all good\n');
    expect(err).toContain('fyi\n');
    expect(err).not.toContain('Still waiting');
    expect(err).not.toContain('203.0.113.10');
  });

  it('keeps colour off when color is false even on a terminal', () => {
    const { ui, stdout, stderr } = setup({ tty: true, color: false });
    ui.progress('teardown.wait', 'Creating the subnet').succeed('Created the subnet');
    ui.notify({ level: 'warn', code: 'lease.takeover', text: 'careful' });
    ui.result('Allowlist this IP: 203.0.113.10', { emphasis: true });
    expect(stderr.text()).not.toMatch(ESC);
    expect(stdout.text()).toBe('Allowlist this IP: 203.0.113.10\n');
  });

  it('prints a result given with data verbatim', () => {
    const { ui, stdout } = setup({ tty: false, color: false });
    ui.result('{"ip":"203.0.113.10"}');
    expect(stdout.text()).toBe('{"ip":"203.0.113.10"}\n');
  });

  it('hides debug messages unless debug is on', () => {
    const quiet = setup({ tty: false, color: false });
    quiet.ui.notify({ level: 'debug', code: 'lease.heartbeat', text: 'EC2 DescribeVpcs' });
    expect(quiet.stderr.text()).toBe('');

    const loud = setup({ tty: false, color: false, debug: true });
    loud.ui.notify({ level: 'debug', code: 'lease.heartbeat', text: 'EC2 DescribeVpcs' });
    expect(loud.stderr.text()).toContain('EC2 DescribeVpcs');
  });

  it('appends the elapsed time to the final line only when the work took 2 s or more', () => {
    vi.useFakeTimers();
    const { ui, stderr } = setup({ tty: false, color: false });
    ui.progress('function.wait', 'Tagging').succeed('Tagged');
    const slow = ui.progress('teardown.nat', 'Waiting for NAT gateway nat-0abc');
    vi.advanceTimersByTime(65_000);
    slow.succeed('NAT gateway nat-0abc is available');
    expect(stderr.text()).toContain('✔ Tagged\n');
    expect(stderr.text()).toContain('✔ NAT gateway nat-0abc is available (1m 05s)\n');
  });

  it('prints the banner once, clearly marked', () => {
    const { stderr } = setup({
      tty: false,
      color: false,
      banner: 'simulated account: no AWS calls are made, nothing is billed',
    });
    expect(stderr.text()).toBe('[simulated account] no AWS calls are made, nothing is billed\n');
  });

  it('refuses to ask without a terminal instead of hanging', async () => {
    const { ui } = setup({ tty: false, color: false });
    expect(ui.interactive).toBe(false);
    const asking = ui.ask({
      kind: 'confirm',
      code: 'setup.confirm',
      message: 'Create the stack?',
      default: true,
    });
    await expect(asking).rejects.toBeInstanceOf(FixedIpError);
    await expect(asking).rejects.toMatchObject({
      code: 'NO_TERMINAL',
      message: 'cannot ask "Create the stack?" without a terminal',
      hint: expect.stringContaining('--yes'),
    });
  });
});

describe('terminal UI, colour terminal', () => {
  it('frames an emphasized result and leaves others alone', () => {
    const { ui, stdout } = setup({ tty: true, color: true });
    ui.result('plain line');
    ui.result('Allowlist this IP: 203.0.113.10', { emphasis: true });
    const out = stdout.text();
    expect(out.startsWith('plain line\n')).toBe(true);
    expect(out).toContain('Allowlist this IP: 203.0.113.10');
    expect(out).toContain('╭');
  });

  it('shows elapsed time on the spinner and prints finished work above it', () => {
    vi.useFakeTimers();
    const { ui, stderr } = setup({ tty: true, color: true });
    const nat = ui.progress('setup.nat.wait', 'Waiting for NAT gateway nat-0abc to become available');
    const route = ui.progress('setup.nat.instance', 'Adding the default route');
    vi.advanceTimersByTime(65_000);
    route.succeed('Default route added');
    // The ticker sets the text each second; ora draws it on its next frame.
    vi.advanceTimersByTime(1_100);
    expect(stderr.text()).toContain('Waiting for NAT gateway nat-0abc to become available (1m 06s)');
    nat.fail('NAT gateway nat-0abc failed');
    const err = stderr.text();
    expect(err).toContain('Default route added (1m 05s)');
    expect(err).toContain('NAT gateway nat-0abc failed (1m 06s)');
    expect(err).toMatch(ESC);
  });

  it("cuts the spinner's line to the terminal's width, and leaves no piece of it when the terminal narrows", async () => {
    const { ui, stderr } = setup({ tty: true, color: true });
    const terminal = stderr.stream as unknown as { columns: number };
    const size = { cols: 100, rows: 20 };
    const wait = ui.progress(
      'setup.nat.wait',
      `Waiting for NAT gateway nat-0abc to become available ${'(AWS takes 1-5 minutes) '.repeat(4)}`,
    );
    const spinnerLines = (screen: string[]): string[] => screen.filter((line) => line.includes('NAT'));
    // One row, cut with an ellipsis, one cell short of the width.
    const before = spinnerLines(await screenOf(stderr.text(), size));
    expect(before).toEqual([expect.stringMatching(/^\S Waiting for NAT gateway nat-0abc to become .*…$/)]);
    expect(before[0]).toHaveLength(99);

    // The terminal re-wraps the drawn line over three rows; the board clears them all and draws
    // the line again, cut to the new width.
    const resize = { at: Array.from(stderr.text()).length, cols: 40, rows: 20 };
    terminal.columns = 40;
    stderr.stream.emit('resize');
    const after = spinnerLines(await screenOf(stderr.text(), size, [resize]));
    expect(after).toEqual([expect.stringMatching(/^\S Waiting for NAT gateway nat-0abc .*…$/)]);
    expect(after[0]).toHaveLength(39);

    wait.succeed('NAT gateway nat-0abc is available');
    expect(spinnerLines(await screenOf(stderr.text(), size, [resize]))).toEqual([
      '✔ NAT gateway nat-0abc is available',
    ]);
  });

  it('answers a confirm with the default on enter', async () => {
    const { ui, stdin } = setup({ tty: true, color: true });
    expect(ui.interactive).toBe(true);
    const answer = ui.ask({ kind: 'confirm', code: 'setup.confirm', message: 'Proceed?', default: true });
    await type(stdin, '\r');
    await expect(answer).resolves.toBe(true);
  });

  it('asks on stderr when stdout alone is a pipe (`fixed-ip teardown | cat`, `IP=$(fixed-ip setup)`)', async () => {
    const { ui, stdin, stdout, stderr } = setup({ tty: true, stdoutTty: false, color: true });
    expect(ui.interactive).toBe(true);
    const answer = ui.ask({ kind: 'confirm', code: 'setup.confirm', message: 'Proceed?', default: false });
    // Typed once the question is drawn (on stderr): the prompt is listening then.
    await vi.waitFor(() => expect(stderr.text()).toContain('Proceed?'), { timeout: 10_000 });
    await type(stdin, 'y', '\r');
    await expect(answer).resolves.toBe(true);
    expect(stderr.text()).toContain('Proceed?');
    expect(stdout.text()).toBe('');
  });

  it('does not ask when stderr, where questions are drawn, is not a terminal', () => {
    const { ui } = setup({ tty: true, stderrTty: false, color: true });
    expect(ui.interactive).toBe(false);
  });

  const cidrQuestion = {
    kind: 'input',
    code: 'setup.public-cidr',
    message: 'Subnet CIDR',
    default: '10.0.200.0/28',
    validate: (value: string) => (value.endsWith('/28') ? true : 'must be a /28'),
  } as const;

  it("shows input's default beside the question; typing replaces it, and invalid values are named as typed", async () => {
    const { ui, stdin, stderr } = setup({ tty: true, color: false });
    const answer = ui.ask(cidrQuestion);
    await type(stdin, ...'10.0.9.0/2', '\r');
    await type(stdin, '8', '\r');
    await expect(answer).resolves.toBe('10.0.9.0/28');
    expect(stderr.text()).toContain('Subnet CIDR (10.0.200.0/28, tab to edit)');
    expect(stderr.text()).toContain('must be a /28');
  });

  it("takes input's default on enter alone, and puts it in the line to edit on tab", async () => {
    const taken = setup({ tty: true, color: false });
    const answer = taken.ui.ask(cidrQuestion);
    await type(taken.stdin, '\r');
    await expect(answer).resolves.toBe('10.0.200.0/28');

    const edited = setup({ tty: true, color: false });
    const editedAnswer = edited.ui.ask(cidrQuestion);
    await type(edited.stdin, '\t', '\x7f', '\x7f', '\x7f', '\x7f', '\x7f', ...'.16/28', '\r');
    await expect(editedAnswer).resolves.toBe('10.0.200.16/28');
  });

  it('filters, toggles and accepts in the searchable multi-select', async () => {
    const { ui, stdin } = setup({ tty: true, color: true });
    const answer = ui.ask({
      kind: 'multiselect',
      code: 'setup.functions',
      message: 'Functions to route through the fixed IP',
      choices: [
        { value: 'orders-api', name: 'orders-api' },
        { value: 'billing-worker', name: 'billing-worker' },
        { value: 'billing-api', name: 'billing-api' },
      ],
      default: ['orders-api'],
      validate: (values) => (values.length > 0 ? true : 'pick at least one'),
    });
    await type(stdin, 'b', 'i', 'l', 'l', ' ', '\x1b[B', ' ', '\r');
    await expect(answer).resolves.toEqual(['orders-api', 'billing-worker', 'billing-api']);
  });

  it('turns Ctrl-C at a prompt into an AbortError', async () => {
    const { ui, stdin } = setup({ tty: true, color: true });
    const answer = ui.ask({
      kind: 'select',
      code: 'setup.vpc',
      message: 'VPC',
      choices: [{ value: 'vpc-1', name: 'vpc-1' }],
      default: 'vpc-1',
    });
    await type(stdin, '\x03');
    await expect(answer).rejects.toBeInstanceOf(AbortError);
    await expect(answer).rejects.toMatchObject({ message: 'Cancelled; nothing was changed', changed: false });
  });
});

describe('helpers', () => {
  it('formats elapsed time', () => {
    expect(formatElapsed(4_200)).toBe('4s');
    expect(formatElapsed(65_000)).toBe('1m 05s');
    expect(formatElapsed(3_723_000)).toBe('1h 02m');
  });

  it('cuts a line to a width with an ellipsis, keeping its tail whole when the tail fits', () => {
    expect(truncateToWidth('Waiting for NAT gateway', 30, ' (12s)')).toBe('Waiting for NAT gateway (12s)');
    expect(truncateToWidth('Waiting for NAT gateway', 20, ' (12s)')).toBe('Waiting for N… (12s)');
    expect(truncateToWidth('Waiting for NAT gateway', 6, ' (12s)')).toBe('Waiti…');
    // Escape codes take no room, and a style cut short is closed.
    expect(truncateToWidth('\u001b[2mdimmed text\u001b[22m', 8)).toBe('\u001b[2mdimmed \u001b[22m…');
  });

  it('filters choices by name, value or description, ignoring case', () => {
    const choice = { value: 'fn-1', name: 'Orders API', description: 'eu-west-1' };
    expect(matchesFilter(choice, 'orders')).toBe(true);
    expect(matchesFilter(choice, 'FN-')).toBe(true);
    expect(matchesFilter(choice, 'west')).toBe(true);
    expect(matchesFilter(choice, 'billing')).toBe(false);
    expect(matchesFilter(choice, '')).toBe(true);
  });
});
