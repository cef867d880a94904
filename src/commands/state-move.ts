import type { Deps } from '../model/context.js';
import { checkStackName, checkStateName } from '../model/options.js';
import { FixedIpError } from '../errors.js';
import type { StackState } from '../state/schema.js';

export interface StateMoveOptions {
  name: string;
  /** Where the state is now (--state, else FIXED_IP_STATE / the project file / the default). */
  state?: string | undefined;
  to: string;
}

export interface StateMoveResult {
  from: string;
  to: string;
}

/**
 * `fixed-ip state move --to <path | s3://…>`: moves a stack's state, holding both locks. It never
 * overwrites a state at the destination, reads the copy back and compares it, and only then
 * removes the source (with its .bak): there is no pointer file, so a run that still names the old
 * place finds no state there (and would find the stack by its tags, never make a second one).
 */
export async function stateMove(options: StateMoveOptions, deps: Deps): Promise<StateMoveResult> {
  checkStackName(options.name);
  const source = deps.openStore(options.name, options.state);
  const destination = deps.openStore(options.name, options.to);
  if (source.path === destination.path) {
    throw new FixedIpError('BAD_OPTION', `the state of stack ${options.name} is already at ${source.path}`, {
      hint: 'pass another --to',
    });
  }
  const releaseSource = await source.lock(options.name);
  try {
    const releaseDestination = await destination.lock(options.name);
    try {
      const state = await source.read();
      if (!state) {
        throw new FixedIpError('NO_STACK', `there is no state for stack ${options.name} at ${source.path}`, {
          hint: 'name where it is with --state',
        });
      }
      checkStateName(state, options.name, source.path);
      if (await destination.read()) {
        throw new FixedIpError(
          'STATE_OCCUPIED',
          `${destination.path} already holds a state; it was not overwritten`,
          {
            hint: 'move or remove it first, or pass another --to; nothing was changed',
          },
        );
      }
      await destination.write(state);
      const copy = await destination.read();
      if (!copy || comparable(copy) !== comparable(state)) {
        throw new FixedIpError(
          'STATE_CONFLICT',
          `the copy at ${destination.path} does not read back as written`,
          {
            hint: `the source ${source.path} was kept; check the destination and run state move again`,
          },
        );
      }
      await source.remove();
    } finally {
      await releaseDestination();
    }
  } finally {
    await releaseSource();
  }
  deps.ui.notify({
    level: 'success',
    code: 'state.moved',
    text: `Moved the state of stack ${options.name} from ${source.path} to ${destination.path}; pass --state ${options.to} from now on (or set it in FIXED_IP_STATE or .fixed-ip/config.json)`,
  });
  return { from: source.path, to: destination.path };
}

/** The state without its write time, which every write sets anew. */
function comparable(state: StackState): string {
  return JSON.stringify({ ...state, updatedAt: '' });
}
