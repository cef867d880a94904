import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, ensureBuilt } from './build.js';

/**
 * The built package: what `npm pack` ships installs into an empty prefix and runs with nothing
 * else (the bundle holds every dependency), and each command loads only what it needs: help and
 * the version no ES module at all, `iam-policy` no AWS SDK client. Which files Node loaded comes
 * from its own ES module loader log (NODE_DEBUG=esm); which sources a bundle file holds, from its
 * source map.
 */

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
let work = '';

beforeAll(async () => {
  await ensureBuilt();
  work = mkdtempSync(join(tmpdir(), 'fixed-ip-package-'));
}, 300_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The bundle files (dist/...) Node loaded as ES modules while running `fixed-ip ...args`. */
function loadedModules(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): {
  status: number | null;
  stdout: string;
  stderr: string;
  files: string[];
} {
  const out = spawnSync(process.execPath, [BIN, ...args], {
    cwd: work,
    env: { ...process.env, NODE_DEBUG: 'esm', NO_COLOR: '1', XDG_STATE_HOME: join(work, '.state'), ...env },
    encoding: 'utf8',
    // Node 24's esm debug log of a simulated run is about 1 MiB, spawnSync's default limit.
    maxBuffer: 64 * 1024 * 1024,
  });
  const files = [...out.stderr.matchAll(/Translating StandardModule file:\/\/(\S+)/g)].map((m) => m[1] ?? '');
  return { status: out.status, stdout: out.stdout, stderr: out.stderr, files: [...new Set(files)] };
}

/** The source files (from its source map) a bundle file was built from. */
function sourcesOf(file: string): string[] {
  return (JSON.parse(readFileSync(`${file}.map`, 'utf8')) as { sources: string[] }).sources;
}

const sdkClients = (files: string[]): string[] =>
  files.flatMap(sourcesOf).filter((source) => /@aws-sdk[\\/]client-/.test(source));

describe('the built CLI loads only what a command needs', () => {
  it.each([['--help'], ['--version'], ['setup', '--help']])(
    '%s loads no ES module (CommonJS start) and prints',
    (...args) => {
      const run = loadedModules(args);
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(args[0] === '--version' ? VERSION : /Usage: fixed-ip/);
      expect(run.files).toEqual([]);
    },
  );

  // The ES module build (dist/cli.js and its chunks), as --debug and a Node version other than the
  // build's run it: each chunk loads only when a command needs it.
  const ESM = { FIXED_IP_NO_CODE_CACHE: '1' };
  it('iam-policy loads the CLI but no AWS SDK client', () => {
    const run = loadedModules(['iam-policy'], ESM);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ Version: '2012-10-17' });
    expect(run.files).toContain(join(ROOT, 'dist', 'cli.js'));
    expect(sdkClients(run.files)).toEqual([]);
  });

  it('a command that calls AWS does load the clients (so the check above can fail)', () => {
    const run = loadedModules(['plan', '--simulate'], ESM);
    expect(run.status).toBe(0);
    expect(sdkClients(run.files)).toEqual(expect.arrayContaining([expect.stringMatching(/client-ec2/)]));
  });
});

describe('the commands run from one CommonJS file with the code cache the build made', () => {
  it("the cache is this Node version's, and V8 takes it", () => {
    const file = join(ROOT, 'dist', 'cli.cjs');
    const cachedData = readFileSync(`${file}.${process.version}.cache`);
    const script = new Script(readFileSync(file, 'utf8'), { filename: file, cachedData });
    expect(script.cachedDataRejected).toBe(false);
  });

  it.each([['iam-policy'], ['plan', '--simulate']])('%s loads no ES module and works', (...args) => {
    const run = loadedModules(args);
    expect(run.status, run.stderr).toBe(0);
    expect(run.files).toEqual([]);
  });
});

describe('npm pack', () => {
  it('installs into an empty prefix with no other package and runs', () => {
    const packed = join(work, 'packed');
    mkdirSync(packed);
    // --ignore-scripts: dist/ is already built (prepare would rebuild it under the other tests' feet).
    execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', packed], {
      cwd: ROOT,
      stdio: 'pipe',
    });
    const tarball = readdirSync(packed).find((name) => name.endsWith('.tgz')) ?? '';
    const prefix = join(work, 'prefix');
    const install = spawnSync(
      'npm',
      ['install', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', join(packed, tarball)],
      { cwd: work, encoding: 'utf8' },
    );
    expect(install.status, install.stderr).toBe(0);
    // npm 11 lists a package's install scripts (prepare was one) at every install: there are none.
    expect(install.stderr).not.toMatch(/warn/i);
    const shipped = join(prefix, 'node_modules', 'fixed-ip');
    for (const file of ['LICENSE', 'README.md', 'dist/THIRD-PARTY-LICENSES.txt'])
      expect(existsSync(join(shipped, file)), file).toBe(true);
    const manifest = JSON.parse(readFileSync(join(shipped, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(Object.keys(manifest.scripts)).not.toEqual(
      expect.arrayContaining([expect.stringMatching(/^(preinstall|install|postinstall|prepare)$/)]),
    );
    expect(readdirSync(join(prefix, 'node_modules'))).toEqual(['.bin', '.package-lock.json', 'fixed-ip']);
    const installed = join(prefix, 'node_modules', '.bin', 'fixed-ip');
    expect(existsSync(installed)).toBe(true);
    expect(execFileSync(installed, ['--version'], { cwd: work, encoding: 'utf8' }).trim()).toBe(VERSION);
    const plan = spawnSync(installed, ['plan', '--simulate'], {
      cwd: work,
      env: { ...process.env, NO_COLOR: '1', XDG_STATE_HOME: join(work, '.state') },
      encoding: 'utf8',
    });
    expect(plan.status).toBe(0);
    expect(plan.stdout).toContain('setup would succeed');
    // npx with the version, as a user would once it is published: the installed one, offline.
    const npx = spawnSync('npx', ['--offline', `fixed-ip@${VERSION}`, '--version'], {
      cwd: prefix,
      encoding: 'utf8',
    });
    expect(npx.stdout.trim(), npx.stderr).toBe(VERSION);
  }, 120_000);
});
