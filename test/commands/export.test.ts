import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exportStack, type ExportFormat, type ExportReport } from '../../src/commands/export.js';
import { setup, type SetupOptions } from '../../src/commands/setup.js';
import { FixedIpError } from '../../src/errors.js';
import type { NatModeName } from '../../src/state/schema.js';
import { KINDS } from '../../src/kinds/index.js';
import { createTestAccount, mutatingCalls, type TestAccount } from '../support/env.js';
import { checkCloudFormation, checkTerraform } from '../support/iac-schemas.js';

let account: TestAccount;
let vpcId: string;

beforeEach(() => {
  account = createTestAccount();
  vpcId = account.sim.addVpc({ cidr: '10.0.0.0/16', name: 'app' });
  account.sim.addFunction({ name: 'orders-api', runtime: 'nodejs20.x', roleHasVpcAccess: true });
});
afterEach(() => account.restore());

const options = (extra: Partial<SetupOptions> = {}): SetupOptions => ({
  functions: ['orders-api'],
  vpc: vpcId,
  name: 'default',
  yes: true,
  ...extra,
});

async function exported(format: ExportFormat, out = join(account.dir, format)): Promise<ExportReport> {
  return exportStack({ name: 'default', format, out }, account.deps());
}

const json = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

/** The stack's records: what it owns and what it only reused, by live id. */
function recorded(): { owned: string[]; reused: string[] } {
  const records = Object.values(account.readState()?.resources ?? {});
  return {
    owned: records.filter((r) => r.owned).map((r) => r.id),
    reused: records.filter((r) => !r.owned).map((r) => r.id),
  };
}

const SHAPES: Array<{ nat: NatModeName; azs: number; inputs?: Record<string, string> }> = [
  { nat: 'gateway', azs: 1 },
  { nat: 'gateway', azs: 2, inputs: { endpoints: 's3' } },
  { nat: 'gateway-per-az', azs: 2 },
  { nat: 'regional', azs: 1 },
  { nat: 'regional', azs: 2 },
  { nat: 'instance', azs: 1, inputs: { budget: '60', budgetNotify: 'ops@example.com' } },
  { nat: 'instance', azs: 2 },
  { nat: 'instance', azs: 1, inputs: { ha: 'true' } },
];

describe('fixed-ip export in the simulated account', () => {
  it.each(SHAPES)(
    "$nat in $azs zone(s): both formats pass the providers' schemas and import every stack-owned resource once",
    async ({ nat, azs, inputs }) => {
      await setup(options({ nat, azs, ...(inputs ? { inputs } : {}) }), account.deps());
      // A NAT instance's status checks pass a few minutes after it boots.
      account.clock.advance(10 * 60_000);
      const before = mutatingCalls(account.sim).length;
      const { owned, reused } = recorded();

      const tf = await exported('terraform');
      const main = json(join(account.dir, 'terraform', 'fixed-ip-default.tf.json')) as Parameters<
        typeof checkTerraform
      >[0] & { data?: Record<string, unknown> };
      expect(checkTerraform(main)).toEqual([]);
      // Each resource fixed-ip made is the import id's subject (or, for an attachment, route or
      // association, part of it); what it reused is read, never imported.
      const importIds = (main.import ?? []).map((i) => i.id);
      const imported = tf.imports.map((i) => `${i.type} ${i.id}`);
      expect(new Set(imported).size).toBe(imported.length);
      // Each owned record is imported once as itself (a budget by account:name; a role and its
      // instance profile share a name, one import of each type).
      for (const id of owned) {
        const subjects = tf.imports.filter((i) => i.id === id || i.id.endsWith(`:${id}`));
        expect(subjects.length).toBeGreaterThanOrEqual(1);
        expect(new Set(subjects.map((i) => i.type)).size).toBe(subjects.length);
      }
      for (const id of reused) expect(importIds).not.toContain(id);
      expect(tf.reused.map((r) => r.id).sort()).toEqual([...reused].sort());

      const cfn = await exported('cloudformation');
      const dir = join(account.dir, 'cloudformation');
      const template = json(join(dir, 'template.json')) as Parameters<typeof checkCloudFormation>[0] & {
        Resources: Record<string, { DeletionPolicy: string; UpdateReplacePolicy: string }>;
        Parameters?: Record<string, { Default: string }>;
      };
      const toImport = json(join(dir, 'resources-to-import.json')) as Parameters<
        typeof checkCloudFormation
      >[1];
      expect(await checkCloudFormation(template, toImport)).toEqual([]);
      for (const resource of Object.values(template.Resources))
        expect(resource).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      // The import list names every resource of the template exactly once.
      expect(toImport.map((r) => r.LogicalResourceId).sort()).toEqual(Object.keys(template.Resources).sort());
      const identifiers = toImport.flatMap((r) => Object.values(r.ResourceIdentifier));
      for (const id of owned) expect(identifiers).toContain(id);
      // A reused resource is never the subject of an import (an attachment may name your VPC).
      const subjects = toImport.filter((r) => Object.keys(r.ResourceIdentifier).length === 1);
      for (const id of reused)
        expect(subjects.filter((r) => Object.values(r.ResourceIdentifier)[0] === id)).toEqual([]);
      expect(
        Object.values(template.Parameters ?? {})
          .map((p) => p.Default)
          .sort(),
      ).toEqual([...reused].sort());
      expect(cfn.commands[0]).toContain('--change-set-type IMPORT');

      // Read-only in AWS.
      expect(mutatingCalls(account.sim).length).toBe(before);
    },
  );

  it("keeps the Elastic IPs from being destroyed, and leaves fixed-ip's own tags out", async () => {
    await setup(options({ nat: 'gateway-per-az', azs: 2 }), account.deps());
    await exported('terraform');
    const main = json(join(account.dir, 'terraform', 'fixed-ip-default.tf.json')) as {
      resource: Record<string, Record<string, { lifecycle?: unknown; tags?: Record<string, string> }>>;
    };
    const eips = Object.values(main.resource.aws_eip ?? {});
    expect(eips).toHaveLength(2);
    for (const eip of eips) expect(eip.lifecycle).toEqual({ prevent_destroy: true });
    const tagKeys = Object.values(main.resource).flatMap((byName) =>
      Object.values(byName).flatMap((r) => Object.keys(r.tags ?? {})),
    );
    expect(tagKeys).toContain('Name');
    expect(tagKeys.filter((key) => key.startsWith('fixed-ip:'))).toEqual([]);
  });

  it('writes the import ids in the formats the AWS provider documents', async () => {
    await setup(options({ azs: 1, newVpc: true, vpc: undefined }), account.deps());
    const report = await exported('terraform');
    const byType = (type: string) => report.imports.filter((i) => i.type === type).map((i) => i.id);
    expect(byType('aws_internet_gateway_attachment')[0]).toMatch(/^igw-[0-9a-f]+:vpc-[0-9a-f]+$/);
    expect(byType('aws_route')).toHaveLength(2);
    for (const id of byType('aws_route')) expect(id).toMatch(/^rtb-[0-9a-f]+_0\.0\.0\.0\/0$/);
    for (const id of byType('aws_route_table_association'))
      expect(id).toMatch(/^subnet-[0-9a-f]+\/rtb-[0-9a-f]+$/);
    expect(byType('aws_vpc')[0]).toMatch(/^vpc-/);
    expect(byType('aws_eip')[0]).toMatch(/^eipalloc-/);
  });

  it('points each function at the stack as a vpc_config, not as a resource', async () => {
    await setup(options({ azs: 2 }), account.deps());
    await exported('terraform');
    const text = readFileSync(join(account.dir, 'terraform', 'fixed-ip-default.tf.json'), 'utf8');
    const main = JSON.parse(text) as {
      locals: Record<string, { subnet_ids: string[]; security_group_ids: string[] }>;
    };
    expect(main.locals.default_vpc_config?.subnet_ids).toEqual([
      '${aws_subnet.default_private_subnet_ap_northeast_1a.id}',
      '${aws_subnet.default_private_subnet_ap_northeast_1c.id}',
    ]);
    expect(main.locals.default_vpc_config?.security_group_ids).toEqual([
      '${aws_security_group.default_security_group.id}',
    ]);
    expect(text).not.toContain('aws_lambda_function');
    expect(readFileSync(join(account.dir, 'terraform', 'HANDOVER.md'), 'utf8')).toContain(
      'subnet_ids         = local.default_vpc_config.subnet_ids',
    );
  });

  it('refuses a stack that has drifted, naming the drift, unless --force', async () => {
    await setup(options({ azs: 1 }), account.deps());
    const table = account.readState()?.privateRouteTable?.id ?? '';
    await account.sim.handle('ec2', 'DeleteRoute', {
      RouteTableId: table,
      DestinationCidrBlock: '0.0.0.0/0',
    });
    const refused = await exported('terraform').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(FixedIpError);
    expect((refused as FixedIpError).code).toBe('DRIFTED');
    expect((refused as FixedIpError).message).toContain('has drifted');
    const forced = await exportStack(
      { name: 'default', format: 'terraform', out: join(account.dir, 'forced'), force: true },
      account.deps(),
    );
    expect(forced.drift.length).toBeGreaterThan(0);
    // What is live is written: the route that is gone is not.
    expect(forced.imports.filter((i) => i.type === 'aws_route')).toHaveLength(1);
  });

  it('an Elastic IP given with --eip is yours: a data source and a parameter, never imported', async () => {
    const { allocationId } = account.sim.addAddress();
    await setup(options({ azs: 1, eip: allocationId }), account.deps());
    const tf = await exported('terraform');
    expect(tf.reused).toContainEqual({ type: 'data.aws_eip', id: allocationId });
    expect(tf.imports.map((i) => i.id)).not.toContain(allocationId);
    const main = json(join(account.dir, 'terraform', 'fixed-ip-default.tf.json')) as Parameters<
      typeof checkTerraform
    >[0] & { resource: { aws_nat_gateway: Record<string, { allocation_id: string }> } };
    expect(checkTerraform(main)).toEqual([]);
    expect(Object.values(main.resource.aws_nat_gateway)[0]?.allocation_id).toBe(
      '${data.aws_eip.default_elastic_ip_ap_northeast_1a.id}',
    );
    const cfn = await exported('cloudformation');
    expect(cfn.reused).toContainEqual({ type: 'String', id: allocationId });
    const template = json(join(account.dir, 'cloudformation', 'template.json')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const nat = Object.values(template.Resources).find((r) => r.Type === 'AWS::EC2::NatGateway');
    expect(nat?.Properties.AllocationId).toEqual({ Ref: 'ElasticIpApNortheast1aId' });
    expect(Object.values(template.Resources).map((r) => r.Type)).not.toContain('AWS::EC2::EIP');
  });

  it("--ha: the launch template keeps tagging each instance with the stack, which the NAT role's policy moves the interface by", async () => {
    await setup(options({ nat: 'instance', azs: 1, inputs: { ha: '' } }), account.deps());
    account.clock.advance(10 * 60_000);
    await exported('cloudformation');
    const template = json(join(account.dir, 'cloudformation', 'template.json')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const lt = Object.values(template.Resources).find((r) => r.Type === 'AWS::EC2::LaunchTemplate');
    const specs = (
      lt?.Properties.LaunchTemplateData as {
        TagSpecifications: Array<{ ResourceType: string; Tags: Array<{ Key: string; Value: string }> }>;
      }
    ).TagSpecifications;
    expect(specs.find((s) => s.ResourceType === 'instance')?.Tags).toContainEqual({
      Key: 'fixed-ip:stack',
      Value: 'default',
    });
    // The interface keeps the stack's tag too (forget keeps it): a Terraform or CloudFormation
    // update must not take away what the role moves it by.
    const eni = Object.values(template.Resources).find((r) => r.Type === 'AWS::EC2::NetworkInterface');
    const eniTags = (eni?.Properties.Tags ?? []) as Array<{ Key: string }>;
    expect(eniTags.filter((t) => t.Key.startsWith('fixed-ip:')).map((t) => t.Key)).toEqual([
      'fixed-ip:stack',
    ]);
  });

  it('never overwrites a file: nothing is written when one exists', async () => {
    await setup(options({ azs: 1 }), account.deps());
    const out = join(account.dir, 'mine');
    mkdirSync(out);
    writeFileSync(join(out, 'HANDOVER.md'), 'my notes');
    const refused = await exported('terraform', out).catch((e: unknown) => e);
    expect((refused as FixedIpError).code).toBe('BAD_OPTION');
    expect(readFileSync(join(out, 'HANDOVER.md'), 'utf8')).toBe('my notes');
  });

  it('every kind that can hold a resource can be exported', () => {
    expect(KINDS.filter((kind) => kind.iac === undefined).map((kind) => kind.name)).toEqual([]);
  });
});

describe('the schema checks', () => {
  it('fail on one misspelt attribute or property, and on a missing required one', async () => {
    expect(
      checkTerraform({ resource: { aws_subnet: { a: { vpc_id: 'vpc-1', cidr_blok: '10.0.0.0/24' } } } }),
    ).toEqual(['resource.aws_subnet.a: cidr_blok is not an argument of it']);
    expect(
      checkTerraform({ resource: { aws_route: { r: { destination_cidr_block: '0.0.0.0/0' } } } }),
    ).toEqual(['resource.aws_route.r: required route_table_id is missing']);
    expect(
      checkTerraform({
        resource: {
          aws_nat_gateway: {
            n: { availability_zone_address: [{ availability_zone: 'a', allocation_idz: [] }] },
          },
        },
      }),
    ).toEqual([
      'resource.aws_nat_gateway.n.availability_zone_address[0]: allocation_idz is not an argument of it',
    ]);
    expect(checkTerraform({ resource: { aws_nat_gateways: { n: {} } } })).toEqual([
      'resource aws_nat_gateways is not a type of the AWS provider',
    ]);
    expect(
      await checkCloudFormation(
        {
          Resources: {
            S: { Type: 'AWS::EC2::Subnet', Properties: { VpcId: 'vpc-1', CidrBlok: '10.0.0.0/24' } },
          },
        },
        [
          {
            ResourceType: 'AWS::EC2::Subnet',
            LogicalResourceId: 'S',
            ResourceIdentifier: { SubnetId: 'subnet-1' },
          },
        ],
      ),
    ).toEqual(['S (AWS::EC2::Subnet): CidrBlok is not a property of it']);
    expect(
      await checkCloudFormation({ Resources: { R: { Type: 'AWS::EC2::Route', Properties: {} } } }, [
        {
          ResourceType: 'AWS::EC2::Route',
          LogicalResourceId: 'R',
          ResourceIdentifier: { RouteTableId: 'rtb-1' },
        },
      ]),
    ).toEqual([
      'R (AWS::EC2::Route): required RouteTableId is missing',
      'import R: identifier RouteTableId is not CidrBlock,RouteTableId',
    ]);
  });
});
