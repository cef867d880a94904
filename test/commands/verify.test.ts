import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setup, type SetupOptions } from '../../src/commands/setup.js';
import { probeName, verify, verifyExit } from '../../src/commands/verify.js';
import { ExitCode } from '../../src/errors.js';
import { createTestAccount, type TestAccount } from '../support/env.js';

let account: TestAccount;
let vpcId: string;

const ZONE_A = 'ap-northeast-1a';
const ZONE_C = 'ap-northeast-1c';
const ORDERS_ROLE = 'arn:aws:iam::123456789012:role/orders-role';

const setupOptions = (extra: Partial<SetupOptions> = {}): SetupOptions => ({
  functions: ['orders-api'],
  vpc: vpcId,
  name: 'default',
  yes: true,
  az: [ZONE_A, ZONE_C],
  ...extra,
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- SDK-shaped outputs, read freely
const ec2 = (operation: string, input: object = {}): Promise<any> =>
  account.sim.handle('ec2', operation, input);

function probesLeft(): string[] {
  return account.sim.calls
    .filter((c) => c.operation === 'CreateFunction')
    .map((c) => (c.input as { FunctionName: string }).FunctionName)
    .filter((name, i, all) => all.indexOf(name) === i)
    .filter((name) => JSON.stringify(account.sim.snapshot()).includes(`"${name}"`));
}

function created(): Array<{
  FunctionName: string;
  VpcConfig: { SubnetIds: string[]; SecurityGroupIds: string[] };
  Runtime: string;
  Role: string;
}> {
  return account.sim.calls
    .filter((c) => c.operation === 'CreateFunction' && c.outcome === 'ok')
    .map((c) => c.input as ReturnType<typeof created>[number]);
}

beforeEach(() => {
  account = createTestAccount();
  vpcId = account.sim.addVpc({ cidr: '10.0.0.0/16', name: 'app' });
  account.sim.addFunction({ name: 'orders-api', roleName: 'orders-role' });
});
afterEach(() => account.restore());

describe('verify', () => {
  it('runs one probe per zone in that zone’s private subnet, sees the stack’s IP from each, and deletes the probes', async () => {
    await setup(setupOptions(), account.deps());
    const state = account.readState();
    const deps = account.deps();
    const report = await verify({ name: 'default' }, deps);

    expect(report.ok).toBe(true);
    expect(report.zones.map((z) => [z.zone, z.outcome])).toEqual([
      [ZONE_A, 'allowlisted'],
      [ZONE_C, 'allowlisted'],
    ]);
    expect(report.zones.every((z) => z.publicIp === state?.elasticIp?.publicIp)).toBe(true);
    const probes = created();
    expect(probes.map((p) => p.VpcConfig.SubnetIds)).toEqual([
      [state?.resources[`privateSubnet@${ZONE_A}`]?.id],
      [state?.resources[`privateSubnet@${ZONE_C}`]?.id],
    ]);
    expect(probes.every((p) => p.VpcConfig.SecurityGroupIds[0] === state?.securityGroup?.id)).toBe(true);
    expect(probes.every((p) => /:role\/fixed-ip-probe-default-[0-9a-f]{8}$/.test(p.Role))).toBe(true);
    expect(probes.every((p) => p.Runtime === 'nodejs24.x')).toBe(true);
    expect(probesLeft()).toEqual([]);
    expect(account.sim.calls.filter((c) => c.operation === 'DeleteFunction')).toHaveLength(2);
    expect(deps.recording.results.at(-1)).toMatch(/^Verified: every zone/);
  });

  it('a broken private route: that zone has no internet, and the route table is named', async () => {
    await setup(setupOptions(), account.deps());
    const table = account.readState()?.resources[`privateRouteTable@${ZONE_C}`]?.id;
    await ec2('DeleteRoute', { RouteTableId: table, DestinationCidrBlock: '0.0.0.0/0' });
    const report = await verify({ name: 'default' }, account.deps());
    expect(report.ok).toBe(false);
    const [a, c] = report.zones;
    expect(a?.outcome).toBe('allowlisted');
    expect(c).toMatchObject({ zone: ZONE_C, outcome: 'noInternet', publicIp: null });
    expect(c?.detail).toMatch(/timed out/);
    expect(c?.likelyCause).toContain(table);
    expect(probesLeft()).toEqual([]);
  });

  it('a deleted NAT gateway: no zone gets out, and the NAT gateway is named', async () => {
    await setup(setupOptions(), account.deps());
    const nat = account.readState()?.natGateway?.id;
    await ec2('DeleteNatGateway', { NatGatewayId: nat });
    account.clock.advance(120_000);
    const report = await verify({ name: 'default' }, account.deps());
    expect(report.zones.map((z) => z.outcome)).toEqual(['noInternet', 'noInternet']);
    expect(report.zones.every((z) => z.likelyCause?.includes(`NAT gateway ${nat ?? ''}`))).toBe(true);
    expect(probesLeft()).toEqual([]);
  });

  it('the route to the internet gateway gone: the public route table is named', async () => {
    await setup(setupOptions(), account.deps());
    const table = account.readState()?.publicRouteTable?.id;
    await ec2('DeleteRoute', { RouteTableId: table, DestinationCidrBlock: '0.0.0.0/0' });
    const report = await verify({ name: 'default' }, account.deps());
    expect(report.zones.map((z) => z.outcome)).toEqual(['noInternet', 'noInternet']);
    expect(report.zones[0]?.likelyCause).toContain(table);
    expect(report.zones[0]?.likelyCause).toMatch(/internet gateway/);
  });

  it('an Elastic IP swapped on a regional NAT gateway: the zone leaves from an IP not allowlisted, and says so', async () => {
    await setup(setupOptions({ nat: 'regional' }), account.deps());
    const state = account.readState();
    const nat = state?.resources.regionalNatGateway?.id;
    const ours = state?.resources[`elasticIp@${ZONE_C}`] as { id: string; publicIp: string };
    const foreign = account.sim.addAddress();
    await ec2('AssociateNatGatewayAddress', {
      NatGatewayId: nat,
      AvailabilityZone: ZONE_C,
      AllocationIds: [foreign.allocationId],
    });
    // AWS takes no other change of the gateway's addresses while that one is associating.
    account.clock.advance(5 * 60_000);
    await ec2('DisassociateNatGatewayAddress', {
      NatGatewayId: nat,
      AssociationIds: [
        (await ec2('DescribeNatGateways', { NatGatewayIds: [nat] })).NatGateways[0].NatGatewayAddresses.find(
          (a: { AllocationId: string }) => a.AllocationId === ours.id,
        ).AssociationId,
      ],
    });
    account.clock.advance(10 * 60_000);
    const report = await verify({ name: 'default' }, account.deps());
    const c = report.zones.find((z) => z.zone === ZONE_C);
    expect(c).toMatchObject({ outcome: 'notAllowlisted', publicIp: foreign.publicIp, allowlisted: false });
    expect(c?.likelyCause).toMatch(new RegExp(`${ZONE_C}|${ours.publicIp}`));
    expect(report.ok).toBe(false);
  });

  it('deletes the probes when the invoke fails, and replaces a probe a killed run left behind', async () => {
    await setup(setupOptions(), account.deps());
    const first = await verify({ name: 'default' }, account.deps());
    expect(first.ok).toBe(true);
    // A killed verify left its probe, 20 minutes ago.
    const leftover = probeName('default', ZONE_A);
    await account.sim.handle('lambda', 'CreateFunction', {
      ...created()[0],
      Role: ORDERS_ROLE,
      Code: { ZipFile: (created()[0] as unknown as { Code: { ZipFile: Uint8Array } }).Code.ZipFile },
    });
    account.clock.advance(20 * 60_000);
    expect(probesLeft()).toContain(leftover);
    account.sim.inject({ kind: 'deny', action: 'lambda:InvokeFunction' });
    await expect(verify({ name: 'default' }, account.deps())).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    expect(probesLeft()).toEqual([]);
  });

  it('without iam:PassRole nothing is left behind and the error is AWS’s', async () => {
    await setup(setupOptions(), account.deps());
    account.sim.inject({ kind: 'deny', action: 'iam:PassRole' });
    await expect(verify({ name: 'default' }, account.deps())).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    expect(probesLeft()).toEqual([]);
  });

  it('never touches a function of the user that has a probe’s name: it stops before making anything, and the function is unchanged', async () => {
    await setup(setupOptions(), account.deps());
    const name = probeName('default', ZONE_C);
    account.sim.addFunction({ name, roleName: 'their-role' });
    const before = await account.sim.handle('lambda', 'GetFunction', { FunctionName: name });
    const from = account.sim.calls.length;

    await expect(verify({ name: 'default' }, account.deps())).rejects.toMatchObject({
      code: 'BAD_OPTION',
      message: expect.stringContaining(`a function named ${name} exists and is not a fixed-ip verify probe`),
    });

    expect(await account.sim.handle('lambda', 'GetFunction', { FunctionName: name })).toEqual(before);
    const changes = account.sim.calls
      .slice(from)
      .filter((c) => c.mutated || c.operation === 'DeleteFunction');
    expect(changes).toEqual([]);
  });

  it('a probe of this stack made minutes ago is another verify’s: left alone, and verify says so', async () => {
    await setup(setupOptions(), account.deps());
    await verify({ name: 'default' }, account.deps());
    const running = created()[0];
    await account.sim.handle('lambda', 'CreateFunction', {
      ...running,
      Role: ORDERS_ROLE,
      Code: { ZipFile: (running as unknown as { Code: { ZipFile: Uint8Array } }).Code.ZipFile },
    });
    const from = account.sim.calls.length;
    await expect(verify({ name: 'default' }, account.deps())).rejects.toMatchObject({ code: 'LOCKED' });
    expect(probesLeft()).toContain(running?.FunctionName);
    expect(account.sim.calls.slice(from).filter((c) => c.operation === 'DeleteFunction')).toEqual([]);
  });

  it('runs its probes with a role of its own (VPC access only), and removes that role when it ends', async () => {
    await setup(setupOptions(), account.deps());
    const before = roles();
    const report = await verify({ name: 'default' }, account.deps());
    expect(report.ok).toBe(true);
    const made = account.sim.calls.find((c) => c.operation === 'CreateRole' && c.outcome === 'ok')?.input as {
      RoleName: string;
      AssumeRolePolicyDocument: string;
    };
    expect(made.RoleName).toMatch(/^fixed-ip-probe-default-[0-9a-f]{8}$/);
    expect(JSON.parse(made.AssumeRolePolicyDocument)).toMatchObject({
      Statement: [{ Principal: { Service: 'lambda.amazonaws.com' } }],
    });
    const attached = account.sim.calls.filter((c) => c.operation === 'AttachRolePolicy').map((c) => c.input);
    expect(attached).toEqual([
      {
        RoleName: made.RoleName,
        PolicyArn: 'arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole',
      },
    ]);
    expect(roles()).toEqual(before);
    expect(report.leftover).toEqual([]);
  });

  it('keeps its role when a probe made a network interface of its own (Lambda deletes it with the role), and says how to remove it', async () => {
    await setup(setupOptions(), account.deps());
    // The stack's function left zone c's subnet: the probe there needs a new network interface.
    const state = account.readState();
    await account.sim.handle('lambda', 'UpdateFunctionConfiguration', {
      FunctionName: 'orders-api',
      VpcConfig: {
        SubnetIds: [state?.resources[`privateSubnet@${ZONE_A}`]?.id],
        SecurityGroupIds: [state?.securityGroup?.id],
      },
    });
    account.clock.advance(120_000);
    const deps = account.deps();
    const report = await verify({ name: 'default' }, deps);
    const kept = report.leftover.find((name) => name.startsWith('fixed-ip-probe-default-'));
    expect(kept).toBeDefined();
    expect(roles()).toContain(kept);
    expect(probesLeft()).toEqual([]);
    expect(deps.recording.messages.find((m) => m.code === 'verify.role.kept')?.text).toContain(
      `aws iam delete-role --role-name ${kept ?? ''}`,
    );
  });
});

function roles(): string[] {
  return Object.keys(
    (account.sim.toJSON() as { account: { roles: Record<string, unknown> } }).account.roles,
  ).sort();
}

describe('verify when a probe breaks', () => {
  it('a probe that crashed saw nothing: not drift (exit 1, not 3), and it says the zone could not be checked', async () => {
    await setup(setupOptions(), account.deps());
    account.sim.inject({
      kind: 'functionCrashes',
      errorType: 'Runtime.ImportModuleError',
      errorMessage: "Error: Cannot find module 'index'",
      times: 2,
    });
    const deps = account.deps();
    const report = await verify({ name: 'default' }, deps);
    expect(report.ok).toBe(false);
    expect(report.drifted).toBe(false);
    expect(report.zones.every((zone) => zone.outcome === 'failed')).toBe(true);
    expect(verifyExit(report)).toBe(ExitCode.error);
    expect(deps.recording.results.at(-1)).toMatch(
      /^Not verified: \S+, \S+ could not be checked \(the probe itself failed; run fixed-ip verify again\)$/,
    );
    expect(deps.recording.results.join('\n')).not.toContain('do not leave');
    // And traffic that really goes astray is still drift.
    expect(verifyExit({ ...report, drifted: true })).toBe(ExitCode.drifted);
    expect(verifyExit({ ...report, ok: true })).toBe(ExitCode.ok);
  });
});
