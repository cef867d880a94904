import { EC2Client } from '@aws-sdk/client-ec2';
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { BudgetsClient } from '@aws-sdk/client-budgets';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { S3Client } from '@aws-sdk/client-s3';
import type { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { partition } from '@aws-sdk/core/client';
import type { AwsCredentialIdentity } from '@smithy/types';
import { badOption, FixedIpError } from '../errors.js';
import {
  type AnyCommand,
  type AUTOSCALING_OPERATIONS,
  type BUDGETS_OPERATIONS,
  type CE_OPERATIONS,
  type CLOUDWATCH_OPERATIONS,
  type ECS_OPERATIONS,
  type IAM_OPERATIONS,
  OPERATIONS,
  type OperationsPort,
  type SERVICEQUOTAS_OPERATIONS,
  type SSM_OPERATIONS,
} from './operations.js';
import type { AwsPort, AwsService } from './port.js';
import { standardRetry, throttlingOnlyRetry } from './retry.js';
import { VERSION } from '../version.js';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface ClientOptions {
  region?: string | undefined;
  profile?: string | undefined;
  /** Static credentials (the simulated account); otherwise the SDK's default chain. */
  credentials?: AwsCredentialIdentity;
  /** Where AWS_ENDPOINT_URL* are read (default process.env). */
  env?: NodeJS.ProcessEnv;
  /**
   * Aborts the calls in flight (the second Ctrl-C). Not the SSM client's: the run guard is released
   * through it after that.
   */
  hardStop?: AbortSignal | undefined;
  /** Called with each client so `--simulate` can route it to the simulator. */
  intercept?: (
    client:
      | EC2Client
      | LambdaClient
      | STSClient
      | IAMClient
      | SSMClient
      | AutoScalingClient
      | CloudWatchClient
      | CostExplorerClient
      | BudgetsClient
      | ECSClient
      | ServiceQuotasClient,
    service: AwsService,
  ) => void;
}

const REGION_FORMAT = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/**
 * The one factory for AWS clients: region, profile, retry mode, user agent. Endpoints come from
 * the environment (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_EC2`, ...), which the SDK reads itself.
 */
export async function createAwsPort(options: ClientOptions): Promise<AwsPort> {
  if (options.region !== undefined && !REGION_FORMAT.test(options.region)) {
    throw badOption(
      `--region "${options.region}" is not an AWS region name`,
      'use a name like ap-northeast-1',
    );
  }
  const base = {
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.profile === undefined ? {} : { profile: options.profile }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    customUserAgent: `fixed-ip/${VERSION}`,
  };
  const ec2 = new EC2Client({ ...base, retryStrategy: standardRetry() });
  const region = await resolveRegion(ec2, options.env ?? process.env, options.profile);
  const withRegion = { ...base, region };
  const clients = {
    ec2,
    ec2Create: new EC2Client({ ...withRegion, retryStrategy: throttlingOnlyRetry() }),
    lambda: new LambdaClient({ ...withRegion, retryStrategy: standardRetry() }),
    sts: new STSClient({ ...withRegion, retryStrategy: standardRetry() }),
  };
  if (options.intercept) {
    for (const service of ['ec2', 'ec2Create', 'lambda', 'sts'] as const) {
      options.intercept(clients[service], service === 'ec2Create' ? 'ec2' : service);
    }
  }
  // IAM (setup's role check) and SSM (a NAT instance's image) are made on their first call, so a
  // command that never calls them (status, teardown) never loads their packages.
  const iam = once(async () => {
    const { IAMClient, IAM_OPERATIONS } = await import('./iam.js');
    const client = new IAMClient({ ...withRegion, retryStrategy: standardRetry() });
    options.intercept?.(client, 'iam');
    return { client, table: IAM_OPERATIONS };
  });
  const ssmClient = (retryStrategy: ReturnType<typeof standardRetry>) =>
    once(async () => {
      const { SSMClient, SSM_OPERATIONS } = await import('./ssm.js');
      const client = new SSMClient({ ...withRegion, retryStrategy });
      options.intercept?.(client, 'ssm');
      return { client, table: SSM_OPERATIONS };
    });
  const ssm = ssmClient(standardRetry());
  // The run guard's writes: retried only on throttling (a blind retry of a write whose answer was
  // lost would be a second version; the guard reads it back instead).
  const ssmWrite = ssmClient(throttlingOnlyRetry());
  // Auto Scaling (a NAT instance's group of one, --ha): loaded on its first call too.
  const autoscaling = once(async () => {
    const { AutoScalingClient, AUTOSCALING_OPERATIONS } = await import('./autoscaling.js');
    const client = new AutoScalingClient({ ...withRegion, retryStrategy: standardRetry() });
    options.intercept?.(client, 'autoscaling');
    return { client, table: AUTOSCALING_OPERATIONS };
  });
  // CloudWatch (the NATs' traffic), Cost Explorer (the billed cost) and Budgets (--budget): loaded
  // on their first call. Cost Explorer and Budgets answer in us-east-1 only, whatever the stack's
  // region (their costs and budgets are the account's).
  const cloudwatch = once(async () => {
    const { CloudWatchClient, CLOUDWATCH_OPERATIONS } = await import('./cloudwatch.js');
    const client = new CloudWatchClient({ ...withRegion, retryStrategy: standardRetry() });
    options.intercept?.(client, 'cloudwatch');
    return { client, table: CLOUDWATCH_OPERATIONS };
  });
  const ce = once(async () => {
    const { CostExplorerClient, CE_OPERATIONS } = await import('./cost-explorer.js');
    // Each request is billed (0.01 USD): retried only on throttling, which AWS did not bill.
    const client = new CostExplorerClient({
      ...base,
      region: 'us-east-1',
      retryStrategy: throttlingOnlyRetry(),
    });
    options.intercept?.(client, 'ce');
    return { client, table: CE_OPERATIONS };
  });
  const budgets = once(async () => {
    const { BudgetsClient, BUDGETS_OPERATIONS } = await import('./budgets.js');
    const client = new BudgetsClient({ ...base, region: 'us-east-1', retryStrategy: standardRetry() });
    options.intercept?.(client, 'budgets');
    return { client, table: BUDGETS_OPERATIONS };
  });
  // ECS (the services a stack holds): loaded on its first call.
  const ecs = once(async () => {
    const { ECSClient, ECS_OPERATIONS } = await import('./ecs.js');
    const client = new ECSClient({ ...withRegion, retryStrategy: standardRetry() });
    options.intercept?.(client, 'ecs');
    return { client, table: ECS_OPERATIONS };
  });
  // Service Quotas (a quota's applied value, only where the default would refuse): on its first call.
  const servicequotas = once(async () => {
    const { ServiceQuotasClient, SERVICEQUOTAS_OPERATIONS } = await import('./service-quotas.js');
    const client = new ServiceQuotasClient({ ...withRegion, retryStrategy: standardRetry() });
    options.intercept?.(client, 'servicequotas');
    return { client, table: SERVICEQUOTAS_OPERATIONS };
  });
  const port: AwsPort = {
    region,
    ec2: bind(clients.ec2, OPERATIONS.ec2, options.hardStop),
    ec2Create: bind(clients.ec2Create, OPERATIONS.ec2, options.hardStop),
    lambda: bind(clients.lambda, OPERATIONS.lambda, options.hardStop),
    sts: bind(clients.sts, OPERATIONS.sts, options.hardStop),
    iam: bindLater<typeof IAM_OPERATIONS>(iam, options.hardStop),
    ssm: bindLater<typeof SSM_OPERATIONS>(ssm),
    ssmWrite: bindLater<typeof SSM_OPERATIONS>(ssmWrite),
    autoscaling: bindLater<typeof AUTOSCALING_OPERATIONS>(autoscaling, options.hardStop),
    cloudwatch: bindLater<typeof CLOUDWATCH_OPERATIONS>(cloudwatch, options.hardStop),
    ce: bindLater<typeof CE_OPERATIONS>(ce, options.hardStop),
    budgets: bindLater<typeof BUDGETS_OPERATIONS>(budgets, options.hardStop),
    ecs: bindLater<typeof ECS_OPERATIONS>(ecs, options.hardStop),
    servicequotas: bindLater<typeof SERVICEQUOTAS_OPERATIONS>(servicequotas, options.hardStop),
  };
  return port;
}

interface Sender {
  send(command: never, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

/** The port's methods for one client: `ec2.CreateVpc(input)` sends `new CreateVpcCommand(input)`. */
function bind<T extends Record<string, AnyCommand>>(
  client: Sender,
  table: T,
  hardStop?: AbortSignal,
): OperationsPort<T> {
  return Object.fromEntries(
    Object.entries(table).map(([name, Command]) => [
      name,
      (input: unknown) => client.send(new Command(input) as never, stopping(hardStop)),
    ]),
  ) as unknown as OperationsPort<T>;
}

function stopping(hardStop: AbortSignal | undefined): { abortSignal?: AbortSignal } {
  return hardStop ? { abortSignal: hardStop } : {};
}

/**
 * The same for a client and table loaded on the first call: `iam.AttachRolePolicy(input)` loads
 * IAM's module, then sends.
 */
function bindLater<T extends Record<string, AnyCommand>>(
  load: () => Promise<{ client: Sender; table: Record<string, AnyCommand> }>,
  hardStop?: AbortSignal,
): OperationsPort<T> {
  return new Proxy({} as OperationsPort<T>, {
    get: (_, name) =>
      typeof name !== 'string'
        ? undefined
        : async (input: unknown) => {
            const { client, table } = await load();
            const Command = table[name];
            if (Command === undefined) throw new TypeError(`no operation ${name} in this port`);
            return client.send(new Command(input) as never, stopping(hardStop));
          },
  });
}

/** `make` on the first call only; every later call gets the same client. */
function once<C>(make: () => Promise<C>): () => Promise<C> {
  let made: Promise<C> | undefined;
  return () => (made ??= make());
}

async function resolveRegion(
  client: EC2Client,
  env: NodeJS.ProcessEnv,
  profile: string | undefined,
): Promise<string> {
  let region: string | undefined;
  try {
    region = await client.config.region();
  } catch {
    region = undefined;
  }
  // A profile name the AWS files do not hold explains a missing region (and the credentials to come).
  if (!region && profile !== undefined && !profileExists(profile, env)) {
    throw new FixedIpError(
      'NO_PROFILE',
      `the AWS profile "${profile}" is in neither ${configFile(env)} nor ${credentialsFile(env)}`,
      {
        hint: `check its name (aws configure list-profiles), or set it up: aws configure --profile ${profile}`,
      },
    );
  }
  if (!region) {
    throw new FixedIpError('BAD_REGION', 'no AWS region is configured', {
      hint: 'pass --region (e.g. --region ap-northeast-1), set AWS_REGION, or set region in your AWS profile',
    });
  }
  if (!REGION_FORMAT.test(region)) {
    throw badOption(`region "${region}" is not an AWS region name`, 'use a name like ap-northeast-1');
  }
  // The SDK knows every region by name; an unknown one would only fail later as a DNS error.
  // With a custom endpoint (LocalStack, moto) any region name is fine.
  if (!(partition(region) as { description?: string }).description && !hasCustomEndpoint(env)) {
    throw new FixedIpError('BAD_REGION', `"${region}" is not an AWS region this SDK knows`, {
      hint: 'check --region or AWS_REGION (e.g. ap-northeast-1, us-east-1)',
    });
  }
  return region;
}

const configFile = (env: NodeJS.ProcessEnv): string =>
  env.AWS_CONFIG_FILE ?? join(homedir(), '.aws', 'config');
const credentialsFile = (env: NodeJS.ProcessEnv): string =>
  env.AWS_SHARED_CREDENTIALS_FILE ?? join(homedir(), '.aws', 'credentials');

/** Whether the shared config or credentials file has a section for the profile (as the SDK reads them). */
function profileExists(profile: string, env: NodeJS.ProcessEnv): boolean {
  const sections = (file: string): string[] => {
    try {
      return [...readFileSync(file, 'utf8').matchAll(/^\s*\[\s*([^\]]+?)\s*\]/gm)].map((m) => m[1] ?? '');
    } catch {
      return [];
    }
  };
  const inConfig = sections(configFile(env)).some((name) =>
    profile === 'default' ? name === 'default' : name.replace(/^profile\s+/, '') === profile,
  );
  return inConfig || sections(credentialsFile(env)).includes(profile);
}

function hasCustomEndpoint(env: NodeJS.ProcessEnv): boolean {
  return Object.keys(env).some((key) => key === 'AWS_ENDPOINT_URL' || key.startsWith('AWS_ENDPOINT_URL_'));
}

/**
 * The S3 client, for an s3:// state only: the S3 package is imported here, on first use, so runs
 * with a local state never load it. The bucket may be in any region: without a configured region
 * it starts from us-east-1 and follows S3's redirect. A custom endpoint (AWS_ENDPOINT_URL_S3 or
 * AWS_ENDPOINT_URL: moto, MinIO, LocalStack) gets path-style addressing, which they need.
 */
export async function createS3Client(
  options: Omit<ClientOptions, 'intercept'>,
): Promise<Pick<S3Client, 'send'>> {
  const { S3Client } = await import('@aws-sdk/client-s3');
  const env = options.env ?? process.env;
  const base = {
    ...(options.profile === undefined ? {} : { profile: options.profile }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    customUserAgent: `fixed-ip/${VERSION}`,
    retryStrategy: standardRetry(),
    followRegionRedirects: true,
    forcePathStyle: Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL),
  };
  if (options.region !== undefined) return new S3Client({ ...base, region: options.region });
  const client = new S3Client(base);
  try {
    if (await client.config.region()) return client;
  } catch {
    // no region configured: S3 redirects to the bucket's region
  }
  return new S3Client({ ...base, region: 'us-east-1' });
}
