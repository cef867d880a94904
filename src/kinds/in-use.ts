import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import type { StackContext } from '../model/context.js';
import { listAllFunctions } from './function-tags.js';

/**
 * The functions (of any stack, or none) whose network settings name a subnet or security group:
 * fixed-ip never deletes one a function still uses. Listed once per run, page by page.
 */
export async function functionsUsing(ctx: StackContext, id: string): Promise<string[]> {
  return (await listedFunctions(ctx))
    .filter(
      (f) =>
        f.VpcConfig?.SubnetIds?.includes(id) === true || f.VpcConfig?.SecurityGroupIds?.includes(id) === true,
    )
    .map((f) => f.FunctionName ?? '');
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
