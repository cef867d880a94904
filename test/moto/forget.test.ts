import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DescribeNatGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeTagsCommand,
} from '@aws-sdk/client-ec2';
import { ListTagsCommand } from '@aws-sdk/client-lambda';
import { inventory, ok, seedFunction, seedUserVpc, startAccount, type MotoAccount } from './harness.js';

/**
 * fixed-ip forget, the built CLI against moto: a stack handed over is let go of without a change
 * to the account, and a teardown of its name afterwards deletes nothing.
 */

let account: MotoAccount;

beforeAll(async () => {
  account = await startAccount();
});
afterAll(async () => {
  await account?.close();
});
beforeEach(async () => {
  await account.reset();
});

const statePath = (): string => join(account.cwd, '.fixed-ip', 'default.json');

/** Every tag moto holds on the account's EC2 resources, by resource id, sorted. */
async function ec2Tags(): Promise<Record<string, Record<string, string>>> {
  const out = await account.ec2.send(new DescribeTagsCommand({ MaxResults: 1000 }));
  const tags: Record<string, Record<string, string>> = {};
  for (const tag of out.Tags ?? []) (tags[tag.ResourceId ?? ''] ??= {})[tag.Key ?? ''] = tag.Value ?? '';
  return Object.fromEntries(Object.entries(tags).sort(([a], [b]) => a.localeCompare(b)));
}

/** The inventory with no resource's tags (they are compared on their own). */
const withoutTags = (value: unknown): unknown =>
  JSON.parse(JSON.stringify(value, (key, inner: unknown) => (key === 'tags' ? undefined : inner)));

/** The inventory with every resource's tags as moto lists them. */
async function picture(): Promise<unknown> {
  const [nats, tables, groups, subnets] = await Promise.all([
    account.ec2.send(new DescribeNatGatewaysCommand({})),
    account.ec2.send(new DescribeRouteTablesCommand({})),
    account.ec2.send(new DescribeSecurityGroupsCommand({})),
    account.ec2.send(new DescribeSubnetsCommand({})),
  ]);
  return {
    inventory: await inventory(account),
    tags: await ec2Tags(),
    natGateways: (nats.NatGateways ?? []).map((n) => [n.NatGatewayId, n.State, n.Tags]).sort(),
    counts: [tables.RouteTables?.length, groups.SecurityGroups?.length, subnets.Subnets?.length],
  };
}

describe('fixed-ip forget against moto', () => {
  it('setup (NAT gateway), forget --keep-tags: the account is as it was, not one mutating call; teardown then deletes nothing and says so', async () => {
    const arn = await seedFunction(account, 'orders-api');
    const vpcId = await seedUserVpc(account);
    ok(await account.cli('setup', '--function', 'orders-api', '--vpc', vpcId, '--nat', 'gateway', '--yes'));
    const before = await picture();
    const functionTags = (await account.lambda.send(new ListTagsCommand({ Resource: arn }))).Tags;
    expect(functionTags).toMatchObject({ 'fixed-ip:stack': 'default' });
    account.bridge.calls.length = 0;

    const forgot = ok(await account.cli('forget', '--keep-tags', '--yes'));
    expect(forgot.stdout).toMatch(/Stack default is forgotten: its \d+ resources are untouched/);
    expect(forgot.stdout).toMatch(/fixed-ip teardown --name default will delete nothing of it/);
    expect(account.bridge.mutating()).toEqual([]);
    expect(await picture()).toEqual(before);
    expect((await account.lambda.send(new ListTagsCommand({ Resource: arn }))).Tags).toEqual(functionTags);
    expect(existsSync(statePath())).toBe(false);
    const tombstone = JSON.parse(readFileSync(`${statePath()}.forgotten.json`, 'utf8')) as {
      tags: string;
      resources: unknown[];
    };
    expect(tombstone.tags).toBe('kept');
    expect(tombstone.resources.length).toBeGreaterThan(5);

    const down = ok(await account.cli('teardown', '--yes'));
    expect(down.stdout).toMatch(
      /^Stack default was handed over on .* \(fixed-ip forget\): fixed-ip deletes nothing of it\.$/m,
    );
    expect(account.bridge.mutating()).toEqual([]);
    expect(await picture()).toEqual(before);

    // setup of the name is refused before anything is made (exit 2).
    const again = await account.cli('setup', '--function', 'orders-api', '--vpc', vpcId, '--yes');
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/handed over to your IaC on .* with fixed-ip forget; choose another --name/);
    expect(account.bridge.mutating()).toEqual([]);
    expect(await picture()).toEqual(before);
  });

  it('forget (tags off): EC2 DeleteTags and Lambda UntagResource leave no fixed-ip tag on what the stack made, and nothing else changes', async () => {
    const arn = await seedFunction(account, 'orders-api');
    const vpcId = await seedUserVpc(account);
    ok(await account.cli('setup', '--function', 'orders-api', '--vpc', vpcId, '--nat', 'gateway', '--yes'));
    const state = JSON.parse(readFileSync(statePath(), 'utf8')) as {
      resources: Record<string, { id: string; owned: boolean }>;
    };
    const owned = new Set(Object.values(state.resources).flatMap((r) => (r.owned ? [r.id] : [])));
    const before = await ec2Tags();
    const inventoryBefore = withoutTags(await inventory(account));
    account.bridge.calls.length = 0;

    ok(await account.cli('forget', '--yes'));
    // Lambda's REST call for UntagResource is DELETE /2017-03-31/tags/<arn>.
    const writes = account.bridge
      .mutating()
      .map((call) => (/^DELETE \/[\d-]+\/tags\//.test(call.action) ? 'UntagResource' : call.action));
    // Tags came off; the run guard (SSM) was taken and removed; nothing else was written.
    expect([...new Set(writes)].sort()).toEqual([
      'DeleteParameter',
      'DeleteTags',
      'PutParameter',
      'UntagResource',
    ]);
    expect(withoutTags(await inventory(account))).toEqual(inventoryBefore);
    const after = await ec2Tags();
    const expected = Object.fromEntries(
      Object.entries(before)
        .map(
          ([id, tags]) =>
            [
              id,
              owned.has(id)
                ? Object.fromEntries(Object.entries(tags).filter(([key]) => !key.startsWith('fixed-ip:')))
                : tags,
            ] as const,
        )
        .filter(([, tags]) => Object.keys(tags).length > 0),
    );
    expect(after).toEqual(expected);
    expect(after).not.toEqual(before);
    expect(
      Object.keys((await account.lambda.send(new ListTagsCommand({ Resource: arn }))).Tags ?? {}),
    ).toEqual([]);
    const down = ok(await account.cli('teardown', '--yes'));
    expect(down.stdout).toMatch(/fixed-ip deletes nothing of it/);
    expect(withoutTags(await inventory(account))).toEqual(inventoryBefore);
  });
});
