import type { Check } from '../model/kind.js';

/** status for a resource the state file has no record of. */
export function notRecorded(what: string): Check {
  return { ok: false, id: undefined, state: 'missing', problem: `no ${what} recorded; run fixed-ip setup` };
}
