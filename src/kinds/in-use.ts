import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import type { StackContext } from '../model/context.js';
import { listAllFunctions } from './function-tags.js';

/**
 * What still uses a subnet or security group, named ("function billing", "ECS service prod/api"):
 * the functions (of any stack, or none) whose network settings name it, listed once per run, page
 * by page, and the stack's ECS services teardown could not restore. fixed-ip never deletes one in use.
 */
export async function functionsUsing(ctx: StackContext, id: string): Promise<string[]> {
  const functions = (await listedFunctions(ctx))
    .filter(
      (f) =>
        f.VpcConfig?.SubnetIds?.includes(id) === true || f.VpcConfig?.SecurityGroupIds?.includes(id) === true,
    )
    .map((f) => `function ${f.FunctionName ?? ''}`);
  // An ECS service still held when its subnets and group go is one teardown could not restore:
  // its tasks hold the private subnets and the stack's group (their interfaces never go by waiting).
  const held = Object.values(ctx.state.resources).some(
    (r) => r.id === id && (r.kind === 'privateSubnet' || r.kind === 'securityGroup'),
  );
  const services = held ? Object.keys(ctx.state.services ?? {}).map((key) => `ECS service ${key}`) : [];
  return [...functions, ...services];
}

/** Every function of the account, listed once per run (the listing the deletes above decided on). */
export function listedFunctions(ctx: StackContext): Promise<FunctionConfiguration[]> {
  let listing = listings.get(ctx.state);
  if (!listing) {
    listing = listAll(ctx);
    listings.set(ctx.state, listing);
  }
  return listing;
}

const listings = new WeakMap<object, Promise<FunctionConfiguration[]>>();

function listAll(ctx: StackContext): Promise<FunctionConfiguration[]> {
  return listAllFunctions(ctx.aws);
}
