/**
 * The benchmark's simulated account: the test simulator behind real SDK clients (so the SDK's own
 * middleware, retry and signing run as in production), a virtual clock, an in-memory state store,
 * and a UI that stamps every message with the virtual time. Every AWS call is logged with the
 * virtual time it was sent and answered.
 */
import { createAwsPort } from '../src/aws/clients.js';
import type { AwsPort, AwsService } from '../src/aws/port.js';
import type { Deps } from '../src/model/context.js';
import { noTerminalError, type Level, type Progress, type Ui } from '../src/ports/ui.js';
import type { StackState } from '../src/state/schema.js';
import type { StateStore } from '../src/state/store.js';
import { AwsSimulator, attachSimulator, type SimTimings, VirtualClock } from '@fixed-ip/simulator';

export interface CallRecord {
  service: AwsService;
  operation: string;
  /** The command input as JSON, to spot identical calls. */
  input: string;
  /** Virtual ms when the SDK handed the call over, and when the answer came back. */
  start: number;
  end: number;
  outcome: string;
}

export interface UiEvent {
  at: number;
  /** How many AWS calls had been sent when it was recorded: the calls after it start at this index. */
  calls: number;
  level: Level;
  code: string;
  text: string;
}

/** A point in a run: later slices of the logs start here. */
export interface Mark {
  at: number;
  calls: number;
  simCalls: number;
  events: number;
}

export interface BenchAccount {
  sim: AwsSimulator;
  clock: VirtualClock;
  calls: CallRecord[];
  events: UiEvent[];
  port: AwsPort;
  deps(): Deps;
  mark(): Mark;
}

export const CREDENTIALS = { accessKeyId: 'BENCH', secretAccessKey: 'BENCH' };

export async function createBenchAccount(options: {
  timings: Partial<SimTimings>;
  seed: (sim: AwsSimulator) => void;
  start?: number;
}): Promise<BenchAccount> {
  // Enough idle turns that no SDK promise chain is still settling when virtual time jumps.
  const clock = new VirtualClock({
    idleTurns: 20,
    ...(options.start === undefined ? {} : { start: options.start }),
  });
  const sim = new AwsSimulator({ clock, timings: options.timings, seed: 1 });
  options.seed(sim);
  const calls: CallRecord[] = [];
  const events: UiEvent[] = [];

  // attachSimulator only calls `handle`; this one also logs when each call was sent and answered.
  const recorder = {
    async handle(service: AwsService, operation: string, input: unknown): Promise<unknown> {
      const record: CallRecord = {
        service,
        operation,
        input: JSON.stringify(input ?? {}),
        start: clock.now(),
        end: Number.NaN,
        outcome: 'ok',
      };
      calls.push(record);
      try {
        return (await sim.handle(service, operation, input)) as unknown;
      } catch (error) {
        record.outcome = (error as { name?: string }).name ?? 'Error';
        throw error;
      } finally {
        record.end = clock.now();
      }
    },
  } as unknown as AwsSimulator;

  const port = await createAwsPort({
    region: sim.region,
    credentials: CREDENTIALS,
    intercept: (client, service) => attachSimulator(client, service, recorder),
  });
  await warmUp(port);

  const states = new Map<string, string>();
  const store = (name: string): StateStore => memoryStore(name, states);
  const ui = eventUi(clock, events, calls);
  return {
    sim,
    clock,
    calls,
    events,
    port,
    // One port for every command: a new process would build new clients, which costs real time
    // (measured by the cold-start figures), never virtual time.
    deps: () => ({ ui, clock, connect: () => Promise.resolve(port), openStore: (name) => store(name) }),
    mark: () => ({ at: clock.now(), calls: calls.length, simCalls: sim.calls.length, events: events.length }),
  };
}

/**
 * One call on each client first, so the SDK's lazily loaded settings (read from files on the first
 * request) are in place: real I/O while virtual time runs would skew the start times.
 */
async function warmUp(port: AwsPort): Promise<void> {
  await Promise.all([
    port.ec2.DescribeAvailabilityZones({}),
    port.ec2Create.DescribeAvailabilityZones({}),
    port.lambda.ListFunctions({}),
    port.sts.GetCallerIdentity({}),
    port.iam
      .SimulatePrincipalPolicy({ PolicySourceArn: 'arn:aws:iam::000000000000:role/warm-up', ActionNames: [] })
      .catch(() => undefined),
  ]);
}

function memoryStore(name: string, states: Map<string, string>): StateStore {
  return {
    path: `memory:${name}`,
    read: () => {
      const text = states.get(name);
      return Promise.resolve(text === undefined ? null : (JSON.parse(text) as StackState));
    },
    write: (state) => {
      states.set(name, JSON.stringify(state));
      return Promise.resolve();
    },
    remove: () => {
      states.delete(name);
      return Promise.resolve();
    },
    lock: () => Promise.resolve(() => Promise.resolve()),
    readTombstone: () => Promise.resolve(null),
    writeTombstone: () => Promise.resolve(),
  };
}

/** A UI with no terminal (every question takes its flag) that records what it is told, and when. */
function eventUi(clock: VirtualClock, events: UiEvent[], calls: readonly CallRecord[]): Ui {
  const record = (level: Level, code: string, text: string): void => {
    events.push({ at: clock.now(), calls: calls.length, level, code, text });
  };
  return {
    interactive: false,
    notify: (message) => record(message.level, message.code, message.text),
    result: (text) => record('info', 'result', text),
    ask: (question) => Promise.reject(noTerminalError(question)),
    progress(code, text): Progress {
      record('info', `${code}:begin`, text);
      return {
        update: (next) => record('info', `${code}:update`, next),
        succeed: (final) => record('success', `${code}:succeed`, final),
        fail: (final) => record('error', `${code}:fail`, final),
        warn: (final) => record('warn', `${code}:warn`, final),
      };
    },
  };
}
