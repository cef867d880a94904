import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The tests that run `bin/fixed-ip.js` need dist/ to match src/. `ensureBuilt()` runs
 * `npm run build` when dist/cli.js is missing or older than any source file, and only then: the
 * build takes a while, so in-process tests never pay for it (hence no vitest globalSetup, which
 * every run would go through). Test files run in parallel workers, so a lock directory makes one
 * of them build while the others wait and then find dist/ fresh.
 */

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'bin', 'fixed-ip.js');
const BUILT = join(ROOT, 'dist', 'cli.js');
const LOCK = join(ROOT, 'node_modules', '.cache', 'fixed-ip-e2e-build.lock');
/** A lock older than this was left by a killed run. */
const STALE_LOCK_MS = 5 * 60_000;

function newestSource(): number {
  let newest = 0;
  const visit = (path: string): void => {
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path)) visit(join(path, entry));
    } else {
      newest = Math.max(newest, stat.mtimeMs);
    }
  };
  visit(join(ROOT, 'src'));
  for (const file of ['package.json', 'tsconfig.json', 'scripts/build.js', 'scripts/notices.js'])
    visit(join(ROOT, file));
  return newest;
}

function isFresh(): boolean {
  try {
    return statSync(BUILT).mtimeMs >= newestSource();
  } catch {
    return false;
  }
}

function build(): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => {
      if (code === 0) done();
      else
        fail(
          new Error(
            `npm run build failed (exit ${String(code)}); the end-to-end tests need dist/:\n${output}`,
          ),
        );
    });
  });
}

function tryLock(): boolean {
  mkdirSync(join(LOCK, '..'), { recursive: true });
  try {
    mkdirSync(LOCK);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    try {
      if (Date.now() - statSync(LOCK).mtimeMs > STALE_LOCK_MS) rmdirSync(LOCK);
    } catch {
      // Another worker removed it first.
    }
    return false;
  }
}

/** Another worker is building: dist/ is written file by file, so cli.js may look fresh too early. */
function building(): boolean {
  try {
    return Date.now() - statSync(LOCK).mtimeMs <= STALE_LOCK_MS;
  } catch {
    return false;
  }
}

export async function ensureBuilt(): Promise<void> {
  while (!isFresh() || building()) {
    if (!isFresh() && tryLock()) {
      try {
        if (!isFresh()) await build();
      } finally {
        rmdirSync(LOCK);
      }
      return;
    }
    await new Promise((wake) => setTimeout(wake, 250));
  }
}
