import type { Kind, KindName } from '../model/kind.js';

/**
 * The kinds by name, for the few kinds that refer to another kind's resource without importing
 * it (a private route table points at whichever NAT kind the mode chose). Filled by index.ts.
 */
const KINDS = new Map<KindName, Kind>();

export function register(kinds: readonly Kind[]): void {
  for (const kind of kinds) KINDS.set(kind.name, kind);
}

export function kindNamed(name: KindName): Kind {
  const kind = KINDS.get(name);
  if (!kind) throw new TypeError(`kind ${name} is not registered`);
  return kind;
}
