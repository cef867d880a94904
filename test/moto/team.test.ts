import { spawn } from 'node:child_process';
import type { StackState } from '../../src/state/schema.js';
import { viewOf } from '../support/env.js';
import { simulatedDir } from '../../src/state/store.js';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ensureBuilt } from '../e2e/build.js';
import { startMoto } from '../support/moto.js';
import { createBucket, keys, motoEnv, runCli, s3Client, text } from './s3.js';

/**
 * Two teammates: each has their own working directory, one AWS account between them (the
 * simulated account, shared through a symlink as a real account would be), and the state in S3.
 */
let moto: Awaited<ReturnType<typeof startMoto>>;
let s3: S3Client;

beforeAll(async () => {
  await ensureBuilt();
  moto = await startMoto();
  s3 = s3Client(moto.endpoint);
  await createBucket(s3, 'team-state');
});
afterAll(async () => {
  s3?.destroy();
  await moto?.stop();
});

function teammates(): { alice: string; bob: string } {
  const root = mkdtempSync(join(tmpdir(), 'fixed-ip-team-'));
  const alice = join(root, 'alice');
  const bob = join(root, 'bob');
  mkdirSync(join(alice, '.fixed-ip'), { recursive: true });
  mkdirSync(join(bob, '.fixed-ip'), { recursive: true });
  // One simulated account for both (it is the user's, whatever the folder), fresh for each test:
  // motoEnv passes it on.
  process.env.XDG_STATE_HOME = join(root, 'state');
  return { alice, bob };
}

describe('a stack whose state is in S3, used from two working directories (moto)', () => {
  it('alice sets it up, bob sees it and tears it down, alice then finds nothing', async () => {
    const { alice, bob } = teammates();
    // Alice's project file names the state; bob uses the environment variable.
    writeFileSync(
      join(alice, '.fixed-ip', 'config.json'),
      JSON.stringify({ state: 's3://team-state/fixed-ip/' }),
    );
    const aliceEnv = motoEnv(moto.endpoint);
    const bobEnv = motoEnv(moto.endpoint, { FIXED_IP_STATE: 's3://team-state/fixed-ip/' });

    const setup = await runCli(
      ['setup', '--simulate', '--yes', '--name', 'shop', '--function', 'orders-api'],
      {
        cwd: alice,
        env: aliceEnv,
      },
    );
    expect(setup.code, setup.stderr).toBe(0);
    const ip = /Allowlist this IP: (\S+)/.exec(setup.stdout + setup.stderr)?.[1];
    expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(await keys(s3, 'team-state')).toEqual(['fixed-ip/shop.json', 'fixed-ip/shop.json.bak']);
    const shop = viewOf(JSON.parse(await text(s3, 'team-state', 'fixed-ip/shop.json')) as StackState);
    expect(shop.elasticIp?.publicIp).toBe(ip);
    expect(existsSync(join(simulatedDir(process.env), 'shop.json'))).toBe(false);

    const status = await runCli(['status', '--simulate', '--name', 'shop', '--json'], {
      cwd: bob,
      env: bobEnv,
    });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stderr).not.toContain('found stack shop by its tags');
    expect(JSON.parse(status.stdout)).toMatchObject({
      elasticIp: ip,
      stateFile: 's3://team-state/fixed-ip/shop.json',
    });

    const teardown = await runCli(['teardown', '--simulate', '--yes', '--name', 'shop'], {
      cwd: bob,
      env: bobEnv,
    });
    expect(teardown.code, teardown.stderr).toBe(0);
    expect(await keys(s3, 'team-state')).toEqual([]);

    const after = await runCli(['status', '--simulate', '--name', 'shop'], { cwd: alice, env: aliceEnv });
    expect(after.code).toBe(4);
    // A run that fails after taking the lock (no stack to tear down) releases it.
    const again = await runCli(['teardown', '--simulate', '--yes', '--name', 'shop'], {
      cwd: alice,
      env: aliceEnv,
    });
    expect(again.code).toBe(4);
    expect(await keys(s3, 'team-state')).toEqual([]);
  });

  /** A setup with its state in `bucket`, sent `interrupts` Ctrl-Cs once step 2 of 6 is done: its exit code. */
  async function interruptedSetup(bucket: string, interrupts: number): Promise<number | null> {
    const { alice } = teammates();
    await createBucket(s3, bucket);
    const child = spawn(
      process.execPath,
      [
        BIN,
        'setup',
        '--simulate',
        '--yes',
        '--name',
        'kiosk',
        '--function',
        'orders-api',
        '--state',
        `s3://${bucket}/ctrl-c/`,
      ],
      { cwd: alice, env: motoEnv(moto.endpoint), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    let interrupted = false;
    const exited = new Promise<number | null>((done) => child.on('close', done));
    await new Promise<void>((done) => {
      const watch = (chunk: Buffer): void => {
        output += chunk.toString();
        if (/✔ 2\/6/.test(output) && child.signalCode === null && !interrupted) {
          interrupted = true;
          for (let i = 0; i < interrupts; i++) child.kill('SIGINT');
          done();
        }
      };
      child.stdout.on('data', watch);
      child.stderr.on('data', watch);
    });
    return exited;
  }

  it('Ctrl-C during setup releases the lock and keeps what was recorded', async () => {
    expect(await interruptedSetup('team-ctrl-c', 1)).toBe(130);
    expect(await keys(s3, 'team-ctrl-c')).toEqual(['ctrl-c/kiosk.json', 'ctrl-c/kiosk.json.bak']);
    const recorded = viewOf(JSON.parse(await text(s3, 'team-ctrl-c', 'ctrl-c/kiosk.json')) as StackState);
    expect(recorded.publicSubnet?.id).toMatch(/^subnet-/);
  });

  it('a second Ctrl-C stops at once, and still releases the lock through the same path', async () => {
    expect(await interruptedSetup('team-ctrl-c-twice', 2)).toBe(130);
    // No lock object is left for unlock: only the state (and its previous version).
    expect(await keys(s3, 'team-ctrl-c-twice')).not.toContain('ctrl-c/kiosk.json.lock');
    expect(await keys(s3, 'team-ctrl-c-twice')).toContain('ctrl-c/kiosk.json');
  });

  it('state move: local to S3 and back, never over an existing state', async () => {
    const { alice } = teammates();
    const env = motoEnv(moto.endpoint);
    const local = join(simulatedDir(process.env), 'cafe.json');
    const s3State = 's3://team-state/moved/cafe.json';
    const setup = await runCli(
      ['setup', '--simulate', '--yes', '--name', 'cafe', '--function', 'orders-api'],
      {
        cwd: alice,
        env,
      },
    );
    expect(setup.code, setup.stderr).toBe(0);
    const written = JSON.parse(readFileSync(local, 'utf8'));

    const up = await runCli(['state', 'move', '--simulate', '--name', 'cafe', '--to', s3State], {
      cwd: alice,
      env,
    });
    expect(up.code, up.stderr).toBe(0);
    expect(existsSync(local)).toBe(false);
    expect(existsSync(`${local}.bak`)).toBe(false);
    const moved = JSON.parse(await text(s3, 'team-state', 'moved/cafe.json'));
    expect({ ...moved, updatedAt: '' }).toEqual({ ...written, updatedAt: '' });
    const status = await runCli(['status', '--simulate', '--name', 'cafe', '--state', s3State], {
      cwd: alice,
      env,
    });
    expect(status.code, status.stderr).toBe(0);

    // A state already at the destination is never overwritten, and the source stays.
    const back = join(alice, 'back.json');
    const other = `${JSON.stringify({ ...written, name: 'someone-else' })}\n`;
    writeFileSync(back, other);
    const moveBack = ['state', 'move', '--simulate', '--name', 'cafe', '--state', s3State, '--to', back];
    const refused = await runCli(moveBack, { cwd: alice, env });
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split('\n').at(-1)).toMatch(
      /^error: .*back\.json already holds a state; it was not overwritten/,
    );
    expect(readFileSync(back, 'utf8')).toBe(other);
    expect(await keys(s3, 'team-state')).toEqual(['moved/cafe.json']);

    rmSync(back);
    const down = await runCli(moveBack, { cwd: alice, env });
    expect(down.code, down.stderr).toBe(0);
    expect(await keys(s3, 'team-state')).toEqual([]);
    expect({ ...JSON.parse(readFileSync(back, 'utf8')), updatedAt: '' }).toEqual({
      ...written,
      updatedAt: '',
    });
    const local2 = await runCli(['status', '--simulate', '--name', 'cafe', '--state', back], {
      cwd: alice,
      env,
    });
    expect(local2.code, local2.stderr).toBe(0);
  });
});
