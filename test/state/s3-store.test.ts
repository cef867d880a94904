import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stateMove } from '../../src/commands/state-move.js';
import { unlock } from '../../src/commands/unlock.js';
import type { Deps } from '../../src/model/context.js';
import type { AwsPort } from '../../src/aws/port.js';
import { FixedIpError } from '../../src/errors.js';
import type { Message } from '../../src/ports/ui.js';
import { realClock } from '../../src/ports/clock.js';
import { parseStateLocation } from '../../src/state/location.js';
import { S3_LEASE_STALE_MS } from '../../src/lease/s3.js';
import { S3StateStore } from '../../src/state/s3-store.js';
import { emptyState } from '../../src/state/schema.js';
import { FileStateStore } from '../../src/state/store.js';
import { createRecordingUi } from '../support/recording-ui.js';
import { FakeS3 } from './fake-s3.js';

const BUCKET = 'team-state';

function store(fake: FakeS3, key = 'prod.json', messages: Message[] = [], who = 'arn:aws:iam::1:user/alice') {
  return new S3StateStore({
    bucket: BUCKET,
    key,
    s3: () => Promise.resolve(fake.port),
    whoAmI: () => Promise.resolve(who),
    command: 'setup',
    notify: (message) => messages.push(message),
    lockRefreshMs: 3_600_000,
  });
}

const state = (vpc: string) => ({
  ...emptyState('prod', 'us-east-1', '123456789012'),
  resources: { vpc: { kind: 'vpc' as const, id: vpc, owned: true, cidrs: [] } },
});

async function rejection(promise: Promise<unknown>): Promise<FixedIpError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(FixedIpError);
  return error as FixedIpError;
}

function depsFor(fake: FakeS3, options: { interactive?: boolean; answers?: Record<string, unknown> } = {}) {
  const recording = createRecordingUi(options);
  const deps: Deps = {
    ui: recording.ui,
    clock: realClock,
    connect: () => Promise.reject(new Error('no AWS in this test')),
    openStore: (name, path) => {
      const location = parseStateLocation(path ?? `${name}.json`, name);
      return location.kind === 'file'
        ? new FileStateStore(location.path)
        : store(fake, location.key, [], 'arn:aws:iam::1:user/mover');
    },
  };
  return { deps, recording };
}

describe('S3 state store (fake S3)', () => {
  it('checks the bucket once per run, however many reads and writes', async () => {
    const fake = new FakeS3();
    const alice = store(fake);
    await alice.read();
    await alice.write(state('vpc-1'));
    await alice.read();
    expect(fake.calls.filter((call) => call.command === 'HeadBucket')).toHaveLength(1);
  });

  it('creates with If-None-Match and updates with If-Match on the ETag it read', async () => {
    const fake = new FakeS3();
    const alice = store(fake);
    await alice.read();
    await alice.write(state('vpc-1'));
    await alice.write(state('vpc-2'));
    const puts = fake.calls.filter((call) => call.command === 'PutObject' && call.input.Key === 'prod.json');
    expect(puts[0]?.input).toMatchObject({ IfNoneMatch: '*' });
    expect(puts[1]?.input).toMatchObject({ IfMatch: '"etag-1"' });
    expect(JSON.parse(fake.body(BUCKET, 'prod.json.bak') ?? '').resources.vpc.id).toBe('vpc-1');
  });

  it('a write that lost the race is an error and overwrites nothing', async () => {
    const fake = new FakeS3();
    await store(fake).write(state('vpc-0'));
    const alice = store(fake);
    const bob = store(fake);
    await alice.read();
    await bob.read();
    await alice.write(state('vpc-alice'));
    const error = await rejection(bob.write(state('vpc-bob')));
    expect(error.code).toBe('STATE_CONFLICT');
    expect(JSON.parse(fake.body(BUCKET, 'prod.json') ?? '').resources.vpc.id).toBe('vpc-alice');
  });

  it("a write whose answer was lost (the retry fails its condition) is still this run's write", async () => {
    const fake = new FakeS3();
    const alice = store(fake);
    await alice.write(state('vpc-1'));
    fake.loseNextPutAnswer = 'prod.json';
    await alice.write(state('vpc-2'));
    await alice.write(state('vpc-3'));
    expect(JSON.parse(fake.body(BUCKET, 'prod.json') ?? '').resources.vpc.id).toBe('vpc-3');
  });

  it("a lock whose first answer was lost is still this run's, and so is a lost refresh", async () => {
    const fake = new FakeS3();
    const alice = store(fake);
    fake.loseNextPutAnswer = 'prod.json.lock';
    const release = await alice.lock('prod');
    fake.loseNextPutAnswer = 'prod.json.lock';
    expect(await alice.refreshLock()).toBe(true);
    expect(await alice.refreshLock()).toBe(true);
    expect((await rejection(store(fake).lock('prod'))).message).toContain('arn:aws:iam::1:user/alice');
    await release();
    expect(fake.keys(BUCKET)).toEqual([]);
  });

  it('keeps no .bak when the bucket is versioned', async () => {
    const fake = new FakeS3();
    fake.versioned = true;
    const alice = store(fake);
    await alice.write(state('vpc-1'));
    await alice.write(state('vpc-2'));
    expect(fake.keys(BUCKET)).toEqual(['prod.json']);
  });

  it('reads through the same validation as the file store', async () => {
    const fake = new FakeS3();
    fake.put(BUCKET, 'prod.json', JSON.stringify({ ...state('vpc-1'), version: 99 }));
    expect((await rejection(store(fake).read())).code).toBe('STATE_NEWER');
    fake.put(BUCKET, 'prod.json', 'not json');
    expect((await rejection(store(fake).read())).code).toBe('STATE_INVALID');
  });

  it('a lock not refreshed for over two minutes is taken over, with a warning naming who left it', async () => {
    const fake = new FakeS3();
    const old = new Date(Date.now() - S3_LEASE_STALE_MS - 1_000);
    fake.put(
      BUCKET,
      'prod.json.lock',
      JSON.stringify({
        who: 'arn:aws:iam::1:user/bob',
        host: 'ci-7',
        pid: 42,
        command: 'teardown',
        since: old.toISOString(),
      }),
      old,
    );
    const messages: Message[] = [];
    const release = await store(fake, 'prod.json', messages).lock('prod');
    expect(messages.find((m) => m.code === 'lease.takeover')?.text).toMatch(
      new RegExp(
        `^Took over the lock on stack prod: arn:aws:iam::1:user/bob pid 42 on ci-7 \\(teardown\\) since ${old.toISOString()} had not renewed it for 2m 0[12]s$`,
      ),
    );
    expect(JSON.parse(fake.body(BUCKET, 'prod.json.lock') ?? '{}')).toMatchObject({ pid: process.pid });
    await release();
    expect(fake.keys(BUCKET)).toEqual([]);
  });

  it('a live lock stops the next run with exit 7, naming the holder and the way out', async () => {
    const fake = new FakeS3();
    const release = await store(fake).lock('prod');
    const error = await rejection(store(fake, 'prod.json', [], 'arn:aws:iam::1:user/bob').lock('prod'));
    expect(error.exitCode).toBe(7);
    expect(error.message).toMatch(
      new RegExp(
        `^stack prod is in use by arn:aws:iam::1:user/alice pid ${process.pid} on ${hostname()} in \\S+ \\(setup, state s3://team-state/prod.json\\) since \\S+$`,
      ),
    );
    expect(error.hint).toContain('fixed-ip unlock --name prod --state s3://team-state/prod.json');
    await release();
  });
});

describe('an S3 lock left by a killed run of this host', () => {
  const killed = (fake: FakeS3): number => {
    const pid = spawnSync(process.execPath, ['-e', '']).pid;
    // Refreshed just now: by the clock it looks alive; its process says otherwise.
    fake.put(
      BUCKET,
      'prod.json.lock',
      JSON.stringify({ host: hostname(), pid, command: 'setup', since: new Date().toISOString() }),
      new Date(),
    );
    return pid;
  };

  it('is taken over at once (not in two minutes), saying the process is gone', async () => {
    const fake = new FakeS3();
    const pid = killed(fake);
    const messages: Message[] = [];
    const release = await store(fake, 'prod.json', messages).lock('prod');
    expect(messages.find((m) => m.code === 'lease.takeover')?.text).toMatch(
      new RegExp(
        `^Took over the lock on stack prod: pid ${pid} on ${hostname()} \\(setup\\) since \\S+ is no longer running on this host \\(it last renewed it \\d+s ago\\)$`,
      ),
    );
    await release();
  });

  it('unlock says so rather than calling it alive, and removes it', async () => {
    const fake = new FakeS3();
    const pid = killed(fake);
    const { deps, recording } = depsFor(fake, { interactive: false });
    deps.connect = () => Promise.resolve(withoutRunGuard);
    expect(await unlock({ name: 'prod', state: 's3://team-state/prod.json', yes: true }, deps)).toEqual({
      removed: true,
    });
    expect(recording.codes()).not.toContain('unlock.live');
    expect(recording.messages.find((m) => m.code === 'unlock.dead')?.text).toMatch(
      new RegExp(
        `^the lock on stack prod was left by pid ${pid} on ${hostname()} .*, which is no longer running on this host$`,
      ),
    );
    expect(fake.keys(BUCKET)).toEqual([]);
  });
});

const withoutRunGuard = {
  region: 'eu-west-1',
  ssm: { GetParameter: () => Promise.reject(Object.assign(new Error(''), { name: 'ParameterNotFound' })) },
} as unknown as AwsPort;

describe('unlock', () => {
  it('names the holder, asks, and removes the lock', async () => {
    const fake = new FakeS3();
    await store(fake, 'prod.json', [], 'arn:aws:iam::1:user/bob').lock('prod');
    const { deps, recording } = depsFor(fake, { answers: { 'unlock.confirm': true } });
    // unlock also looks for the stack's run guard in AWS (an SSM parameter): there is none here.
    deps.connect = () => Promise.resolve(withoutRunGuard);
    expect(await unlock({ name: 'prod', state: 's3://team-state/prod.json', yes: false }, deps)).toEqual({
      removed: true,
    });
    expect(recording.questions[0]?.message).toContain('arn:aws:iam::1:user/bob');
    expect(fake.keys(BUCKET)).toEqual([]);
  });

  it('leaves the lock when the user says no, and without a terminal asks for --yes', async () => {
    const fake = new FakeS3();
    await store(fake).lock('prod');
    const declined = depsFor(fake, { answers: { 'unlock.confirm': false } });
    expect(
      (
        await rejection(
          unlock({ name: 'prod', state: 's3://team-state/prod.json', yes: false }, declined.deps),
        )
      ).exitCode,
    ).toBe(130);
    const script = depsFor(fake, { interactive: false });
    const error = await rejection(
      unlock({ name: 'prod', state: 's3://team-state/prod.json', yes: false }, script.deps),
    );
    expect(error.code).toBe('CONSENT_REQUIRED');
    expect(fake.keys(BUCKET)).toEqual(['prod.json.lock']);
  });
});

describe('state move', () => {
  it('moves a local state to S3, then refuses to move it over an existing state', async () => {
    const fake = new FakeS3();
    const dir = mkdtempSync(join(tmpdir(), 'fixed-ip-move-'));
    const local = join(dir, 'prod.json');
    await new FileStateStore(local).write(state('vpc-1'));
    const { deps } = depsFor(fake);
    await stateMove({ name: 'prod', state: local, to: 's3://team-state/prod.json' }, deps);
    expect(existsSync(local)).toBe(false);
    expect(JSON.parse(fake.body(BUCKET, 'prod.json') ?? '').resources.vpc.id).toBe('vpc-1');
    expect(fake.keys(BUCKET)).toEqual(['prod.json']);

    writeFileSync(local, `${JSON.stringify(state('vpc-other'))}\n`);
    const error = await rejection(
      stateMove({ name: 'prod', state: 's3://team-state/prod.json', to: local }, deps),
    );
    expect(error.exitCode).toBe(2);
    expect(JSON.parse(readFileSync(local, 'utf8')).resources.vpc.id).toBe('vpc-other');
    expect(fake.keys(BUCKET)).toEqual(['prod.json']);
  });

  it("refuses to move another stack's state under --name, naming both, and moves nothing", async () => {
    const fake = new FakeS3();
    const dir = mkdtempSync(join(tmpdir(), 'fixed-ip-move-'));
    const local = join(dir, 'prod.json');
    await new FileStateStore(local).write(state('vpc-1'));
    const { deps } = depsFor(fake);
    const error = await rejection(
      stateMove({ name: 'staging', state: local, to: 's3://team-state/staging.json' }, deps),
    );
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(`state file ${local} is for stack prod, not staging (--name)`);
    expect(existsSync(local)).toBe(true);
    expect(fake.keys(BUCKET)).toEqual([]);
  });

  it('says there is nothing to move when the source has no state', async () => {
    const fake = new FakeS3();
    const { deps } = depsFor(fake);
    const error = await rejection(
      stateMove({ name: 'prod', state: 's3://team-state/prod.json', to: join(tmpdir(), 'x.json') }, deps),
    );
    expect(error.exitCode).toBe(4);
  });
});
