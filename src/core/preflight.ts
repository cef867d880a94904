import { type AccountAttributeName } from '@aws-sdk/client-ec2';
import { awsErrorName } from '../aws/errors.js';
import type { AwsPort } from '../aws/port.js';
import type { StepKey } from '../steps/index.js';
import { isWork, type Action } from '../steps/step.js';
import { cidrSize, parseCidr } from './cidr.js';
import type { FunctionTarget, StackContext, Targets } from './context.js';
import { missingRoleActions } from './inputs.js';
import { nameTag, tagSpec } from './tags.js';

/**
 * What could stop setup halfway, checked before anything is created: the caller's EC2
 * permissions (DryRun), each moving function's execution role (IAM's policy simulator), and the
 * quotas (Elastic IPs, NAT gateways per zone, free addresses). `fixed-ip plan` shows all of it;
 * setup stops on a blocker before asking to spend money.
 */
export interface Preflight {
  permissions: { checked: string[]; missing: string[]; unchecked: string[] };
  /** Per function: the VPC-access actions its role lacks; null when IAM could not be asked. */
  roles: Array<{ fn: FunctionTarget; missing: string[] | null }>;
  quotas: Array<{ name: string; used: number; limit: number; ok: boolean }>;
  blockers: string[];
}

export async function preflight(
  ctx: StackContext,
  targets: Targets,
  actions: ReadonlyArray<{ key: StepKey; action: Action }>,
  options: { checkRoles: boolean; fixRole: boolean },
): Promise<Preflight> {
  const { aws } = ctx;
  const creating = new Set(actions.filter(({ action }) => isWork(action)).map(({ key }) => key));
  const [permissions, roles, eipQuota] = await Promise.all([
    dryRun(aws, ctx.name, targets, creating),
    options.checkRoles
      ? Promise.all(
          targets.functions.map(async (fn) => ({
            fn,
            missing: fn.attached ? [] : ((await missingRoleActions(aws, fn.role)) ?? null),
          })),
        )
      : [],
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
  const quotas: Preflight['quotas'] = [];
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

  return { permissions, roles, quotas, blockers };
}

// Placeholder ids for dry runs of calls whose real ids do not exist yet: AWS checks the permission
// before it looks the ids up, so DryRunOperation / UnauthorizedOperation still tell the answer.
const NO_ID = '00000000000000000';

async function elasticIpLimit(aws: AwsPort): Promise<number> {
  try {
    // The API documents 'vpc-max-elastic-ips'; the SDK's enum lists only two of its names.
    const out = await aws.ec2.DescribeAccountAttributes({
      AttributeNames: ['vpc-max-elastic-ips' as AccountAttributeName],
    });
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
): Promise<Preflight['permissions']> {
  const vpcId = targets.vpcId ?? `vpc-${NO_ID}`;
  const calls: Array<[string, () => Promise<unknown>]> = [];
  const add = (action: string, send: () => Promise<unknown>): void => {
    calls.push([action, send]);
  };
  const DryRun = true;
  if (creating.has('vpc'))
    add('ec2:CreateVpc', () =>
      aws.ec2.CreateVpc({
        DryRun,
        CidrBlock: targets.newVpcCidr ?? '10.0.0.0/16',
        TagSpecifications: tagSpec('vpc', 'vpc', name),
      }),
    );
  if (creating.has('internetGateway')) {
    add('ec2:CreateInternetGateway', () =>
      aws.ec2.CreateInternetGateway({
        DryRun,
        TagSpecifications: tagSpec('internet-gateway', 'internet-gateway', name),
      }),
    );
    add('ec2:AttachInternetGateway', () =>
      aws.ec2.AttachInternetGateway({ DryRun, InternetGatewayId: `igw-${NO_ID}`, VpcId: vpcId }),
    );
  }
  if (creating.has('publicSubnet') || creating.has('privateSubnet')) {
    add('ec2:CreateSubnet', () =>
      aws.ec2.CreateSubnet({
        DryRun,
        VpcId: vpcId,
        CidrBlock: targets.publicCidr,
        AvailabilityZone: targets.az,
        TagSpecifications: tagSpec('subnet', 'public-subnet', name),
      }),
    );
  }
  if (creating.has('publicRouteTable') || creating.has('privateRouteTable')) {
    add('ec2:CreateRouteTable', () =>
      aws.ec2.CreateRouteTable({
        DryRun,
        VpcId: vpcId,
        TagSpecifications: tagSpec('route-table', 'public-route-table', name),
      }),
    );
    add('ec2:CreateRoute', () =>
      aws.ec2.CreateRoute({
        DryRun,
        RouteTableId: `rtb-${NO_ID}`,
        DestinationCidrBlock: '0.0.0.0/0',
        GatewayId: `igw-${NO_ID}`,
      }),
    );
    add('ec2:AssociateRouteTable', () =>
      aws.ec2.AssociateRouteTable({ DryRun, RouteTableId: `rtb-${NO_ID}`, SubnetId: `subnet-${NO_ID}` }),
    );
  }
  if (creating.has('securityGroup')) {
    add('ec2:CreateSecurityGroup', () =>
      aws.ec2.CreateSecurityGroup({
        DryRun,
        GroupName: nameTag('security-group', name),
        Description: 'fixed-ip dry run',
        VpcId: vpcId,
        TagSpecifications: tagSpec('security-group', 'security-group', name),
      }),
    );
  }
  if (creating.has('elasticIp') && !targets.adoptEip) {
    add('ec2:AllocateAddress', () =>
      aws.ec2.AllocateAddress({
        DryRun,
        Domain: 'vpc',
        TagSpecifications: tagSpec('elastic-ip', 'elastic-ip', name),
      }),
    );
  }
  if (creating.has('natGateway')) {
    add('ec2:CreateNatGateway', () =>
      aws.ec2.CreateNatGateway({
        DryRun,
        SubnetId: `subnet-${NO_ID}`,
        AllocationId: `eipalloc-${NO_ID}`,
        TagSpecifications: tagSpec('natgateway', 'nat-gateway', name),
      }),
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
        } else if (isServiceError(error)) {
          // AWS answered (e.g. a placeholder id it does not know) after checking the permission.
          checked.push(action);
        } else {
          throw error;
        }
      }
    }),
  );
  const unchecked = creating.has('functions') ? ['lambda:UpdateFunctionConfiguration'] : [];
  return { checked: checked.sort(), missing: [...new Set(missing)].sort(), unchecked };
}

/** An answer from AWS (it has an HTTP status), as opposed to a network failure on the way. */
function isServiceError(error: unknown): boolean {
  return (
    typeof (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode ===
    'number'
  );
}
