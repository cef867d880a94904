import {
  GetBucketEncryptionCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
} from '@aws-sdk/client-s3';
import { FixedIpError } from '../errors.js';
import type { Message } from '../ports/ui.js';
import { isAccessDenied, type S3Send } from '../aws/s3-port.js';

export interface BucketReport {
  /** Bucket versioning is on: every earlier state stays readable, so no .bak object is kept. */
  versioned: boolean;
}

/**
 * The bucket is checked once per run: it must exist and be in reach (else an error); versioning off,
 * public access not blocked or no default encryption are each one warning line with the fix.
 */
export async function checkBucket(
  s3: S3Send,
  bucket: string,
  notify: (message: Message) => void,
): Promise<BucketReport> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (error) {
    throw unreachable(bucket, error);
  }
  const warn = (code: string, text: string): void =>
    notify({ level: 'warn', code: `state.s3.${code}`, text });
  const tryGet = async <T>(what: string, get: () => Promise<T>, missing: (error: unknown) => boolean) => {
    try {
      return { value: await get() };
    } catch (error) {
      if (missing(error)) return { value: undefined };
      warn('unchecked', `could not check the ${what} of bucket ${bucket} (${(error as Error).name})`);
      return undefined;
    }
  };
  const versioning = await tryGet(
    'versioning',
    () => s3.send(new GetBucketVersioningCommand({ Bucket: bucket })),
    () => false,
  );
  const versioned = versioning?.value?.Status === 'Enabled';
  if (versioning && !versioned) {
    warn(
      'versioning',
      `bucket ${bucket} has versioning off, so only the previous state is kept (as <key>.bak); turn it on: aws s3api put-bucket-versioning --bucket ${bucket} --versioning-configuration Status=Enabled`,
    );
  }
  const block = await tryGet(
    'public access block',
    () => s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket })),
    (error) => (error as Error).name === 'NoSuchPublicAccessBlockConfiguration',
  );
  const config = block?.value?.PublicAccessBlockConfiguration;
  if (
    block &&
    !(
      config?.BlockPublicAcls &&
      config.IgnorePublicAcls &&
      config.BlockPublicPolicy &&
      config.RestrictPublicBuckets
    )
  ) {
    warn(
      'public',
      `bucket ${bucket} does not block public access; block it: aws s3api put-public-access-block --bucket ${bucket} --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true`,
    );
  }
  const encryption = await tryGet(
    'encryption',
    () => s3.send(new GetBucketEncryptionCommand({ Bucket: bucket })),
    (error) => (error as Error).name === 'ServerSideEncryptionConfigurationNotFoundError',
  );
  if (encryption && !encryption.value?.ServerSideEncryptionConfiguration?.Rules?.length) {
    warn(
      'encryption',
      `bucket ${bucket} has no default encryption; turn it on: aws s3api put-bucket-encryption --bucket ${bucket} --server-side-encryption-configuration '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"}}]}'`,
    );
  }
  return { versioned };
}

/** What a failed HeadBucket means for the user; AWS errors it cannot name pass on unchanged. */
function unreachable(bucket: string, error: unknown): unknown {
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (status === 404 || (error as Error).name === 'NotFound' || (error as Error).name === 'NoSuchBucket') {
    return new FixedIpError('STATE_BUCKET', `the state bucket ${bucket} does not exist`, {
      hint: `create it (docs/team.md): aws s3api create-bucket --bucket ${bucket}`,
      cause: error,
    });
  }
  if (isAccessDenied(error)) {
    return new FixedIpError('STATE_BUCKET', `no access to the state bucket ${bucket}`, {
      hint: 'check your credentials, the bucket policy, and the policy from: fixed-ip iam-policy --state s3://…',
      cause: error,
    });
  }
  if (status === undefined && !(error as { $fault?: string }).$fault) {
    // No HTTP answer at all: DNS, network, a wrong AWS_ENDPOINT_URL_S3. Credentials errors pass on.
    const name = (error as Error).name;
    if (name === 'CredentialsProviderError' || /credentials/i.test((error as Error).message)) return error;
    return new FixedIpError(
      'STATE_BUCKET_UNREACHABLE',
      `cannot reach the state bucket ${bucket}: ${(error as Error).message}`,
      {
        hint: 'check the network, and AWS_ENDPOINT_URL_S3 if you set one',
        cause: error,
      },
    );
  }
  return error;
}
