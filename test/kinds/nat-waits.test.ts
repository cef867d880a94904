import { afterEach, describe, expect, it, vi } from 'vitest';
import { waitForNat } from '../../src/kinds/nat-waits.js';
import { SpinnerBoard } from '../../src/ui/spinner.js';
import { createTerminalUi, type TerminalUi } from '../../src/ui/terminal.js';
import { ExitCode } from '../../src/errors.js';
import { screenOf } from '../support/screen.js';
import { fakeStream } from '../support/streams.js';
import { inTempDirectory, runMain } from '../support/main.js';

inTempDirectory('fixed-ip-nat-waits-');

const COLUMNS = 60;
const opened: TerminalUi[] = [];
afterEach(() => {
  for (const ui of opened.splice(0)) ui.close();
  vi.useRealTimers();
});

/** A colour terminal 60 columns wide, as the NAT wait must fit. */
function narrowTerminal() {
  const stderr = fakeStream(true);
  Object.assign(stderr.stream, { columns: COLUMNS, getWindowSize: () => [COLUMNS, 40] });
  const ui = createTerminalUi(
    {
      stdin: fakeStream(true).stream as unknown as NodeJS.ReadStream,
      stdout: fakeStream(true).stream as unknown as NodeJS.WriteStream,
      stderr: stderr.stream as unknown as NodeJS.WriteStream,
      color: true,
      debug: false,
    },
    SpinnerBoard,
  );
  opened.push(ui);
  // The screen as drawn so far (xterm.js draws on real timers: read it once the fake ones are off).
  const drawn = () => stderr.text();
  // A terminal's line discipline turns each "\n" into "\r\n" (onlcr), as a pty does for real runs.
  const screen = (text: string) => screenOf(text.replace(/\n/g, '\r\n'), { cols: COLUMNS, rows: 40 });
  return { ui, drawn, screen };
}

const IDS = ['nat-0aaaaaaaaaaaaaaaa', 'nat-0bbbbbbbbbbbbbbbb', 'nat-0cccccccccccccccc'];
const ZONES = ['ap-northeast-1a', 'ap-northeast-1c', 'ap-northeast-1d'];

describe('the NAT gateway wait, in a 60-column terminal', () => {
  it('keeps its explanation, names every gateway, counts them in one line that fits, and ends with the total time', async () => {
    vi.useFakeTimers();
    const { ui, drawn, screen } = narrowTerminal();
    const members = IDS.map((id, i) => waitForNat(ui, 'NAT gateway', id, ZONES[i]));
    vi.advanceTimersByTime(50_000);
    members[1]?.saw('available');
    members[1]?.succeed();
    vi.advanceTimersByTime(15_500);
    const whileWaiting = drawn();
    vi.advanceTimersByTime(35_000);
    members[0]?.succeed();
    members[2]?.succeed();
    const atTheEnd = drawn();
    vi.useRealTimers();

    const waiting = await screen(whileWaiting);
    // The explanation, and each gateway with its zone, stay on screen above the spinner.
    expect(waiting.join('\n')).toMatch(
      /A NAT gateway takes 1-5 minutes to become available,\s+and is billed by the hour from now/,
    );
    for (const [i, id] of IDS.entries()) expect(waiting).toContain(`  NAT gateway ${id} (${ZONES[i]})`);
    // One spinner line: the count and the time since the wait began, whole (not cut to fit).
    const spinner = waiting.filter((line) => line.includes('Waiting for 3'));
    expect(spinner).toEqual([
      expect.stringMatching(/^\S Waiting for 3 NAT gateways: 1 available \(1m 05s\)$/),
    ]);
    expect(waiting.filter((line) => [...line].length > COLUMNS)).toEqual([]);
    expect(waiting.join('\n')).not.toContain('…');

    const done = await screen(atTheEnd);
    expect(done).toContain('✔ 3 NAT gateways are available (1m 40s)');
    expect(done.filter((line) => /Waiting for \d|Waiting for nat-/.test(line))).toEqual([]);
    expect(done.filter((line) => [...line].length > COLUMNS)).toEqual([]);
  });

  it('a gateway that fails ends the wait with what went wrong; the explanation is said again for the next wait only', async () => {
    vi.useFakeTimers();
    const { ui, drawn, screen } = narrowTerminal();
    const first = waitForNat(ui, 'NAT gateway', IDS[0] ?? '', ZONES[0]);
    vi.advanceTimersByTime(3_000);
    first.fail(`NAT gateway ${IDS[0]} failed`);
    const later = waitForNat(ui, 'Regional NAT gateway', IDS[1] ?? '', undefined);
    later.succeed();
    const output = drawn();
    vi.useRealTimers();
    const lines = await screen(output);
    expect(lines.join('\n')).toContain(`✖ NAT gateway ${IDS[0]} failed (3s)`);
    expect(lines).toContain(`  Regional NAT gateway ${IDS[1]}`);
    expect(lines).toContain(`✔ Regional NAT gateway ${IDS[1]} is available`);
    expect(lines.filter((line) => line.startsWith('A NAT gateway takes'))).toHaveLength(2);
  });
});

describe('setup of a stack with a NAT gateway in every zone', () => {
  it('says the wait once, names each of its gateways, and reports them together', async () => {
    const run = await runMain(['setup', '--simulate', '--yes', '--nat', 'gateway-per-az', '--azs', '3']);
    expect(run.code, run.stderr).toBe(ExitCode.ok);
    const lines = run.stderr.split('\n');
    const natIds = [...new Set(run.stderr.match(/nat-[0-9a-f]{17}/g))];
    expect(natIds).toHaveLength(3);
    expect(lines.filter((line) => line.startsWith('A NAT gateway takes 1-5 minutes'))).toHaveLength(1);
    for (const id of natIds)
      expect(lines).toContainEqual(
        expect.stringMatching(new RegExp(`^ {2}NAT gateway ${id} \\(ap-northeast-1\\w\\)$`)),
      );
    // The simulator's gateways come up side by side: the wait ends once, for all three.
    expect(lines).toContainEqual(expect.stringMatching(/^✔ 3 NAT gateways are available \(\d+s\)$/));
    const waitLines = lines.filter((line) =>
      /A NAT gateway takes|billed by the hour from now|^ {2}NAT gateway nat-|NAT gateways are available|^Waiting for/.test(
        line,
      ),
    );
    expect(waitLines.filter((line) => [...line].length > COLUMNS)).toEqual([]);
  }, 60_000);
});
