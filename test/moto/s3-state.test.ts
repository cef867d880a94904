import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixedIpError } from '../../src/errors.js';
import type { Message } from '../../src/ports/ui.js';
import { acquireLease, breakLease, type LeaseOptions, readHolder } from '../../src/lease/lease.js';
import { s3Lease } from '../../src/lease/s3.js';
import { realClock } from '../../src/ports/clock.js';
import { S3StateStore } from '../../src/state/s3-store.js';
import { emptyState } from '../../src/state/schema.js';
import { startMoto } from '../support/moto.js';
import { createBucket, keys, s3Client, text } from './s3.js';

let moto: Awaited<ReturnType<typeof startMoto>>;
let s3: S3Client;

beforeAll(async () => {
  moto = await startMoto();
  s3 = s3Client(moto.endpoint);
});
afterAll(async () => {
  s3?.destroy();
  await moto?.stop();
});

let buckets = 0;
async function bucket(options: { versioning?: boolean; bare?: boolean } = {}): Promise<string> {
  const name = `state-${++buckets}`;
  if (options.bare) {
    const { CreateBucketCommand } = await import('@aws-sdk/client-s3');
    await s3.send(new CreateBucketCommand({ Bucket: name }));
  } else {
    await createBucket(s3, name, options);
  }
  return name;
}

function store(bucketName: string, key = 'team/prod.json', messages: Message[] = []): S3StateStore {
  return new S3StateStore({
    bucket: bucketName,
    key,
    s3: () => Promise.resolve(s3),
    whoAmI: () => Promise.resolve('arn:aws:iam::123456789012:user/alice'),
    command: 'setup',
    notify: (message) => messages.push(message),
  });
}

const state = (marker: string) => ({
  ...emptyState('prod', 'us-east-1', '123456789012'),
  resources: { vpc: { kind: 'vpc' as const, id: marker, owned: true, cidrs: [] } },
});

async function rejection(promise: Promise<unknown>): Promise<FixedIpError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(FixedIpError);
  return error as FixedIpError;
}

describe('S3 state store against moto', () => {
  it('writes, reads back, and keeps the previous state as .bak when versioning is off', async () => {
    const name = await bucket();
    const messages: Message[] = [];
    const alice = store(name, 'team/prod.json', messages);
    expect(await alice.read()).toBeNull();
    await alice.write(state('vpc-1'));
    await alice.write(state('vpc-2'));
    expect((await store(name).read())?.resources.vpc?.id).toBe('vpc-2');
    expect(JSON.parse(await text(s3, name, 'team/prod.json.bak')).resources.vpc.id).toBe('vpc-1');
    expect(messages.map((m) => m.code)).toEqual(['state.s3.versioning']);
    await alice.remove();
    expect(await keys(s3, name)).toEqual([]);
  });

  it('keeps no .bak and warns of nothing in a versioned, blocked, encrypted bucket', async () => {
    const name = await bucket({ versioning: true });
    const messages: Message[] = [];
    const alice = store(name, 'prod.json', messages);
    await alice.read();
    await alice.write(state('vpc-1'));
    await alice.write(state('vpc-2'));
    expect(await keys(s3, name)).toEqual(['prod.json']);
    expect(messages).toEqual([]);
  });

  it('an update racing another update loses cleanly: nothing is overwritten', async () => {
    const name = await bucket();
    await store(name).write(state('vpc-0'));
    const alice = store(name);
    const bob = store(name);
    await alice.read();
    await bob.read();
    await alice.write(state('vpc-alice'));
    const error = await rejection(bob.write(state('vpc-bob')));
    expect(error.code).toBe('STATE_CONFLICT');
    expect(error.line).toContain('nothing was overwritten');
    expect(JSON.parse(await text(s3, name, 'team/prod.json')).resources.vpc.id).toBe('vpc-alice');
  });

  it('two first writes of a new stack: the second loses (If-None-Match)', async () => {
    const name = await bucket();
    const alice = store(name);
    const bob = store(name);
    expect(await alice.read()).toBeNull();
    expect(await bob.read()).toBeNull();
    await alice.write(state('vpc-alice'));
    expect((await rejection(bob.write(state('vpc-bob')))).code).toBe('STATE_CONFLICT');
    expect(JSON.parse(await text(s3, name, 'team/prod.json')).resources.vpc.id).toBe('vpc-alice');
  });

  it('a state object that is not a fixed-ip state is an error, never "no stack"', async () => {
    const name = await bucket();
    await s3.send(new PutObjectCommand({ Bucket: name, Key: 'team/prod.json', Body: '{"hello":1}' }));
    expect((await rejection(store(name).read())).code).toBe('STATE_INVALID');
  });

  it('names what is wrong with the bucket, one line each', async () => {
    const missing = await rejection(store('no-such-bucket-here').read());
    expect(missing.code).toBe('STATE_BUCKET');
    expect(missing.exitCode).toBe(2);
    expect(missing.line).toContain('aws s3api create-bucket --bucket no-such-bucket-here');
    const messages: Message[] = [];
    await store(await bucket({ bare: true }), 'x.json', messages).read();
    expect(messages.map((m) => m.code).sort()).toEqual([
      'state.s3.encryption',
      'state.s3.public',
      'state.s3.versioning',
    ]);
    expect(messages.every((m) => !m.text.includes('\n') && m.text.includes('aws s3api'))).toBe(true);
  });

  it('locks: the second run stops naming the first; release removes only its own lock', async () => {
    const name = await bucket();
    const alice = store(name);
    const release = await alice.lock('prod');
    const error = await rejection(store(name).lock('prod'));
    expect(error.exitCode).toBe(7);
    expect(error.message).toContain('arn:aws:iam::123456789012:user/alice');
    expect(error.message).toContain(`pid ${process.pid}`);
    expect(error.message).toContain('(setup, state s3://');
    const holder = await readHolder(await alice.lease('prod'), Date.now());
    expect(holder).toMatchObject({
      who: 'arn:aws:iam::123456789012:user/alice',
      stale: false,
      command: 'setup',
    });
    // Someone force-unlocks and another run takes the lock: our release must leave theirs alone.
    expect(await breakLease(await store(name).lease('prod'), holder!)).toBe(true);
    const releaseBob = await store(name).lock('prod');
    await release();
    expect(await keys(s3, name)).toEqual(['team/prod.json.lock']);
    await releaseBob();
    expect(await keys(s3, name)).toEqual([]);
  });

  const lockOf = (name: string) => s3Lease(s3, { bucket: name, key: 'prod.json.lock' }, 'prod');
  const leaseOptions = (notify: (message: Message) => void): LeaseOptions => ({
    stack: 'prod',
    command: 'setup',
    who: undefined,
    clock: realClock,
    notify,
    unlock: 'fixed-ip unlock --name prod',
    heartbeatMs: 3_600_000,
  });

  it('a refresh notices a lock that was removed, and says so once', async () => {
    const name = await bucket();
    const messages: Message[] = [];
    const held = await acquireLease(
      lockOf(name),
      leaseOptions((message) => messages.push(message)),
    );
    expect(await held.heartbeat()).toBe(true);
    await s3.send(new DeleteObjectCommand({ Bucket: name, Key: 'prod.json.lock' }));
    expect(await held.heartbeat()).toBe(false);
    expect(await held.heartbeat()).toBe(false);
    expect(held.signal.aborted).toBe(true);
    expect(messages.filter((m) => m.code === 'lease.lost')).toHaveLength(1);
    await held.release();
    expect(await keys(s3, name)).toEqual([]);
  });

  it('a refresh notices a lock that another run took (If-Match), and leaves theirs on release', async () => {
    const name = await bucket();
    const held = await acquireLease(
      lockOf(name),
      leaseOptions(() => undefined),
    );
    await s3.send(
      new PutObjectCommand({ Bucket: name, Key: 'prod.json.lock', Body: '{"id":"someone-else"}' }),
    );
    expect(await held.heartbeat()).toBe(false);
    await held.release();
    expect(await text(s3, name, 'prod.json.lock')).toBe('{"id":"someone-else"}');
  });

  it('refuses to write once the lock was taken from it', async () => {
    const name = await bucket();
    const alice = new S3StateStore({
      bucket: name,
      key: 'prod.json',
      s3: () => Promise.resolve(s3),
      whoAmI: () => Promise.resolve(undefined),
      command: 'setup',
      notify: () => undefined,
      lockRefreshMs: 3_600_000,
    });
    await alice.read();
    const release = await alice.lock('prod');
    await s3.send(new DeleteObjectCommand({ Bucket: name, Key: 'prod.json.lock' }));
    // The timer would refresh within 30 s; the test asks for the refresh instead of waiting for it.
    expect(await alice.refreshLock()).toBe(false);
    expect((await rejection(alice.write(state('vpc-1')))).code).toBe('LOCK_LOST');
    expect(await keys(s3, name)).toEqual([]);
    await release();
  });
});
