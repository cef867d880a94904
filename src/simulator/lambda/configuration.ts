/** A function's configuration as the SDK returns it from GetFunctionConfiguration and friends. */
import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import type { SimContext } from '../context.js';
import { lambdaError } from '../errors.js';
import { roleArn } from '../iam.js';
import { functionUpdateInProgress } from '../lifecycle.js';
import type { FunctionRecord } from '../model.js';

export function functionArn(ctx: SimContext, name: string): string {
  return `arn:aws:lambda:${ctx.state.region}:${ctx.state.accountId}:function:${name}`;
}

/** Lambda's timestamp format: 2026-01-01T00:00:00.000+0000. */
function lambdaTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

/** Accepts a name, a full ARN or a partial ARN (ACCOUNT:function:NAME), as Lambda does. */
export function resolveFunction(ctx: SimContext, nameOrArn: string | undefined): FunctionRecord {
  const text = nameOrArn ?? '';
  const { region, accountId } = ctx.state;
  const full = /^arn:aws:lambda:([^:]+):(\d{12}):function:([^:]+)(?::(.+))?$/.exec(text);
  const partial = /^(\d{12}):function:([^:]+)(?::(.+))?$/.exec(text);
  let name: string | undefined = text;
  if (full)
    name =
      full[1] === region && full[2] === accountId && (full[4] === undefined || full[4] === '$LATEST')
        ? full[3]
        : undefined;
  else if (partial)
    name =
      partial[1] === accountId && (partial[3] === undefined || partial[3] === '$LATEST')
        ? partial[2]
        : undefined;
  const fn = name === undefined ? undefined : ctx.state.functions[name];
  if (!fn) {
    const arn = text.startsWith('arn:') ? text : functionArn(ctx, text.replace(/^\d{12}:function:/, ''));
    throw lambdaError('ResourceNotFoundException', `Function not found: ${arn}`);
  }
  return fn;
}

function vpcIdOf(ctx: SimContext, fn: FunctionRecord): string {
  const first = fn.subnetIds[0];
  return first === undefined ? '' : (ctx.state.subnets[first]?.vpcId ?? '');
}

export function toConfiguration(ctx: SimContext, fn: FunctionRecord): FunctionConfiguration {
  const inProgress = functionUpdateInProgress(fn, ctx.now);
  const failure = !inProgress ? fn.update?.failure : null;
  const pending = inProgress && fn.update?.pending === true;
  return {
    FunctionName: fn.name,
    FunctionArn: functionArn(ctx, fn.name),
    Runtime: fn.runtime as FunctionConfiguration['Runtime'],
    Role: roleArn(ctx.state.accountId, fn.roleName),
    Handler: fn.runtime.startsWith('python') ? 'app.handler' : 'index.handler',
    CodeSize: 1024,
    Description: fn.description,
    Timeout: fn.timeout,
    MemorySize: fn.memorySize,
    LastModified: lambdaTimestamp(fn.lastModified),
    CodeSha256: 'c2ltdWxhdGVkLWNvZGUtc2hhMjU2LXBsYWNlaG9sZGVyPQ==',
    Version: '$LATEST',
    VpcConfig: {
      SubnetIds: [...fn.subnetIds],
      SecurityGroupIds: [...fn.securityGroupIds],
      VpcId: vpcIdOf(ctx, fn),
      ...(fn.subnetIds.length > 0 ? { Ipv6AllowedForDualStack: false } : {}),
    },
    TracingConfig: { Mode: 'PassThrough' },
    RevisionId: `00000000-0000-4000-8000-${fn.revision.toString(16).padStart(12, '0')}`,
    State: pending ? 'Pending' : 'Active',
    ...(pending
      ? { StateReason: 'The function is being created.', StateReasonCode: 'Creating' as const }
      : {}),
    LastUpdateStatus: inProgress ? 'InProgress' : failure ? 'Failed' : 'Successful',
    ...(failure
      ? {
          LastUpdateStatusReason: failure.reason,
          LastUpdateStatusReasonCode: failure.code as FunctionConfiguration['LastUpdateStatusReasonCode'],
        }
      : {}),
    PackageType: 'Zip',
    Architectures: ['x86_64'],
    EphemeralStorage: { Size: 512 },
  };
}

export function inProgressConflict(ctx: SimContext, fn: FunctionRecord): Error {
  return lambdaError(
    'ResourceConflictException',
    `The operation cannot be performed at this time. An update is in progress for resource: ${functionArn(ctx, fn.name)}`,
  );
}
