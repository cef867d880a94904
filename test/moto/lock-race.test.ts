import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT } from '../e2e/build.js';
import { startMoto } from '../support/moto.js';
import { createBucket, keys, motoEnv, runCli, s3Client } from './s3.js';
import { serialProxy } from './serial-proxy.js';

/**
 * A separate process that opens the built S3 store, says "ready", waits for "go", tries the lock
 * and says "won" or "lost <exit code> <message>"; a winner holds the lock until told "release".
 */
const WORKER = `
import { createInterface } from 'node:readline';
import { S3Client } from '@aws-sdk/client-s3';
import { S3StateStore } from './node_modules/.cache/fixed-ip-test/s3-store.mjs';
const [endpoint, bucket, key] = process.argv.slice(1);
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const store = new S3StateStore({
  bucket, key,
  s3: async () => new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } }),
  whoAmI: async () => 'arn:aws:iam::123456789012:user/worker-' + process.pid,
  command: 'setup',
  notify: () => {},
});
await store.read();
console.log('ready');
await lines.next();
try {
  const release = await store.lock('prod');
  console.log('won');
  await lines.next();
  await release();
  console.log('released');
} catch (error) {
  console.log('lost ' + error.exitCode + ' ' + error.message);
}
process.exit(0);
`;

/**
 * The S3 store as one module the workers import: the CLI is a bundle with no file per module, so
 * the store is built on its own here (esbuild, packages left to node_modules).
 */
async function buildStore(): Promise<void> {
  const { build } = await import('esbuild');
  await build({
    entryPoints: [join(ROOT, 'src/state/s3-store.ts')],
    outfile: join(ROOT, 'node_modules/.cache/fixed-ip-test/s3-store.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'warning',
  });
}

interface Worker {
  child: ChildProcessWithoutNullStreams;
  next(): Promise<string>;
  send(line: string): void;
}

function startWorker(endpoint: string, bucket: string, key: string): Worker {
  const child = spawn(process.execPath, ['--input-type=module', '-e', WORKER, endpoint, bucket, key], {
    cwd: ROOT,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return {
    child,
    next: async () => {
      const line = await lines.next();
      if (line.done) throw new Error(`worker ended early: ${stderr}`);
      return line.value;
    },
    send: (line) => child.stdin.write(`${line}\n`),
  };
}

let server: Awaited<ReturnType<typeof startMoto>>;
/** moto behind the serialising proxy (see serial-proxy.ts): what the processes talk to. */
let moto: Awaited<ReturnType<typeof serialProxy>>;
let s3: S3Client;

beforeAll(async () => {
  await ensureBuilt();
  await buildStore();
  server = await startMoto();
  moto = await serialProxy(server.endpoint);
  s3 = s3Client(moto.endpoint);
  await createBucket(s3, 'team-locks');
});
afterAll(async () => {
  s3?.destroy();
  await moto?.stop();
  await server?.stop();
});

describe('the S3 lock across processes (moto)', () => {
  it('two processes racing for one stack: exactly one wins, every round', async () => {
    const rounds = 15;
    const wins: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const workers = [0, 1].map(() => startWorker(moto.endpoint, 'team-locks', 'prod.json'));
      for (const worker of workers) expect(await worker.next()).toBe('ready');
      for (const worker of workers) worker.send('go');
      const results = await Promise.all(workers.map((worker) => worker.next()));
      const winners = results.filter((result) => result === 'won');
      expect(winners, `round ${round}: ${results.join(' | ')}`).toHaveLength(1);
      const loser = results.find((result) => result !== 'won') ?? '';
      const winner = workers[results.indexOf('won')];
      // The loser stops at once with exit code 7 and names the winner.
      expect(loser).toMatch(
        /^lost 7 stack prod is in use by arn:aws:iam::123456789012:user\/worker-\d+ pid \d+/,
      );
      expect(loser).toContain(`pid ${winner.child.pid}`);
      winner.send('release');
      expect(await winner.next()).toBe('released');
      wins.push(results.indexOf('won'));
      expect(await keys(s3, 'team-locks')).toEqual([]);
    }
    expect(wins).toHaveLength(rounds);
  });

  it('a holder killed with SIGKILL leaves its lock: unlock names it and clears it, and the next run takes it over', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fixed-ip-unlock-'));
    // unlock also looks for the stack's run guard (SSM), so every service goes to moto here.
    const env = motoEnv(moto.endpoint, { AWS_ENDPOINT_URL: moto.endpoint });
    const state = 's3://team-locks/crash.json';
    const killed = async () => {
      const holder = startWorker(moto.endpoint, 'team-locks', 'crash.json');
      expect(await holder.next()).toBe('ready');
      holder.send('go');
      expect(await holder.next()).toBe('won');
      const exited = new Promise((done) => holder.child.once('exit', done));
      holder.child.kill('SIGKILL');
      await exited;
      expect(await keys(s3, 'team-locks')).toEqual(['crash.json.lock']);
      return holder.child.pid;
    };

    const pid = await killed();
    const unasked = await runCli(['unlock', '--name', 'prod', '--state', state], { cwd: dir, env });
    expect(unasked.code).toBe(2);
    expect(unasked.stderr).toContain(
      `unlock removes the lock on stack prod held by arn:aws:iam::123456789012:user/worker-${pid}`,
    );
    expect(await keys(s3, 'team-locks')).toEqual(['crash.json.lock']);

    const unlocked = await runCli(['unlock', '--name', 'prod', '--state', state, '--yes'], { cwd: dir, env });
    expect(unlocked.code).toBe(0);
    expect(unlocked.stderr).toContain('which is no longer running on this host');
    expect(unlocked.stderr).not.toContain('looks alive');
    expect(unlocked.stderr).toContain(`Removed the lock on stack prod held by`);
    expect(await keys(s3, 'team-locks')).toEqual([]);

    const again = await runCli(['unlock', '--name', 'prod', '--state', state, '--yes'], { cwd: dir, env });
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('stack prod is not locked');

    // Killed again: its process is gone from this host, so the next run takes the lock over at once,
    // saying whose it was, and releases it at its end (here: no stack, exit 4).
    const second = await killed();
    const next = await runCli(['teardown', '--name', 'prod', '--state', state, '--yes'], { cwd: dir, env });
    expect(next.code).toBe(4);
    expect(next.stderr).toContain(
      `Took over the lock on stack prod: arn:aws:iam::123456789012:user/worker-${second} pid ${second}`,
    );
    expect(next.stderr).toContain('is no longer running on this host');
    expect(await keys(s3, 'team-locks')).toEqual([]);
  });
});
