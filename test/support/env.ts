import { readFileSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createAwsPort } from '../../src/aws/clients.js';
import { isReadOnlyOperation } from '../../src/aws/read-only.js';
import type { Deps } from '../../src/model/context.js';
import { FileStateStore } from '../../src/state/store.js';
import type { RecordOf, ResourceRecord, StackState } from '../../src/state/schema.js';
import type { KindName } from '../../src/model/kind.js';
import { AwsSimulator, VirtualClock } from '@fixed-ip/simulator';
import type { SimTimings } from '@fixed-ip/simulator';
import { mockAws } from './mock-aws.js';
import { createRecordingUi, type RecordingUiOptions } from './recording-ui.js';
import { scratchDir } from './scratch.js';

export interface TestAccount {
  sim: AwsSimulator;
  clock: VirtualClock;
  dir: string;
  /** Fresh ports for one command run (a new recording UI each time, like a new process). */
  deps(
    options?: RecordingUiOptions & { signal?: AbortSignal },
  ): Deps & { recording: ReturnType<typeof createRecordingUi> };
  statePath(name?: string): string;
  /** The state file as written, with each kind's first-zone record also under its kind's name. */
  readState(name?: string): StateView | undefined;
  restore(): void;
}

/**
 * One simulated account behind aws-sdk-client-mock, a virtual clock (AWS's minutes pass
 * instantly), and a temporary folder for state files.
 */
export function createTestAccount(
  options: {
    timings?: Partial<SimTimings>;
    seed?: number;
    /** A saved simulated account to start from (its clock starts an hour after it was saved). */
    saved?: { account: unknown; at: number };
  } = {},
): TestAccount {
  const clock = new VirtualClock(options.saved ? { start: options.saved.at + 3_600_000 } : {});
  const sim = options.saved
    ? AwsSimulator.fromJSON(options.saved.account, {
        clock,
        ...(options.timings ? { timings: options.timings } : {}),
      })
    : new AwsSimulator({
        clock,
        ...(options.timings ? { timings: options.timings } : {}),
        seed: options.seed ?? 1,
      });
  const mocks = mockAws(sim);
  const dir = scratchDir('fixed-ip-test-');
  const statePath = (name = 'default'): string => join(dir, `${name}.json`);
  return {
    sim,
    clock,
    dir,
    statePath,
    deps(uiOptions = {}) {
      const recording = createRecordingUi({ interactive: false, ...uiOptions });
      return {
        recording,
        ui: recording.ui,
        clock,
        ...(uiOptions.signal ? { signal: uiOptions.signal } : {}),
        connect: (region) =>
          createAwsPort({
            region: region ?? sim.region,
            credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
          }),
        openStore: (name, path) => new FileStateStore(path ?? statePath(name)),
      };
    },
    readState(name = 'default') {
      const path = statePath(name);
      return existsSync(path) ? viewOf(JSON.parse(readFileSync(path, 'utf8')) as StackState) : undefined;
    },
    restore() {
      mocks.restore();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Mutating calls the simulator saw (what changed, or tried to change, the account). */
export function mutatingCalls(sim: AwsSimulator): string[] {
  return sim.calls
    .filter((call) => isMutating(call.operation) && !isDryRun(call.input))
    .map((call) => call.operation);
}

/** A permission check (DryRun) never changes anything. */
export function isDryRun(input: unknown): boolean {
  return (input as { DryRun?: boolean } | undefined)?.DryRun === true;
}

/** Any operation but a read may change the account (src/aws/read-only.ts, the one definition). */
export function isMutating(operation: string): boolean {
  return !isReadOnlyOperation(operation);
}

/** A record as tests read it: `az` repeats the zone. */
export type RecordView = ResourceRecord & { az?: string | undefined };
export type StateView = StackState & { [K in KindName]?: RecordOf<K> & { az?: string | undefined } };

/**
 * The state with `state.natGateway`, `state.privateSubnet`… naming the record of the stack's first
 * zone (or the only one), so a test reads what it checks without spelling identity keys.
 */
export function viewOf(state: StackState): StateView {
  const view: StateView = { ...state };
  const home = state.shape.zones[0];
  for (const record of Object.values(state.resources)) {
    const views = view as unknown as Record<string, RecordView | undefined>;
    const current = views[record.kind];
    if (current === undefined || (record.zone === home && current.zone !== home))
      views[record.kind] = { ...record, ...(record.zone ? { az: record.zone } : {}) };
  }
  return view;
}
