import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setup, type SetupOptions } from '../../src/commands/setup.js';
import { FixedIpError } from '../../src/errors.js';
import { createTestAccount, mutatingCalls, type TestAccount } from '../support/env.js';

let account: TestAccount;
let vpcId: string;

const options = (extra: Partial<SetupOptions> = {}): SetupOptions => ({
  functions: ['orders-api'],
  vpc: vpcId,
  name: 'default',
  yes: true,
  ...extra,
});

function snapshotJson(): string {
  return JSON.stringify(account.sim.snapshot());
}

beforeEach(() => {
  account = createTestAccount();
  vpcId = account.sim.addVpc({ cidr: '10.0.0.0/16', name: 'app' });
  account.sim.addFunction({ name: 'orders-api', runtime: 'nodejs20.x', roleHasVpcAccess: true });
  account.sim.addFunction({ name: 'billing', runtime: 'python3.12', roleHasVpcAccess: true });
});

afterEach(() => account.restore());

describe('setup', () => {
  it('builds the six steps in a VPC without a gateway, moves the function last and prints the IP', async () => {
    const deps = account.deps();
    const result = await setup(options(), deps);

    const state = account.readState();
    expect(state?.internetGateway?.owned).toBe(true);
    expect(state?.publicSubnet?.cidr).toBe('10.0.0.0/24');
    expect(state?.privateSubnet?.cidr).toBe('10.0.1.0/24');
    expect(state?.natGateway?.id).toMatch(/^nat-/);
    expect(state?.functions['orders-api']).toMatchObject({
      attached: true,
      previous: { subnetIds: [], securityGroupIds: [] },
    });
    expect(deps.recording.results).toContain(`Allowlist this IP: ${result.elasticIp}`);
    expect(result.elasticIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);

    // The run guard (an SSM parameter) is taken before the first change and removed after the last.
    const ops = mutatingCalls(account.sim).filter((op) => !op.endsWith('Parameter'));
    // The function moves only after the private route to the NAT gateway exists.
    const move = ops.indexOf('UpdateFunctionConfiguration');
    const privateRoute = account.sim.calls.findIndex(
      (c) => c.operation === 'CreateRoute' && (c.input as { NatGatewayId?: string }).NatGatewayId,
    );
    expect(privateRoute).toBeGreaterThan(-1);
    expect(account.sim.calls.findIndex((c) => c.operation === 'UpdateFunctionConfiguration')).toBeGreaterThan(
      privateRoute,
    );
    expect(move).toBe(ops.length - 1);
    expect(ops.filter((op) => op === 'CreateNatGateway')).toHaveLength(1);
    expect(ops.filter((op) => op === 'AllocateAddress')).toHaveLength(1);
  });

  it("tells the steps in the article's order, though AWS answers them in any order", async () => {
    account.restore();
    // AWS's answers take 40-120 ms each, as in --simulate: steps run side by side finish out of order.
    account = createTestAccount({ timings: { callLatencyMs: [40, 120] } });
    vpcId = account.sim.addVpc({ cidr: '10.0.0.0/16', name: 'app' });
    account.sim.addFunction({ name: 'orders-api', runtime: 'nodejs20.x', roleHasVpcAccess: true });
    const deps = account.deps();
    await setup(options({ nat: 'gateway-per-az', azs: 2 }), deps);
    const numbers = deps.recording.messages
      .filter((m) => m.code.startsWith('setup.step.'))
      .map((m) => /^(\d)\/6 /.exec(m.text)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number);
    expect(numbers.length).toBeGreaterThanOrEqual(12);
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
  });

  it('reuses the internet gateway already attached, and never tags it', async () => {
    const igw = account.sim.addInternetGateway({ vpcId });
    await setup(options(), account.deps());
    const state = account.readState();
    expect(state?.internetGateway).toMatchObject({ id: igw, owned: false });
    expect(mutatingCalls(account.sim)).not.toContain('CreateInternetGateway');
    expect(account.sim.calls.filter((c) => c.operation === 'CreateTags')).toEqual([]);
  });

  it('picks the first free /24 blocks in the default VPC', async () => {
    const defaultVpc = account.sim.addVpc({
      cidr: '172.31.0.0/16',
      isDefault: true,
      withInternetGateway: true,
      withDefaultSubnets: true,
    });
    await setup(options({ vpc: defaultVpc }), account.deps());
    const state = account.readState();
    expect(state?.publicSubnet?.cidr).toBe('172.31.48.0/24');
    expect(state?.privateSubnet?.cidr).toBe('172.31.49.0/24');
  });

  it('creates and owns a VPC with --new-vpc', async () => {
    await setup(options({ vpc: undefined, newVpc: true, vpcCidr: '10.42.0.0/16' }), account.deps());
    const state = account.readState();
    expect(state?.vpc).toMatchObject({ owned: true, cidrs: ['10.42.0.0/16'] });
    expect(state?.publicSubnet?.cidr).toBe('10.42.0.0/24');
  });

  it('moves two functions into the same private subnet', async () => {
    await setup(options({ functions: ['orders-api', 'billing'] }), account.deps());
    const state = account.readState();
    expect(Object.keys(state?.functions ?? {}).sort()).toEqual(['billing', 'orders-api']);
    expect(Object.values(state?.functions ?? {}).every((fn) => fn.attached)).toBe(true);
  });

  it('changes nothing when run again', async () => {
    await setup(options(), account.deps());
    const before = snapshotJson();
    const callsBefore = account.sim.calls.length;
    const deps = account.deps();
    const again = await setup(options(), deps);
    const calls = account.sim.calls.slice(callsBefore);
    expect(calls.filter((c) => c.mutated)).toEqual([]);
    expect(calls.length).toBeLessThanOrEqual(10);
    expect(again.changed).toBe(false);
    expect(snapshotJson()).toBe(before);
  });

  it('refuses without --yes when no one can answer, and creates nothing', async () => {
    const before = snapshotJson();
    const error = await setup(options({ yes: false }), account.deps()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FixedIpError);
    expect((error as FixedIpError).code).toBe('CONSENT_REQUIRED');
    expect((error as FixedIpError).line).toContain('--yes');
    expect(snapshotJson()).toBe(before);
  });

  it('stops before any change when a function is in another VPC', async () => {
    const other = account.sim.addVpc({ cidr: '10.9.0.0/16' });
    const subnet = account.sim.addSubnet({ vpcId: other, cidr: '10.9.0.0/24', az: 'ap-northeast-1a' });
    const group = account.sim.addSecurityGroup({ vpcId: other, name: 'app' });
    account.sim.addFunction({
      name: 'elsewhere',
      roleHasVpcAccess: true,
      vpc: { subnetIds: [subnet], securityGroupIds: [group] },
    });
    const before = snapshotJson();
    const error = await setup(options({ functions: ['elsewhere'] }), account.deps()).catch((e: unknown) => e);
    expect((error as FixedIpError).code).toBe('FUNCTION_IN_OTHER_VPC');
    expect((error as FixedIpError).message).toContain(other);
    expect(snapshotJson()).toBe(before);
    expect(account.readState()).toBeUndefined();
  });

  it('stops before any change when the execution role lacks VPC access, naming the policy', async () => {
    account.sim.addFunction({ name: 'no-access', roleName: 'no-access-role', roleHasVpcAccess: false });
    const before = snapshotJson();
    const error = await setup(options({ functions: ['no-access'] }), account.deps()).catch((e: unknown) => e);
    expect((error as FixedIpError).code).toBe('ROLE_LACKS_PERMISSIONS');
    expect((error as FixedIpError).line).toContain('AWSLambdaVPCAccessExecutionRole');
    expect((error as FixedIpError).line).toContain('no-access-role');
    expect(snapshotJson()).toBe(before);
  });

  it('stops before any change when a permission is missing, naming it (DryRun preflight)', async () => {
    account.sim.inject({ kind: 'deny', action: 'ec2:CreateNatGateway' });
    const before = snapshotJson();
    const error = await setup(options(), account.deps()).catch((e: unknown) => e);
    expect((error as FixedIpError).code).toBe('PLAN_BLOCKED');
    expect((error as FixedIpError).exitCode).toBe(6);
    expect((error as FixedIpError).line).toContain('ec2:CreateNatGateway');
    expect(snapshotJson()).toBe(before);
  });

  it('stops before any change when every Elastic IP of the region is taken', async () => {
    for (let i = 0; i < 5; i++) account.sim.addAddress({ associated: true });
    const before = snapshotJson();
    const error = await setup(options(), account.deps()).catch((e: unknown) => e);
    expect((error as FixedIpError).code).toBe('PLAN_BLOCKED');
    expect((error as FixedIpError).line).toMatch(/Elastic IPs/);
    expect(snapshotJson()).toBe(before);
  });

  it('fixes the role with --fix-role, then moves the function', async () => {
    account.sim.addFunction({ name: 'no-access', roleName: 'no-access-role', roleHasVpcAccess: false });
    await setup(options({ functions: ['no-access'], fixRole: true }), account.deps());
    expect(account.sim.calls.some((c) => c.operation === 'AttachRolePolicy')).toBe(true);
    expect(account.readState()?.functions['no-access']?.attached).toBe(true);
  });

  it('adopts an unassociated Elastic IP with --eip and keeps it unowned', async () => {
    const { allocationId, publicIp } = account.sim.addAddress();
    const result = await setup(options({ eip: allocationId }), account.deps());
    expect(result.elasticIp).toBe(publicIp);
    expect(account.readState()?.elasticIp).toMatchObject({ id: allocationId, owned: false });
    expect(mutatingCalls(account.sim)).not.toContain('AllocateAddress');
  });

  it.each([
    [{ functions: ['no-such-fn'] }, 'FUNCTION_NOT_FOUND', 'no-such-fn'],
    [{ vpc: 'vpc-0123456789abcdef0' }, 'VPC_NOT_FOUND', 'vpc-0123456789abcdef0'],
    [{ vpc: 'vpc-nope' }, 'BAD_OPTION', 'vpc-nope'],
    [{ functions: ['bad name!'] }, 'BAD_OPTION', 'bad name!'],
    [{ az: ['ap-northeast-1z'] }, 'AZ_NOT_FOUND', 'ap-northeast-1z'],
    [{ az: ['moon'] }, 'BAD_OPTION', 'moon'],
    [{ eip: 'eipalloc-0123456789abcdef0' }, 'EIP_NOT_FOUND', 'eipalloc-0123456789abcdef0'],
    [{ eip: 'not-an-eip' }, 'BAD_OPTION', 'not-an-eip'],
    [{ publicCidr: '10.0.1.5/24' }, 'CIDR_INVALID', '10.0.1.5/24'],
    [{ publicCidr: '192.168.0.0/24' }, 'CIDR_INVALID', '192.168.0.0/24'],
    [{ privateCidr: '10.0.0.0/29' }, 'CIDR_INVALID', '10.0.0.0/29'],
    [{ publicCidr: '10.0.5.0/24', privateCidr: '10.0.5.0/25' }, 'CIDR_INVALID', '10.0.5.0/25'],
    [{ newVpc: true }, 'BAD_OPTION', '--new-vpc'],
    [{ name: 'has space' }, 'BAD_OPTION', 'has space'],
    [{ functions: [], vpc: undefined }, 'BAD_OPTION', '--function'],
  ] as const)('rejects %o with %s, naming the value, creating nothing', async (extra, code, named) => {
    const before = snapshotJson();
    const error = await setup(options(extra as Partial<SetupOptions>), account.deps()).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FixedIpError);
    expect((error as FixedIpError).code).toBe(code);
    expect((error as FixedIpError).line).toContain(named);
    expect((error as FixedIpError).line).not.toContain('\n');
    expect(snapshotJson()).toBe(before);
  });

  it('refuses an Elastic IP that is already associated', async () => {
    const { allocationId } = account.sim.addAddress({ associated: true });
    const error = await setup(options({ eip: allocationId }), account.deps()).catch((e: unknown) => e);
    expect((error as FixedIpError).code).toBe('EIP_IN_USE');
  });
});

describe("setup's read-back of the IPs", () => {
  it('is marked by a debug line, after which it only reads the path; a re-run that changes nothing has none', async () => {
    const deps = account.deps();
    let from = -1;
    const notify = deps.ui.notify.bind(deps.ui);
    deps.ui.notify = (message) => {
      if (message.code === 'setup.readback') from = account.sim.calls.length;
      notify(message);
    };
    await setup(options(), deps);
    expect(deps.recording.messages.find((m) => m.code === 'setup.readback')?.level).toBe('debug');
    expect(from).toBeGreaterThan(0);
    expect(
      account.sim.calls
        .slice(from)
        // The run guard's release (SSM) follows the read-back.
        .filter((c) => c.service !== 'ssm')
        .map((c) => c.operation)
        .sort(),
    ).toEqual(['DescribeNatGateways', 'DescribeRouteTables', 'DescribeSubnets', 'GetFunctionConfiguration']);

    const again = account.deps();
    await setup(options(), again);
    expect(again.recording.codes()).not.toContain('setup.readback');
  });
});
