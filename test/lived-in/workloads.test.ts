/**
 * Workloads teardown could strand: a function put in the stack's private subnets by hand, and one
 * teardown could not restore. status names the first as drift; teardown names it before consent,
 * still stops the charges, and ends non-zero naming every function left without internet access.
 */
import { describe, expect, it } from 'vitest';
import { setup } from '../../src/commands/setup.js';
import { status } from '../../src/commands/status.js';
import { teardown } from '../../src/commands/teardown.js';
import { ExitCode } from '../../src/errors.js';
import { rejection, useLivedIn } from './support.js';

const world = useLivedIn(['orders-api', 'hand']);
const { options, snap, fn } = world;

/** Someone moves `hand` into the stack's private subnet and group with the console. */
async function placeByHand(): Promise<{ subnetIds: string[]; securityGroupIds: string[] }> {
  const ours = fn('orders-api');
  if (!ours) throw new Error('no orders-api');
  await world.byHand('lambda', 'UpdateFunctionConfiguration', {
    FunctionName: 'hand',
    VpcConfig: { SubnetIds: ours.subnetIds, SecurityGroupIds: ours.securityGroupIds },
  });
  return ours;
}

const liveNats = () => snap().natGateways.filter((n) => n.state !== 'deleted');

describe('a function put in the stack’s private subnets by hand', () => {
  it('status reports it as drift (exit 3), with the fix, in --json too', async () => {
    await setup(options(), world.account.deps());
    const ours = await placeByHand();
    const deps = world.account.deps();
    const report = await status({ name: 'default', json: true }, deps);
    expect(report.healthy).toBe(false);
    expect(report.parked).toBe(false);
    expect(report.unmanagedFunctions).toEqual([{ name: 'hand', subnetIds: ours.subnetIds }]);
    const problem = report.problems.find((p) => p.includes('hand'));
    expect(problem).toMatch(/fixed-ip attach --name default --function hand/);
    expect(problem).toMatch(/move it out of the stack's subnets/);
    // The stack's own function is as it was.
    expect(report.functions).toEqual([{ name: 'orders-api', attached: true }]);
  });

  it('status reads the functions in one ListFunctions (no call per function)', async () => {
    await setup(options(), world.account.deps());
    await placeByHand();
    const from = world.account.sim.calls.length;
    await status({ name: 'default' }, world.account.deps());
    const lambda = world.account.sim.calls
      .slice(from)
      .filter((c) => c.service === 'lambda')
      .map((c) => c.operation);
    expect(lambda).toEqual(['ListFunctions']);
  });

  it('teardown names it before consent; declined, nothing changes', async () => {
    await setup(options(), world.account.deps());
    await placeByHand();
    const before = JSON.stringify(world.account.sim.snapshot());
    let namedBeforeAsking = false;
    const deps = world.account.deps({
      interactive: true,
      answers: {
        'teardown.confirm': () => {
          namedBeforeAsking = deps.recording.messages.some(
            (m) =>
              m.code === 'teardown.plan.stranded' &&
              m.text.includes(
                "function hand is in the stack's private subnets and will lose internet access",
              ),
          );
          return false;
        },
      },
    });
    const error = await rejection(teardown({ name: 'default' }, deps));
    expect(error.exitCode).toBe(ExitCode.cancelled);
    expect(namedBeforeAsking).toBe(true);
    expect(JSON.stringify(world.account.sim.snapshot())).toBe(before);
  });

  it('teardown still stops the charges, then exits non-zero naming what was left without egress', async () => {
    await setup(options(), world.account.deps());
    const ours = await placeByHand();
    const deps = world.account.deps();
    const error = await rejection(teardown({ name: 'default', yes: true }, deps));
    expect(error.code).toBe('FUNCTION_STRANDED');
    expect(error.exitCode).toBe(ExitCode.error);
    expect(error.message).toMatch(/without internet access/);
    expect(error.message).toMatch(/hand was put in the stack's private subnets by hand/);
    expect(error.line).toMatch(/--function-name hand/);
    expect(error.line).toMatch(/fixed-ip teardown --name default again/);
    // The charges stopped all the same: no NAT gateway, no Elastic IP of the stack.
    expect(liveNats()).toEqual([]);
    expect(snap().addresses.filter((a) => a.tags['fixed-ip:stack'] === 'default')).toEqual([]);
    // orders-api went back; hand stays where it was put, in the subnet teardown had to keep.
    expect(fn('orders-api')).toMatchObject({ subnetIds: [], securityGroupIds: [] });
    expect(fn('hand')?.subnetIds).toEqual(ours.subnetIds);
    expect(world.account.readState()?.privateSubnet?.id).toBe(ours.subnetIds[0]);

    // Moved out, a re-run removes the rest and ends well.
    await world.byHand('lambda', 'UpdateFunctionConfiguration', {
      FunctionName: 'hand',
      VpcConfig: { SubnetIds: [], SecurityGroupIds: [] },
    });
    const again = await teardown({ name: 'default', yes: true }, world.account.deps());
    expect(again.finished).toBe(true);
    expect(snap().subnets.map((s) => s.id)).not.toContain(ours.subnetIds[0]);
  });

  it('attached as status says, it is the stack’s: teardown takes it out of the VPC and removes everything', async () => {
    await setup(options(), world.account.deps());
    await placeByHand();
    // `fixed-ip attach --function hand` is setup with the stack's functions and the new one.
    await setup(options({ functions: ['orders-api', 'hand'] }), world.account.deps());
    expect((await status({ name: 'default', json: true }, world.account.deps())).healthy).toBe(true);
    const result = await teardown({ name: 'default', yes: true }, world.account.deps());
    expect(result.finished).toBe(true);
    expect(fn('hand')).toMatchObject({ subnetIds: [], securityGroupIds: [] });
    expect(liveNats()).toEqual([]);
  });
});

describe('a function teardown could not restore', () => {
  it('denied UpdateFunctionConfiguration: the NAT still goes, and teardown exits non-zero naming it, where it is, and the fix', async () => {
    await setup(options(), world.account.deps());
    const ours = fn('orders-api');
    world.account.sim.inject({ kind: 'deny', action: 'lambda:UpdateFunctionConfiguration' });
    const deps = world.account.deps();
    const error = await rejection(teardown({ name: 'default', yes: true }, deps));
    expect(error.code).toBe('FUNCTION_STRANDED');
    expect(error.exitCode).not.toBe(ExitCode.ok);
    expect(error.message).toMatch(/orders-api could not be restored/);
    expect(error.message).toContain(`still in the stack's private subnet ${ours?.subnetIds[0] ?? ''}`);
    expect(error.line).toMatch(/fixed-ip teardown --name default again/);
    expect(deps.recording.results.some((line) => /is down/.test(line))).toBe(false);
    expect(liveNats()).toEqual([]);
    // The state keeps it, so a re-run restores it once allowed.
    expect(Object.keys(world.account.readState()?.functions ?? {})).toEqual(['orders-api']);
    world.account.sim.clearFaults();
    const again = await teardown({ name: 'default', yes: true }, world.account.deps());
    expect(again.finished).toBe(true);
    expect(fn('orders-api')).toMatchObject({ subnetIds: [], securityGroupIds: [] });
  });
  it('Lambda refuses the restore (the role lost VPC access): the NAT still goes, and teardown exits non-zero naming it', async () => {
    // orders-api was in a subnet of the user's before setup moved it.
    const subnet = world.account.sim.addSubnet({
      vpcId: world.vpcId,
      cidr: '10.0.200.0/24',
      az: 'ap-northeast-1a',
    });
    const group = world.account.sim.addSecurityGroup({ vpcId: world.vpcId, name: 'app' });
    await world.byHand('lambda', 'UpdateFunctionConfiguration', {
      FunctionName: 'orders-api',
      VpcConfig: { SubnetIds: [subnet], SecurityGroupIds: [group] },
    });
    await setup(options(), world.account.deps());
    const ours = fn('orders-api');
    await world.account.sim.handle('iam', 'DetachRolePolicy', {
      RoleName: 'orders-api-role',
      PolicyArn: 'arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole',
    });
    const deps = world.account.deps();
    const error = await rejection(teardown({ name: 'default', yes: true }, deps));
    expect(error.code).toBe('FUNCTION_STRANDED');
    expect(error.message).toMatch(/orders-api could not be restored/);
    expect(error.message).toContain(`still in the stack's private subnet ${ours?.subnetIds[0] ?? ''}`);
    expect(deps.recording.messages.some((m) => m.code === 'teardown.function.failed')).toBe(true);
    expect(liveNats()).toEqual([]);
  });
});

describe('another stack’s kept Elastic IP', () => {
  /** Stack a torn down with --keep-eip: its address is parked, tagged as a's. */
  async function parkedA(): Promise<{ allocationId: string; publicIp: string }> {
    await setup(options({ name: 'a' }), world.account.deps());
    await teardown({ name: 'a', yes: true, keepEip: true }, world.account.deps());
    const kept = world.account.readState('a')?.elasticIp;
    if (!kept) throw new Error('a kept no Elastic IP');
    return { allocationId: kept.id, publicIp: kept.publicIp };
  }

  it('--eip naming it is refused in one line naming the owner; nothing is created', async () => {
    const kept = await parkedA();
    const before = JSON.stringify(world.account.sim.snapshot());
    const error = await rejection(
      setup(options({ name: 'b', functions: ['hand'], eip: kept.allocationId }), world.account.deps()),
    );
    expect(error.code).toBe('EIP_IN_USE');
    expect(error.exitCode).toBe(ExitCode.usage);
    expect(error.message).toContain('belongs to fixed-ip stack a');
    expect(error.message).toContain(kept.publicIp);
    expect(JSON.stringify(world.account.sim.snapshot())).toBe(before);
  });

  it('the interactive picker does not offer it, and says whose it is; a free address is still offered', async () => {
    const kept = await parkedA();
    const spare = world.account.sim.addAddress();
    const deps = world.account.deps({
      interactive: true,
      useDefaults: true,
      answers: { 'setup.confirm': false },
    });
    await rejection(setup(options({ name: 'b', functions: ['hand'], yes: false }), deps));
    const question = deps.recording.questions.find((q) => q.code === 'setup.eip');
    const offered = question?.kind === 'select' ? question.choices.map((c) => c.value) : [];
    expect(offered).toEqual(['new', spare.allocationId]);
    const held = deps.recording.messages.filter((m) => m.code === 'setup.eip.held');
    expect(held.map((m) => m.text)).toEqual([
      `Not offered: Elastic IP ${kept.publicIp} (${kept.allocationId}) belongs to fixed-ip stack a`,
    ]);
  });

  /** Someone gives a's parked address to a NAT gateway of their own, in another VPC. */
  async function takenByHand(allocationId: string): Promise<string> {
    const other = world.account.sim.addVpc({ cidr: '10.9.0.0/16', withInternetGateway: true });
    const subnet = world.account.sim.addSubnet({ vpcId: other, cidr: '10.9.0.0/24', az: 'ap-northeast-1a' });
    const nat = (await world.byHand('ec2', 'CreateNatGateway', {
      SubnetId: subnet,
      AllocationId: allocationId,
    })) as { NatGateway: { NatGatewayId: string } };
    return nat.NatGateway.NatGatewayId;
  }

  it('taken by hand: status of its stack is not green, naming what holds it', async () => {
    const kept = await parkedA();
    await takenByHand(kept.allocationId);
    const report = await status({ name: 'a', json: true }, world.account.deps());
    expect(report.parked).toBe(false);
    expect(report.healthy).toBe(false);
    const problem = report.problems.find((p) => p.includes(kept.publicIp));
    // That NAT gateway is in another VPC: the address shows its network interface.
    expect(problem).toMatch(/is on network interface eni-\w+, which is not this stack's/);
  });

  it("a live stack's address put on someone else's NAT gateway in its VPC: status names that NAT gateway", async () => {
    await setup(options({ name: 'a' }), world.account.deps());
    const state = world.account.readState('a');
    const [eip, ours, publicSubnet] = [state?.elasticIp, state?.natGateway?.id, state?.publicSubnet?.id];
    if (!eip || !ours) throw new Error('no stack a');
    // Someone deletes a's NAT gateway and makes their own with a's address.
    await world.byHand('ec2', 'DeleteNatGateway', { NatGatewayId: ours });
    const theirs = (await world.byHand('ec2', 'CreateNatGateway', {
      SubnetId: publicSubnet,
      AllocationId: eip.id,
    })) as { NatGateway: { NatGatewayId: string } };
    const report = await status({ name: 'a', json: true }, world.account.deps());
    expect(report.healthy).toBe(false);
    expect(report.resources.find((r) => r.type === 'elasticIp')).toMatchObject({
      ok: false,
      state: 'drifted',
    });
    expect(report.problems.find((p) => p.includes(eip.publicIp))).toContain(
      `is on NAT gateway ${theirs.NatGateway.NatGatewayId}, which is not this stack's`,
    );
  });

  it('taken by hand: its teardown runs out of --wait (exit 5) and never says a NAT charge stopped', async () => {
    const kept = await parkedA();
    const nat = await takenByHand(kept.allocationId);
    const error = await rejection(teardown({ name: 'a', yes: true, wait: '1' }, world.account.deps()));
    expect(error.exitCode).toBe(ExitCode.waitExpired);
    expect(error.message).toContain(kept.publicIp);
    expect(error.message).not.toMatch(/charge has stopped/);
    // That NAT gateway still bills: nothing of it was touched.
    expect(snap().natGateways.find((n) => n.id === nat)?.state).toBe('available');
  });
});
