import type { S3Send } from '../../src/aws/s3-port.js';

interface StoredObject {
  body: string;
  etag: string;
  lastModified: Date;
}

function s3Error(name: string, status: number): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
}

/**
 * An in-memory S3 with the conditional-write rules the store relies on (If-None-Match: * and
 * If-Match on PutObject, If-Match on DeleteObject: 412 when they do not hold, as S3 and moto answer).
 */
export class FakeS3 {
  readonly objects = new Map<string, StoredObject>();
  readonly calls: Array<{ command: string; input: Record<string, unknown> }> = [];
  versioned = false;
  /** The next PutObject of this key lands, but its answer is lost and the SDK's retry fails its condition. */
  loseNextPutAnswer: string | undefined;
  private etags = 0;

  constructor(readonly buckets: Set<string> = new Set(['team-state'])) {}

  get port(): S3Send {
    return this;
  }

  body(bucket: string, key: string): string | undefined {
    return this.objects.get(`${bucket}/${key}`)?.body;
  }

  keys(bucket: string): string[] {
    return [...this.objects.keys()]
      .filter((id) => id.startsWith(`${bucket}/`))
      .map((id) => id.slice(bucket.length + 1))
      .sort();
  }

  put(bucket: string, key: string, body: string, lastModified = new Date()): void {
    this.objects.set(`${bucket}/${key}`, { body, etag: `"etag-${++this.etags}"`, lastModified });
  }

  send(command: { constructor: { name: string }; input: Record<string, unknown> }): Promise<unknown> {
    const name = command.constructor.name.replace(/Command$/, '');
    const input = command.input;
    this.calls.push({ command: name, input });
    return Promise.resolve().then(() => this.handle(name, input));
  }

  private handle(name: string, input: Record<string, unknown>): unknown {
    const bucket = input.Bucket as string;
    if (!this.buckets.has(bucket)) throw s3Error(name === 'HeadBucket' ? 'NotFound' : 'NoSuchBucket', 404);
    const id = `${bucket}/${String(input.Key)}`;
    const current = this.objects.get(id);
    switch (name) {
      case 'HeadBucket':
        return {};
      case 'GetBucketVersioning':
        return this.versioned ? { Status: 'Enabled' } : {};
      case 'GetPublicAccessBlock':
        return {
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            IgnorePublicAcls: true,
            BlockPublicPolicy: true,
            RestrictPublicBuckets: true,
          },
        };
      case 'GetBucketEncryption':
        return { ServerSideEncryptionConfiguration: { Rules: [{}] } };
      case 'GetObject':
        if (!current) throw s3Error('NoSuchKey', 404);
        return {
          Body: { transformToString: () => Promise.resolve(current.body) },
          ETag: current.etag,
          LastModified: current.lastModified,
        };
      case 'PutObject': {
        if (input.IfNoneMatch === '*' && current) throw s3Error('PreconditionFailed', 412);
        if (input.IfMatch !== undefined) {
          if (!current) throw s3Error('NoSuchKey', 404);
          if (current.etag !== input.IfMatch) throw s3Error('PreconditionFailed', 412);
        }
        this.put(bucket, input.Key as string, input.Body as string);
        if (this.loseNextPutAnswer === input.Key) {
          this.loseNextPutAnswer = undefined;
          throw s3Error('PreconditionFailed', 412);
        }
        return { ETag: this.objects.get(id)?.etag };
      }
      case 'DeleteObject':
        if (input.IfMatch !== undefined && current && current.etag !== input.IfMatch) {
          throw s3Error('PreconditionFailed', 412);
        }
        this.objects.delete(id);
        return {};
      default:
        throw new Error(`FakeS3: ${name} is not faked`);
    }
  }
}
