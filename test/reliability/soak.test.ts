import { describe, expect, it } from 'vitest';
import type { Fault } from '@fixed-ip/simulator';
import {
  createWorld,
  describeError,
  report,
  runSetup,
  runTeardown,
  taggedIds,
  useMockedAws,
  type World,
} from './support.js';

useMockedAws();

/** mulberry32: a small seeded PRNG, so a failing soak can be replayed exactly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SETUP_OPS = [
  'ec2:CreateInternetGateway',
  'ec2:AttachInternetGateway',
  'ec2:CreateSubnet',
  'ec2:CreateSecurityGroup',
  'ec2:AllocateAddress',
  'ec2:CreateRouteTable',
  'ec2:CreateRoute',
  'ec2:AssociateRouteTable',
  'ec2:CreateNatGateway',
  'ec2:DescribeNatGateways',
  'lambda:UpdateFunctionConfiguration',
  'lambda:GetFunctionConfiguration',
  'sts:GetCallerIdentity',
];
const TEARDOWN_OPS = [
  'lambda:UpdateFunctionConfiguration',
  'ec2:DeleteNatGateway',
  'ec2:ReleaseAddress',
  'ec2:DisassociateRouteTable',
  'ec2:DeleteRouteTable',
  'ec2:DeleteSubnet',
  'ec2:DeleteSecurityGroup',
  'ec2:DetachInternetGateway',
  'ec2:DeleteInternetGateway',
  'ec2:DescribeNatGateways',
];
const CYCLES = 50;
const SEED = 20260101;

function armRandom(world: World, random: () => number, ops: readonly string[]): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const operation = pick(ops);
  const nth = 1 + Math.floor(random() * 2);
  const roll = random();
  let fault: Fault | undefined;
  if (roll < 0.25) fault = { kind: 'lostResponse', operation, nth };
  else if (roll < 0.45) fault = { kind: 'reject', operation, error: 'network', nth };
  else if (roll < 0.55)
    fault = { kind: 'reject', operation, error: pick(['throttle', 'server'] as const), nth, times: 2 };
  else if (roll < 0.65 && ops === SETUP_OPS)
    fault = {
      kind: 'natFails',
      failureCode: pick(['InsufficientFreeAddressesInSubnet', 'InternalError'] as const),
    };
  else if (roll < 0.85) {
    const [service, op] = operation.split(':') as ['ec2' | 'lambda' | 'sts', string];
    world.killAt({ service, operation: op, nth, mode: random() < 0.5 ? 'before' : 'after' });
    return `kill ${operation} #${nth}`;
  }
  if (fault) world.sim.inject(fault);
  return fault ? JSON.stringify(fault) : 'none';
}

async function untilDone(world: World, attempt: () => Promise<unknown>, label: string): Promise<number> {
  for (let run = 1; run <= 4; run++) {
    const error = await attempt();
    world.sim.clearFaults();
    world.killAt(undefined);
    if (error === undefined) return run;
    if (run === 4) throw new Error(`${label}: still failing after 4 runs: ${describeError(error)}`);
  }
  return 0;
}

describe('soak', () => {
  it(`${CYCLES} setup/teardown cycles with random faults leave the account exactly as it began`, async () => {
    const random = prng(SEED);
    const world = createWorld();
    const initial = world.sim.snapshot();
    let reruns = 0;
    const log: string[] = [];
    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      const upFault = armRandom(world, random, SETUP_OPS);
      reruns += (await untilDone(world, () => runSetup(world), `cycle ${cycle} setup (${upFault})`)) - 1;
      expect(world.readState()?.natGateway, `cycle ${cycle}`).toBeDefined();
      const downFault = armRandom(world, random, TEARDOWN_OPS);
      reruns +=
        (await untilDone(world, () => runTeardown(world), `cycle ${cycle} teardown (${downFault})`)) - 1;
      expect(
        taggedIds(world.sim.snapshot()),
        `cycle ${cycle}: tagged left after teardown (${upFault} / ${downFault})`,
      ).toEqual([]);
      log.push(`${cycle}: ${upFault} / ${downFault}`);
    }
    expect(world.sim.snapshot()).toEqual(initial);
    expect(world.stateText()).toBeUndefined();
    report(
      `soak: ${CYCLES} cycles (seed ${SEED}), ${reruns} re-runs after injected faults, ${world.sim.calls.length} AWS calls`,
    );
    world.dispose();
  }, 60_000);
});
