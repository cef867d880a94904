import type { AwsPort } from '../aws/port.js';
import { ALL_PARTS, checkRecords } from '../kinds/index.js';
import type { Deps } from '../model/context.js';
import { stackFromTags } from '../engine/discover.js';
import { checkStateMatches, type Identity, whoAmI } from '../engine/inputs.js';
import { checkStackName, checkStateName } from '../model/options.js';
import { loadWorld } from '../model/world.js';
import { FixedIpError } from '../errors.js';
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
 * the region. No stack at all is its own exit code, with how to make one.
 */
export async function openStack(options: StackOptions, deps: Deps, store: StateStore): Promise<OpenedStack> {
  checkStackName(options.name);
  const read = await store.read();
  const saved = read && checkRecords(read, store.path);
  checkStateName(saved, options.name, store.path);
  const aws = await deps.connect(options.region ?? saved?.region);
  const identity = await whoAmI(aws);
  checkStateMatches(saved, identity, aws.region, store.path);
  if (saved) return { aws, identity, store, state: saved, discovered: false };
  const tagged = await loadWorld(aws, { vpcId: undefined, stack: options.name }, ALL_PARTS);
  const found = await stackFromTags(aws, tagged, options.name, aws.region, identity.accountId);
  if (!found) {
    throw new FixedIpError(
      'NO_STACK',
      `no fixed-ip stack named "${options.name}" in account ${identity.accountId}, ${aws.region}`,
      {
        hint: `create one with: fixed-ip setup --name ${options.name} --function <name> --vpc <vpc-id>`,
      },
    );
  }
  deps.ui.notify({
    level: 'warn',
    code: 'stack.discovered',
    text: `No state file at ${store.path}; found stack ${options.name} by its tags`,
  });
  return { aws, identity, store, state: found, discovered: true };
}
