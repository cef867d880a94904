import { acquireLease, type Lease, type LeaseBackend } from '../lease/lease.js';
import { realClock } from '../ports/clock.js';
import type { Message } from '../ports/ui.js';

export type Release = () => Promise<void>;

/** What a store's lease says of this run: the command, who runs it, where its messages go. */
export interface LeaseSettings {
  command?: string;
  whoAmI?: () => Promise<string | undefined>;
  notify?: (message: Message) => void;
  /** Overrides the backend's heartbeat interval (tests). */
  heartbeatMs?: number;
}

/** Takes a state store's lease for this run (the one algorithm of src/lease/lease.ts). */
export async function takeLease(
  backend: LeaseBackend,
  stack: string,
  state: string,
  settings: LeaseSettings,
): Promise<Lease> {
  return acquireLease(backend, {
    stack,
    command: settings.command ?? 'fixed-ip',
    who: await settings.whoAmI?.().catch(() => undefined),
    state,
    clock: realClock,
    notify: settings.notify ?? (() => undefined),
    unlock: `fixed-ip unlock --name ${stack} --state ${state}`,
    ...(settings.heartbeatMs === undefined ? {} : { heartbeatMs: settings.heartbeatMs }),
  });
}
