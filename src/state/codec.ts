import { FixedIpError } from '../errors.js';
import { parseState } from './migrate.js';
import { type StackState, STATE_VERSION } from './schema.js';

/**
 * Text <-> state, shared by every store (file, S3): the one place that validates what was read, so
 * a change of schema swaps `parseState` here and nowhere else.
 */
export function decodeState(text: string, where: string): StackState {
  return decodeStateVersion(text, where).state;
}

/** The state, and the version it was written in when that is an older one (migrated on read). */
export function decodeStateVersion(
  text: string,
  where: string,
): { state: StackState; migratedFrom?: number } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw invalid(where, 'it is not valid JSON', error);
  }
  const parsed = parseState(json);
  if ('state' in parsed) return parsed;
  if (parsed.problem.startsWith('newer:')) {
    throw new FixedIpError(
      'STATE_NEWER',
      `state file ${where} was written by a newer fixed-ip (state version ${parsed.problem.slice(6)}, this one reads ${STATE_VERSION})`,
      { hint: 'upgrade fixed-ip (npx fixed-ip@latest); the file was left as it is' },
    );
  }
  throw invalid(where, parsed.problem);
}

/** What a store writes: the state with its write time, pretty-printed so a diff reads well. */
export function encodeState(state: StackState): string {
  return `${JSON.stringify({ ...state, updatedAt: new Date().toISOString() }, null, 2)}\n`;
}

function invalid(where: string, problem: string, cause?: unknown): FixedIpError {
  return new FixedIpError('STATE_INVALID', `state file ${where} is not a fixed-ip state file: ${problem}`, {
    hint: 'fix or move it away (the stack can be found again by its tags with --name); it was left as it is',
    cause,
  });
}
