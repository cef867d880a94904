import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { isConflict, isNoSuchKey, type S3Object, type S3Send, urlOf } from '../aws/s3-port.js';
import { type LeaseBackend, type LeaseBody, type LeaseRecord, ownWrite } from './lease.js';

/** The holder rewrites an S3 lease this often while its run lasts... */
export const S3_LEASE_HEARTBEAT_MS = 30_000;
/** ...so one not rewritten for this long was left by a run that is gone. */
export const S3_LEASE_STALE_MS = 120_000;

/**
 * The lease as an object beside an S3 state (`<state key>.lock`), as Terraform's S3 lock does it:
 * created with `If-None-Match: *`, rewritten with `If-Match` on the ETag read, deleted the same way.
 */
export function s3Lease(s3: S3Send, object: S3Object, stack: string): LeaseBackend {
  const backend: LeaseBackend = {
    title: `the lock on stack ${stack}`,
    where: urlOf(object),
    heartbeatMs: S3_LEASE_HEARTBEAT_MS,
    staleMs: S3_LEASE_STALE_MS,
    keepsReleased: false,
    read: async () => {
      try {
        const out = await s3.send(new GetObjectCommand({ Bucket: object.bucket, Key: object.key }));
        const text = (await out.Body?.transformToString()) ?? '';
        let body: Partial<LeaseBody> = {};
        try {
          body = JSON.parse(text) as Partial<LeaseBody>;
        } catch {
          // an unreadable lock still holds the stack; unlock removes it
        }
        return { body, token: out.ETag ?? '', modifiedAt: out.LastModified?.getTime() } satisfies LeaseRecord;
      } catch (error) {
        if (isNoSuchKey(error)) return null;
        throw error;
      }
    },
    create: (body) => put(body, { IfNoneMatch: '*' }),
    replace: (expected, body) => put(body, { IfMatch: expected.token }),
    remove: async (expected) => {
      try {
        await s3.send(
          new DeleteObjectCommand({ Bucket: object.bucket, Key: object.key, IfMatch: expected.token }),
        );
        return true;
      } catch (error) {
        if (isConflict(error) || isNoSuchKey(error)) return false;
        throw error;
      }
    },
  };
  const put = async (body: LeaseBody, condition: { IfNoneMatch?: string; IfMatch?: string }) => {
    try {
      const out = await s3.send(
        new PutObjectCommand({
          Bucket: object.bucket,
          Key: object.key,
          Body: JSON.stringify(body),
          ContentType: 'application/json',
          ...condition,
        }),
      );
      return out.ETag ?? '';
    } catch (error) {
      if (!isConflict(error) && !isNoSuchKey(error)) throw error;
      // The SDK retries a put whose answer was lost, and the retry fails its own condition: ours, then.
      return ownWrite(backend, body);
    }
  };
  return backend;
}
