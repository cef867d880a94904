import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { fakeStream } from '../support/streams.js';

let cwd: string;
let home: string;
let exitCodeBefore: typeof process.exitCode;

beforeAll(() => {
  home = process.cwd();
  exitCodeBefore = process.exitCode;
  cwd = mkdtempSync(join(tmpdir(), 'fixed-ip-files-'));
  process.chdir(cwd);
});

afterAll(() => {
  process.chdir(home);
  process.exitCode = exitCodeBefore;
  rmSync(cwd, { recursive: true, force: true });
});

describe('local file errors', () => {
  it('a --state path that cannot be made is named as a local file, never as something AWS said', async () => {
    writeFileSync(join(cwd, 'afile'), '');
    const stderr = fakeStream(false);
    const code = await main(['node', 'fixed-ip', 'setup', '--simulate', '--yes', '--state', 'afile/x.json'], {
      stdin: fakeStream(false).stream as unknown as NodeJS.ReadStream,
      stdout: fakeStream(false).stream as unknown as NodeJS.WriteStream,
      stderr: stderr.stream as unknown as NodeJS.WriteStream,
      env: { XDG_STATE_HOME: join(cwd, '.state') },
    });
    expect(code).toBe(1);
    expect(stderr.text()).not.toMatch(/AWS said/);
    expect(stderr.text()).toMatch(/error: cannot mkdir .*afile \(EEXIST\); check that path/);
  });
});
