/**
 * The reliability suite's harness: one simulated account per scenario behind a single set of
 * class-level SDK mocks (so thousands of scenarios do not re-stub the SDK), a virtual clock, a
 * temporary state folder, a "kill switch" that models the process dying around one AWS call, and
 * the invariants every scenario ends with (same end state, no duplicate, no orphan, nothing foreign
 * touched).
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { createAwsPort } from '../../src/aws/clients.js';
import type { AwsService } from '../../src/aws/port.js';
import { setup, type SetupOptions } from '../../src/commands/setup.js';
import { teardown, type TeardownOptions } from '../../src/commands/teardown.js';
import type { Deps } from '../../src/model/context.js';
import { TAG_STACK } from '../../src/model/tags.js';
import type { StackState } from '../../src/state/schema.js';
import { FileStateStore, type StateStore } from '../../src/state/store.js';
import { AwsSimulator, attachSimulator, VirtualClock } from '@fixed-ip/simulator';
import type { SimCall, SimTimings } from '@fixed-ip/simulator';
import { mockAws, type MockedAws } from '../support/mock-aws.js';
import { createRecordingUi, type RecordingUi } from '../support/recording-ui.js';
import { type StateView, viewOf } from '../support/env.js';
import { scratchDir } from '../support/scratch.js';

/** AWS's minutes shortened (still on the virtual clock) so one setup makes about 40 calls. */
export const FAST_TIMINGS: Partial<SimTimings> = {
  natPendingMs: 3_000,
  natDeletingMs: 3_000,
  functionUpdateMs: 3_000,
  eniReleaseMs: 20_000,
};

export type KillMode = 'before' | 'after';

export interface Kill {
  service: SimCall['service'];
  operation: string;
  /** 1-based: the nth call of that operation. */
  nth: number;
  mode: KillMode;
}

export class Killed extends Error {
  override readonly name = 'Killed';
  constructor() {
    super('the process was killed');
  }
}

export interface Seeded {
  vpcId: string;
  /** Resources fixed-ip did not create and must never touch. */
  foreign: { subnetId: string; igwId: string; allocationId: string; functionName: string; groupId: string };
}

export interface World {
  sim: AwsSimulator;
  clock: VirtualClock;
  dir: string;
  seeded: Seeded;
  /** The account before any fixed-ip run. */
  initial: unknown;
  statePath(name?: string): string;
  readState(name?: string): StateView | undefined;
  stateText(name?: string): string | undefined;
  deps(options?: { signal?: AbortSignal }): Deps & { recording: RecordingUi };
  /** Arms the kill switch for the next run: the process dies before / after that call takes effect. */
  killAt(kill: Kill | undefined): void;
  readonly dead: boolean;
  dispose(): void;
}

let mocks: MockedAws | undefined;
let current: World | undefined;
let handler: ((service: AwsService, operation: string, input: unknown) => Promise<unknown>) | undefined;

/** Installs the class-level SDK mocks once per test file; they route to the current world. */
export function installMocks(): () => void {
  const router = {
    handle: (service: AwsService, operation: string, input: unknown) => handler!(service, operation, input),
  };
  mocks = mockAws(router as unknown as AwsSimulator);
  return () => {
    mocks?.restore();
    mocks = undefined;
  };
}

/** installMocks around the calling test file: before its first test, restored after its last. */
export function useMockedAws(): void {
  let restore: (() => void) | undefined;
  beforeAll(() => {
    restore = installMocks();
  });
  afterAll(() => restore?.());
}

export interface WorldOptions {
  timings?: Partial<SimTimings>;
  seed?: number;
  /** Start from this simulated account (toJSON) and clock time instead of a fresh seeded one. */
  from?: { account: unknown; now: number; state?: Record<string, string>; seeded: Seeded; initial: unknown };
  /**
   * Through the real SDK clients and their retry middleware: the simulator sits behind
   * attachSimulator, as with --simulate, instead of the class-level mocks. No kill switch.
   */
  viaSdk?: boolean;
}

/** A VPC without an internet gateway, a function to move, and foreign resources that must stay untouched. */
export function seedAccount(sim: AwsSimulator): Seeded {
  const vpcId = sim.addVpc({ cidr: '10.0.0.0/16', name: 'app' });
  sim.addFunction({ name: 'orders-api', runtime: 'nodejs20.x', roleHasVpcAccess: true });
  const subnetId = sim.addSubnet({ vpcId, cidr: '10.0.9.0/24', az: 'ap-northeast-1a', name: 'theirs' });
  const groupId = sim.addSecurityGroup({ vpcId, name: 'theirs' });
  const igwId = sim.addInternetGateway();
  const { allocationId } = sim.addAddress({ tags: { Name: 'theirs' } });
  sim.addFunction({
    name: 'billing',
    runtime: 'python3.12',
    roleHasVpcAccess: true,
    vpc: { subnetIds: [subnetId], securityGroupIds: [groupId] },
  });
  return { vpcId, foreign: { subnetId, igwId, allocationId, functionName: 'billing', groupId } };
}

export function createWorld(options: WorldOptions = {}): World {
  const clock = new VirtualClock(options.from ? { start: options.from.now } : {});
  const sim = options.from
    ? AwsSimulator.fromJSON(options.from.account, { clock })
    : new AwsSimulator({ clock, timings: { ...FAST_TIMINGS, ...options.timings }, seed: options.seed ?? 1 });
  const seeded = options.from ? options.from.seeded : seedAccount(sim);
  const initial = options.from ? options.from.initial : sim.snapshot();
  const dir = scratchDir('fixed-ip-rel-');
  const statePath = (name = 'default'): string => join(dir, `${name}.json`);
  for (const [name, text] of Object.entries(options.from?.state ?? {})) {
    writeText(statePath(name), text);
  }
  let kill: (Kill & { seen: number }) | undefined;
  let dead = false;

  const handle = async (service: AwsService, operation: string, input: unknown): Promise<unknown> => {
    if (dead) throw new Killed();
    if (kill && kill.service === service && kill.operation === operation) {
      kill.seen += 1;
      if (kill.seen === kill.nth) {
        dead = true;
        // 'before': the armed `reject network` fault refuses the call, so nothing is applied;
        // 'after': the call takes effect. Either way the process never sees the response.
        await sim.handle(service, operation, input).catch(() => undefined);
        throw new Killed();
      }
    }
    return sim.handle(service, operation, input) as Promise<unknown>;
  };

  const killable = (store: StateStore): StateStore => ({
    path: store.path,
    read: () => store.read(),
    write: (state) => (dead ? Promise.reject(new Killed()) : store.write(state)),
    remove: () => (dead ? Promise.reject(new Killed()) : store.remove()),
    // A killed process would leave its lock behind for the next run to take over (its pid is
    // dead); in-process our pid is alive, so the lock is released here. Takeover: state-and-lock.test.ts.
    lock: (stack) => store.lock(stack),
    readTombstone: () => store.readTombstone(),
    writeTombstone: (tombstone) => (dead ? Promise.reject(new Killed()) : store.writeTombstone(tombstone)),
  });

  const world: World = {
    sim,
    clock,
    dir,
    seeded,
    initial,
    statePath,
    readState(name = 'default') {
      const path = statePath(name);
      return existsSync(path) ? viewOf(JSON.parse(readFileSync(path, 'utf8')) as StackState) : undefined;
    },
    stateText(name = 'default') {
      const path = statePath(name);
      return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
    },
    deps(depOptions = {}) {
      current = world;
      handler = handle;
      const recording = createRecordingUi({ interactive: false });
      return {
        recording,
        ui: recording.ui,
        clock,
        ...(depOptions.signal ? { signal: depOptions.signal } : {}),
        connect: (region) =>
          createAwsPort({
            region: region ?? sim.region,
            credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
            ...(options.viaSdk
              ? { intercept: (client, service) => attachSimulator(client, service, sim) }
              : {}),
          }),
        openStore: (name, path) => killable(new FileStateStore(path ?? statePath(name))),
      };
    },
    killAt(next) {
      // A killed process leaves its run guard; the next run on this machine finds its pid dead and
      // takes the guard over at once (test/engine/run-guard.test.ts). In-process our pid is alive.
      if (dead) sim.dropParameters('/fixed-ip/');
      kill = next ? { ...next, seen: 0 } : undefined;
      dead = false;
    },
    get dead() {
      return dead;
    },
    dispose() {
      if (current === world) current = undefined;
      rmSync(dir, { recursive: true, force: true });
    },
  };
  current = world;
  handler = handle;
  return world;
}

function writeText(path: string, text: string): void {
  writeFileSync(path, text);
}

export const setupOptions = (world: World, extra: Partial<SetupOptions> = {}): SetupOptions => ({
  functions: ['orders-api'],
  vpc: world.seeded.vpcId,
  name: 'default',
  yes: true,
  ...extra,
});

export const teardownOptions = (extra: Partial<TeardownOptions> = {}): TeardownOptions => ({
  name: 'default',
  yes: true,
  ...extra,
});

export async function runSetup(world: World, extra: Partial<SetupOptions> = {}): Promise<unknown> {
  return setup(setupOptions(world, extra), world.deps()).then(
    () => undefined,
    (error: unknown) => error,
  );
}

export async function runTeardown(world: World, extra: Partial<TeardownOptions> = {}): Promise<unknown> {
  return teardown(teardownOptions(extra), world.deps()).then(
    () => undefined,
    (error: unknown) => error,
  );
}

// ---------------------------------------------------------------------------------------------
// Invariants

interface Snap {
  vpcs: Array<{ id: string; tags: Record<string, string> }>;
  subnets: Array<{ id: string; cidr: string; tags: Record<string, string> }>;
  internetGateways: Array<{ id: string; tags: Record<string, string> }>;
  routeTables: Array<{ id: string; main: boolean; tags: Record<string, string> }>;
  securityGroups: Array<{ id: string; name: string; tags: Record<string, string> }>;
  addresses: Array<{ id: string; publicIp: string; tags: Record<string, string> }>;
  natGateways: Array<{ id: string; state: string; tags: Record<string, string> }>;
  networkInterfaces: Array<{ id: string; type: string; subnetId: string; tags?: Record<string, string> }>;
  instances: Array<{ id: string; state: string; tags: Record<string, string> }>;
  vpcEndpoints?: Array<{ id: string; tags: Record<string, string> }>;
  functions: Array<{ name: string }>;
}

const ID = /\b(?:vpc|subnet|igw|rtb|sg|eipalloc|nat|eni|rtbassoc|eipassoc|acl|dopt|i)-[0-9a-f]{8,17}\b/g;

function role(tags: Record<string, string>): string {
  return tags['fixed-ip:role'] ?? (tags.Name ? `name=${tags.Name}` : 'untagged');
}

/**
 * The account with every id fixed-ip's runs created replaced by a label derived from what the
 * resource is (its role tag, CIDR, name), and sorted again: two runs that made the same things
 * compare equal whatever ids AWS handed out. Ids the account began with are kept.
 */
export function normalize(snapshot: unknown, initial: unknown): unknown {
  const keep = new Set(JSON.stringify(initial).match(ID) ?? []);
  const snap = snapshot as Snap;
  const labels = new Map<string, string>();
  const label = (id: string, text: string): void => {
    if (!keep.has(id)) labels.set(id, text);
  };
  for (const v of snap.vpcs) label(v.id, `vpc<${role(v.tags)}>`);
  for (const s of snap.subnets) label(s.id, `subnet<${s.cidr}>`);
  for (const g of snap.internetGateways) label(g.id, `igw<${role(g.tags)}>`);
  for (const t of snap.routeTables) label(t.id, `rtb<${t.main ? 'main' : role(t.tags)}>`);
  for (const g of snap.securityGroups) label(g.id, `sg<${g.name}>`);
  for (const a of snap.addresses) {
    label(a.id, `eipalloc<${role(a.tags)}>`);
    if (!keep.has(a.id)) labels.set(a.publicIp, `ip<${role(a.tags)}>`);
  }
  for (const n of snap.natGateways) label(n.id, `nat<${role(n.tags)}>`);
  for (const i of snap.instances ?? []) label(i.id, `i<${role(i.tags)}>`);
  let text = JSON.stringify(snapshot);
  for (const [id, text2] of labels) text = text.split(id).join(text2);
  for (const e of snap.networkInterfaces) if (!keep.has(e.id)) text = text.split(e.id).join(`eni<${e.type}>`);
  const normalized = JSON.parse(text) as Record<string, unknown[]>;
  // Lambda lists a function's subnets in its own order (the simulator's: by id); labels sort stably.
  for (const fn of (normalized.functions ?? []) as Array<{ subnetIds?: string[] }>) fn.subnetIds?.sort();
  for (const key of Object.keys(normalized)) {
    normalized[key] = (normalized[key] ?? [])
      .map((item) => JSON.stringify(item))
      .sort()
      .map((item) => JSON.parse(item) as unknown);
  }
  return normalized;
}

/** Ids in the account that carry this stack's tag. */
export function taggedIds(snapshot: unknown): string[] {
  const snap = snapshot as Snap;
  const all: Array<{ id: string; tags: Record<string, string> }> = [
    ...snap.vpcs,
    ...snap.subnets,
    ...snap.internetGateways,
    ...snap.routeTables,
    ...snap.securityGroups,
    ...snap.addresses,
    ...snap.natGateways,
    // An instance an Auto Scaling group launched is the group's (recorded as the group).
    ...(snap.instances ?? []).filter(
      (i) => i.state !== 'terminated' && i.tags['aws:autoscaling:groupName'] === undefined,
    ),
    ...(snap.networkInterfaces ?? []).map((e) => ({ id: e.id, tags: e.tags ?? {} })),
    ...(snap.vpcEndpoints ?? []),
  ];
  return all.filter((r) => r.tags[TAG_STACK] !== undefined).map((r) => r.id);
}

/** After a completed setup: exactly one of everything, all of it recorded, nothing foreign touched. */
/** How many of each resource a complete stack of a shape has (the default: a NAT gateway, two zones). */
export function shapeCounts(
  nat: 'gateway' | 'gateway-per-az' | 'regional' | 'instance' = 'gateway',
  zones = 2,
  endpoints = 0,
) {
  const publics = nat === 'gateway' || nat === 'instance' ? 1 : nat === 'gateway-per-az' ? zones : 0;
  const instance = nat === 'instance' ? 1 : 0;
  return {
    internetGateways: 1,
    subnets: publics + zones,
    routeTables: publics + zones,
    // The functions' group, and a NAT instance's.
    securityGroups: 1 + instance,
    addresses: nat === 'gateway' || nat === 'instance' ? 1 : zones,
    natGateways: nat === 'gateway-per-az' ? zones : nat === 'instance' ? 0 : 1,
    instances: instance,
    networkInterfaces: instance,
    vpcEndpoints: endpoints,
  };
}

export function expectCompleteStack(
  world: World,
  expected: unknown,
  where: string,
  counts: ReturnType<typeof shapeCounts> = shapeCounts(),
): void {
  const snapshot = world.sim.snapshot() as Snap;
  expect(normalize(snapshot, world.initial), `${where}: end state`).toEqual(expected);
  const ours = (tags: Record<string, string>) => tags[TAG_STACK] === 'default';
  const count = {
    internetGateways: snapshot.internetGateways.filter((g) => ours(g.tags)).length,
    subnets: snapshot.subnets.filter((s) => ours(s.tags)).length,
    routeTables: snapshot.routeTables.filter((t) => ours(t.tags)).length,
    securityGroups: snapshot.securityGroups.filter((g) => ours(g.tags)).length,
    addresses: snapshot.addresses.filter((a) => ours(a.tags)).length,
    natGateways: snapshot.natGateways.filter((n) => ours(n.tags) && n.state !== 'deleted').length,
    instances: (snapshot.instances ?? []).filter((i) => ours(i.tags) && i.state !== 'terminated').length,
    networkInterfaces: (snapshot.networkInterfaces ?? []).filter((e) => ours(e.tags ?? {})).length,
    vpcEndpoints: (snapshot.vpcEndpoints ?? []).filter((e) => ours(e.tags)).length,
  };
  expect(count, `${where}: no duplicate`).toEqual(counts);
  const state = world.stateText() ?? '';
  const orphans = taggedIds(snapshot).filter((id) => !state.includes(id));
  expect(orphans, `${where}: tagged resources missing from the state file`).toEqual([]);
  expectForeignUntouched(world, where);
}

/** After a completed teardown: the account exactly as it began, nothing tagged, no state file. */
export function expectAccountRestored(world: World, where: string): void {
  const snapshot = world.sim.snapshot();
  expect(taggedIds(snapshot), `${where}: tagged resources left`).toEqual([]);
  expect(snapshot, `${where}: account as it began`).toEqual(world.initial);
  expect(world.stateText(), `${where}: state file`).toBeUndefined();
}

export function expectForeignUntouched(world: World, where: string): void {
  const before = world.initial as Snap;
  const after = world.sim.snapshot() as Snap;
  const { subnetId, igwId, allocationId, functionName, groupId } = world.seeded.foreign;
  const pick = (snap: Snap) => ({
    subnet: snap.subnets.find((s) => s.id === subnetId),
    igw: snap.internetGateways.find((g) => g.id === igwId),
    eip: snap.addresses.find((a) => a.id === allocationId),
    group: snap.securityGroups.find((g) => g.id === groupId),
    fn: snap.functions.find((f) => f.name === functionName),
    vpc: snap.vpcs.find((v) => v.id === world.seeded.vpcId),
  });
  expect(pick(after), `${where}: foreign resources`).toEqual(pick(before));
}

/** The calls of a run, as (operation, nth occurrence) so a fault can target the same call again. */
export function injectionPoints(
  calls: AwsSimulator['calls'],
  from = 0,
): Array<{ index: number; service: SimCall['service']; operation: string; nth: number; mutated: boolean }> {
  const seen = new Map<string, number>();
  return calls.slice(from).map((call, index) => {
    const key = `${call.service}:${call.operation}`;
    const nth = (seen.get(key) ?? 0) + 1;
    seen.set(key, nth);
    return { index, service: call.service, operation: call.operation, nth, mutated: call.mutated };
  });
}

// ---------------------------------------------------------------------------------------------
// The fault matrix

export type Mode = 'killed-before' | 'killed-after' | 'lost-response';
export const MODES: readonly Mode[] = ['killed-before', 'killed-after', 'lost-response'];

export type InjectionPoint = ReturnType<typeof injectionPoints>[number];

/** Each injection point in each mode, point by point. */
export function everyMode(points: readonly InjectionPoint[]): Array<{ point: InjectionPoint; mode: Mode }> {
  return points.flatMap((point) => MODES.map((mode) => ({ point, mode })));
}

/** An uninterrupted setup in a fresh world: the end state every scenario must reach, and its calls. */
export async function referenceSetup(
  options: WorldOptions = {},
  extra: Partial<SetupOptions> = {},
): Promise<{
  expected: unknown;
  calls: AwsSimulator['calls'];
  points: InjectionPoint[];
}> {
  const base = createWorld(options);
  expect(await runSetup(base, extra)).toBeUndefined();
  const expected = normalize(base.sim.snapshot(), base.initial);
  const calls = base.sim.calls;
  base.dispose();
  return { expected, calls, points: injectionPoints(calls) };
}

/**
 * Runs `scenario` once per item, each in a fresh world disposed after it. A scenario that throws
 * (a failed expect) is kept as the first `lines` lines of its message and the others still run,
 * so one assertion at the end reports every failure.
 */
export async function failuresOf<T>(
  items: readonly T[],
  newWorld: () => World,
  scenario: (world: World, item: T) => Promise<void>,
  lines = 12,
): Promise<string[]> {
  const failures: string[] = [];
  for (const item of items) {
    const world = newWorld();
    try {
      await scenario(world, item);
    } catch (error) {
      failures.push(
        error instanceof Error ? error.message.split('\n').slice(0, lines).join('\n') : String(error),
      );
    } finally {
      world.dispose();
    }
  }
  return failures;
}

/** A line of the suite's output: what a scenario covered (injection points, cycles) is part of the report. */
export function report(line: string): void {
  // eslint-disable-next-line no-console -- the counts are part of the report
  console.log(line);
}

/**
 * Arms one fault on the world for its next run.
 * - killed-before: the call is refused before AWS sees it (`reject network`, nothing applied) and
 *   the process dies right there: no later call reaches AWS and no later state write lands.
 * - killed-after: the call takes effect in AWS, then the process dies before it can read the
 *   response, so nothing about it reaches the state file. This is a kill between the call and the
 *   state write. (An AbortSignal would not model it: Ctrl-C lets the call in flight be recorded,
 *   which is the kinder case; a lostResponse lets the process go on and run its error handling.)
 * - lost-response: the call takes effect, the client sees ECONNRESET (`lostResponse`) and the
 *   process goes on: its error handling runs and steps already running finish and record.
 */
export function arm(world: World, point: InjectionPoint, mode: Mode): void {
  world.sim.clearFaults();
  world.killAt(undefined);
  if (mode === 'lost-response') {
    world.sim.inject({
      kind: 'lostResponse',
      operation: `${point.service}:${point.operation}`,
      nth: point.nth,
    });
    return;
  }
  if (mode === 'killed-before') {
    world.sim.inject({
      kind: 'reject',
      operation: `${point.service}:${point.operation}`,
      error: 'network',
      nth: point.nth,
    });
  }
  world.killAt({
    service: point.service,
    operation: point.operation,
    nth: point.nth,
    mode: mode === 'killed-before' ? 'before' : 'after',
  });
}

export function disarm(world: World): void {
  world.sim.clearFaults();
  world.killAt(undefined);
}

export function describeError(error: unknown): string {
  if (error === undefined) return 'succeeded';
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return JSON.stringify(error);
}
