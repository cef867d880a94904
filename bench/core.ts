/**
 * The core figures: setup, status, a re-run of setup and teardown, run through the command
 * functions against the simulator with AWS's real waits on a virtual clock.
 */
import { setup, type SetupOptions } from '../src/commands/setup.js';
import { status } from '../src/commands/status.js';
import { teardown } from '../src/commands/teardown.js';
import { TAG_ROLE, TAG_ZONE } from '../src/model/tags.js';
import type { SimTimings } from '@fixed-ip/simulator';
import { isReadOnlyOperation } from '../src/aws/read-only.js';
import { type Figure, seconds } from './figure.js';
import {
  type BenchAccount,
  type CallRecord,
  createBenchAccount,
  type Mark,
  type UiEvent,
} from './harness.js';

export const TIMINGS = {
  natPendingMs: 90_000,
  natDeletingMs: 60_000,
  functionUpdateMs: 60_000,
  eniReleaseMs: 20 * 60_000,
  callLatencyMs: [100, 300],
} satisfies Partial<SimTimings>;
const NAT_MS = TIMINGS.natPendingMs;
const FUNCTION_MS = TIMINGS.functionUpdateMs;
const MEAN_LATENCY_MS = (TIMINGS.callLatencyMs[0] + TIMINGS.callLatencyMs[1]) / 2;

/**
 * The floor of a first setup: AWS's two unavoidable waits, NAT pending -> available and the
 * function's move into the VPC, plus the round trips no tool can skip or overlap, each at the
 * mean latency:
 *   1 GetCallerIdentity, 2 GetFunctionConfiguration, 3 one parallel batch of Describe calls,
 *   4 create internet gateway / subnet / Elastic IP (in parallel), 5 AttachInternetGateway
 *   (CreateNatGateway needs an attached gateway), 6 CreateNatGateway, [NAT wait],
 *   7 the Describe that sees `available`, 8 CreateRoute to the NAT (the table can exist already),
 *   9 UpdateFunctionConfiguration (only once the route exists), [function wait],
 *   10 the GetFunctionConfiguration that sees `Successful`.
 */
const FLOOR_ROUND_TRIPS = 10;
export const SETUP_FLOOR_MS = NAT_MS + FUNCTION_MS + FLOOR_ROUND_TRIPS * MEAN_LATENCY_MS;
/** From a resource becoming ready to the answer of the check that sees it (src/model/wait.ts POLL). */
const LAG_TARGET_MS = 1_000;
const NAME = 'bench';

interface Slice {
  calls: CallRecord[];
  /** The index in the account's log of the slice's first call (UiEvent.calls counts from there). */
  firstCall: number;
  mutated: number;
  events: UiEvent[];
  start: number;
  end: number;
}

function slice(account: BenchAccount, from: Mark): Slice {
  return {
    calls: account.calls.slice(from.calls),
    firstCall: from.calls,
    mutated: account.sim.calls.slice(from.simCalls).filter((call) => call.mutated).length,
    events: account.events.slice(from.events),
    start: from.at,
    end: account.clock.now(),
  };
}

async function measure(account: BenchAccount, run: () => Promise<unknown>): Promise<Slice> {
  const from = account.mark();
  await run();
  return slice(account, from);
}

export async function coreFigures(): Promise<Figure[]> {
  let vpcId = '';
  const account = await createBenchAccount({
    timings: TIMINGS,
    seed: (sim) => {
      // A default VPC (with its gateway) and a bare one for the stack, so every resource is created.
      sim.addVpc({
        cidr: '172.31.0.0/16',
        isDefault: true,
        withInternetGateway: true,
        withDefaultSubnets: true,
      });
      vpcId = sim.addVpc({ cidr: '10.20.0.0/16', name: 'staging' });
      sim.addFunction({ name: 'orders-api', roleHasVpcAccess: true });
    },
  });
  const options: SetupOptions = { name: NAME, functions: ['orders-api'], vpc: vpcId, yes: true };

  const first = await measure(account, () => setup(options, account.deps()));
  let healthy = false;
  const checked = await measure(account, async () => {
    healthy = (await status({ name: NAME }, account.deps())).healthy;
  });
  const rerun = await measure(account, () => setup(options, account.deps()));
  const removed = await measure(account, () => teardown({ name: NAME, yes: true }, account.deps()));

  return [
    statusFigure(checked, healthy),
    rerunFigure(rerun),
    ...firstSetupFigures(first),
    ...teardownFigures(removed),
    callsFigure([
      ['setup', first],
      ['status', checked],
      ['re-run', rerun],
      ['teardown', removed],
    ]),
  ];
}

function statusFigure(run: Slice, healthy: boolean): Figure {
  const count = run.calls.length;
  return {
    name: '`status` on a healthy stack',
    measured: `${count} AWS calls (${summarize(run.calls)})${healthy ? '' : ', NOT healthy'}`,
    target: '≤ 6 AWS calls',
    pass: healthy && count <= 6,
  };
}

function rerunFigure(run: Slice): Figure {
  const attempted = run.calls.filter((call) => !isReadOnlyOperation(call.operation));
  return {
    name: '`setup` re-run on a complete stack',
    measured: `${attempted.length} mutating (${run.mutated} changed the account), ${run.calls.length} calls in all`,
    target: '0 mutating, ≤ 10 calls',
    pass: attempted.length === 0 && run.mutated === 0 && run.calls.length <= 10,
  };
}

function firstSetupFigures(run: Slice): Figure[] {
  const rel = (ms: number): number => Math.round(ms - run.start);
  const polls = pollCalls(run, [
    ['setup.nat.wait', 'DescribeNatGateways'],
    ['function.wait', 'GetFunctionConfiguration'],
  ]);
  // setup's read-back of the IPs (src/commands/setup.ts readBack) reads the subnets, route tables,
  // NAT gateways and functions a second time, on purpose: it starts at its debug event, and its
  // calls are counted apart from the steps' calls.
  const readBackEvent = run.events.find((event) => event.code === 'setup.readback');
  const split = readBackEvent ? readBackEvent.calls - run.firstCall : run.calls.length;
  // The run guard (src/engine/run-guard.ts) reads its SSM parameter on purpose before each write (a
  // concurrent run may hold it): its calls are counted apart too.
  const guard = run.calls.filter(isGuardCall);
  const steps = run.calls.slice(0, split).filter((call) => !isGuardCall(call));
  const readBack = run.calls.slice(split).filter((call) => !isGuardCall(call));
  const { reads, creates } = repeats(steps.filter((call) => !polls.has(call)));
  const readBackDuplicates = repeats(readBack).reads;
  const key = (call: CallRecord): string => `${call.operation}\n${call.input}`;
  const seenBefore = new Set(steps.map(key));
  const readAgain = readBack.filter((call) => seenBefore.has(key(call)));

  const independent: Array<[string, CallRecord | undefined]> = [
    ['igw', find(run.calls, 'CreateInternetGateway')],
    ['public subnet', find(run.calls, 'CreateSubnet', 'public-subnet')],
    ['private subnet', find(run.calls, 'CreateSubnet', 'private-subnet')],
    ['EIP', find(run.calls, 'AllocateAddress')],
    ['SG', find(run.calls, 'CreateSecurityGroup')],
  ];
  const made = independent.flatMap(([, call]) => (call ? [call] : []));
  // Overlap: every one of them was sent before any of them was answered.
  const overlap =
    made.length === independent.length &&
    Math.max(...made.map((c) => c.start)) < Math.min(...made.map((c) => c.end));

  const wall = run.end - run.start;
  const nat = detection(run, 'CreateNatGateway', NAT_MS, 'DescribeNatGateways');
  // How soon the next step followed the answer that reported the gateway available.
  const afterNat = run.calls.find(
    (call) => call.start >= (nat?.seen.end ?? Number.NaN) && call.operation !== 'DescribeNatGateways',
  );
  const afterSeen = (afterNat?.start ?? Number.NaN) - (nat?.seen.end ?? Number.NaN);
  const moved = detection(run, 'UpdateFunctionConfiguration', FUNCTION_MS, 'GetFunctionConfiguration');
  const after = run.calls.filter((call) => call.start >= (moved?.seen.end ?? Number.NaN));

  return [
    {
      name: 'first `setup`: calls repeated needlessly (read-back apart)',
      measured: `${reads.length} duplicate reads${list(reads)}, ${creates.length} repeated creates${list(creates)} (${steps.length} calls before the read-back, ${polls.size} of them polls)`,
      target: '0 and 0',
      pass: reads.length === 0 && creates.length === 0,
    },
    {
      name: 'first `setup`: read-back of the IPs (a second look, by design)',
      measured: readBackEvent
        ? `${readBack.length} calls (${summarize(readBack)}), ${readAgain.length} of them the same as a read before it; ${readBackDuplicates.length} duplicates within it${list(readBackDuplicates)}`
        : 'no read-back (no setup.readback event)',
      target: 'one pass: 0 duplicates within it',
      pass: readBackEvent !== undefined && readBackDuplicates.length === 0,
    },
    {
      name: 'first `setup`: the run guard (one SSM parameter per stack)',
      measured: `${guard.length} calls (${summarize(guard)}): a look before reading the account, a read and a write to take it, a read and a write to release it`,
      target: 'at most 5',
      pass: guard.length <= 5,
    },
    {
      name: 'first `setup`: independent creations overlap',
      measured: `start (virtual ms): ${independent.map(([label, call]) => `${label} ${call ? rel(call.start) : 'none'}`).join(', ')}`,
      target: 'all sent before any returns',
      pass: overlap,
    },
    {
      name: 'first `setup`: wall time (virtual) over the floor',
      measured: `${seconds(wall)} vs floor ${seconds(SETUP_FLOOR_MS)} (+${(((wall - SETUP_FLOOR_MS) / SETUP_FLOOR_MS) * 100).toFixed(1)}%)`,
      target: '≤ 5% above the floor',
      pass: wall <= SETUP_FLOOR_MS * 1.05,
    },
    lagFigure(
      'NAT gateway available',
      nat,
      `next step (${afterNat?.operation ?? 'none'}) ${seconds(afterSeen)} after the answer`,
      afterSeen >= 0 && afterSeen <= 1_000,
    ),
    lagFigure(
      'function moved into the VPC (the last wait)',
      moved,
      `setup ended ${seconds(run.end - (moved?.seen.end ?? Number.NaN))} after the answer (${after.length} calls after it: ${summarize(after)})`,
      true,
    ),
  ];
}

/** A wait: when the resource became ready, the check whose answer said so, and the checks made. */
interface Detection {
  readyAt: number;
  seen: CallRecord;
  checks: number;
  lag: number;
}

/**
 * The wait that follows `trigger` (the first call of that operation in the run; AWS starts its clock
 * when it answers) and lasts `takes` ms: the first `check` answered after the resource was ready
 * saw it (the simulator answers at the end of a call's latency).
 */
function detection(
  run: Slice,
  trigger: string,
  takes: number,
  check: string,
  from?: (call: CallRecord) => boolean,
): Detection | undefined {
  const started = run.calls.find(
    (call) =>
      call.operation === trigger && call.outcome === 'ok' && !isDryRun(call) && (from?.(call) ?? true),
  );
  if (!started) return undefined;
  const readyAt = started.end + takes;
  const checks = run.calls.filter(
    (call) => call.operation === check && call.start >= started.end && call.outcome === 'ok',
  );
  const seen = checks.find((call) => call.end >= readyAt);
  if (!seen) return undefined;
  return {
    readyAt,
    seen,
    checks: checks.filter((call) => call.end <= seen.end).length,
    lag: seen.end - readyAt,
  };
}

function lagFigure(what: string, found: Detection | undefined, more: string, ok: boolean): Figure {
  return {
    name: `detection lag: ${what}`,
    measured: found
      ? `${seconds(found.lag)} (${found.seen.operation} x${found.checks} in the wait); ${more}`
      : 'not found',
    target: `≤ ${seconds(LAG_TARGET_MS)}`,
    pass: found !== undefined && found.lag >= 0 && found.lag <= LAG_TARGET_MS && ok,
  };
}

function teardownFigures(run: Slice): Figure[] {
  const rel = (ms: number | undefined): string => `+${seconds((ms ?? Number.NaN) - run.start)}`;
  const left = run.events.find((event) => event.code === 'function.wait:succeed')?.at;
  const natDelete = find(run.calls, 'DeleteNatGateway');
  const natGone = run.events.find((event) => event.code === 'teardown.nat:succeed')?.at;
  // The slow clean-up: what Lambda's network interfaces hold for up to 20 minutes.
  const eniBound = (call: CallRecord): boolean =>
    ['DeleteSubnet', 'DeleteSecurityGroup'].includes(call.operation);
  const slow = run.calls.filter(eniBound);
  const firstSlow = Math.min(...slow.map((call) => call.start));
  const lastSlow = Math.max(...slow.filter((call) => call.outcome === 'ok').map((call) => call.end));
  const restDone = Math.max(
    ...run.calls.filter((call) => !eniBound(call) && call.outcome === 'ok').map((call) => call.end),
  );
  const gap = (natDelete?.start ?? Number.NaN) - (left ?? Number.NaN);
  const detached = detection(run, 'UpdateFunctionConfiguration', FUNCTION_MS, 'GetFunctionConfiguration');
  const natDeleted = detection(run, 'DeleteNatGateway', TIMINGS.natDeletingMs, 'DescribeNatGateways');
  const released = detection(
    run,
    'UpdateFunctionConfiguration',
    TIMINGS.eniReleaseMs,
    'DescribeNetworkInterfaces',
  );
  const freed = run.calls.find(
    (call) => eniBound(call) && call.outcome === 'ok' && call.start >= (released?.seen.end ?? Number.NaN),
  );
  return [
    lagFigure('function left the VPC (teardown)', detached, 'its interfaces stay 20 minutes', true),
    lagFigure('NAT gateway deleted (teardown)', natDeleted, 'its hourly charge stops', true),
    lagFigure(
      "Lambda's interfaces released (teardown)",
      released,
      `first subnet/group delete ${seconds((freed?.start ?? Number.NaN) - (released?.seen.end ?? Number.NaN))} after the answer`,
      true,
    ),
    {
      name: 'teardown: NAT deletion once the functions left',
      measured: `${seconds(gap)} gap (functions left ${rel(left)}, DeleteNatGateway ${rel(natDelete?.start)}, subnet/SG clean-up from ${rel(firstSlow)}); NAT gone ${rel(natGone)}`,
      target: '0 s gap, not behind slow clean-up',
      pass: gap === 0 && natDelete !== undefined && natDelete.start <= firstSlow,
    },
    {
      name: 'teardown: total (virtual), ENI wait apart',
      measured: `${seconds(run.end - run.start)} in all; everything but the ENI-bound subnet + SG done ${rel(restDone)}; ENI wait ${seconds(lastSlow - (left ?? Number.NaN))} after the functions left (AWS holds them ${(TIMINGS.eniReleaseMs ?? 0) / 60_000} min from the detach call)`,
      target: '(reported)',
      pass: undefined,
    },
  ];
}

/** How many calls each command made, reads apart from mutating calls. */
function callsFigure(runs: ReadonlyArray<[label: string, run: Slice]>): Figure {
  const kinds = runs.map(([label, run]) => {
    const checks = run.calls.filter(isDryRun).length;
    const mutating = run.calls.filter(
      (call) => !isReadOnlyOperation(call.operation) && !isDryRun(call),
    ).length;
    const failed = run.calls.filter((call) => call.outcome !== 'ok' && !isDryRun(call)).length;
    const reads = run.calls.length - mutating - checks;
    return `${label} ${reads} reads + ${checks ? `${checks} DryRun permission checks + ` : ''}${mutating} mutating${failed > 0 ? ` (${failed} refused, e.g. DependencyViolation)` : ''}`;
  });
  return { name: 'AWS calls by kind', measured: kinds.join('; '), target: '(reported)', pass: undefined };
}

/** Reads of a waited-for resource made while the UI showed that wait: intended polls. */
function pollCalls(run: Slice, waits: ReadonlyArray<[code: string, operation: string]>): Set<CallRecord> {
  const polls = new Set<CallRecord>();
  for (const [code, operation] of waits) {
    const begins = run.events.filter((event) => event.code === `${code}:begin`);
    const ends = run.events.filter(
      (event) =>
        event.code.startsWith(`${code}:`) &&
        !event.code.endsWith(':begin') &&
        !event.code.endsWith(':update'),
    );
    begins.forEach((begin, index) => {
      const end = ends[index]?.at ?? run.end;
      for (const call of run.calls) {
        if (call.operation === operation && call.start >= begin.at && call.start <= end) polls.add(call);
      }
    });
  }
  return polls;
}

/** Identical reads, and creates of the same resource (same role tag, or same input), made twice. */
function repeats(calls: readonly CallRecord[]): { reads: string[]; creates: string[] } {
  const count = (key: (call: CallRecord) => string, of: readonly CallRecord[]): string[] => {
    const seen = new Map<string, number>();
    for (const call of of) seen.set(key(call), (seen.get(key(call)) ?? 0) + 1);
    return [...seen].filter(([, n]) => n > 1).map(([k, n]) => `${k.split('\n')[0] ?? k} x${n}`);
  };
  const reads = calls.filter((call) => isReadOnlyOperation(call.operation));
  const creates = calls.filter(
    (call) => /^(Create|Allocate)/.test(call.operation) && call.operation !== 'CreateTags' && !isDryRun(call),
  );
  return {
    reads: count((call) => `${call.operation}\n${call.input}`, reads),
    creates: count(
      (call) =>
        `${call.operation}${roleOf(call) ? ` ${roleOf(call)}` : ''}\n${roleOf(call) ? '' : call.input}`,
      creates,
    ),
  };
}

/** The role tag of a create, with its zone when it has one (`private-subnet@ap-northeast-1a`). */
function roleOf(call: CallRecord): string | undefined {
  const input = JSON.parse(call.input) as {
    TagSpecifications?: Array<{ Tags?: Array<{ Key?: string; Value?: string }> }>;
  };
  const tags = input.TagSpecifications?.flatMap((spec) => spec.Tags ?? []) ?? [];
  const role = tags.find((tag) => tag.Key === TAG_ROLE)?.Value;
  const zone = tags.find((tag) => tag.Key === TAG_ZONE)?.Value;
  return role === undefined ? undefined : `${role}${zone ? `@${zone}` : ''}`;
}

/** setup's permission preflight: a create with DryRun, which AWS answers without creating. */
function isDryRun(call: CallRecord): boolean {
  return (JSON.parse(call.input) as { DryRun?: boolean }).DryRun === true;
}

function find(calls: readonly CallRecord[], operation: string, role?: string): CallRecord | undefined {
  return calls.find(
    (call) =>
      call.operation === operation &&
      !isDryRun(call) &&
      (role === undefined || roleOf(call)?.split('@')[0] === role),
  );
}

function summarize(calls: readonly CallRecord[]): string {
  const counts = new Map<string, number>();
  for (const call of calls) counts.set(call.operation, (counts.get(call.operation) ?? 0) + 1);
  return [...counts].map(([op, n]) => (n > 1 ? `${op} x${n}` : op)).join(', ');
}

function list(items: readonly string[]): string {
  return items.length > 0 ? ` [${items.join('; ')}]` : '';
}

/** A call on the run guard's parameter. */
function isGuardCall(call: CallRecord): boolean {
  return call.service === 'ssm' && call.input.includes('"/fixed-ip/');
}
