import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeAddressesCommand,
  DescribeInternetGatewaysCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeNatGatewaysCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import {
  CreateRoleCommand,
  IAMClient,
  ListInstanceProfilesCommand,
  ListRolesCommand,
} from '@aws-sdk/client-iam';
import { CreateFunctionCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { BIN, ROOT, ensureBuilt } from '../e2e/build.js';
import { startMoto, type Moto } from '../support/moto.js';
import { startBridge, type Bridge } from './bridge.js';

export const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface MotoAccount {
  moto: Moto;
  bridge: Bridge;
  ec2: EC2Client;
  lambda: LambdaClient;
  iam: IAMClient;
  autoscaling: AutoScalingClient;
  /** The user's working directory (the state files live in its .fixed-ip/). */
  cwd: string;
  /** `node bin/fixed-ip.js ARGS` as a user would run it, through the bridge to moto. */
  cli(...args: string[]): Promise<Run>;
  /** The same, from another directory (another project checkout, another state file). */
  cliIn(dir: string, ...args: string[]): Promise<Run>;
  /** Empty moto (and forget the calls), between journeys. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** The environment a user pointing the CLI at an emulator has, and nothing from this machine's AWS setup. */
function userEnv(endpoint: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('AWS_') && !['NO_COLOR', 'FORCE_COLOR'].includes(key)) env[key] = value;
  }
  return {
    ...env,
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_REGION: REGION,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // No shared config or credentials files: the test's environment is the whole configuration.
    AWS_CONFIG_FILE: join(tmpdir(), 'fixed-ip-moto-no-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(tmpdir(), 'fixed-ip-moto-no-credentials'),
    NO_COLOR: '1',
  };
}

export async function startAccount(): Promise<MotoAccount> {
  // `npm run test:moto` builds first; a direct `vitest --config vitest.moto.config.ts` must not run a stale dist/.
  await ensureBuilt();
  const moto = await startMoto();
  let bridge: Bridge;
  try {
    bridge = await startBridge(moto.endpoint);
  } catch (error) {
    await moto.stop();
    throw error;
  }
  const config = { region: REGION, endpoint: moto.endpoint, credentials: CREDENTIALS };
  const cwd = mkdtempSync(join(tmpdir(), 'fixed-ip-moto-'));
  const env = userEnv(bridge.endpoint);
  // A journey that times out leaves its CLI running; it must not touch the next journey's account.
  const children = new Set<ChildProcess>();
  const killChildren = (): void => {
    for (const child of children) child.kill('SIGKILL');
    children.clear();
  };
  const cliIn = (dir: string, ...args: string[]): Promise<Run> =>
    new Promise((done, fail) => {
      const child = spawn(process.execPath, [BIN, ...args, '--no-color'], {
        cwd: dir,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.add(child);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', fail);
      child.on('close', (code) => {
        children.delete(child);
        done({ code, stdout, stderr });
      });
    });
  return {
    moto,
    bridge,
    ec2: new EC2Client(config),
    lambda: new LambdaClient(config),
    iam: new IAMClient(config),
    autoscaling: new AutoScalingClient(config),
    cwd,
    cli: (...args) => cliIn(cwd, ...args),
    cliIn,
    async reset() {
      killChildren();
      const response = await fetch(`${moto.endpoint}/moto-api/reset`, { method: 'POST' });
      if (!response.ok) throw new Error(`moto reset: HTTP ${response.status}`);
      bridge.calls.length = 0;
      rmSync(join(cwd, '.fixed-ip'), { recursive: true, force: true });
    },
    async close() {
      killChildren();
      try {
        await bridge.close();
      } finally {
        await moto.stop();
        rmSync(cwd, { recursive: true, force: true });
      }
    },
  };
}

export { ROOT };

const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
/** The smallest valid zip (an empty archive): moto stores code, it never runs it here. */
const EMPTY_ZIP = Buffer.from('UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==', 'base64');

/** A function as a user has one: its execution role (moto checks the role exists) and code; in `region` when given. */
export async function seedFunction(account: MotoAccount, name: string, region?: string): Promise<string> {
  const role = await account.iam.send(
    new CreateRoleCommand({ RoleName: `${name}-role`, AssumeRolePolicyDocument: TRUST }),
  );
  const lambda = region
    ? new LambdaClient({ region, endpoint: account.moto.endpoint, credentials: CREDENTIALS })
    : account.lambda;
  const fn = await lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs20.x',
      Role: role.Role!.Arn,
      Handler: 'index.handler',
      Code: { ZipFile: EMPTY_ZIP },
    }),
  );
  return fn.FunctionArn!;
}

/** The article's starting point: a user's VPC with an internet gateway and a subnet of their own. */
export async function seedUserVpc(account: MotoAccount): Promise<string> {
  const vpc = await account.ec2.send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16' }));
  const vpcId = vpc.Vpc!.VpcId!;
  const igw = await account.ec2.send(new CreateInternetGatewayCommand({}));
  await account.ec2.send(
    new AttachInternetGatewayCommand({
      VpcId: vpcId,
      InternetGatewayId: igw.InternetGateway!.InternetGatewayId!,
    }),
  );
  await account.ec2.send(
    new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.20.0.0/24', AvailabilityZone: `${REGION}a` }),
  );
  return vpcId;
}

export async function defaultVpc(account: MotoAccount): Promise<string> {
  const out = await account.ec2.send(
    new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }),
  );
  return out.Vpcs![0].VpcId!;
}

const byId = <T>(items: T[] | undefined, id: (item: T) => string | undefined): T[] =>
  [...(items ?? [])].sort((a, b) => (id(a) ?? '').localeCompare(id(b) ?? ''));

/**
 * Everything setup could touch, in a form two snapshots of the same account compare equal by:
 * VPCs, subnets, route tables with routes and associations, gateways with attachments, addresses,
 * NAT gateways still alive, security groups, and each function's network settings.
 */
export async function inventory(account: MotoAccount): Promise<unknown> {
  const { ec2 } = account;
  const [
    vpcs,
    subnets,
    tables,
    gateways,
    addresses,
    nats,
    groups,
    functions,
    roles,
    profiles,
    interfaces,
    instances,
  ] = await Promise.all([
    ec2.send(new DescribeVpcsCommand({})),
    ec2.send(new DescribeSubnetsCommand({})),
    ec2.send(new DescribeRouteTablesCommand({})),
    ec2.send(new DescribeInternetGatewaysCommand({})),
    ec2.send(new DescribeAddressesCommand({})),
    ec2.send(new DescribeNatGatewaysCommand({})),
    ec2.send(new DescribeSecurityGroupsCommand({})),
    account.lambda.send(new ListFunctionsCommand({})),
    account.iam.send(new ListRolesCommand({})),
    account.iam.send(new ListInstanceProfilesCommand({})),
    ec2.send(new DescribeNetworkInterfacesCommand({})),
    ec2.send(new DescribeInstancesCommand({})),
  ]);
  const terminated = new Set(
    (instances.Reservations ?? [])
      .flatMap((r) => r.Instances ?? [])
      .filter((i) => i.State?.Name === 'terminated')
      .map((i) => i.InstanceId ?? ''),
  );
  const [templates, groups_] = await Promise.all([
    ec2.send(new DescribeLaunchTemplatesCommand({})),
    account.autoscaling.send(new DescribeAutoScalingGroupsCommand({})),
  ]);
  return {
    vpcs: byId(vpcs.Vpcs, (v) => v.VpcId).map((v) => ({ id: v.VpcId, cidr: v.CidrBlock, tags: v.Tags })),
    subnets: byId(subnets.Subnets, (s) => s.SubnetId).map((s) => ({
      id: s.SubnetId,
      vpc: s.VpcId,
      cidr: s.CidrBlock,
      tags: s.Tags,
    })),
    routeTables: byId(tables.RouteTables, (t) => t.RouteTableId).map((t) => ({
      id: t.RouteTableId,
      vpc: t.VpcId,
      routes: t.Routes?.map((r) => [r.DestinationCidrBlock, r.GatewayId ?? r.NatGatewayId, r.State]),
      associations: t.Associations?.map((a) => [a.SubnetId ?? 'main', a.Main]),
      tags: t.Tags,
    })),
    internetGateways: byId(gateways.InternetGateways, (g) => g.InternetGatewayId).map((g) => ({
      id: g.InternetGatewayId,
      attachments: g.Attachments?.map((a) => [a.VpcId, a.State]),
      tags: g.Tags,
    })),
    addresses: byId(addresses.Addresses, (a) => a.AllocationId).map((a) => ({
      id: a.AllocationId,
      ip: a.PublicIp,
      association: a.AssociationId,
      tags: a.Tags,
    })),
    natGateways: byId(nats.NatGateways, (n) => n.NatGatewayId)
      .filter((n) => !['deleted', 'deleting', 'failed'].includes(n.State ?? ''))
      .map((n) => ({ id: n.NatGatewayId, state: n.State })),
    securityGroups: byId(groups.SecurityGroups, (g) => g.GroupId).map((g) => ({
      id: g.GroupId,
      vpc: g.VpcId,
      name: g.GroupName,
      tags: g.Tags,
    })),
    functions: byId(functions.Functions, (f) => f.FunctionName).map((f) => ({
      name: f.FunctionName,
      subnets: f.VpcConfig?.SubnetIds ?? [],
      groups: f.VpcConfig?.SecurityGroupIds ?? [],
    })),
    roles: byId(roles.Roles, (r) => r.RoleName).map((r) => r.RoleName),
    instanceProfiles: byId(profiles.InstanceProfiles, (p) => p.InstanceProfileName).map(
      (p) => p.InstanceProfileName,
    ),
    // The interfaces the tool made (its tag) or that serve a live instance: moto keeps a NAT gateway's
    // after it is deleted (see README.md), and the primary interface of an instance an Auto Scaling
    // group launched after that instance is terminated ("in-use" on a terminated instance); AWS
    // deletes both. Neither is the tool's leftover.
    networkInterfaces: byId(interfaces.NetworkInterfaces, (e) => e.NetworkInterfaceId)
      .filter(
        (e) =>
          e.TagSet?.some((t) => t.Key === 'fixed-ip:stack') === true ||
          (e.Attachment?.InstanceId !== undefined && !terminated.has(e.Attachment.InstanceId)),
      )
      .map((e) => ({
        id: e.NetworkInterfaceId,
        status: e.Status,
      })),
    launchTemplates: byId(templates.LaunchTemplates, (t) => t.LaunchTemplateId).map(
      (t) => t.LaunchTemplateName,
    ),
    autoScalingGroups: byId(groups_.AutoScalingGroups, (g) => g.AutoScalingGroupName).map(
      (g) => g.AutoScalingGroupName,
    ),
    // Terminated instances stay listed for a while (as on AWS): only the live ones must be gone.
    instances: (instances.Reservations ?? [])
      .flatMap((r) => r.Instances ?? [])
      .filter((i) => i.State?.Name !== 'terminated')
      .map((i) => i.InstanceId)
      .sort(),
  };
}

/** A run that must have succeeded: its output, or an error carrying everything it printed. */
export function ok(run: Run): Run {
  if (run.code !== 0) throw new Error(`exit ${String(run.code)}\n${run.stdout}\n${run.stderr}`);
  return run;
}
