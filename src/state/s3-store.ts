import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { FixedIpError } from '../errors.js';
import type { Message } from '../ports/ui.js';
import { decodeState, encodeState } from './codec.js';
import type { Lease, LeaseBackend } from '../lease/lease.js';
import { s3Lease } from '../lease/s3.js';
import { takeLease, type Release } from './lease.js';
import { checkBucket } from './s3-bucket.js';
import {
  isAccessDenied,
  isConflict,
  isNoSuchBucket,
  isNoSuchKey,
  type S3Object,
  type S3Send,
  urlOf,
} from '../aws/s3-port.js';
import type { StackState } from './schema.js';
import type { StateStore } from './store.js';
import { decodeTombstone, encodeTombstone, type Tombstone, tombstoneOf } from './tombstone.js';

/** The tombstone's key beside the state's (`<key>.forgotten.json`). */
const TOMBSTONE = tombstoneOf('');

export interface S3StoreOptions {
  bucket: string;
  key: string;
  /** Built on first use, so a run that never touches the state never builds it. */
  s3: () => Promise<S3Send>;
  /** The caller's ARN, written into the lock; undefined when it cannot be told. */
  whoAmI: () => Promise<string | undefined>;
  /** The command holding the lock, as other runs are told ("setup", "teardown"). */
  command: string;
  notify: (message: Message) => void;
  lockRefreshMs?: number;
}

/**
 * The state as an S3 object, for a team. It moves text and hands validation to the same decoder as
 * the file store. Every write is conditional (`If-None-Match: *` for the first, `If-Match` on the
 * ETag read for an update), so a run that lost a race gets an error, never overwrites; the
 * previous version stays readable (bucket versioning, or a `<key>.bak` object when that is off).
 */
export class S3StateStore implements StateStore {
  readonly path: string;
  private readonly object: S3Object;
  private client: Promise<S3Send> | undefined;
  private checked: Promise<{ versioned: boolean }> | undefined;
  /** undefined: not read yet; null: read, and absent; else the ETag of the object this run knows. */
  private etag: string | null | undefined;
  private lastText: string | null = null;
  private held: Lease | undefined;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly options: S3StoreOptions) {
    this.object = { bucket: options.bucket, key: options.key };
    this.path = urlOf(this.object);
  }

  /** The client, and the bucket checked once per run. */
  private async s3(): Promise<S3Send> {
    this.client ??= this.options.s3();
    const s3 = await this.client;
    this.checked ??= checkBucket(s3, this.object.bucket, this.options.notify);
    await this.checked;
    return s3;
  }

  async read(): Promise<StackState | null> {
    const s3 = await this.s3();
    let text: string;
    let etag: string | undefined;
    try {
      const out = await s3.send(new GetObjectCommand({ Bucket: this.object.bucket, Key: this.object.key }));
      text = (await out.Body?.transformToString()) ?? '';
      etag = out.ETag;
    } catch (error) {
      if (isNoSuchKey(error)) {
        this.etag = null;
        this.lastText = null;
        return null;
      }
      throw this.unreadable(error);
    }
    const state = decodeState(text, this.path);
    this.etag = etag ?? null;
    this.lastText = text;
    return state;
  }

  /** Writes are serialised, each conditional on the object this run last read or wrote. */
  write(state: StackState): Promise<void> {
    const text = encodeState(state);
    const next = this.queue.then(async () => {
      if (this.held?.signal.aborted === true) {
        throw new FixedIpError(
          'LOCK_LOST',
          `the lock on ${this.path} was taken from this run; the state was not written`,
          {
            hint: 'run the command again once the other run is done',
          },
        );
      }
      const s3 = await this.s3();
      const { versioned } = await (this.checked as Promise<{ versioned: boolean }>);
      if (!versioned && this.lastText !== null) {
        await s3.send(
          new PutObjectCommand({ ...this.at('.bak'), Body: this.lastText, ContentType: 'application/json' }),
        );
      }
      const condition = this.etag ? { IfMatch: this.etag } : { IfNoneMatch: '*' };
      try {
        const out = await s3.send(
          new PutObjectCommand({ ...this.at(''), Body: text, ContentType: 'application/json', ...condition }),
        );
        this.etag = out.ETag ?? null;
        this.lastText = text;
      } catch (error) {
        if (!isConflict(error) && !(this.etag && isNoSuchKey(error))) throw error;
        // The SDK retries a put whose answer was lost; the retry then fails its own condition. If
        // the object holds exactly what this run wrote, it was this run's write that landed.
        const landed = await this.current(s3);
        if (landed?.text !== text) throw this.conflict(error);
        this.etag = landed.etag;
        this.lastText = text;
      }
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  async remove(): Promise<void> {
    await this.queue;
    const s3 = await this.s3();
    try {
      await s3.send(
        new DeleteObjectCommand({ ...this.at(''), ...(this.etag ? { IfMatch: this.etag } : {}) }),
      );
    } catch (error) {
      if (isConflict(error)) throw this.conflict(error);
      if (!isNoSuchKey(error)) throw error;
    }
    await s3.send(new DeleteObjectCommand(this.at('.bak'))).catch((error: unknown) => {
      if (!isNoSuchKey(error)) throw error;
    });
    this.etag = null;
    this.lastText = null;
  }

  async readTombstone(): Promise<Tombstone | null> {
    const s3 = await this.s3();
    const at = this.at(TOMBSTONE);
    let text: string;
    try {
      const out = await s3.send(new GetObjectCommand(at));
      text = (await out.Body?.transformToString()) ?? '';
    } catch (error) {
      if (isNoSuchKey(error)) return null;
      throw this.unreadable(error);
    }
    return decodeTombstone(text, urlOf({ bucket: at.Bucket, key: at.Key }));
  }

  async writeTombstone(tombstone: Tombstone): Promise<void> {
    await this.queue;
    const s3 = await this.s3();
    await s3.send(
      new PutObjectCommand({
        ...this.at(TOMBSTONE),
        Body: encodeTombstone(tombstone),
        ContentType: 'application/json',
      }),
    );
  }

  async lock(stackName: string): Promise<Release> {
    const held = (this.held = await takeLease(await this.lease(stackName), stackName, this.path, {
      command: this.options.command,
      whoAmI: this.options.whoAmI,
      notify: this.options.notify,
      ...(this.options.lockRefreshMs === undefined ? {} : { heartbeatMs: this.options.lockRefreshMs }),
    }));
    return () => held.release();
  }

  /** Rewrites the lock now rather than at the next tick; false when it has been lost. */
  refreshLock(): Promise<boolean> {
    return this.held ? this.held.heartbeat() : Promise.resolve(false);
  }

  async lease(stackName: string): Promise<LeaseBackend> {
    return s3Lease(
      await this.s3(),
      { bucket: this.object.bucket, key: `${this.object.key}.lock` },
      stackName,
    );
  }

  private async current(s3: S3Send): Promise<{ text: string; etag: string | null } | null> {
    try {
      const out = await s3.send(new GetObjectCommand(this.at('')));
      return { text: (await out.Body?.transformToString()) ?? '', etag: out.ETag ?? null };
    } catch (error) {
      if (isNoSuchKey(error)) return null;
      throw error;
    }
  }

  private at(suffix: string): { Bucket: string; Key: string } {
    return { Bucket: this.object.bucket, Key: `${this.object.key}${suffix}` };
  }

  private conflict(cause: unknown): FixedIpError {
    return new FixedIpError(
      'STATE_CONFLICT',
      `the state ${this.path} was changed by another run after this one read it; nothing was overwritten`,
      { hint: 'run the command again: it reads the newer state', cause },
    );
  }

  private unreadable(error: unknown): unknown {
    if (isNoSuchBucket(error) || isAccessDenied(error)) {
      return new FixedIpError(
        'STATE_UNREADABLE',
        `cannot read state ${this.path} (${(error as Error).name})`,
        {
          hint: 'check the bucket name and your access to it; nothing was changed',
          cause: error,
        },
      );
    }
    return error;
  }
}
