import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN } from '../e2e/build.js';

/** A module hook that reports on stderr every module the CLI loads (`LOADED <url>`). */
const HOOK = `
import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
const { port1, port2 } = new MessageChannel();
port1.on('message', (url) => process.stderr.write('LOADED ' + url + '\\n'));
port1.unref();
const hooks = 'let port; export function initialize(data) { port = data.port; }' +
  'export async function resolve(specifier, context, next) {' +
  '  const resolved = await next(specifier, context);' +
  '  port.postMessage(resolved.url);' +
  '  return resolved; }';
register('data:text/javascript,' + encodeURIComponent(hooks), {
  parentURL: import.meta.url, data: { port: port2 }, transferList: [port2] });
`;

/** Runs the built CLI in a fresh folder with the hook; `env` is added to this process's. */
export function runWatchingLoads(args: string[], env: Record<string, string>): SpawnSyncReturns<string> {
  const dir = mkdtempSync(join(tmpdir(), 'fixed-ip-lazy-'));
  const hook = join(dir, 'hook.mjs');
  writeFileSync(hook, HOOK);
  return spawnSync(process.execPath, ['--import', hook, BIN, ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, XDG_STATE_HOME: join(dir, '.state'), ...env },
  });
}

/**
 * The files a run loaded that hold `marker`. The CLI is a bundle: an SDK package is inside chunks,
 * found by what they hold (e.g. its service's exception class), or loaded as itself (`packageName`).
 */
export function loadedHolding(stderr: string, marker: string, packageName?: string): string[] {
  return [...stderr.matchAll(/^LOADED (\S+)$/gm)]
    .map((m) => m[1] ?? '')
    .filter((url) => url.startsWith('file:'))
    .filter(
      (url) =>
        (packageName !== undefined && url.includes(packageName)) ||
        readFileSync(fileURLToPath(url), 'utf8').includes(marker),
    );
}
