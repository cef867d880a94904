import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { FixedIpError } from '../errors.js';
import type { Message } from '../ports/ui.js';
import { deadOnThisHost, describeHolder, type LockHolder, type Release } from './lock.js';
import { isConflict, isNoSuchKey, type S3Object, type S3Send, urlOf } from './s3-port.js';

/** The holder rewrites the lock object this often while its run lasts... */
export const LOCK_REFRESH_MS = 30_000;
/** ...so a lock object not rewritten for this long was left by a run that is gone. */
export const LOCK_STALE_MS = 120_000;

interface LockBody {
  who?: string;
  host: string;
  pid: number;
  command: string;
  since: string;
  refreshedAt: string;
  id: string;
}

export interface S3LockOptions {
  s3: S3Send;
  /** The lock object, `<state key>.lock`. */
  object: S3Object;
  stackName: string;
  command: string;
  who: string | undefined;
  notify: (message: Message) => void;
  /** Called once if the lock is found removed or taken while this run holds it. */
  onLost: () => void;
  refreshMs?: number;
}

export interface HeldS3Lock {
  release: Release;
  /** Rewrites the lock now (the timer calls it every LOCK_REFRESH_MS); false once the lock is lost. */
  refresh(): Promise<boolean>;
}

/**
 * Terraform's S3 lock, done the same way: the lock is an object created with `If-None-Match: *`,
 * so of any number of runs anywhere exactly one creates it. The holder rewrites it with `If-Match`
 * on the ETag it last wrote, so a lock removed (`fixed-ip unlock`) or taken meanwhile is noticed
 * rather than silently overwritten; release deletes it only while it is still this run's.
 */
export async function acquireS3Lock(options: S3LockOptions): Promise<HeldS3Lock> {
  const { s3, object } = options;
  const since = new Date().toISOString();
  const body: LockBody = {
    ...(options.who === undefined ? {} : { who: options.who }),
    host: hostname(),
    pid: process.pid,
    command: options.command,
    since,
    refreshedAt: since,
    id: randomUUID(),
  };
  let etag: string | undefined;
  for (let attempt = 0; attempt < 2 && etag === undefined; attempt++) {
    try {
      etag = (await put(s3, object, body, { IfNoneMatch: '*' })).ETag;
    } catch (error) {
      if (!isConflict(error)) throw error;
      // The SDK retries a put whose answer was lost, and the retry fails If-None-Match: ours, then.
      const current = await readS3Lock(s3, object);
      if (current?.body.id === body.id) {
        etag = current.etag;
        break;
      }
      const holder = await readS3LockHolder(s3, object);
      if (holder) throw lockedBy(options.stackName, holder, object);
      // Released between our put and our read: try once more.
    }
  }
  if (etag === undefined) throw lockedBy(options.stackName, undefined, object);

  let lost = false;
  let inFlight: Promise<boolean> = Promise.resolve(true);
  const refreshOnce = async (): Promise<boolean> => {
    if (lost) return false;
    try {
      const next = { ...body, refreshedAt: new Date().toISOString() };
      try {
        etag = (await put(s3, object, next, { IfMatch: etag })).ETag;
      } catch (error) {
        // As for the first put: a retried refresh fails its own If-Match when the first one landed.
        const current = isConflict(error) ? await readS3Lock(s3, object) : null;
        if (current?.body.id !== body.id || current.body.refreshedAt !== next.refreshedAt) throw error;
        etag = current.etag;
      }
      return true;
    } catch (error) {
      if (!isConflict(error) && !isNoSuchKey(error)) {
        // A network blip: the next refresh tries again, well before the lock goes stale.
        options.notify({
          level: 'debug',
          code: 'state.lock.refresh',
          text: `lock refresh failed: ${(error as Error).message}`,
        });
        return true;
      }
      lost = true;
      options.notify({
        level: 'warn',
        code: 'state.lock.lost',
        text: `the lock on stack ${options.stackName} (${urlOf(object)}) was removed or taken by another run; this run will not write the state again`,
      });
      options.onLost();
      return false;
    }
  };
  const refresh = (): Promise<boolean> => (inFlight = inFlight.then(refreshOnce));
  const timer = setInterval(() => void refresh(), options.refreshMs ?? LOCK_REFRESH_MS);
  timer.unref();

  return {
    refresh,
    release: async () => {
      clearInterval(timer);
      await inFlight;
      if (lost) return;
      lost = true;
      try {
        // Delete only our own lock: the id must match, and the delete is conditional on our ETag.
        const current = await readS3Lock(s3, object);
        if (current?.body.id !== body.id) return;
        await s3.send(
          new DeleteObjectCommand({ Bucket: object.bucket, Key: object.key, IfMatch: current.etag }),
        );
      } catch (error) {
        if (isConflict(error) || isNoSuchKey(error)) return;
        options.notify({
          level: 'warn',
          code: 'state.lock.release',
          text: `could not remove the lock ${urlOf(object)} (${(error as Error).message}); remove it with: fixed-ip unlock --name ${options.stackName}`,
        });
      }
    },
  };
}

/** Who holds the lock, or null when there is none. */
export async function readS3LockHolder(
  s3: S3Send,
  object: S3Object,
  now = Date.now(),
): Promise<LockHolder | null> {
  const lock = await readS3Lock(s3, object);
  if (!lock) return null;
  const { body } = lock;
  const refreshed = lock.lastModified?.getTime() ?? Date.parse(body.refreshedAt ?? '');
  // Left by a run of this host that was killed: gone now, not in two minutes.
  const dead = deadOnThisHost(body.host, body.pid);
  return {
    ...(body.who === undefined ? {} : { who: body.who }),
    host: body.host ?? 'unknown host',
    pid: body.pid ?? 0,
    ...(body.command === undefined ? {} : { command: body.command }),
    since: body.since ?? 'unknown',
    ...(body.refreshedAt === undefined ? {} : { refreshedAt: body.refreshedAt }),
    token: lock.etag ?? '',
    stale: dead || !Number.isFinite(refreshed) || now - refreshed > LOCK_STALE_MS,
    dead,
  };
}

/** Removes the lock if it is still the one `holder` describes (same ETag); false when it changed. */
export async function breakS3Lock(s3: S3Send, object: S3Object, holder: LockHolder): Promise<boolean> {
  const current = await readS3Lock(s3, object);
  if (!current || current.etag !== holder.token) return false;
  try {
    await s3.send(new DeleteObjectCommand({ Bucket: object.bucket, Key: object.key, IfMatch: holder.token }));
    return true;
  } catch (error) {
    if (isConflict(error)) return false;
    throw error;
  }
}

async function readS3Lock(
  s3: S3Send,
  object: S3Object,
): Promise<{ body: Partial<LockBody>; etag: string | undefined; lastModified: Date | undefined } | null> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: object.bucket, Key: object.key }));
    const text = (await out.Body?.transformToString()) ?? '';
    let body: Partial<LockBody> = {};
    try {
      body = JSON.parse(text) as Partial<LockBody>;
    } catch {
      // an unreadable lock still holds the stack; unlock removes it
    }
    return { body, etag: out.ETag, lastModified: out.LastModified };
  } catch (error) {
    if (isNoSuchKey(error)) return null;
    throw error;
  }
}

function put(
  s3: S3Send,
  object: S3Object,
  body: LockBody,
  condition: { IfNoneMatch?: string; IfMatch?: string | undefined },
) {
  return s3.send(
    new PutObjectCommand({
      Bucket: object.bucket,
      Key: object.key,
      Body: JSON.stringify(body),
      ContentType: 'application/json',
      ...condition,
    }),
  );
}

function lockedBy(stackName: string, holder: LockHolder | undefined, object: S3Object): FixedIpError {
  const name = holder ? describeHolder(holder) : 'another run';
  const unlock = `fixed-ip unlock --name ${stackName} --state ${urlOf({ ...object, key: object.key.replace(/\.lock$/, '') })}`;
  const hint = holder?.dead
    ? `that process is no longer running on this host; remove its lock with: ${unlock}`
    : holder?.stale
      ? `the lock has not been refreshed for over ${LOCK_STALE_MS / 60_000} minutes, so that run is likely gone; remove it with: ${unlock}`
      : 'wait for it to finish';
  return new FixedIpError('LOCKED', `stack ${stackName} is in use by ${name}`, {
    hint,
  });
}
