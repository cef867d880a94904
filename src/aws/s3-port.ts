import type { S3Client } from '@aws-sdk/client-s3';

/** The narrow S3 port the S3 store talks to: the real client, or a fake in tests. */
export type S3Send = Pick<S3Client, 'send'>;

/** Where a stack's state object lives, and the objects beside it. */
export interface S3Object {
  bucket: string;
  key: string;
}

function nameOf(error: unknown): string {
  const e = error as { name?: string; Code?: string } | undefined;
  return e?.Code ?? e?.name ?? '';
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

/** A conditional write or delete lost: someone else changed (or created) the object first. */
export function isConflict(error: unknown): boolean {
  const status = statusOf(error);
  return (
    status === 412 ||
    status === 409 ||
    ['PreconditionFailed', 'ConditionalRequestConflict'].includes(nameOf(error))
  );
}

export function isNoSuchKey(error: unknown): boolean {
  return ['NoSuchKey', 'NotFound'].includes(nameOf(error));
}

export function isNoSuchBucket(error: unknown): boolean {
  return nameOf(error) === 'NoSuchBucket';
}

export function isAccessDenied(error: unknown): boolean {
  return statusOf(error) === 403 || ['AccessDenied', 'Forbidden'].includes(nameOf(error));
}

export function urlOf(object: S3Object): string {
  return `s3://${object.bucket}/${object.key}`;
}
