import type { FixedIpError } from '../errors.js';
import type { Ui } from '../ports/ui.js';

/** Asks only in a terminal without --yes; otherwise takes the given default or says which flag is missing. */
export type Asker = <T>(
  fallback: T | undefined,
  question: (ui: Ui) => Promise<T>,
  missing: () => FixedIpError,
) => Promise<T>;

export function asker(ui: Ui, yes: boolean): Asker {
  return async (fallback, question, missing) => {
    if (ui.interactive && !yes) return question(ui);
    if (fallback !== undefined) return fallback;
    throw missing();
  };
}
