import {
  AllocateAddressCommand,
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateNatGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  type AccountAttributeName,
  DescribeAccountAttributesCommand,
} from '@aws-sdk/client-ec2';
import { awsErrorName } from '../aws/errors.js';
import type { AwsPort } from '../aws/port.js';
import type { Deps, Targets } from '../core/context.js';
import { VPC_ACCESS_ACTIONS, missingRoleActions } from '../core/inputs.js';
import { formatCost, monthlyCost } from '../core/pricing.js';
import { nameTag, tagSpec } from '../core/tags.js';
import { cidrSize, parseCidr } from '../core/cidr.js';
import type { StepKey } from '../steps/index.js';
import { isWork } from '../steps/step.js';
import { asker, checkSetupOptions, type PlannedStep, resolveSetup, type SetupOptions } from './setup.js';

export interface PlanOptions extends SetupOptions {
  json?: boolean | undefined;
  keepEip?: boolean | undefined;
}

export interface PlanReport {
  name: string;
  region: string;
  accountId: string;
  steps: Array<{ step: number; key: string; title: string; action: string; detail: string }>;
  functions: Array<{ name: string; inVpc: string | null; moves: boolean; roleMissing: string[] | null }>;
  permissions: { checked: string[]; missing: string[]; unchecked: string[] };
  quotas: Array<{ name: string; used: number; limit: number; ok: boolean }>;
  cost: {
    monthlyUsd: number;
    natHourly: number;
    ipv4Hourly: number;
    perGb: number;
    idleEipMonthlyUsd: number;
  };
  blockers: string[];
  wouldSucceed: boolean;
}

// Placeholder ids for dry runs of calls whose real ids do not exist yet: AWS checks the permission
// before it looks the ids up, so DryRunOperation / UnauthorizedOperation still tell the answer.
const NO_ID = '00000000000000000';

/** `fixed-ip plan`: what setup would do, what it would cost, and whether it would succeed. Changes nothing. */
export async function plan(options: PlanOptions, deps: Deps): Promise<PlanReport> {
  checkSetupOptions(options);
  const store = deps.openStore(options.name, options.state);
  const {
    ctx,
    targets,
    identity,
    plan: steps,
  } = await resolveSetup(options, deps, store, asker(deps.ui, true));
  const { aws } = ctx;

  const creating = new Set(steps.filter(({ line }) => isWork(line.action)).map(({ step }) => step.key));
  const [permissions, roles, eipQuota] = await Promise.all([
    dryRun(aws, ctx.name, targets, creating),
    Promise.all(
      targets.functions.map(async (fn) => ({
        fn,
        missing: fn.attached ? [] : await missingRoleActions(aws, fn.role),
      })),
    ),
    elasticIpLimit(aws),
  ]);

  const blockers: string[] = [];
  if (permissions.missing.length > 0)
    blockers.push(`your credentials lack ${permissions.missing.join(', ')} (see fixed-ip iam-policy)`);
  for (const { fn, missing } of roles) {
    if (missing && missing.length > 0 && !options.fixRole) {
      blockers.push(
        `${fn.name}'s execution role lacks ${missing.join(', ')}: attach AWSLambdaVPCAccessExecutionRole, or run setup with --fix-role`,
      );
    }
  }
  const quotas: PlanReport['quotas'] = [];
  if (creating.has('elasticIp') && !targets.adoptEip) {
    const used = ctx.live.addresses.length;
    quotas.push({ name: `Elastic IPs in ${aws.region}`, used, limit: eipQuota, ok: used < eipQuota });
    if (used >= eipQuota)
      blockers.push(
        `all ${eipQuota} Elastic IPs of ${aws.region} are in use: release one, pass --eip, or ask AWS for a higher quota`,
      );
  }
  if (creating.has('natGateway')) {
    const inZone = new Set(
      ctx.live.subnets.filter((s) => s.AvailabilityZone === targets.az).map((s) => s.SubnetId),
    );
    const used = ctx.live.natGateways.filter(
      (n) => (n.State === 'available' || n.State === 'pending') && inZone.has(n.SubnetId),
    ).length;
    quotas.push({ name: `NAT gateways in ${targets.az} (this VPC)`, used, limit: 5, ok: used < 5 });
    if (used >= 5) blockers.push(`${targets.az} already has 5 NAT gateways: pick another --az`);
  }
  for (const [which, cidr] of [
    ['public', targets.publicCidr],
    ['private', targets.privateCidr],
  ] as const) {
    const existing = ctx.live.subnets.find((s) => s.SubnetId === ctx.state[`${which}Subnet`]?.id);
    const free = existing ? (existing.AvailableIpAddressCount ?? 0) : cidrSize(parseCidr(cidr)) - 5;
    quotas.push({
      name: `free addresses in the ${which} subnet (${cidr})`,
      used: 0,
      limit: free,
      ok: free >= 1,
    });
    if (free < 1) blockers.push(`the ${which} subnet ${cidr} has no free address`);
  }

  const cost = monthlyCost(aws.region);
  const report: PlanReport = {
    name: ctx.name,
    region: aws.region,
    accountId: identity.accountId,
    steps: steps.map(({ step, line }) => ({
      step: step.article,
      key: step.key,
      title: step.title,
      action: line.action,
      detail: line.detail,
    })),
    functions: roles.map(({ fn, missing }) => ({
      name: fn.name,
      inVpc: fn.previous.subnetIds.length > 0 ? (targets.vpcId ?? null) : null,
      moves: !fn.attached,
      roleMissing: missing ?? null,
    })),
    permissions,
    quotas,
    cost: {
      monthlyUsd: cost.monthlyUsd,
      natHourly: cost.natHourly,
      ipv4Hourly: cost.ipv4Hourly,
      perGb: cost.perGb,
      idleEipMonthlyUsd: cost.idleEipMonthlyUsd,
    },
    blockers,
    wouldSucceed: blockers.length === 0,
  };
  print(deps, report, steps, options);
  return report;
}

async function elasticIpLimit(aws: AwsPort): Promise<number> {
  try {
    // The API documents 'vpc-max-elastic-ips'; the SDK's enum lists only two of its names.
    const out = await aws.ec2.send(
      new DescribeAccountAttributesCommand({
        AttributeNames: ['vpc-max-elastic-ips' as AccountAttributeName],
      }),
    );
    const value = out.AccountAttributes?.[0]?.AttributeValues?.[0]?.AttributeValue;
    return value ? Number(value) : 5;
  } catch {
    return 5;
  }
}

/**
 * Every mutating EC2 call setup would make, tried with DryRun: DryRunOperation means allowed,
 * UnauthorizedOperation means missing. Lambda and IAM have no dry run: listed as unchecked.
 */
async function dryRun(
  aws: AwsPort,
  name: string,
  targets: Targets,
  creating: Set<StepKey>,
): Promise<PlanReport['permissions']> {
  const vpcId = targets.vpcId ?? `vpc-${NO_ID}`;
  const calls: Array<[string, () => Promise<unknown>]> = [];
  const add = (action: string, send: () => Promise<unknown>): void => {
    calls.push([action, send]);
  };
  const DryRun = true;
  if (creating.has('vpc'))
    add('ec2:CreateVpc', () =>
      aws.ec2.send(
        new CreateVpcCommand({
          DryRun,
          CidrBlock: targets.newVpcCidr ?? '10.0.0.0/16',
          TagSpecifications: tagSpec('vpc', 'vpc', name),
        }),
      ),
    );
  if (creating.has('internetGateway')) {
    add('ec2:CreateInternetGateway', () =>
      aws.ec2.send(
        new CreateInternetGatewayCommand({
          DryRun,
          TagSpecifications: tagSpec('internet-gateway', 'internet-gateway', name),
        }),
      ),
    );
    add('ec2:AttachInternetGateway', () =>
      aws.ec2.send(
        new AttachInternetGatewayCommand({ DryRun, InternetGatewayId: `igw-${NO_ID}`, VpcId: vpcId }),
      ),
    );
  }
  if (creating.has('publicSubnet') || creating.has('privateSubnet')) {
    add('ec2:CreateSubnet', () =>
      aws.ec2.send(
        new CreateSubnetCommand({
          DryRun,
          VpcId: vpcId,
          CidrBlock: targets.publicCidr,
          AvailabilityZone: targets.az,
          TagSpecifications: tagSpec('subnet', 'public-subnet', name),
        }),
      ),
    );
  }
  if (creating.has('publicRouteTable') || creating.has('privateRouteTable')) {
    add('ec2:CreateRouteTable', () =>
      aws.ec2.send(
        new CreateRouteTableCommand({
          DryRun,
          VpcId: vpcId,
          TagSpecifications: tagSpec('route-table', 'public-route-table', name),
        }),
      ),
    );
    add('ec2:CreateRoute', () =>
      aws.ec2.send(
        new CreateRouteCommand({
          DryRun,
          RouteTableId: `rtb-${NO_ID}`,
          DestinationCidrBlock: '0.0.0.0/0',
          GatewayId: `igw-${NO_ID}`,
        }),
      ),
    );
    add('ec2:AssociateRouteTable', () =>
      aws.ec2.send(
        new AssociateRouteTableCommand({ DryRun, RouteTableId: `rtb-${NO_ID}`, SubnetId: `subnet-${NO_ID}` }),
      ),
    );
  }
  if (creating.has('securityGroup')) {
    add('ec2:CreateSecurityGroup', () =>
      aws.ec2.send(
        new CreateSecurityGroupCommand({
          DryRun,
          GroupName: nameTag('security-group', name),
          Description: 'fixed-ip dry run',
          VpcId: vpcId,
          TagSpecifications: tagSpec('security-group', 'security-group', name),
        }),
      ),
    );
  }
  if (creating.has('elasticIp') && !targets.adoptEip) {
    add('ec2:AllocateAddress', () =>
      aws.ec2.send(
        new AllocateAddressCommand({
          DryRun,
          Domain: 'vpc',
          TagSpecifications: tagSpec('elastic-ip', 'elastic-ip', name),
        }),
      ),
    );
  }
  if (creating.has('natGateway')) {
    add('ec2:CreateNatGateway', () =>
      aws.ec2.send(
        new CreateNatGatewayCommand({
          DryRun,
          SubnetId: `subnet-${NO_ID}`,
          AllocationId: `eipalloc-${NO_ID}`,
          TagSpecifications: tagSpec('natgateway', 'nat-gateway', name),
        }),
      ),
    );
  }
  const checked: string[] = [];
  const missing: string[] = [];
  await Promise.all(
    calls.map(async ([action, send]) => {
      try {
        await send();
        checked.push(action);
      } catch (error) {
        if (awsErrorName(error) === 'UnauthorizedOperation') {
          // AWS names the action it refused: the create, or ec2:CreateTags for its tags.
          const refused = /perform: ([a-z0-9-]+:[A-Za-z0-9]+)/.exec(
            error instanceof Error ? error.message : '',
          )?.[1];
          missing.push(refused ?? action);
        } else {
          checked.push(action);
        }
      }
    }),
  );
  const unchecked = creating.has('functions') ? ['lambda:UpdateFunctionConfiguration'] : [];
  return { checked: checked.sort(), missing: [...new Set(missing)].sort(), unchecked };
}

function print(deps: Deps, report: PlanReport, steps: PlannedStep[], options: PlanOptions): void {
  const { ui } = deps;
  if (options.json) {
    ui.result(JSON.stringify(report));
    return;
  }
  ui.result(`Plan for stack ${report.name} in ${report.region} (account ${report.accountId}):`);
  for (const { step, line } of steps) {
    const number =
      step.article >= 1 && step.article <= 6 ? `${step.article}/6` : step.article === 0 ? '0/6' : ' → ';
    const verb = line.action === 'done' ? 'already done' : line.action;
    ui.result(`  ${number} ${step.title}: ${verb} ${line.detail}`);
  }
  for (const fn of report.functions) {
    ui.result(
      `  function ${fn.name}: ${fn.moves ? 'moves into the private subnet' : 'already there'}${fn.inVpc ? ` (now in ${fn.inVpc})` : ' (now not in a VPC)'}`,
    );
  }
  const cost = monthlyCost(report.region);
  ui.result(`Cost: ${formatCost(cost)}`);
  if (options.keepEip)
    ui.result(`A kept Elastic IP costs about ${cost.idleEipMonthlyUsd.toFixed(2)} USD a month while idle.`);
  ui.result(
    `Permissions: ${report.permissions.checked.length} EC2 actions checked with DryRun${report.permissions.missing.length ? `, MISSING: ${report.permissions.missing.join(', ')}` : ', all allowed'}` +
      (report.permissions.unchecked.length
        ? `; not checkable in advance: ${report.permissions.unchecked.join(', ')}`
        : ''),
  );
  for (const fn of report.functions.filter((f) => f.moves)) {
    const roleLine =
      fn.roleMissing === null
        ? 'could not be checked (iam:SimulatePrincipalPolicy denied)'
        : fn.roleMissing.length === 0
          ? `grants ${VPC_ACCESS_ACTIONS.slice(0, 3).join(', ')} and the rest`
          : `LACKS ${fn.roleMissing.join(', ')}`;
    ui.result(`Execution role of ${fn.name}: ${roleLine}`);
  }
  for (const quota of report.quotas) {
    ui.result(
      `Quota: ${quota.name}: ${quota.name.startsWith('free') ? `${quota.limit} free` : `${quota.used} of ${quota.limit} used`}${quota.ok ? '' : ' (BLOCKS SETUP)'}`,
    );
  }
  for (const blocker of report.blockers) ui.result(`! ${blocker}`);
  ui.result(report.wouldSucceed ? 'setup would succeed.' : 'setup would NOT succeed as things stand.');
}
