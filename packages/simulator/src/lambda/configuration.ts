/** A function's configuration as the SDK returns it from GetFunctionConfiguration and friends. */
import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import type { SimContext } from '../context.js';
import { callerArn, lambdaError } from '../errors.js';
import { roleArn } from '../iam.js';
import { functionUpdateInProgress } from '../lifecycle.js';
import type { FunctionRecord, FunctionVersionRecord } from '../model.js';

export function functionArn(ctx: SimContext, name: string): string {
  return `arn:aws:lambda:${ctx.state.region}:${ctx.state.accountId}:function:${name}`;
}

/** Lambda's timestamp format: 2026-01-01T00:00:00.000+0000. */
function lambdaTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

interface FunctionName {
  name: string;
  qualifier: string | undefined;
}

/**
 * A name, a full ARN or a partial ARN (ACCOUNT:function:NAME), each with an optional qualifier.
 * An ARN names its region and account: another region is not reachable from this one
 * (ResourceNotFoundException, AWS's wording), another account's function is AccessDenied to the caller.
 */
function parseFunctionName(ctx: SimContext, text: string, action: string): FunctionName {
  const { region, accountId } = ctx.state;
  const full = /^arn:aws:lambda:([^:]+):(\d{12}):function:([^:]+)(?::(.+))?$/.exec(text);
  const partial = /^(\d{12}):function:([^:]+)(?::(.+))?$/.exec(text);
  const plain = /^([^:]+)(?::(.+))?$/.exec(text);
  const otherAccount = (): Error =>
    lambdaError(
      'AccessDeniedException',
      `User: ${callerArn(accountId)} is not authorized to perform: ${action} on resource: ${text} because no resource-based policy allows the ${action} action`,
    );
  if (full) {
    const [, arnRegion = '', arnAccount = '', name = '', qualifier] = full;
    if (arnRegion !== region)
      throw lambdaError(
        'ResourceNotFoundException',
        `Functions from '${arnRegion}' are not reachable in this region ('${region}')`,
      );
    if (arnAccount !== accountId) throw otherAccount();
    return { name, qualifier };
  }
  if (partial) {
    const [, arnAccount = '', name = '', qualifier] = partial;
    if (arnAccount !== accountId) throw otherAccount();
    return { name, qualifier };
  }
  return { name: plain?.[1] ?? text, qualifier: plain?.[2] };
}

function notFound(ctx: SimContext, name: string, qualifier?: string): Error {
  const suffix = qualifier === undefined ? '' : `:${qualifier}`;
  return lambdaError('ResourceNotFoundException', `Function not found: ${functionArn(ctx, name)}${suffix}`);
}

/** An unqualified function (or `$LATEST`), for the operations that act on the function itself. */
export function resolveFunction(
  ctx: SimContext,
  nameOrArn: string | undefined,
  action = 'lambda:GetFunction',
): FunctionRecord {
  const { name, qualifier } = parseFunctionName(ctx, nameOrArn ?? '', action);
  const fn = ctx.state.functions[name];
  if (!fn || (qualifier !== undefined && qualifier !== '$LATEST')) throw notFound(ctx, name, qualifier);
  return fn;
}

export interface QualifiedFunction {
  fn: FunctionRecord;
  /** undefined for $LATEST. */
  version: FunctionVersionRecord | undefined;
  /** As given (a version, an alias or $LATEST), if any. */
  qualifier: string | undefined;
}

/** A function at a version or alias: from the ARN's qualifier or the `Qualifier` parameter. */
export function resolveQualified(
  ctx: SimContext,
  nameOrArn: string | undefined,
  qualifierParam: string | undefined,
  action: string,
): QualifiedFunction {
  const parsed = parseFunctionName(ctx, nameOrArn ?? '', action);
  if (parsed.qualifier !== undefined && qualifierParam !== undefined && parsed.qualifier !== qualifierParam) {
    throw lambdaError(
      'InvalidParameterValueException',
      'The derived qualifier from the function name does not match the specified qualifier.',
    );
  }
  const qualifier = parsed.qualifier ?? qualifierParam;
  const fn = ctx.state.functions[parsed.name];
  if (!fn) throw notFound(ctx, parsed.name, qualifier);
  if (qualifier === undefined || qualifier === '$LATEST') return { fn, version: undefined, qualifier };
  const alias = fn.aliases?.[qualifier];
  const versionName = alias ? alias.functionVersion : qualifier;
  if (versionName === '$LATEST') return { fn, version: undefined, qualifier };
  const version = fn.versions?.find((v) => v.version === versionName);
  if (!version) throw notFound(ctx, parsed.name, qualifier);
  return { fn, version, qualifier };
}

function vpcIdOf(ctx: SimContext, fn: Pick<FunctionRecord, 'subnetIds'>): string {
  const first = fn.subnetIds[0];
  return first === undefined ? '' : (ctx.state.subnets[first]?.vpcId ?? '');
}

/** A published version's configuration: frozen, so always Active and Successful. */
function versionConfiguration(
  ctx: SimContext,
  fn: FunctionRecord,
  version: FunctionVersionRecord,
): FunctionConfiguration {
  const frozen: FunctionRecord = {
    ...fn,
    ...version,
    update: null,
    lastModified: version.lastModified,
    revision: version.fromRevision,
  };
  return {
    ...toConfiguration(ctx, frozen),
    FunctionArn: `${functionArn(ctx, fn.name)}:${version.version}`,
    Version: version.version,
  };
}

export function configurationOf(ctx: SimContext, target: QualifiedFunction): FunctionConfiguration {
  return target.version
    ? versionConfiguration(ctx, target.fn, target.version)
    : toConfiguration(ctx, target.fn);
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
      ...(fn.subnetIds.length > 0 ? { Ipv6AllowedForDualStack: fn.ipv6AllowedForDualStack === true } : {}),
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
