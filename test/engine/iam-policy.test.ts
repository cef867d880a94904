import { rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cost } from '../../src/commands/cost.js';
import { exportStack } from '../../src/commands/export.js';
import { join } from 'node:path';
import { detach } from '../../src/commands/detach.js';
import { plan } from '../../src/commands/plan.js';
import { setup, type SetupOptions } from '../../src/commands/setup.js';
import { status } from '../../src/commands/status.js';
import { teardown } from '../../src/commands/teardown.js';
import { probeName, verify } from '../../src/commands/verify.js';
import { DEFAULT_SCOPES, policyFor, type PolicyScope } from '../../src/engine/iam-policy.js';
import { forget } from '../../src/commands/forget.js';
import { createTestAccount, type TestAccount } from '../support/env.js';

let account: TestAccount;

beforeEach(() => {
  account = createTestAccount({ timings: { eniReleaseMs: 60_000 } });
});
afterEach(() => account.restore());

const ZONES = ['ap-northeast-1a', 'ap-northeast-1c'];
const VPC_ACCESS = 'arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- SDK-shaped outputs, read freely
const call = (service: 'ec2' | 'lambda' | 'iam', operation: string, input: object = {}): Promise<any> =>
  account.sim.handle(service, operation, input);

/** Runs a command with the caller holding only `fixed-ip iam-policy --for <scope>`. */
async function as<T>(scope: PolicyScope, run: () => Promise<T>): Promise<T> {
  account.sim.useCallerPolicy(policyFor([scope]));
  try {
    return await run();
  } finally {
    account.sim.useCallerPolicy(undefined);
  }
}

/**
 * Calls AWS refused since `from`: under the policy, there must be none. plan's dry runs on
 * placeholders of what setup makes first are refused by design (they cannot carry fixed-ip's tags):
 * plan lists those as not checkable in advance, which the plan assertions check.
 */
function refusedSince(from: number): string[] {
  return account.sim.calls
    .slice(from)
    .filter(
      (c) => /Unauthorized|AccessDenied/.test(c.outcome) && (c.input as { DryRun?: boolean }).DryRun !== true,
    )
    .map((c) => `${c.service}:${c.operation} ${JSON.stringify(c.input)}`);
}

/** A user's VPC as it is before fixed-ip: an attached internet gateway, one subnet, a function in it. */
function livedIn(): { vpcId: string; subnetId: string; groupId: string } {
  const vpcId = account.sim.addVpc({ cidr: '10.0.0.0/16', name: 'app' });
  account.sim.addInternetGateway({ vpcId });
  const subnetId = account.sim.addSubnet({ vpcId, cidr: '10.0.200.0/24', az: ZONES[0] });
  const groupId = account.sim.addSecurityGroup({ vpcId, name: 'app' });
  account.sim.addFunction({
    name: 'orders-api',
    roleName: 'weak',
    roleHasVpcAccess: false,
    vpc: { subnetIds: [subnetId], securityGroupIds: [groupId] },
  });
  account.sim.addFunction({ name: 'billing-api', roleName: 'billing-role' });
  return { vpcId, subnetId, groupId };
}

describe('iam-policy: every command runs under the policy it prints', () => {
  for (const nat of ['gateway', 'regional', 'instance'] as const) {
    it(`--nat ${nat}: plan, setup (--fix-role, an adopted --eip, a mode change), status, attach, verify, detach, status and teardown with the state lost, teardown`, async () => {
      const { subnetId, groupId, vpcId } = livedIn();
      const adopted = account.sim.addAddress();
      const from = account.sim.calls.length;
      const base: SetupOptions = {
        functions: ['orders-api'],
        vpc: vpcId,
        az: ZONES,
        nat,
        eip: adopted.allocationId,
        name: 'default',
        yes: true,
        fixRole: true,
      };
      const planned = await as('setup', () => plan(base, account.deps()));
      expect(planned.blockers).toEqual([]);
      expect(planned.permissions.missing).toEqual([]);
      await as('setup', () => setup(base, account.deps()));
      account.clock.advance(5 * 60_000);
      expect((await as('status', () => status({ name: 'default' }, account.deps()))).healthy).toBe(true);
      // attach: setup with one more function.
      await as('setup', () => setup({ ...base, functions: ['orders-api', 'billing-api'] }, account.deps()));
      expect((await as('verify', () => verify({ name: 'default' }, account.deps()))).ok).toBe(true);
      // A change of mode keeps the IPs: addresses move between NAT gateways and interfaces.
      const other = nat === 'gateway' ? 'regional' : 'gateway';
      await as('setup', () =>
        setup({ ...base, functions: ['orders-api', 'billing-api'], nat: other }, account.deps()),
      );
      await as('setup', () =>
        setup({ ...base, functions: ['orders-api', 'billing-api'], nat }, account.deps()),
      );
      if (nat === 'instance') {
        await as('setup', () =>
          setup(
            { ...base, functions: ['orders-api', 'billing-api'], replaceNatInstance: true },
            account.deps(),
          ),
        );
        // --ha: the launch template and the group (and their planned replacement), kept to the end.
        const ha = { ...base, functions: ['orders-api', 'billing-api'], inputs: { ha: '' } };
        await as('setup', () => setup(ha, account.deps()));
        await as('setup', () => setup({ ...ha, replaceNatInstance: true }, account.deps()));
        account.clock.advance(5 * 60_000);
        expect((await as('status', () => status({ name: 'default' }, account.deps()))).healthy).toBe(true);
      }
      await as('setup', () =>
        detach({ name: 'default', functions: ['billing-api'], yes: true }, account.deps()),
      );
      // The state file lost: found by its tags, and each function's previous network read from its tags.
      rmSync(account.statePath());
      await as('status', () => status({ name: 'default' }, account.deps()));
      await as('teardown', () => teardown({ name: 'default', yes: true }, account.deps()));
      account.clock.advance(5 * 60_000);
      await as('teardown', () => teardown({ name: 'default', yes: true }, account.deps())).catch(
        (error: unknown) => {
          if ((error as { code?: string }).code !== 'NO_STACK') throw error;
        },
      );

      expect(refusedSince(from)).toEqual([]);
      // The paths that matter were taken: deletes, releases, address moves, the probe role, --fix-role.
      const made = new Set(
        account.sim.calls
          .slice(from)
          .filter((c) => c.outcome === 'ok')
          .map((c) => c.operation),
      );
      const expected =
        nat === 'instance'
          ? [
              'RunInstances',
              'TerminateInstances',
              'AssociateAddress',
              'DisassociateAddress',
              'CreateInstanceProfile',
              'DeleteInstanceProfile',
              'AttachNetworkInterface',
              'DetachNetworkInterface',
              'CreateLaunchTemplate',
              'CreateLaunchTemplateVersion',
              'DeleteLaunchTemplate',
              'CreateAutoScalingGroup',
              'UpdateAutoScalingGroup',
              'TerminateInstanceInAutoScalingGroup',
              'DeleteAutoScalingGroup',
            ]
          : ['AssociateNatGatewayAddress', 'DisassociateNatGatewayAddress', 'ReleaseAddress'];
      for (const operation of [
        ...expected,
        'DeleteNatGateway',
        'DisassociateRouteTable',
        'DeleteSubnet',
        'AttachRolePolicy',
        'CreateRole',
        'DeleteRole',
        'DeleteFunction',
        'UntagResource',
      ])
        expect(made, operation).toContain(operation);
      // Back where it was: the function in its own subnet, the adopted address kept, nothing of fixed-ip's left.
      const orders = await call('lambda', 'GetFunctionConfiguration', { FunctionName: 'orders-api' });
      expect(orders.VpcConfig).toMatchObject({ SubnetIds: [subnetId], SecurityGroupIds: [groupId] });
      const addresses = (await call('ec2', 'DescribeAddresses')).Addresses;
      expect(addresses.map((a: { AllocationId: string }) => a.AllocationId)).toEqual([adopted.allocationId]);
      const subnets = (await call('ec2', 'DescribeSubnets')).Subnets.map(
        (s: { SubnetId: string }) => s.SubnetId,
      );
      expect(subnets).toEqual([subnetId]);
    });
  }

  it('a new VPC: setup --new-vpc, status and teardown', async () => {
    account.sim.addFunction({ name: 'orders-api' });
    const from = account.sim.calls.length;
    const options = { functions: ['orders-api'], newVpc: true, name: 'default', yes: true };
    await as('setup', () => plan(options, account.deps()));
    await as('setup', () => setup(options, account.deps()));
    expect((await as('status', () => status({ name: 'default' }, account.deps()))).healthy).toBe(true);
    await as('teardown', () => teardown({ name: 'default', yes: true }, account.deps()));
    expect(refusedSince(from)).toEqual([]);
    expect((await call('ec2', 'DescribeVpcs')).Vpcs).toEqual([]);
  });

  it('ci: status (also with the state lost, found by its tags) and verify run under --for ci alone; setup, teardown and forget are refused under it and change nothing', async () => {
    account.sim.addFunction({ name: 'orders-api' });
    const options = { functions: ['orders-api'], newVpc: true, name: 'default', yes: true };
    await as('setup', () => setup(options, account.deps()));
    const from = account.sim.calls.length;
    const checked = await as('ci', () => status({ name: 'default' }, account.deps()));
    expect(checked.healthy).toBe(true);
    expect((await as('ci', () => verify({ name: 'default' }, account.deps()))).ok).toBe(true);
    expect(refusedSince(from)).toEqual([]);
    // A CI runner has no local state file: status finds the stack by its tags, under the same policy.
    rmSync(account.statePath(), { force: true });
    const found = await as('ci', () => status({ name: 'default' }, account.deps()));
    expect(found).toMatchObject({ healthy: true, foundByTags: true, elasticIps: checked.elasticIps });
    expect(refusedSince(from)).toEqual([]);

    const DENIED = /not authorized|AccessDenied|UnauthorizedOperation|your credentials|AWS denied/;
    const before = account.sim.calls.filter((c) => c.outcome === 'ok').length;
    const mutating = (): string[] =>
      account.sim.calls
        .filter((c) => c.outcome === 'ok' && !/^(Describe|Get|List)/.test(c.operation))
        .map((c) => `${c.service}:${c.operation}`);
    const madeBefore = mutating();
    await expect(
      as('ci', () => setup({ ...options, functions: ['orders-api'], nat: 'gateway-per-az' }, account.deps())),
    ).rejects.toThrow(DENIED);
    await expect(as('ci', () => teardown({ name: 'default', yes: true }, account.deps()))).rejects.toThrow(
      DENIED,
    );
    await expect(as('ci', () => forget({ name: 'default', yes: true }, account.deps()))).rejects.toThrow(
      DENIED,
    );
    // Refused: nothing changed in the account (verify's own probes aside, made and removed above).
    expect(mutating()).toEqual(madeBefore);
    expect(account.sim.calls.length).toBeGreaterThan(before);
    expect((await as('status', () => status({ name: 'default' }, account.deps()))).healthy).toBe(true);
    // The ci policy is exactly status's and verify's.
    expect(policyFor(['ci'])).toEqual(policyFor(['status', 'verify']));
  });

  it('cost: setup with a budget, plan and status, cost --actual under --for cost, teardown; a budget not named fixed-ip-* is out of reach', async () => {
    account.sim.addFunction({ name: 'orders-api' });
    const from = account.sim.calls.length;
    const options = {
      functions: ['orders-api'],
      newVpc: true,
      name: 'default',
      yes: true,
      inputs: { budget: '40', budgetNotify: 'ops@example.com' },
    };
    await as('setup', () => setup(options, account.deps()));
    await as('setup', () => plan(options, account.deps()));
    expect((await as('status', () => status({ name: 'default' }, account.deps()))).healthy).toBe(true);
    const report = await as('cost', () => cost({ name: 'default', actual: true }, account.deps()));
    expect(report.actual?.requests).toBe(1);
    await as('teardown', () => teardown({ name: 'default', yes: true }, account.deps()));
    expect(refusedSince(from)).toEqual([]);
    const made = account.sim.calls
      .slice(from)
      .filter((c) => c.outcome === 'ok')
      .map((c) => c.operation);
    expect(made).toEqual(
      expect.arrayContaining(['CreateBudget', 'DeleteBudget', 'GetMetricData', 'GetCostAndUsage']),
    );
    // Under every command's policy, a budget of the user's is neither read, changed nor deleted.
    account.sim.useCallerPolicy(policyFor(['setup', 'status', 'teardown', 'verify', 'cost']));
    const denied = await account.sim
      .handle('budgets', 'DeleteBudget', { AccountId: account.sim.accountId, BudgetName: 'team-total' })
      .catch((e: unknown) => e as { name: string; message: string });
    account.sim.useCallerPolicy(undefined);
    expect((denied as { name?: string } | undefined)?.name).toMatch(/AccessDenied/);
  });

  it('export: a NAT instance stack with --ha and a budget, both formats, under --for export alone', async () => {
    account.sim.addFunction({ name: 'orders-api' });
    const options = {
      functions: ['orders-api'],
      newVpc: true,
      name: 'default',
      yes: true,
      nat: 'instance' as const,
      inputs: { ha: '', budget: '40', budgetNotify: 'ops@example.com' },
    };
    await as('setup', () => setup(options, account.deps()));
    account.clock.advance(10 * 60_000);
    const from = account.sim.calls.length;
    for (const format of ['terraform', 'cloudformation'] as const)
      await as('export', () =>
        exportStack({ name: 'default', format, out: join(account.dir, format) }, account.deps()),
      );
    expect(refusedSince(from)).toEqual([]);
    expect(account.sim.calls.slice(from).map((c) => c.operation)).toContain('DescribeLaunchTemplateVersions');
  });

  it("forget: a gateway stack and a NAT instance stack with --ha, an endpoint and a budget, under --for forget alone: every fixed-ip tag comes off (but the interface's stack tag)", async () => {
    account.sim.addFunction({ name: 'orders-api' });
    account.sim.addFunction({ name: 'billing-api' });
    const stacks = [
      { name: 'plain', functions: ['billing-api'] },
      {
        name: 'default',
        functions: ['orders-api'],
        nat: 'instance' as const,
        inputs: { ha: '', endpoints: 's3', budget: '40', budgetNotify: 'ops@example.com' },
      },
    ];
    for (const stack of stacks)
      await as('setup', () => setup({ newVpc: true, yes: true, azs: 1, ...stack }, account.deps()));
    account.clock.advance(10 * 60_000);
    const from = account.sim.calls.length;
    for (const { name } of stacks) await as('forget', () => forget({ name, yes: true }, account.deps()));
    expect(refusedSince(from)).toEqual([]);
    const made = new Set(
      account.sim.calls
        .slice(from)
        .filter((c) => c.outcome === 'ok' && c.mutated)
        .map((c) => `${c.service}:${c.operation}`),
    );
    for (const action of [
      'ec2:DeleteTags',
      'iam:UntagRole',
      'iam:UntagInstanceProfile',
      'autoscaling:DeleteTags',
      'lambda:UntagResource',
    ])
      expect(made, action).toContain(action);
    // What is left of fixed-ip's tags: the interface's stack tag, and the tags the group's instance
    // took from its launch template's data (never changed by forget).
    const left = JSON.stringify(account.sim.snapshot()).match(/"fixed-ip:[\w:-]+"/g) ?? [];
    const picture = account.sim.snapshot() as {
      networkInterfaces: Array<{ tags?: Record<string, string> }>;
      instances: Array<{ tags: Record<string, string> }>;
    };
    const expected = [
      ...picture.networkInterfaces.flatMap((e) => Object.keys(e.tags ?? {})),
      ...picture.instances.flatMap((i) => Object.keys(i.tags)),
    ].filter((key) => key.startsWith('fixed-ip:'));
    expect(left.map((key) => JSON.parse(key) as string).sort()).toEqual(expected.sort());
    expect(expected).toContain('fixed-ip:stack');
  });

  it('every action a command needs is in its policy, and the policy has nothing else of IAM’s or Lambda’s writes', () => {
    for (const scope of ['setup', 'status', 'teardown', 'verify', 'cost', 'export', 'forget'] as const)
      expect(() => policyFor([scope])).not.toThrow();
    const status = JSON.stringify(policyFor(['status']));
    expect(status).not.toMatch(
      /"(ec2:(Create|Delete|Release|Terminate|Detach|Disassociate|Replace)\w*|lambda:(Create|Delete|Update|Tag|Untag)\w*|iam:(Attach|Create|Delete|Pass)\w*)"/,
    );
  });
});

describe('iam-policy: what it does not allow', () => {
  const ALL: readonly PolicyScope[] = DEFAULT_SCOPES;

  /** `promise` must fail with AWS's access denial naming `action`. */
  async function refused(promise: Promise<unknown>, action: string): Promise<void> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e as { name: string; message: string },
    );
    expect(error, `${action} was allowed`).toBeDefined();
    expect(error?.name).toMatch(/UnauthorizedOperation|AccessDenied/);
    expect(error?.message).toContain(action);
  }

  it('a resource without fixed-ip’s tags cannot be deleted, detached, released or retagged: the hand-made NAT gateway, subnet, route table, group, address, gateway and VPC all stay', async () => {
    const vpcId = account.sim.addVpc({ cidr: '10.0.0.0/16', name: 'app' });
    const igw = account.sim.addInternetGateway({ vpcId });
    const subnet = account.sim.addSubnet({ vpcId, cidr: '10.0.1.0/24', az: ZONES[0] });
    const group = account.sim.addSecurityGroup({ vpcId, name: 'app' });
    const address = account.sim.addAddress();
    const nat = (
      await call('ec2', 'CreateNatGateway', { SubnetId: subnet, AllocationId: address.allocationId })
    ).NatGateway.NatGatewayId;
    const table = (await call('ec2', 'CreateRouteTable', { VpcId: vpcId })).RouteTable.RouteTableId;
    const association = (await call('ec2', 'AssociateRouteTable', { RouteTableId: table, SubnetId: subnet }))
      .AssociationId;
    await call('ec2', 'CreateRoute', {
      RouteTableId: table,
      DestinationCidrBlock: '0.0.0.0/0',
      NatGatewayId: nat,
    });
    account.clock.advance(5 * 60_000);
    const spare = account.sim.addAddress();
    const before = account.sim.snapshot();

    account.sim.useCallerPolicy(policyFor(ALL));
    await refused(call('ec2', 'DeleteNatGateway', { NatGatewayId: nat }), 'ec2:DeleteNatGateway');
    await refused(call('ec2', 'DeleteSubnet', { SubnetId: subnet }), 'ec2:DeleteSubnet');
    await refused(
      call('ec2', 'DisassociateRouteTable', { AssociationId: association }),
      'ec2:DisassociateRouteTable',
    );
    await refused(
      call('ec2', 'ReplaceRoute', { RouteTableId: table, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igw }),
      'ec2:ReplaceRoute',
    );
    await refused(call('ec2', 'DeleteRouteTable', { RouteTableId: table }), 'ec2:DeleteRouteTable');
    await refused(call('ec2', 'DeleteSecurityGroup', { GroupId: group }), 'ec2:DeleteSecurityGroup');
    await refused(call('ec2', 'ReleaseAddress', { AllocationId: spare.allocationId }), 'ec2:ReleaseAddress');
    await refused(
      call('ec2', 'DetachInternetGateway', { InternetGatewayId: igw, VpcId: vpcId }),
      'ec2:DetachInternetGateway',
    );
    await refused(
      call('ec2', 'DeleteInternetGateway', { InternetGatewayId: igw }),
      'ec2:DeleteInternetGateway',
    );
    await refused(call('ec2', 'DeleteVpc', { VpcId: vpcId }), 'ec2:DeleteVpc');
    // Nor can their tags be taken off (fixed-ip forget takes its own off what carries its marker).
    await refused(
      call('ec2', 'DeleteTags', { Resources: [subnet], Tags: [{ Key: 'fixed-ip:stack' }] }),
      'ec2:DeleteTags',
    );
    // Nor can fixed-ip's marker be put on them afterwards to make them deletable.
    await refused(
      call('ec2', 'CreateTags', {
        Resources: [subnet],
        Tags: [{ Key: 'fixed-ip:managed-by', Value: 'fixed-ip' }],
      }),
      'ec2:CreateTags',
    );
    // Nor made without it.
    await refused(
      call('ec2', 'CreateSubnet', { VpcId: vpcId, CidrBlock: '10.0.9.0/24' }),
      'ec2:CreateSubnet',
    );
    account.sim.useCallerPolicy(undefined);
    expect(account.sim.snapshot()).toEqual(before);
  });

  it("takes off fixed-ip's own tag keys only, and only where its marker is: a user's key, or every key at once, is refused", async () => {
    account.sim.addFunction({ name: 'orders-api' });
    await setup(
      { functions: ['orders-api'], newVpc: true, name: 'default', yes: true, azs: 1 },
      account.deps(),
    );
    const subnet = account.readState()?.privateSubnet?.id ?? '';
    await call('ec2', 'CreateTags', { Resources: [subnet], Tags: [{ Key: 'team', Value: 'ops' }] });
    const before = account.sim.snapshot();
    account.sim.useCallerPolicy(policyFor(ALL));
    await refused(
      call('ec2', 'DeleteTags', { Resources: [subnet], Tags: [{ Key: 'team' }] }),
      'ec2:DeleteTags',
    );
    // A DeleteTags naming no key removes every tag: refused.
    await refused(call('ec2', 'DeleteTags', { Resources: [subnet] }), 'ec2:DeleteTags');
    await refused(
      call('lambda', 'UntagResource', {
        Resource: `arn:aws:lambda:${account.sim.region}:${account.sim.accountId}:function:orders-api`,
        TagKeys: ['team'],
      }),
      'lambda:UntagResource',
    );
    account.sim.useCallerPolicy(undefined);
    expect(account.sim.snapshot()).toEqual(before);
  });

  it('attaches no policy but AWSLambdaVPCAccessExecutionRole, passes no role but the probe’s, and runs or deletes no function of yours', async () => {
    account.sim.addFunction({ name: 'orders-api', roleName: 'orders-role' });
    account.sim.addFunction({ name: probeName('default', ZONES[0] ?? ''), roleName: 'orders-role' });
    const role = (name: string) => `arn:aws:iam::${account.sim.accountId}:role/${name}`;
    account.sim.useCallerPolicy(policyFor(ALL));

    await refused(
      call('iam', 'AttachRolePolicy', {
        RoleName: 'orders-role',
        PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
      }),
      'iam:AttachRolePolicy',
    );
    await call('iam', 'AttachRolePolicy', { RoleName: 'orders-role', PolicyArn: VPC_ACCESS });
    await refused(
      call('iam', 'DetachRolePolicy', { RoleName: 'orders-role', PolicyArn: VPC_ACCESS }),
      'iam:DetachRolePolicy',
    );
    // A function under the probe's name and tags, but with a role of the user's.
    const probeLike = {
      FunctionName: 'fixed-ip-probe-mine',
      Runtime: 'nodejs24.x',
      Handler: 'index.handler',
      Role: role('orders-role'),
      Code: { ZipFile: new Uint8Array([0x50, 0x4b, 0x05, 0x06, ...new Array<number>(18).fill(0)]) },
      Tags: { 'fixed-ip:managed-by': 'fixed-ip', 'fixed-ip:role': 'verify-probe' },
    };
    await refused(call('lambda', 'CreateFunction', probeLike), 'iam:PassRole');
    await refused(
      call('lambda', 'CreateFunction', { ...probeLike, FunctionName: 'anything' }),
      'lambda:CreateFunction',
    );
    await refused(call('lambda', 'DeleteFunction', { FunctionName: 'orders-api' }), 'lambda:DeleteFunction');
    await refused(call('lambda', 'Invoke', { FunctionName: 'orders-api' }), 'lambda:InvokeFunction');
    // A function of the user's under a probe's name, without the probe's tags.
    await refused(
      call('lambda', 'DeleteFunction', { FunctionName: probeName('default', ZONES[0] ?? '') }),
      'lambda:DeleteFunction',
    );
    await refused(
      call('lambda', 'TagResource', {
        Resource: `arn:aws:lambda:${account.sim.region}:${account.sim.accountId}:function:orders-api`,
        Tags: { owner: 'someone-else' },
      }),
      'lambda:TagResource',
    );
    account.sim.useCallerPolicy(undefined);
    expect((await call('lambda', 'ListFunctions')).Functions).toHaveLength(2);
  });
});
