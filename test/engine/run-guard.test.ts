/**
 * The run guard (an SSM parameter per stack): two runs of one stack with two state files (two
 * directories, two machines) never both build; a guard left by a run that is gone is taken over,
 * by one run only; unlock clears it; Ctrl-C releases it; a re-run with nothing to do never writes it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAwsPort } from '../../src/aws/clients.js';
import type { AwsPort } from '../../src/aws/port.js';
import { setup, type SetupOptions } from '../../src/commands/setup.js';
import { teardown } from '../../src/commands/teardown.js';
import { unlock } from '../../src/commands/unlock.js';
import type { Deps } from '../../src/model/context.js';
import { guardName, takeRunGuard } from '../../src/engine/run-guard.js';
import { GUARD_STALE_MS } from '../../src/lease/ssm.js';
import { AbortError, ExitCode, FixedIpError } from '../../src/errors.js';
import { FileStateStore } from '../../src/state/store.js';
import { createTestAccount, isDryRun, isMutating, type TestAccount } from '../support/env.js';
import type { RecordingUiOptions } from '../support/recording-ui.js';

let account: TestAccount;
let vpcId: string;
let otherDir: string;
const GUARD = guardName('default');

const options = (extra: Partial<SetupOptions> = {}): SetupOptions => ({
  functions: ['orders-api'],
  vpc: vpcId,
  name: 'default',
  yes: true,
  azs: 1,
  ...extra,
});

/** A run from another directory: its own state file, the same account. */
function elsewhere(ui: RecordingUiOptions = {}): ReturnType<TestAccount['deps']> {
  const deps = account.deps(ui);
  return { ...deps, openStore: (name, path) => new FileStateStore(path ?? join(otherDir, `${name}.json`)) };
}

async function rejection(promise: Promise<unknown>): Promise<FixedIpError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(FixedIpError);
  return error as FixedIpError;
}

interface Snap {
  natGateways: Array<{
    id: string;
    state: string;
    publicIp?: string;
    addresses?: Array<{ publicIp: string }>;
  }>;
  addresses: Array<{ id: string; publicIp: string }>;
  subnets: Array<{ id: string }>;
}
const snap = (): Snap => account.sim.snapshot() as Snap;
/** Calls that took effect (a DryRun permission check creates nothing). */
const count = (operation: string): number =>
  account.sim.calls.filter((c) => c.operation === operation && !isDryRun(c.input)).length;

/** Someone holds the guard (it exists and was not released by its last run). */
async function held(): Promise<boolean> {
  const value = await guardValue();
  return value !== undefined && value.released !== true;
}

async function guardValue(): Promise<Record<string, unknown> | undefined> {
  try {
    const out = (await account.sim.handle('ssm', 'GetParameter', { Name: GUARD })) as {
      Parameter: { Value: string };
    };
    return JSON.parse(out.Parameter.Value) as Record<string, unknown>;
  } catch (error) {
    if ((error as { name?: string }).name === 'ParameterNotFound') return undefined;
    throw error;
  }
}

/** A guard written by another run, on another machine (or this one). */
async function seedGuard(body: Partial<Record<string, unknown>> = {}): Promise<void> {
  await account.sim.handle('ssm', 'PutParameter', {
    Name: GUARD,
    Type: 'String',
    Overwrite: true,
    Value: JSON.stringify({
      who: 'arn:aws:iam::123456789012:user/bob',
      host: 'ci-7',
      pid: 4242,
      cwd: '/home/bob/app',
      state: '/home/bob/app/.fixed-ip/default.json',
      command: 'setup',
      since: new Date(account.clock.now()).toISOString(),
      heartbeatAt: new Date(account.clock.now()).toISOString(),
      nonce: 'bob-1',
      ...body,
    }),
  });
}

function port(): Promise<AwsPort> {
  return createAwsPort({
    region: account.sim.region,
    credentials: { accessKeyId: 't', secretAccessKey: 't' },
  });
}

beforeEach(() => {
  account = createTestAccount();
  vpcId = account.sim.addVpc({ cidr: '10.0.0.0/16', name: 'app' });
  account.sim.addFunction({ name: 'orders-api', runtime: 'nodejs20.x', roleHasVpcAccess: true });
  otherDir = mkdtempSync(join(tmpdir(), 'fixed-ip-other-'));
});
afterEach(() => {
  account.restore();
  rmSync(otherDir, { recursive: true, force: true });
});

describe('two runs of one stack from two directories', () => {
  it('started at the same time: one builds, the other stops with exit 7 or reuses it; one NAT gateway, one true IP', async () => {
    const here = account.deps();
    const there = elsewhere();
    const outcomes = await Promise.allSettled([setup(options(), here), setup(options(), there)]);

    const live = snap().natGateways.filter((nat) => nat.state !== 'deleted' && nat.state !== 'failed');
    expect(live).toHaveLength(1);
    expect(count('CreateNatGateway')).toBe(1);
    expect(count('AllocateAddress')).toBe(1);
    // One public and one private subnet: nothing was built twice.
    expect(count('CreateSubnet')).toBe(2);
    const trueIp = snap().addresses[0]?.publicIp;
    expect(trueIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    for (const [index, outcome] of outcomes.entries()) {
      if (outcome.status === 'rejected') {
        expect(outcome.reason).toBeInstanceOf(FixedIpError);
        expect((outcome.reason as FixedIpError).exitCode).toBe(ExitCode.locked);
        expect((outcome.reason as FixedIpError).line).toMatch(/fixed-ip unlock --name default/);
      }
      // Every "Allowlist this IP" line printed is the one true IP.
      const results = [here, there][index]?.recording.results.filter((r) => r.startsWith('Allowlist')) ?? [];
      for (const line of results) expect(line).toBe(`Allowlist this IP: ${trueIp ?? ''}`);
    }
    expect(outcomes.filter((o) => o.status === 'fulfilled').length).toBeGreaterThanOrEqual(1);
    // Whatever happened, the guard is gone once both runs ended.
    expect(await held()).toBe(false);
  });

  it('the one asked first, confirming after the other built the stack, reuses it and creates nothing', async () => {
    let asked!: () => void;
    const waiting = new Promise<void>((resolve) => (asked = resolve));
    let built!: () => void;
    const done = new Promise<void>((resolve) => (built = resolve));
    const asking = elsewhere({ interactive: true, useDefaults: true });
    // Whoever is at that terminal confirms only once the other run has built the stack.
    const there: typeof asking = {
      ...asking,
      ui: {
        ...asking.ui,
        ask: async (question) => {
          if (question.code !== 'setup.confirm') return asking.ui.ask(question);
          asked();
          await done;
          return true as never;
        },
      },
    };
    const slow = setup(options({ yes: false }), there);
    await waiting;
    const here = account.deps();
    const first = await setup(options(), here);
    built();
    const creates = account.sim.calls.length;
    const second = await slow;

    expect(second.elasticIp).toBe(first.elasticIp);
    expect(there.recording.results).toContain(`Allowlist this IP: ${first.elasticIp}`);
    expect(there.recording.codes()).toContain('setup.adopted');
    const later = account.sim.calls.slice(creates).map((c) => c.operation);
    expect(later.filter((op) => isMutating(op) && !op.endsWith('Parameter'))).toEqual([]);
    expect(count('CreateNatGateway')).toBe(1);
    expect(await held()).toBe(false);
  });
});

describe('a guard held by another run', () => {
  it('alive: setup stops with exit 7 naming who, where and the way out, and creates nothing', async () => {
    await seedGuard();
    const error = await rejection(setup(options(), account.deps()));
    expect(error.exitCode).toBe(ExitCode.locked);
    expect(error.line).toMatch(
      /stack default is in use by arn:aws:iam::123456789012:user\/bob pid 4242 on ci-7 in \/home\/bob\/app \(setup, state \/home\/bob\/app\/.fixed-ip\/default.json\) since /,
    );
    expect(error.line).toMatch(/if that run is gone: fixed-ip unlock --name default/);
    expect(count('CreateSubnet') + count('CreateNatGateway') + count('AllocateAddress')).toBe(0);
    // Bob's guard is left as it was.
    expect((await guardValue())?.nonce).toBe('bob-1');
  });

  it('alive: teardown and detach stop with exit 7 too', async () => {
    await setup(options(), account.deps());
    await seedGuard();
    expect((await rejection(teardown({ name: 'default', yes: true }, account.deps()))).exitCode).toBe(7);
    const { detach } = await import('../../src/commands/detach.js');
    const error = await rejection(
      detach({ name: 'default', functions: ['orders-api'], yes: true }, account.deps()),
    );
    expect(error.exitCode).toBe(7);
    expect(snap().natGateways.filter((nat) => nat.state === 'available')).toHaveLength(1);
  });

  it('stale (no heartbeat for over 2 minutes): taken over with a warning, and released at the end', async () => {
    await seedGuard();
    account.clock.advance(GUARD_STALE_MS + 1_000);
    const deps = account.deps();
    await setup(options(), deps);
    // The time it was really silent, measured: not a fixed "over 2 minutes".
    expect(deps.recording.messages.find((m) => m.code === 'lease.takeover')?.text).toMatch(
      /pid 4242 on ci-7 .* had not renewed it for 2m 01s$/,
    );
    expect(count('CreateNatGateway')).toBe(1);
    expect(await held()).toBe(false);
  });

  it('left by a dead process on this machine: taken over at once, saying the process is gone', async () => {
    const child = spawnSync(process.execPath, ['-e', '']);
    await seedGuard({ host: hostname(), pid: child.pid });
    account.clock.advance(10_000);
    const deps = account.deps();
    await setup(options(), deps);
    const text = deps.recording.messages.find((m) => m.code === 'lease.takeover')?.text ?? '';
    expect(text).toContain(`pid ${child.pid} on ${hostname()}`);
    expect(text).toMatch(/ is no longer running on this host \(it last renewed it 10s ago\)$/);
    expect(text).not.toMatch(/minutes/);
    expect(count('CreateNatGateway')).toBe(1);
  });

  it('stale, and two runs take it over at the same moment: exactly one wins, the other stops with exit 7', async () => {
    await seedGuard();
    account.clock.advance(GUARD_STALE_MS + 1_000);
    const aws = await port();
    const deps = account.deps();
    const take = () =>
      takeRunGuard(aws, deps, { stack: 'default', command: 'setup', statePath: 'x', owner: undefined });
    const outcomes = await Promise.allSettled([take(), take()]);
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const lost = outcomes.filter((o) => o.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0].reason as FixedIpError).exitCode).toBe(7);
    // The winner keeps it: its heartbeat rewrites it even if the loser wrote last.
    const guard = won[0].value;
    expect(await guard.heartbeat()).toBe(true);
    expect(guard.signal.aborted).toBe(false);
    await guard.release();
    expect(await held()).toBe(false);
  });
});

describe('the guard while a run holds it', () => {
  it('removed by someone else: the next heartbeat notices, and the run stops with LOCK_LOST (exit 7)', async () => {
    const aws = await port();
    const deps = account.deps();
    const guard = await takeRunGuard(aws, deps, {
      stack: 'default',
      command: 'teardown',
      statePath: 'x',
      owner: undefined,
    });
    expect(await guard.heartbeat()).toBe(true);
    await account.sim.handle('ssm', 'DeleteParameter', { Name: GUARD });
    expect(await guard.heartbeat()).toBe(false);
    expect(guard.signal.aborted).toBe(true);
    expect((guard.signal.reason as FixedIpError).code).toBe('LOCK_LOST');
    expect((guard.signal.reason as FixedIpError).exitCode).toBe(7);
    // A new run's guard is never removed by the old run's release.
    await seedGuard({ nonce: 'new-run' });
    await guard.release();
    expect((await guardValue())?.nonce).toBe('new-run');
  });

  it('Ctrl-C during setup releases it', async () => {
    const controller = new AbortController();
    const deps = account.deps({ signal: controller.signal });
    const notify = deps.ui.notify.bind(deps.ui);
    const watched: Deps = {
      ...deps,
      ui: {
        ...deps.ui,
        notify: (message) => {
          notify(message);
          if (message.code.startsWith('setup.step.')) controller.abort(new AbortError('Stopped', true));
        },
      },
    };
    const error = await rejection(setup(options(), watched));
    expect(error).toBeInstanceOf(AbortError);
    // Taken, then released (kept, marked released) as the run stopped.
    expect(count('PutParameter')).toBe(2);
    expect(await guardValue()).toMatchObject({ released: true });
    // And the next run resumes at once.
    await setup(options(), account.deps());
    expect(count('CreateNatGateway')).toBe(1);
  });

  it('unchanged since setup first looked (no other run in between): the account is not read twice', async () => {
    await setup(options(), account.deps());
    // Resolving again would ask STS who we are a second time.
    expect(count('GetCallerIdentity')).toBe(1);
    expect(await guardValue()).toMatchObject({ released: true });
    // A later setup with work (a second zone) finds the guard as its last run left it: one look again.
    const from = account.sim.calls.length;
    await setup(options({ azs: 2 }), account.deps());
    const later = account.sim.calls.slice(from).map((c) => c.operation);
    expect(later.filter((op) => op === 'GetCallerIdentity')).toHaveLength(1);
    expect(later).toContain('CreateSubnet');
  });

  it('a re-run with nothing to do never takes it: no mutating call at all', async () => {
    await setup(options(), account.deps());
    const from = account.sim.calls.length;
    await setup(options(), account.deps());
    const calls = account.sim.calls.slice(from).map((c) => c.operation);
    expect(calls.filter(isMutating)).toEqual([]);
    // It only looks at the guard (one read), never takes it.
    expect(calls.filter((op) => op.endsWith('Parameter'))).toEqual(['GetParameter']);
  });

  it('without ssm:PutParameter, setup stops with exit 6 (a missing permission) and one line naming the action and fixed-ip iam-policy, creating nothing', async () => {
    account.sim.inject({ kind: 'deny', action: 'ssm:PutParameter' });
    const error = await rejection(setup(options(), account.deps()));
    expect(error.exitCode).toBe(ExitCode.planBlocked);
    expect(error.line).toBe(
      "AWS denied ssm:PutParameter on /fixed-ip/default/run-lock (the stack's run guard); grant the permissions listed by `fixed-ip iam-policy` (ssm:GetParameter, ssm:PutParameter and ssm:DeleteParameter on parameter/fixed-ip/*)",
    );
    expect(count('CreateSubnet') + count('CreateNatGateway')).toBe(0);
  });
});

describe('without ssm permissions, teardown still stops the charges', () => {
  it('warns that it goes on without the guard, naming the fix, and removes the stack', async () => {
    await setup(options(), account.deps());
    account.sim.inject({ kind: 'deny', action: 'ssm:GetParameter' });
    account.sim.inject({ kind: 'deny', action: 'ssm:PutParameter' });
    const deps = account.deps();
    const result = await teardown({ name: 'default', yes: true }, deps);
    expect(result.finished).toBe(true);
    expect(deps.recording.messages.find((m) => m.code === 'guard.denied')?.text).toMatch(
      /AWS denied ssm:GetParameter .*teardown goes on without it, so the charges stop; grant the permissions listed by `fixed-ip iam-policy`/,
    );
    expect(count('DeleteNatGateway')).toBe(1);
  });
});

describe('unlock', () => {
  it('a guard left by a dead process of this host: says the process is gone, never "alive"', async () => {
    const child = spawnSync(process.execPath, ['-e', '']);
    await seedGuard({ host: hostname(), pid: child.pid });
    const deps = account.deps();
    expect(await unlock({ name: 'default', yes: true }, deps)).toEqual({ removed: true });
    expect(deps.recording.codes()).not.toContain('unlock.live');
    expect(deps.recording.messages.find((m) => m.code === 'unlock.dead')?.text).toMatch(
      new RegExp(
        `^the run guard of stack default was left by .*pid ${child.pid} on ${hostname()} .*, which is no longer running on this host$`,
      ),
    );
    expect(await held()).toBe(false);
  });

  it('names the guard holder, asks for --yes without a terminal, and removes it with --yes', async () => {
    await seedGuard();
    const script = account.deps();
    const error = await rejection(unlock({ name: 'default', yes: false }, script));
    expect(error.code).toBe('CONSENT_REQUIRED');
    expect(error.line).toMatch(/pid 4242 on ci-7/);
    expect((await guardValue())?.nonce).toBe('bob-1');

    const deps = account.deps();
    expect(await unlock({ name: 'default', yes: true }, deps)).toEqual({ removed: true });
    // Alive as far as anyone can tell: said so before removing it.
    expect(deps.recording.codes()).toContain('unlock.live');
    expect(deps.recording.codes()).toContain('unlock.done');
    expect(await held()).toBe(false);
    await setup(options(), account.deps());
    expect(count('CreateNatGateway')).toBe(1);
  });

  it('asks at a terminal, and leaves the guard when the answer is no', async () => {
    await seedGuard();
    const deps = account.deps({ interactive: true, answers: { 'unlock.confirm': false } });
    expect((await rejection(unlock({ name: 'default', yes: false }, deps))).exitCode).toBe(130);
    expect(deps.recording.questions[0]?.message).toMatch(/run guard of stack default/);
    expect((await guardValue())?.nonce).toBe('bob-1');
  });
});
