import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createAwsPort } from './aws/clients.js';
import type { AwsPort } from './aws/port.js';
import { FixedIpError } from './errors.js';
import { type Clock, realClock } from './ports/clock.js';
import { simulatedDir } from './state/store.js';
import { AwsSimulator, attachSimulatorWire, seedDemoAccount } from '@fixed-ip/simulator';
import type { SimTimings } from '@fixed-ip/simulator';

/**
 * `--simulate`: the same simulator the tests use, behind the real SDK clients, with AWS's waits
 * compressed to seconds. The account lives in a file of the user's (state/store.ts simulatedDir) so
 * setup, status and teardown (separate processes, any folder) see one account; it is saved after every call, so a killed run loses nothing.
 * Loaded only with --simulate: the production path never imports the simulator.
 */
export const DEMO_TIMINGS: Partial<SimTimings> = {
  natPendingMs: 6_000,
  natDeletingMs: 4_000,
  functionUpdateMs: 3_000,
  eniReleaseMs: 8_000,
  natGoneVisibleMs: 60_000,
  callLatencyMs: [40, 120],
};

export const DEMO_REGION = 'ap-northeast-1';

export interface SimulatedAccount {
  connect(region: string | undefined): Promise<AwsPort>;
  save(): Promise<void>;
}

/** One simulated account per user and region, beside the simulated stacks' states. */
export function accountPath(region: string, env: NodeJS.ProcessEnv): string {
  return join(simulatedDir(env), `account-${region}.json`);
}

export function openSimulatedAccount(
  regionOption: string | undefined,
  env: NodeJS.ProcessEnv,
  clock: Clock = realClock,
): SimulatedAccount {
  const region = regionOption ?? DEMO_REGION;
  const path = accountPath(region, env);
  const sim = load(path, region, clock);
  // Saved after every call that changed the account (a killed run loses nothing), and only then:
  // a read-only command (status, plan, list) leaves no file behind.
  const save = (): void => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(`${path}.tmp`, JSON.stringify(sim.toJSON()));
    renameSync(`${path}.tmp`, path);
  };
  let changed = false;
  const persisting = {
    handle: async (...args: Parameters<AwsSimulator['handle']>): Promise<unknown> => {
      const before = sim.calls.length;
      try {
        return (await sim.handle(...args)) as unknown;
      } finally {
        if (sim.calls.slice(before).some((call) => call.mutated)) {
          changed = true;
          save();
        }
      }
    },
  } as unknown as AwsSimulator;
  return {
    connect: (wanted) =>
      createAwsPort({
        region: wanted ?? region,
        credentials: { accessKeyId: 'SIMULATED', secretAccessKey: 'SIMULATED' },
        // On the wire: the SDK's own deserialisers parse every simulated answer, as they would AWS's.
        intercept: (client, service) => attachSimulatorWire(client, service, persisting),
      }),
    save: () => Promise.resolve(changed ? save() : undefined),
  };
}

function load(path: string, region: string, clock: Clock): AwsSimulator {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    const sim = new AwsSimulator({ clock, region, timings: DEMO_TIMINGS });
    seedDemoAccount(sim);
    return sim;
  }
  try {
    return AwsSimulator.fromJSON(JSON.parse(text), { clock, timings: DEMO_TIMINGS });
  } catch (error) {
    throw new FixedIpError('STATE_INVALID', `the simulated account ${path} is unreadable`, {
      hint: 'delete it to start a fresh simulated account',
      cause: error,
    });
  }
}
