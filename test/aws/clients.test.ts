import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { S3Client } from '@aws-sdk/client-s3';
import { createAwsPort, createS3Client } from '../../src/aws/clients.js';
import { explainAwsError } from '../../src/aws/errors.js';
import { ExitCode, type FixedIpError } from '../../src/errors.js';
import { AwsSimulator, attachSimulator, VirtualClock } from '@fixed-ip/simulator';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

async function simulated(sim: AwsSimulator) {
  return createAwsPort({
    region: sim.region,
    credentials,
    intercept: (client, service) => attachSimulator(client, service, sim),
  });
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('the AWS client factory', () => {
  it('refuses a region name that is not one', async () => {
    const error = await createAwsPort({ region: 'Tokyo', credentials }).catch((e: unknown) => e);
    expect((error as FixedIpError).code).toBe('BAD_OPTION');
    expect((error as FixedIpError).line).toContain('Tokyo');
  });

  it('refuses a well-formed region AWS does not have, unless an endpoint is configured', async () => {
    const error = await createAwsPort({ region: 'xx-nowhere-9', credentials, env: {} }).catch(
      (e: unknown) => e,
    );
    expect((error as FixedIpError).code).toBe('BAD_REGION');
    expect((error as FixedIpError).exitCode).toBe(2);
    const port = await createAwsPort({
      region: 'xx-nowhere-9',
      credentials,
      env: { AWS_ENDPOINT_URL: 'http://localhost:4566' },
    });
    expect(port.region).toBe('xx-nowhere-9');
  });

  it('says how to set a region when none is configured', async () => {
    vi.stubEnv('AWS_REGION', '');
    vi.stubEnv('AWS_DEFAULT_REGION', '');
    vi.stubEnv('AWS_PROFILE', '');
    vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/fixed-ip-test-config');
    const error = await createAwsPort({ credentials }).catch((e: unknown) => e);
    expect((error as FixedIpError).code).toBe('BAD_REGION');
    expect((error as FixedIpError).line).toContain('--region');
  });

  it('names a profile the AWS files do not hold, rather than the region it therefore lacks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fixed-ip-profiles-'));
    const config = join(dir, 'config');
    writeFileSync(config, '[default]\n[profile dev]\n');
    const files = { AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials') };
    for (const [key, value] of Object.entries({
      ...files,
      AWS_REGION: '',
      AWS_DEFAULT_REGION: '',
      AWS_PROFILE: '',
    }))
      vi.stubEnv(key, value);
    const error = await createAwsPort({ credentials, profile: 'nosuch', env: files }).catch(
      (e: unknown) => e,
    );
    expect((error as FixedIpError).code).toBe('NO_PROFILE');
    expect((error as FixedIpError).exitCode).toBe(2);
    expect((error as FixedIpError).line).toBe(
      `the AWS profile "nosuch" is in neither ${config} nor ${join(dir, 'credentials')}; check its name (aws configure list-profiles), or set it up: aws configure --profile nosuch`,
    );
    // A profile that is there but names no region: the region is what is missing.
    const known = await createAwsPort({ credentials, profile: 'dev', env: files }).catch((e: unknown) => e);
    expect((known as FixedIpError).code).toBe('BAD_REGION');
  });

  it("retries throttling and 5xx with the SDK's standard policy", async () => {
    const sim = new AwsSimulator({ clock: new VirtualClock() });
    const aws = await simulated(sim);
    sim.inject({ kind: 'reject', operation: 'DescribeVpcs', error: 'throttle', times: 2 });
    sim.inject({ kind: 'reject', operation: 'DescribeVpcs', error: 'server', times: 1 });
    await aws.ec2.DescribeVpcs({});
    expect(sim.calls.filter((c) => c.operation === 'DescribeVpcs').map((c) => c.outcome)).toEqual([
      'RequestLimitExceeded',
      'RequestLimitExceeded',
      'InternalError',
      'ok',
    ]);
  }, 30_000);

  it('retries a create without a ClientToken only when throttled, never after a lost response', async () => {
    const sim = new AwsSimulator({ clock: new VirtualClock() });
    const aws = await simulated(sim);
    sim.inject({ kind: 'reject', operation: 'CreateInternetGateway', error: 'throttle', times: 1 });
    await aws.ec2Create.CreateInternetGateway({});
    sim.inject({ kind: 'lostResponse', operation: 'CreateInternetGateway', times: 1 });
    const error = await aws.ec2Create.CreateInternetGateway({}).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('ECONNRESET');
    // One throttled + one created, then one created whose response was lost: no third gateway.
    expect(sim.calls.filter((c) => c.operation === 'CreateInternetGateway').map((c) => c.mutated)).toEqual([
      false,
      true,
      true,
    ]);
  }, 30_000);

  it('routes CloudWatch, Cost Explorer and Budgets to the simulator; Cost Explorer (billed per request) is retried only when throttled', async () => {
    const sim = new AwsSimulator({ clock: new VirtualClock() });
    const aws = await simulated(sim);
    const metrics = await aws.cloudwatch.GetMetricData({
      MetricDataQueries: [
        {
          Id: 'q',
          MetricStat: {
            Metric: { Namespace: 'AWS/NATGateway', MetricName: 'BytesInFromSource', Dimensions: [] },
            Period: 60,
            Stat: 'Sum',
          },
        },
      ],
      StartTime: new Date(Date.UTC(2025, 11, 31)),
      EndTime: new Date(Date.UTC(2026, 0, 1)),
    });
    expect(metrics.MetricDataResults?.[0]?.Values).toEqual([]);
    const budget = await aws.budgets
      .DescribeBudget({ AccountId: sim.accountId, BudgetName: 'none' })
      .catch((e: unknown) => e);
    expect((budget as Error).name).toBe('NotFoundException');
    const period = {
      TimePeriod: { Start: '2025-12-01', End: '2026-01-01' },
      Granularity: 'MONTHLY' as const,
    };
    sim.inject({ kind: 'reject', operation: 'GetCostAndUsage', error: 'throttle', times: 1 });
    await aws.ce.GetCostAndUsage({ ...period, Metrics: ['UnblendedCost'] });
    sim.inject({ kind: 'reject', operation: 'GetCostAndUsage', error: 'server', times: 1 });
    await expect(aws.ce.GetCostAndUsage({ ...period, Metrics: ['UnblendedCost'] })).rejects.toThrow();
    expect(sim.calls.filter((c) => c.service === 'ce').map((c) => c.outcome)).toEqual([
      'LimitExceededException',
      'ok',
      'InternalFailure',
    ]);
  }, 30_000);
});

describe('explainAwsError', () => {
  it.each([
    [
      Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      }),
      'NO_CREDENTIALS',
      'aws configure',
    ],
    [
      new Error(
        'The SSO session associated with this profile has expired or is otherwise invalid. To refresh this SSO session run aws sso login',
      ),
      'SSO_EXPIRED',
      'aws sso login --profile dev',
    ],
    [
      Object.assign(new Error('The security token included in the request is expired'), {
        name: 'ExpiredToken',
      }),
      'NO_CREDENTIALS',
      'refresh',
    ],
    [
      Object.assign(new Error('getaddrinfo ENOTFOUND ec2.xx.amazonaws.com'), { code: 'ENOTFOUND' }),
      'BAD_REGION',
      '--region',
    ],
    [
      Object.assign(
        new Error(
          'You are not authorized to perform this operation. User: arn:aws:iam::1:user/u is not authorized to perform: ec2:CreateVpc',
        ),
        { name: 'UnauthorizedOperation' },
      ),
      'AWS_ERROR',
      'ec2:CreateVpc',
    ],
  ])('explains %s as %s', (error, code, mentions) => {
    const explained = explainAwsError(error, { profile: 'dev', region: 'ap-northeast-1' });
    expect(explained.code).toBe(code);
    expect(explained.line).toContain(mentions);
    expect(explained.line).not.toContain('\n');
  });

  it("a module that cannot be loaded is fixed-ip's own trouble, not 'AWS said'", async () => {
    const missing = 'fixed-ip-no-such-module';
    const error: unknown = await import(missing).catch((e: unknown) => e);
    const explained = explainAwsError(error, { region: 'ap-northeast-1' });
    expect(explained.code).toBe('INTERNAL');
    expect(explained.line).not.toMatch(/AWS said/);
    expect(explained.line).toMatch(
      /^a module fixed-ip needs cannot be loaded: .*fixed-ip-no-such-module.*; reinstall fixed-ip/,
    );
    expect(explained.exitCode).toBe(ExitCode.error);
  });
});

describe('the S3 client (an s3:// state only)', () => {
  it('uses path-style addressing when S3 is pointed at another endpoint', async () => {
    const config = async (env: NodeJS.ProcessEnv) =>
      ((await createS3Client({ region: 'eu-west-1', credentials, env })) as S3Client).config;
    expect((await config({ AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:5000' })).forcePathStyle).toBe(true);
    expect((await config({ AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' })).forcePathStyle).toBe(true);
    expect((await config({})).forcePathStyle).toBe(false);
  });

  it('starts from us-east-1 when no region is configured, and follows S3 to the bucket', async () => {
    vi.stubEnv('AWS_REGION', '');
    vi.stubEnv('AWS_DEFAULT_REGION', '');
    vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent');
    const client = (await createS3Client({ credentials, env: {} })) as S3Client;
    expect(await client.config.region()).toBe('us-east-1');
    expect(client.config.followRegionRedirects).toBe(true);
  });
});

describe('an answer that is not an AWS response (an emulator lacking the call)', () => {
  // Werkzeug's 500 page, which moto sends for an action it lacks (not well-formed XML), and a
  // well-formed HTML page that names no error code.
  it.each([
    '<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>',
    '<html><head><title>500</title></head></html>',
  ])('says the endpoint sent HTTP 500 that is not an AWS response, not "AWS said": %s', async (page) => {
    const ec2 = new EC2Client({ region: 'us-east-1', credentials, maxAttempts: 1 });
    ec2.config.requestHandler = {
      handle: () =>
        Promise.resolve({
          response: {
            statusCode: 500,
            reason: '',
            headers: { 'content-type': 'text/html' },
            body: Readable.from([Buffer.from(page)]),
          },
        }),
    } as never;
    const error = await ec2.send(new DescribeVpcsCommand({})).catch((e: unknown) => e);
    const explained = explainAwsError(error, { region: 'us-east-1' });
    expect(explained.line).toMatch(
      /^the AWS endpoint sent HTTP 500 that is not an AWS response; .*AWS_ENDPOINT_URL/,
    );
    expect(explained.line).not.toContain('\n');
  });
});
