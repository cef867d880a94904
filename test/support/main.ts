import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { main, type Io } from '../../src/cli.js';
import { VirtualClock } from '@fixed-ip/simulator';
import { fakeStream } from './streams.js';
import { scratchDir } from './scratch.js';

export interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The runs' one clock: virtual, so `--simulate`'s waits (seconds of real time in a user's demo)
 * pass at once, and shared by every run, so the simulated account (saved between runs with the
 * times it was changed at) never sees time go backwards. It starts at the real time, but every
 * file of a worker shares it (isolate: false) and their waits move it ahead of Date.now(): what a
 * test writes into the account by hand takes its time from `cliNow()`.
 */
const clock = new VirtualClock({ start: Date.now() });

/** "Now" for the CLI runs of runMain. */
export function cliNow(): number {
  return clock.now();
}

/**
 * `fixed-ip ...args` through main(), in this process; stdin is never a terminal, so nobody can be
 * asked anything. `tty`: stdout and stderr say they are terminals.
 */
export async function runMain(
  args: string[],
  options: { tty?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<Outcome> {
  const stdin = fakeStream(false);
  const stdout = fakeStream(options.tty === true);
  const stderr = fakeStream(options.tty === true);
  const io: Io = {
    stdin: stdin.stream as unknown as NodeJS.ReadStream,
    stdout: stdout.stream as unknown as NodeJS.WriteStream,
    stderr: stderr.stream as unknown as NodeJS.WriteStream,
    // `--simulate` keeps its account under $XDG_STATE_HOME: here the test's folder (inTempDirectory),
    // so files stay apart and nothing is written into the real home.
    env: { XDG_STATE_HOME: join(process.cwd(), '.state'), ...options.env },
    clock,
  };
  const code = await main(['node', 'fixed-ip', ...args], io);
  await new Promise((wake) => setImmediate(wake));
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/**
 * Runs the file's tests in a fresh temporary directory (the state files live under its ./.fixed-ip,
 * the simulated account and its states under ./.state) and puts back the directory and process.exitCode afterwards.
 */
export function inTempDirectory(prefix: string): { dir(): string } {
  let cwd = '';
  let home = '';
  let exitCodeBefore: typeof process.exitCode;
  beforeAll(() => {
    home = process.cwd();
    exitCodeBefore = process.exitCode;
    cwd = scratchDir(prefix);
    process.chdir(cwd);
  });
  afterAll(() => {
    process.chdir(home);
    process.exitCode = exitCodeBefore;
    rmSync(cwd, { recursive: true, force: true });
  });
  return { dir: () => cwd };
}
