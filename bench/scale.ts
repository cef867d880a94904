/**
 * Setup against its floor for every NAT mode and zone count, and how setup, status and a re-run
 * grow from 1 function to 50 (3 zones); the teardown's wait on Lambda's network interfaces, in
 * calls. All on the simulator with AWS's real waits on a virtual clock (core.ts's TIMINGS).
 */
import { setup, type SetupOptions } from '../src/commands/setup.js';
import { status } from '../src/commands/status.js';
import { teardown } from '../src/commands/teardown.js';
import type { NatModeName } from '../src/state/schema.js';
import { isReadOnlyOperation } from '../src/aws/read-only.js';
import { SETUP_FLOOR_MS, TIMINGS } from './core.js';
import { type Figure, seconds } from './figure.js';
import { type BenchAccount, createBenchAccount } from './harness.js';

const NAME = 'bench';
const MODES: readonly NatModeName[] = ['gateway', 'gateway-per-az', 'regional'];
const ZONES = [1, 2, 3] as const;
/** The many-functions stack of issue 15 (`npm run bench -- scale --functions N` for another). */
const MANY = 50;
/** Lambda's page size for ListFunctions. */
const PAGE = 50;

interface Stack {
  account: BenchAccount;
  options: SetupOptions;
}

async function newStack(nat: NatModeName, zones: number, functions: number): Promise<Stack> {
  let vpcId = '';
  const names = Array.from({ length: functions }, (_, i) =>
    functions === 1 ? 'orders-api' : `fn-${String(i).padStart(2, '0')}`,
  );
  const account = await createBenchAccount({
    timings: TIMINGS,
    seed: (sim) => {
      sim.addVpc({
        cidr: '172.31.0.0/16',
        isDefault: true,
        withInternetGateway: true,
        withDefaultSubnets: true,
      });
      vpcId = sim.addVpc({ cidr: '10.20.0.0/16', name: 'staging' });
      for (const name of names) sim.addFunction({ name, roleHasVpcAccess: true });
    },
  });
  return { account, options: { name: NAME, functions: names, vpc: vpcId, nat, azs: zones, yes: true } };
}

/** Virtual ms and AWS calls of one command. */
async function run(account: BenchAccount, command: () => Promise<unknown>) {
  const from = account.mark();
  await command();
  const calls = account.calls.slice(from.calls);
  return {
    ms: account.clock.now() - from.at,
    calls,
    mutating: calls.filter((c) => !isReadOnlyOperation(c.operation) && !c.input.includes('"DryRun":true'))
      .length,
  };
}

const over = (ms: number): string =>
  `${seconds(ms)} (+${seconds(ms - SETUP_FLOOR_MS)}, ${((ms / SETUP_FLOOR_MS - 1) * 100).toFixed(1)}%)`;

export async function scaleFigures(many = MANY): Promise<Figure[]> {
  const figures: Figure[] = [];

  // Every NAT mode and zone count, one function.
  const walls: string[] = [];
  let worst = 0;
  for (const nat of MODES) {
    for (const zones of ZONES) {
      const { account, options } = await newStack(nat, zones, 1);
      const first = await run(account, () => setup(options, account.deps()));
      worst = Math.max(worst, first.ms / SETUP_FLOOR_MS);
      walls.push(`${nat} x${zones} ${seconds(first.ms)}`);
    }
  }
  figures.push({
    name: 'first `setup` (virtual) by NAT mode x zones, 1 function',
    measured: `${walls.join(', ')}; floor ${seconds(SETUP_FLOOR_MS)}; worst ${worst.toFixed(3)}x`,
    target: '≤ 1.05x the floor, each',
    pass: worst <= 1.05,
  });

  figures.push(...(await manyFunctions(many)));

  // The teardown's wait on Lambda's network interfaces (held 20 minutes), in calls.
  {
    const { account, options } = await newStack('gateway', 2, 1);
    await setup(options, account.deps());
    const down = await run(account, () => teardown({ name: NAME, yes: true }, account.deps()));
    const looks = down.calls.filter((c) => c.operation === 'DescribeNetworkInterfaces');
    const refused = down.calls.filter(
      (c) => ['DeleteSubnet', 'DeleteSecurityGroup'].includes(c.operation) && c.outcome !== 'ok',
    );
    // When Lambda let go of the last interface, against when the subnets and the group went.
    const detached = down.calls.filter((c) => c.operation === 'UpdateFunctionConfiguration');
    const released = Math.max(...detached.map((c) => c.start)) + (TIMINGS.eniReleaseMs ?? 0);
    const deletes = down.calls.filter(
      (c) => ['DeleteSubnet', 'DeleteSecurityGroup'].includes(c.operation) && c.outcome === 'ok',
    );
    const lag = Math.max(...deletes.map((c) => c.start)) - released;
    figures.push({
      name: "teardown: the 20-minute wait on Lambda's interfaces, 2 zones",
      measured: `${looks.length} DescribeNetworkInterfaces, ${refused.length} refused deletes; last subnet/group delete ${seconds(lag)} after the last interface went`,
      target: '0 refused, delete ≤ 2 s after',
      pass: refused.length === 0 && lag <= 2_000,
    });
  }
  return figures;
}

interface Scaled {
  setup: number;
  status: number;
  rerun: number;
  rerunMutating: number;
}

/** Setup, status and a re-run on a 3-zone stack of 1 function, then of `many`. */
async function manyFunctions(many: number): Promise<Figure[]> {
  const scaled: Scaled[] = [];
  for (const functions of [1, many]) {
    const { account, options } = await newStack('gateway', 3, functions);
    try {
      const first = await run(account, () => setup(options, account.deps()));
      const checked = await run(account, () => status({ name: NAME }, account.deps()));
      const again = await run(account, () => setup(options, account.deps()));
      scaled.push({
        setup: first.ms,
        status: checked.calls.length,
        rerun: again.calls.length,
        rerunMutating: again.mutating,
      });
    } catch (error) {
      const why = `${functions} functions: ${(error as { code?: string }).code ?? (error as Error).name}: ${(error as Error).message}`;
      return [
        {
          name: `first \`setup\`, 3 zones: ${many} functions against 1`,
          measured: why,
          target: '(a stack)',
          pass: false,
        },
        {
          name: `\`status\` and re-run calls, 3 zones: ${many} functions against 1`,
          measured: why,
          target: '(a stack)',
          pass: false,
        },
      ];
    }
  }
  const [one, lots] = scaled as [Scaled, Scaled];
  const growth = lots.setup - SETUP_FLOOR_MS - (one.setup - SETUP_FLOOR_MS);
  // The functions are read from ListFunctions pages: a stack of `many` may take a call more per page
  // than a 1-function stack's one GetFunctionConfiguration; never a call per function.
  const pages = Math.ceil(many / PAGE);
  return [
    {
      name: `first \`setup\`, 3 zones: ${many} functions against 1`,
      measured: `${many}: ${over(lots.setup)}; 1: ${over(one.setup)}; over the floor grows ${seconds(growth)}`,
      target: '≤ 5 s more over the floor',
      pass: growth <= 5_000,
    },
    {
      name: `\`status\` and re-run calls, 3 zones: ${many} functions against 1`,
      measured: `status ${one.status} -> ${lots.status} calls; re-run ${one.rerun} -> ${lots.rerun} calls, ${one.rerunMutating} / ${lots.rerunMutating} mutating`,
      target: `grows with pages (${PAGE} functions a page: ≤ ${pages} more), not functions; re-run 0 mutating`,
      pass: lots.status - one.status <= pages && lots.rerun - one.rerun <= pages && lots.rerunMutating === 0,
    },
  ];
}
