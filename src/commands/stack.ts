import type { AwsPort } from '../aws/port.js';
import { ALL_PARTS, checkRecords } from '../kinds/index.js';
import type { Deps } from '../model/context.js';
import { stackFromTags } from '../engine/discover.js';
import { checkStateMatches, type Identity, whoAmI } from '../engine/inputs.js';
import { checkStackName, checkStateName } from '../model/options.js';
import { loadWorld } from '../model/world.js';
import { FixedIpError } from '../errors.js';
import { handedOver } from './handed-over.js';
import type { StackState } from '../state/schema.js';
import type { StateStore } from '../state/store.js';

export interface StackOptions {
  name: string;
  state?: string | undefined;
  region?: string | undefined;
  profile?: string | undefined;
}

export interface OpenedStack {
  aws: AwsPort;
  identity: Identity;
  store: StateStore;
  state: StackState;
  /** True when the state file was missing and the stack was found by its tags. */
  discovered: boolean;
}

/**
 * For status and teardown: the stack from its state file, or, when that is lost, from its tags in
 * the region (unless `byTags` is false). No stack at all is its own exit code, with how to make
 * one; a stack handed over with `fixed-ip forget` is none, and says so.
 */
export async function openStack(
  options: StackOptions,
  deps: Deps,
  store: StateStore,
  { byTags = true }: { byTags?: boolean } = {},
): Promise<OpenedStack> {
  checkStackName(options.name);
  const forgotten = await store.readTombstone();
  if (forgotten) throw handedOver(forgotten, store.path);
  const read = await store.read();
  const saved = read && checkRecords(read, store.path);
  checkStateName(saved, options.name, store.path);
  const aws = await deps.connect(options.region ?? saved?.region);
  const identity = await whoAmI(aws);
  checkStateMatches(saved, identity, aws.region, store.path);
  if (saved) return { aws, identity, store, state: saved, discovered: false };
  if (!byTags) throw noStack(options.name, identity.accountId, aws.region);
  const tagged = await loadWorld(aws, { vpcId: undefined, stack: options.name }, ALL_PARTS);
  const found = await stackFromTags(aws, tagged, options.name, aws.region, identity.accountId);
  if (!found) throw noStack(options.name, identity.accountId, aws.region);
  deps.ui.notify({
    level: 'warn',
    code: 'stack.discovered',
    text: `No state file at ${store.path}; found stack ${options.name} by its tags`,
  });
  return { aws, identity, store, state: found, discovered: true };
}

function noStack(name: string, accountId: string, region: string): FixedIpError {
  return new FixedIpError(
    'NO_STACK',
    `no fixed-ip stack named "${name}" in account ${accountId}, ${region}`,
    {
      hint: `create one with: fixed-ip setup --name ${name} --function <name> --vpc <vpc-id>`,
    },
  );
}
