import type { StateLocation } from './location.js';
import { tombstoneOf } from './tombstone.js';

export interface S3Statement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string | string[];
}

/**
 * What an s3:// state adds to the CLI user's policy, scoped to that bucket and to the state object
 * with its lock, backup and tombstone (or, for a prefix, to the objects under it). HeadBucket is authorised by
 * s3:ListBucket, which also turns a missing state into 404 rather than 403.
 */
export function s3StatePolicy(
  location: Extract<StateLocation, { kind: 's3' }>,
  { readOnly = false }: { readOnly?: boolean } = {},
): S3Statement[] {
  const bucketArn = `arn:aws:s3:::${location.bucket}`;
  const objects = location.perStack
    ? [`${bucketArn}/${location.key.slice(0, location.key.lastIndexOf('/') + 1)}*`]
    : ['', '.lock', '.bak', tombstoneOf('')].map((suffix) => `${bucketArn}/${location.key}${suffix}`);
  return [
    {
      Sid: 'FixedIpStateBucket',
      Effect: 'Allow',
      Action: [
        's3:GetBucketPublicAccessBlock',
        's3:GetBucketVersioning',
        's3:GetEncryptionConfiguration',
        's3:ListBucket',
      ],
      Resource: bucketArn,
    },
    {
      Sid: 'FixedIpStateObjects',
      Effect: 'Allow',
      // A reader (the CI check: status and verify) takes no lock and writes nothing.
      Action: readOnly ? ['s3:GetObject'] : ['s3:DeleteObject', 's3:GetObject', 's3:PutObject'],
      Resource: objects,
    },
  ];
}
