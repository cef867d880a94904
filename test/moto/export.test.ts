import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateVpcCommand,
  DescribeAddressesCommand,
  DescribeNatGatewaysCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  EC2Client,
  type Tag,
} from '@aws-sdk/client-ec2';
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStacksCommand,
  ListStackResourcesCommand,
} from '@aws-sdk/client-cloudformation';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import {
  inventory,
  ok,
  REGION,
  seedFunction,
  seedUserVpc,
  startAccount,
  type MotoAccount,
} from './harness.js';
import { playNatBoots } from './nat-boot.js';
import { checkCloudFormation, checkTerraform } from '../support/iac-schemas.js';

/**
 * `fixed-ip export` against moto, for every NAT mode moto has (the regional NAT gateway is checked
 * in the simulator): both formats pass the providers' schemas, the import list names every
 * stack-owned resource once with its live id, and the CloudFormation template, deployed as a new
 * stack into a fresh account, builds the same shape (subnets per zone, routes and their targets,
 * the NAT, security group rules, tags), compared resource by resource with ids read as the
 * template's logical names.
 */

let account: MotoAccount;
let out: string;
const FRESH_ACCOUNT = '210987654321';

beforeAll(async () => {
  account = await startAccount();
});
afterAll(async () => {
  await account?.close();
});
beforeEach(async () => {
  await account.reset();
  out = mkdtempSync(join(tmpdir(), 'fixed-ip-export-'));
  return () => rmSync(out, { recursive: true, force: true });
});

/** Clients of another account of the same moto (its `x-moto-account-id` header). */
function freshClients() {
  const config = {
    region: REGION,
    endpoint: account.moto.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
  const inAccount = <T extends { middlewareStack: EC2Client['middlewareStack'] }>(client: T): T => {
    client.middlewareStack.add(
      (next) => (args) => {
        (args.request as { headers: Record<string, string> }).headers['x-moto-account-id'] = FRESH_ACCOUNT;
        return next(args);
      },
      { step: 'build', name: 'motoAccount' },
    );
    return client;
  };
  return {
    ec2: inAccount(new EC2Client(config)),
    cloudformation: inAccount(
      new CloudFormationClient(config) as unknown as EC2Client,
    ) as unknown as CloudFormationClient,
    autoscaling: inAccount(
      new AutoScalingClient(config) as unknown as EC2Client,
    ) as unknown as AutoScalingClient,
  };
}

/**
 * What moto's CloudFormation cannot build (AWS can): left out of the deploy, and named here so a
 * moto that learns them makes this list shrink, not the check.
 */
const MOTO_CANNOT_DEPLOY = new Set([
  'AWS::EC2::EIPAssociation',
  'AWS::EC2::NetworkInterfaceAttachment',
  'AWS::Budgets::Budget',
]);

/** Types whose `Tags` moto's CloudFormation drops (AWS applies them): their tags are checked in the template instead. */
const MOTO_DROPS_TAGS = new Set([
  'AWS::EC2::RouteTable',
  'AWS::EC2::NatGateway',
  'AWS::EC2::EIP',
  'AWS::EC2::NetworkInterface',
]);

interface Template {
  Parameters?: Record<string, { Default: string }>;
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
}

/** The template as moto takes it: what it cannot build left out, and ports on "all traffic" rules (moto requires them where AWS does not). */
function forMoto(template: Template): Template {
  const resources = Object.fromEntries(
    Object.entries(template.Resources)
      .filter(([, r]) => !MOTO_CANNOT_DEPLOY.has(r.Type))
      .map(([name, r]) => {
        const properties = { ...r.Properties };
        for (const key of ['SecurityGroupIngress', 'SecurityGroupEgress'])
          if (Array.isArray(properties[key]))
            properties[key] = (properties[key] as Array<Record<string, unknown>>).map((rule) => ({
              FromPort: -1,
              ToPort: -1,
              ...rule,
            }));
        // moto reads an interface's groups from `SecurityGroups`; AWS's property is `GroupSet`.
        if (r.Type === 'AWS::EC2::NetworkInterface') properties.SecurityGroups = properties.GroupSet;
        return [name, { ...r, Properties: properties }];
      }),
  );
  return { ...template, Resources: resources };
}

const userTags = (tags: Tag[] | undefined): Record<string, string> =>
  Object.fromEntries(
    (tags ?? [])
      .filter((t) => !(t.Key ?? '').startsWith('fixed-ip:') && !(t.Key ?? '').startsWith('aws:'))
      .map((t) => [t.Key ?? '', t.Value ?? '']),
  );

/**
 * Each logical resource of the template as it is in an account: its settings, with every id read
 * as the logical name (or parameter) it stands for, so two accounts compare.
 */
async function shape(
  clients: { ec2: EC2Client; autoscaling: AutoScalingClient },
  ids: Record<string, string>,
  template: Template,
): Promise<Record<string, unknown>> {
  const logical = new Map(Object.entries(ids).map(([name, id]) => [id, name]));
  const as = (id: string | undefined): string => (id ? (logical.get(id) ?? `unknown ${id}`) : 'none');
  const { ec2 } = clients;
  const result: Record<string, unknown> = {};
  for (const [name, resource] of Object.entries(template.Resources)) {
    const id = ids[name] ?? '';
    switch (resource.Type) {
      case 'AWS::EC2::Subnet': {
        const s = (await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [id] }))).Subnets?.[0];
        result[name] = {
          zone: s?.AvailabilityZone,
          cidr: s?.CidrBlock,
          vpc: as(s?.VpcId),
          tags: userTags(s?.Tags),
        };
        break;
      }
      case 'AWS::EC2::RouteTable': {
        const t = (await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [id] }))).RouteTables?.[0];
        const route = t?.Routes?.find((r) => r.DestinationCidrBlock === '0.0.0.0/0');
        result[name] = {
          vpc: as(t?.VpcId),
          anywhere: as(route?.GatewayId ?? route?.NatGatewayId ?? route?.NetworkInterfaceId),
          tags: userTags(t?.Tags),
        };
        break;
      }
      case 'AWS::EC2::NatGateway': {
        const n = (await ec2.send(new DescribeNatGatewaysCommand({ NatGatewayIds: [id] }))).NatGateways?.[0];
        result[name] = {
          subnet: as(n?.SubnetId),
          addresses: (n?.NatGatewayAddresses ?? []).map((a) => as(a.AllocationId)),
          tags: userTags(n?.Tags),
        };
        break;
      }
      case 'AWS::EC2::EIP': {
        const a = (await ec2.send(new DescribeAddressesCommand({}))).Addresses?.find(
          (x) => x.AllocationId === id || x.PublicIp === id,
        );
        result[name] = { domain: a?.Domain, tags: userTags(a?.Tags) };
        break;
      }
      case 'AWS::EC2::SecurityGroup': {
        const g = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [id] }))).SecurityGroups?.[0];
        const rules = (
          permissions: typeof g extends undefined ? never : NonNullable<typeof g>['IpPermissions'],
        ) =>
          (permissions ?? [])
            .flatMap((p) => (p.IpRanges ?? []).map((r) => `${p.IpProtocol ?? ''} ${r.CidrIp ?? ''}`))
            .sort();
        result[name] = {
          vpc: as(g?.VpcId),
          name: g?.GroupName,
          ingress: rules(g?.IpPermissions),
          egress: rules(g?.IpPermissionsEgress),
        };
        break;
      }
      case 'AWS::EC2::NetworkInterface': {
        const e = (await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [id] })))
          .NetworkInterfaces?.[0];
        result[name] = {
          subnet: as(e?.SubnetId),
          groups: (e?.Groups ?? []).map((g) => as(g.GroupId)),
          sourceDestCheck: e?.SourceDestCheck,
          tags: userTags(e?.TagSet),
        };
        break;
      }
      case 'AWS::AutoScaling::AutoScalingGroup': {
        const group = (
          await clients.autoscaling.send(
            new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [id] }),
          )
        ).AutoScalingGroups?.[0];
        result[name] = {
          size: [group?.MinSize, group?.MaxSize],
          subnets: (group?.VPCZoneIdentifier ?? '').split(',').map(as),
          template: as(group?.LaunchTemplate?.LaunchTemplateId),
        };
        break;
      }
      default:
        // The rest (associations, the instance, the role, the launch template): built, by type.
        result[name] = resource.Type;
    }
  }
  return result;
}

/** Exports the stack, checks both formats, deploys the template into a fresh account and compares. */
async function exportAndRebuild(): Promise<void> {
  const tfDir = join(out, 'terraform');
  const cfnDir = join(out, 'cloudformation');
  ok(await account.cli('export', '--format', 'terraform', '--out', tfDir));
  ok(await account.cli('export', '--format', 'cloudformation', '--out', cfnDir));
  const read = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));
  const state = read(join(account.cwd, '.fixed-ip', 'default.json')) as {
    resources: Record<string, { id: string; owned: boolean }>;
  };
  const owned = Object.values(state.resources).filter((r) => r.owned);
  const reused = Object.values(state.resources).filter((r) => !r.owned);

  const tf = read(join(tfDir, 'fixed-ip-default.tf.json')) as Parameters<typeof checkTerraform>[0];
  expect(checkTerraform(tf)).toEqual([]);
  const template = read(join(cfnDir, 'template.json')) as Template;
  const toImport = read(join(cfnDir, 'resources-to-import.json')) as Array<{
    ResourceType: string;
    LogicalResourceId: string;
    ResourceIdentifier: Record<string, string>;
  }>;
  expect(await checkCloudFormation(template, toImport)).toEqual([]);
  // Every stack-owned resource once, with its live id; nothing fixed-ip only reused.
  const tfIds = (tf.import ?? []).map((i) => i.id);
  const cfnIds = toImport.flatMap((r) => Object.values(r.ResourceIdentifier));
  for (const { id } of owned) {
    expect(tfIds.some((i) => i === id || i.endsWith(`:${id}`))).toBe(true);
    expect(cfnIds).toContain(id);
  }
  for (const { id } of reused) expect(tfIds).not.toContain(id);
  expect(toImport.map((r) => r.LogicalResourceId).sort()).toEqual(Object.keys(template.Resources).sort());

  // The same shape, built by CloudFormation in a fresh account with its own VPC and gateway.
  const fresh = freshClients();
  const vpc = (await fresh.ec2.send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16' }))).Vpc?.VpcId ?? '';
  const igw =
    (await fresh.ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway?.InternetGatewayId ?? '';
  await fresh.ec2.send(new AttachInternetGatewayCommand({ VpcId: vpc, InternetGatewayId: igw }));
  const parameters = Object.keys(template.Parameters ?? {}).map((key) => ({
    ParameterKey: key,
    ParameterValue: key === 'VpcId' ? vpc : key === 'InternetGatewayId' ? igw : '',
  }));
  const deployed = forMoto(template);
  await fresh.cloudformation.send(
    new CreateStackCommand({
      StackName: 'fixed-ip-default',
      TemplateBody: JSON.stringify(deployed),
      Parameters: parameters,
      Capabilities: ['CAPABILITY_NAMED_IAM'],
    }),
  );
  const stack = (
    await fresh.cloudformation.send(new DescribeStacksCommand({ StackName: 'fixed-ip-default' }))
  ).Stacks?.[0];
  expect(stack?.StackStatus).toBe('CREATE_COMPLETE');
  const built =
    (await fresh.cloudformation.send(new ListStackResourcesCommand({ StackName: 'fixed-ip-default' })))
      .StackResourceSummaries ?? [];
  expect(built.map((r) => r.LogicalResourceId).sort()).toEqual(Object.keys(deployed.Resources).sort());

  const primaryId = (r: (typeof toImport)[number]): string =>
    r.ResourceIdentifier.AllocationId ?? Object.values(r.ResourceIdentifier)[0] ?? '';
  const originalIds: Record<string, string> = {
    ...Object.fromEntries(toImport.map((r) => [r.LogicalResourceId, primaryId(r)])),
    ...Object.fromEntries(Object.entries(template.Parameters ?? {}).map(([key, p]) => [key, p.Default])),
  };
  const freshIds: Record<string, string> = {
    ...Object.fromEntries(built.map((r) => [r.LogicalResourceId ?? '', r.PhysicalResourceId ?? ''])),
    VpcId: vpc,
    InternetGatewayId: igw,
  };
  // The files carry each resource's own tags (fixed-ip's left out): where moto drops them, the
  // template is held to the original account's instead.
  const original = await shape(account, originalIds, deployed);
  for (const [name, resource] of Object.entries(deployed.Resources)) {
    const described = original[name] as { tags?: Record<string, string> } | string;
    if (typeof described === 'string' || described.tags === undefined) continue;
    const written = (resource.Properties.Tags ?? []) as Array<{ Key: string; Value: string }>;
    const theirs = written.filter((t) => !t.Key.startsWith('fixed-ip:'));
    expect(Object.fromEntries(theirs.map((t) => [t.Key, t.Value])), name).toEqual(described.tags);
    // Of fixed-ip's own, only what forget keeps: the NAT interface's stack tag, its role's handle on it.
    expect(
      written.filter((t) => t.Key.startsWith('fixed-ip:')).map((t) => t.Key),
      name,
    ).toEqual(resource.Type === 'AWS::EC2::NetworkInterface' ? ['fixed-ip:stack'] : []);
    if (MOTO_DROPS_TAGS.has(resource.Type)) delete described.tags;
  }
  // moto's CloudFormation ignores an interface's SourceDestCheck: the template is held to it.
  for (const [name, resource] of Object.entries(deployed.Resources))
    if (resource.Type === 'AWS::EC2::NetworkInterface') {
      const described = original[name] as { sourceDestCheck?: boolean };
      expect(resource.Properties.SourceDestCheck, name).toBe(described.sourceDestCheck);
      delete described.sourceDestCheck;
    }
  // moto gives an Elastic IP's address as its physical id (as CloudFormation did before AWS::EC2::EIP
  // had AllocationId): its allocation is looked up by it.
  const addresses = (await fresh.ec2.send(new DescribeAddressesCommand({}))).Addresses ?? [];
  for (const [name, resource] of Object.entries(deployed.Resources))
    if (resource.Type === 'AWS::EC2::EIP')
      freshIds[name] =
        addresses.find((a) => a.PublicIp === freshIds[name])?.AllocationId ?? freshIds[name] ?? '';
  const rebuilt = await shape(fresh, freshIds, deployed);
  for (const [name, resource] of Object.entries(deployed.Resources))
    if (MOTO_DROPS_TAGS.has(resource.Type)) delete (rebuilt[name] as { tags?: unknown }).tags;
  for (const [name, resource] of Object.entries(deployed.Resources))
    if (resource.Type === 'AWS::EC2::NetworkInterface')
      delete (rebuilt[name] as { sourceDestCheck?: unknown }).sourceDestCheck;
  expect(rebuilt).toEqual(original);
}

describe('fixed-ip export against moto', () => {
  for (const [label, args] of [
    ['a NAT gateway in one zone', ['--azs', '1']],
    ['a NAT gateway for two zones', ['--azs', '2']],
    ['a NAT gateway per zone', ['--nat', 'gateway-per-az', '--azs', '2']],
    ['a NAT instance in one zone', ['--nat', 'instance', '--azs', '1']],
    ['a NAT instance for two zones', ['--nat', 'instance', '--azs', '2']],
    ['a NAT instance with --ha', ['--nat', 'instance', '--ha', '--azs', '1']],
  ] as const) {
    it(`${label}: both formats pass the schemas, the import list is the stack's, and CloudFormation rebuilds the same shape in a fresh account`, async () => {
      await seedFunction(account, 'orders-api');
      const vpcId = await seedUserVpc(account);
      const boots = playNatBoots(account.ec2);
      try {
        ok(await account.cli('setup', '--function', 'orders-api', '--vpc', vpcId, ...args, '--yes'));
        const before = await inventory(account);
        await exportAndRebuild();
        // Export reads; it changes nothing in the account.
        expect(await inventory(account)).toEqual(before);
      } finally {
        await boots.stop();
      }
    });
  }
});
