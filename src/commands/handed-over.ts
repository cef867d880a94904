import { FixedIpError } from '../errors.js';
import { type Tombstone, tombstoneOf } from '../state/tombstone.js';

/**
 * A stack `fixed-ip forget` handed over: fixed-ip holds nothing of it any more, so teardown deletes
 * nothing of it, status finds no stack, and setup makes no new stack of its name (it would find the
 * resources kept with --keep-tags by their tags, and take them back).
 */
export function handedOverLine(tombstone: Tombstone): string {
  return `stack ${tombstone.stack} was handed over on ${dayOf(tombstone)} (fixed-ip forget): fixed-ip deletes nothing of it`;
}

/** status, and every command that reads a stack: there is none of that name (exit 4). */
export function handedOver(tombstone: Tombstone, statePath: string): FixedIpError {
  return new FixedIpError('NO_STACK', handedOverLine(tombstone), {
    hint: `its ${count(tombstone)} are yours now; the record of the hand-over is ${tombstoneOf(statePath)}`,
  });
}

/** setup: the name is taken by a stack handed over (exit 2), refused before anything is made. */
export function nameHandedOver(tombstone: Tombstone): FixedIpError {
  return new FixedIpError(
    'BAD_OPTION',
    `stack ${tombstone.stack} was handed over to your IaC on ${dayOf(tombstone)} with fixed-ip forget`,
    { hint: 'choose another --name; nothing was created' },
  );
}

const dayOf = (tombstone: Tombstone): string => tombstone.forgottenAt.slice(0, 10);

const count = (tombstone: Tombstone): string =>
  `${tombstone.resources.length} resource${tombstone.resources.length === 1 ? '' : 's'}`;
