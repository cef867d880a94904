/**
 * CreateFunction, with the checks Lambda makes on a zip package before it accepts it: a runtime it
 * still lets you create, a role that exists (and, in a VPC, may manage network interfaces), an
 * archive it can unzip that holds the handler's file. A new function is Pending while Lambda
 * prepares it (longer when it needs a new network interface), and Invoke refuses it meanwhile.
 */
import { unzipSync } from 'fflate';
import type { SimContext } from '../context.js';
import { lambdaError } from '../errors.js';
import type { FunctionRecord } from '../model.js';
import { roleAssumable } from '../iam.js';
import { toConfiguration } from './configuration.js';
import { missingPairs, reconcileLambdaEnis } from './enis.js';
import { invalid, validateVpcConfig } from './vpc-config.js';

/** Runtimes Lambda lets you create functions with (its list at the end of 2026, zip packages). */
const CREATABLE_RUNTIMES = new Set([
  'nodejs22.x',
  'nodejs24.x',
  'python3.10',
  'python3.11',
  'python3.12',
  'python3.13',
  'python3.14',
  'java17',
  'java21',
  'java25',
  'dotnet8',
  'dotnet10',
  'ruby3.3',
  'ruby3.4',
  'provided.al2',
  'provided.al2023',
]);

/** Lambda refuses these for new functions (end of support passed). */
const DEPRECATED_RUNTIMES =
  /^(nodejs(1\d|20)\.x|python3\.[6-9]|python2\.7|go1\.x|java8|java11|ruby2\.7|ruby3\.2|dotnet[67]|dotnetcore.*)$/;

const NAME = /^[a-zA-Z0-9-_]{1,64}$/;

export interface CreateFunctionInput {
  FunctionName?: string;
  Runtime?: string;
  Role?: string;
  Handler?: string;
  Code?: { ZipFile?: Uint8Array; S3Bucket?: string; S3Key?: string };
  Description?: string;
  Timeout?: number;
  MemorySize?: number;
  VpcConfig?: { SubnetIds?: string[]; SecurityGroupIds?: string[]; Ipv6AllowedForDualStack?: boolean };
  Tags?: Record<string, string>;
}

/** The file a Node.js or Python handler names: `index.handler` -> index.mjs, index.js, index.cjs or index.py. */
function handlerFiles(runtime: string, handler: string): string[] {
  const module = handler.slice(0, handler.lastIndexOf('.'));
  if (runtime.startsWith('nodejs')) return ['.mjs', '.js', '.cjs'].map((ext) => `${module}${ext}`);
  if (runtime.startsWith('python')) return [`${module}.py`];
  return [];
}

function checkPackage(zip: Uint8Array | undefined, runtime: string, handler: string): void {
  if (zip === undefined) throw invalid('Please provide a source for function code.');
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(zip);
  } catch {
    throw invalid('Could not unzip uploaded file. Please check your file, then try to upload again.');
  }
  const wanted = handlerFiles(runtime, handler);
  // Lambda accepts a package without the handler's file; the function then fails on every invoke.
  // The simulator is stricter, so a broken package shows in tests, not in a user's account.
  if (wanted.length > 0 && !wanted.some((file) => file in entries))
    throw invalid(`The package holds no ${wanted.join(' or ')} for handler ${handler} (simulator check).`);
}

export const createOperations = {
  CreateFunction(ctx: SimContext, input: CreateFunctionInput): object {
    const name = input.FunctionName ?? '';
    if (!NAME.test(name))
      throw invalid(
        `1 validation error detected: Value '${name}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+`,
      );
    const runtime = input.Runtime ?? '';
    if (DEPRECATED_RUNTIMES.test(runtime))
      throw invalid(
        `The runtime parameter of ${runtime} is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions.`,
      );
    if (!CREATABLE_RUNTIMES.has(runtime))
      throw invalid(
        `Value ${runtime} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set`,
      );
    const handler = input.Handler ?? '';
    if (!/^[^\s]+\.[^\s]+$/.test(handler)) throw invalid('Handler is required for a zip package.');
    const roleName = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(input.Role ?? '');
    const role =
      roleName && roleName[1] === ctx.state.accountId ? ctx.state.roles[roleName[2] ?? ''] : undefined;
    const trustsLambda = role?.assumeRolePolicy?.includes('lambda.amazonaws.com') ?? true;
    if (!roleName || !role || !roleAssumable(ctx, role) || !trustsLambda)
      throw invalid('The role defined for the function cannot be assumed by Lambda.');
    if (ctx.state.functions[name])
      throw lambdaError('ResourceConflictException', `Function already exist: ${name}`);
    checkPackage(input.Code?.ZipFile, runtime, handler);
    const fn: FunctionRecord = {
      name,
      runtime,
      roleName: roleName[2] ?? '',
      subnetIds: [],
      securityGroupIds: [],
      description: input.Description ?? '',
      timeout: input.Timeout ?? 3,
      memorySize: input.MemorySize ?? 128,
      tags: { ...input.Tags },
      lastModified: ctx.now,
      revision: 1,
      update: null,
    };
    const vpc = input.VpcConfig ? validateVpcConfig(ctx, fn, input.VpcConfig) : undefined;
    const needsEni = vpc !== undefined && missingPairs(ctx, vpc.subnetIds, vpc.securityGroupIds).length > 0;
    if (vpc) {
      fn.subnetIds = vpc.subnetIds;
      fn.securityGroupIds = vpc.securityGroupIds;
      if (vpc.ipv6AllowedForDualStack) fn.ipv6AllowedForDualStack = true;
    }
    ctx.state.functions[name] = fn;
    reconcileLambdaEnis(ctx, fn);
    // Pending for a moment; for the whole update time when Lambda must make a network interface.
    const preparing = needsEni ? ctx.timings.functionUpdateMs : Math.min(1_000, ctx.timings.functionUpdateMs);
    fn.update = { until: ctx.now + preparing, pending: true, failure: null };
    return toConfiguration(ctx, fn);
  },
};
