/**
 * One truth, checked: a state record gone stale (its resource deleted by hand, or its id edited)
 * is seen the same way by status, plan and setup: each finds the live resource again by its tags,
 * or says it is gone; setup repairs it; and no command's advice is refused by the next one.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { plan } from '../../src/commands/plan.js';
import { setup } from '../../src/commands/setup.js';
import { status } from '../../src/commands/status.js';
import { teardown } from '../../src/commands/teardown.js';
import { useLivedIn } from './support.js';

const world = useLivedIn();
const { options, snap } = world;

function editState(edit: (state: { resources: Record<string, { id: string }> }) => void): void {
  const path = world.account.statePath();
  const state = JSON.parse(readFileSync(path, 'utf8')) as { resources: Record<string, { id: string }> };
  edit(state);
  writeFileSync(path, JSON.stringify(state));
}

describe('a stale state record', () => {
  it('a private subnet id edited in the state file: status, plan and setup find the live subnet by its tags, and teardown never deletes it while the function uses it', async () => {
    const first = await setup(options(), world.account.deps());
    const zone = first.state.shape.zones[0] ?? '';
    const live = first.state.resources[`privateSubnet@${zone}`]?.id ?? '';
    editState((state) => {
      const record = state.resources[`privateSubnet@${zone}`];
      if (record) record.id = 'subnet-0000000000000dead';
    });

    const seen = await status({ name: 'default', json: true }, world.account.deps());
    const planned = await plan({ ...options(), json: true }, world.account.deps());
    // Whatever they say, they say the same thing about the subnet, and plan's advice works.
    const subnetLine = seen.resources.find((r) => r.type === 'privateSubnet');
    const planLine = planned.steps.find((s) => s.key.startsWith('privateSubnet'));
    if (subnetLine?.ok) {
      expect(subnetLine.id).toBe(live);
      expect(planLine?.action).toBe('done');
    } else {
      expect(seen.problems.join('\n')).toMatch(/run fixed-ip setup/);
    }
    expect(planned.wouldSucceed).toBe(true);

    const again = await setup(options(), world.account.deps());
    expect(again.state.resources[`privateSubnet@${zone}`]?.id).toBe(live);
    expect(snap().subnets.filter((s) => s.tags['fixed-ip:role'] === 'private-subnet')).toHaveLength(1);
    expect((await status({ name: 'default', json: true }, world.account.deps())).healthy).toBe(true);

    // Edited again, then torn down: the function leaves first, so nothing is deleted under it.
    editState((state) => {
      const record = state.resources[`privateSubnet@${zone}`];
      if (record) record.id = 'subnet-0000000000000dead';
    });
    const downDeps = world.account.deps();
    const down = await teardown({ name: 'default', yes: true }, downDeps);
    expect(
      downDeps.recording.messages.some((m) => m.code === 'teardown.stale' && m.text.includes(live)),
    ).toBe(true);
    expect(down.finished).toBe(true);
    expect(snap().functions.find((f) => f.name === 'orders-api')).toMatchObject({ subnetIds: [] });
    expect(snap().subnets.map((s) => s.id)).not.toContain(live);
    expect(snap().natGateways.filter((n) => n.state !== 'deleted')).toEqual([]);
  });

  it('a NAT gateway deleted by hand: status says so and names setup, plan says setup creates it, setup repairs it with the same IP', async () => {
    const first = await setup(options(), world.account.deps());
    const nat = Object.values(first.state.resources).find((r) => r.kind === 'natGateway')?.id ?? '';
    await world.account.sim.handle('ec2', 'DeleteNatGateway', { NatGatewayId: nat });
    world.account.clock.advance(10 * 60_000);

    const seen = await status({ name: 'default', json: true }, world.account.deps());
    expect(seen.healthy).toBe(false);
    expect(seen.problems.join('\n')).toMatch(/fixed-ip setup/);
    // A released IP is never printed; this one is still there, kept.
    const planned = await plan({ ...options(), json: true }, world.account.deps());
    expect(planned.steps.find((s) => s.key.startsWith('natGateway'))?.action).toBe('create');
    expect(planned.ips.map((ip) => ip.ip)).toEqual(first.elasticIps);
    expect(planned.wouldSucceed).toBe(true);

    const again = await setup(options(), world.account.deps());
    expect(again.elasticIps).toEqual(first.elasticIps);
    expect((await status({ name: 'default', json: true }, world.account.deps())).healthy).toBe(true);
  });
});
