/**
 * Lambda: reading functions, and moving them in and out of a VPC with Lambda's rules (subnets and
 * groups together, one VPC, a role allowed to manage ENIs, one update at a time).
 */
import { listTagsRequest } from '../authorization.js';
import type { SimContext } from '../context.js';
import { recordsOf } from '../describe.js';
import { lambdaError } from '../errors.js';
import { functionUpdateInProgress } from '../lifecycle.js';
import type { FunctionRecord } from '../model.js';
import {
  configurationOf,
  inProgressConflict,
  resolveFunction,
  resolveQualified,
  toConfiguration,
} from './configuration.js';
import { createOperations } from './create.js';
import {
  invalid,
  sameMembers,
  validateVpcConfig,
  type VpcChange,
  type VpcConfigInput,
} from './vpc-config.js';
import { invokeOperations } from './invoke.js';
import { versionOperations } from './versions.js';
import { missingPairs, reconcileLambdaEnis, subnetsWithoutRoom } from './enis.js';

const PAGE_SIZE = 50;

interface UpdateInput {
  FunctionName?: string;
  VpcConfig?: VpcConfigInput;
  Description?: string;
  Timeout?: number;
  MemorySize?: number;
}

function validateSettings(input: UpdateInput): void {
  if (input.Timeout !== undefined && (input.Timeout < 1 || input.Timeout > 900)) {
    throw invalid(
      `1 validation error detected: Value '${input.Timeout}' at 'timeout' failed to satisfy constraint: Member must have value between 1 and 900`,
    );
  }
  if (input.MemorySize !== undefined && (input.MemorySize < 128 || input.MemorySize > 10240)) {
    throw invalid(
      `1 validation error detected: Value '${input.MemorySize}' at 'memorySize' failed to satisfy constraint: Member must have value between 128 and 10240`,
    );
  }
}

/** Applies a VPC change: the update runs functionUpdateMs, Pending while it makes a new ENI. */
/** The name CloudFront gives a Lambda@Edge replica: its us-east-1 function's, prefixed with the region. */
const EDGE_REPLICA = /^[a-z]{2}(?:-[a-z]+)+-\d+\./;

function applyVpcChange(ctx: SimContext, fn: FunctionRecord, change: VpcChange): void {
  const until = ctx.now + ctx.timings.functionUpdateMs;
  const newPairs = missingPairs(ctx, change.subnetIds, change.securityGroupIds);
  const full = subnetsWithoutRoom(ctx, newPairs);
  if (full.length > 0) {
    // Lambda accepts the call, then the update fails and the function keeps its old configuration.
    fn.update = {
      until,
      pending: false,
      failure: {
        code: 'SubnetOutOfIPAddresses',
        reason: `Lambda was unable to create an ENI in subnet ${full.join(', ')}: no free IP addresses.`,
      },
    };
    return;
  }
  fn.subnetIds = change.subnetIds;
  fn.securityGroupIds = change.securityGroupIds;
  const created = reconcileLambdaEnis(ctx, fn);
  fn.update = { until, pending: created, failure: null };
}

/** The FunctionConfiguration fields ListFunctions does not return. */
const NOT_LISTED: readonly string[] = [
  'State',
  'StateReason',
  'StateReasonCode',
  'LastUpdateStatus',
  'LastUpdateStatusReason',
  'LastUpdateStatusReasonCode',
];

/** Lambda's tag rules: keys 1-128 characters, values up to 256, of letters, digits, spaces and _ . : / = + - @. */
const TAG_LIMIT = 50;
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

function checkTags(tags: Record<string, string>): void {
  for (const [key, value] of Object.entries(tags)) {
    if (key.toLowerCase().startsWith('aws:'))
      throw invalid(`Tag keys starting with 'aws:' are reserved: ${key}`);
    if (key.length < 1 || key.length > 128 || !TAG_TEXT.test(key))
      throw invalid(`Tag key ${key} must be 1 to 128 letters, digits, spaces or _ . : / = + - @`);
    if (value.length > 256 || !TAG_TEXT.test(value))
      throw invalid(
        `Tag value of ${key} must be at most 256 letters, digits, spaces or _ . : / = + - @ (it has ${value.length})`,
      );
  }
}

/** TagResource and UntagResource take the function's ARN, not its name. */
function requireArn(resource: string | undefined): void {
  if (!resource?.startsWith('arn:'))
    throw lambdaError(
      'ValidationException',
      `1 validation error detected: Value '${resource ?? ''}' at 'resource' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:lambda:.*`,
    );
}

export const lambdaOperations = {
  GetFunctionConfiguration(ctx: SimContext, input: { FunctionName?: string; Qualifier?: string }): object {
    return configurationOf(
      ctx,
      resolveQualified(ctx, input.FunctionName, input.Qualifier, 'lambda:GetFunctionConfiguration'),
    );
  },

  GetFunction(ctx: SimContext, input: { FunctionName?: string; Qualifier?: string }): object {
    const target = resolveQualified(ctx, input.FunctionName, input.Qualifier, 'lambda:GetFunction');
    const { fn } = target;
    return {
      Configuration: configurationOf(ctx, target),
      Code: {
        RepositoryType: 'S3',
        Location: `https://awslambda-${ctx.state.region}-tasks.s3.${ctx.state.region}.amazonaws.com/snapshots/${fn.name}`,
      },
      // Lambda returns a function's tags only to a caller allowed lambda:ListTags on it.
      ...(Object.keys(fn.tags).length === 0
        ? {}
        : ctx.allows(listTagsRequest(ctx, fn.name))
          ? { Tags: { ...fn.tags } }
          : {
              TagsError: {
                ErrorCode: 'AccessDeniedException',
                Message: `User is not authorized to perform: lambda:ListTags on resource: ${fn.name}`,
              },
            }),
    };
  },

  ListFunctions(ctx: SimContext, input: { Marker?: string; MaxItems?: number }): object {
    const all = recordsOf(ctx.state.functions).sort((a, b) => a.name.localeCompare(b.name));
    if (input.MaxItems !== undefined && (input.MaxItems < 1 || input.MaxItems > 10000)) {
      throw invalid(
        `1 validation error detected: Value '${input.MaxItems}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 10000`,
      );
    }
    let start = 0;
    if (input.Marker !== undefined) {
      const match = /^offset:(\d+)$/.exec(Buffer.from(input.Marker, 'base64url').toString('utf8'));
      if (!match) throw invalid('Invalid marker');
      start = Number(match[1]);
    }
    // Lambda returns at most 50 functions a page, whatever MaxItems says.
    const end = start + Math.min(input.MaxItems ?? PAGE_SIZE, PAGE_SIZE);
    // "ListFunctions returns a subset of the FunctionConfiguration fields": no State or
    // LastUpdateStatus (and their reasons); GetFunction(Configuration) has them.
    const page = all.slice(start, end).map((fn) => {
      const listed: Record<string, unknown> = { ...toConfiguration(ctx, fn) };
      for (const field of NOT_LISTED) Reflect.deleteProperty(listed, field);
      return listed;
    });
    return {
      Functions: page,
      ...(end < all.length ? { NextMarker: Buffer.from(`offset:${end}`).toString('base64url') } : {}),
    };
  },

  UpdateFunctionConfiguration(ctx: SimContext, input: UpdateInput): object {
    const fn = resolveFunction(ctx, input.FunctionName, 'lambda:UpdateFunctionConfiguration');
    // A Lambda@Edge replica ("us-east-1.NAME", made by CloudFront in the regions it serves) is
    // CloudFront's to manage: AWS documents that replicas cannot be changed, only their us-east-1
    // function. The wording below is the simulator's.
    if (EDGE_REPLICA.test(fn.name))
      throw invalid(`${fn.name} is a Lambda@Edge replica; replicated functions cannot be updated.`);
    if (functionUpdateInProgress(fn, ctx.now)) throw inProgressConflict(ctx, fn);
    const change = input.VpcConfig === undefined ? undefined : validateVpcConfig(ctx, fn, input.VpcConfig);
    validateSettings(input);
    if (input.Description !== undefined) fn.description = input.Description;
    if (input.Timeout !== undefined) fn.timeout = input.Timeout;
    if (input.MemorySize !== undefined) fn.memorySize = input.MemorySize;
    const vpcChanged =
      change &&
      !(
        sameMembers(change.subnetIds, fn.subnetIds) &&
        sameMembers(change.securityGroupIds, fn.securityGroupIds)
      );
    if (vpcChanged) applyVpcChange(ctx, fn, change);
    else if (fn.update?.failure) fn.update = null;
    // Stored only when on: an account whose functions never had it on snapshots as before.
    if (change?.ipv6AllowedForDualStack) fn.ipv6AllowedForDualStack = true;
    else if (change) delete fn.ipv6AllowedForDualStack;
    fn.lastModified = ctx.now;
    fn.revision += 1;
    return toConfiguration(ctx, fn);
  },

  TagResource(ctx: SimContext, input: { Resource?: string; Tags?: Record<string, string> }): object {
    requireArn(input.Resource);
    const fn = resolveFunction(ctx, input.Resource, 'lambda:TagResource');
    checkTags(input.Tags ?? {});
    const merged = { ...fn.tags, ...input.Tags };
    // 50 user tags a resource; the aws: ones AWS adds do not count.
    const count = Object.keys(merged).filter((key) => !key.toLowerCase().startsWith('aws:')).length;
    if (count > TAG_LIMIT)
      throw invalid(
        `Failed to tag resource: the resource would have ${count} tags, more than the maximum of ${TAG_LIMIT}`,
      );
    fn.tags = merged;
    return {};
  },

  UntagResource(ctx: SimContext, input: { Resource?: string; TagKeys?: string[] }): object {
    requireArn(input.Resource);
    const fn = resolveFunction(ctx, input.Resource, 'lambda:UntagResource');
    const tags = { ...fn.tags };
    for (const key of input.TagKeys ?? []) Reflect.deleteProperty(tags, key);
    fn.tags = tags;
    return {};
  },

  ListTags(ctx: SimContext, input: { Resource?: string }): object {
    const fn = resolveFunction(ctx, input.Resource, 'lambda:ListTags');
    return { Tags: { ...fn.tags } };
  },

  ...versionOperations,
  ...invokeOperations,
  ...createOperations,
};
