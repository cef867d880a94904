/**
 * A comparable picture of the account: what exists now, without timestamps or anything AWS will
 * remove by itself (nor what the account records of its use: metrics, the bill). Tests compare two of them to prove "the account ends exactly as it began".
 */
import type { SimContext } from './context.js';
import { recordsOf } from './describe.js';
import { addressInUse } from './ec2/addresses.js';
import { liveInterfaces } from './ec2/network-interfaces.js';
import { EC2_RESOURCE_TYPES } from './ec2/resource-types.js';
import { groupsSnapshot } from './autoscaling.js';
import { budgetsSnapshot } from './budgets.js';
import { ecsSnapshot } from './ecs/operations.js';
import { serviceQuotasSnapshot } from './service-quotas.js';
import { instanceState, natIsGone, natState } from './lifecycle.js';
import type { Tags } from './model.js';

function sortedTags(tags: Tags): Tags {
  return Object.fromEntries(Object.entries(tags).sort(([a], [b]) => a.localeCompare(b)));
}

function byId<T extends { id: string }>(items: T[]): T[] {
  return items.sort((a, b) => a.id.localeCompare(b.id));
}

export function snapshotAccount(ctx: SimContext): unknown {
  const { state } = ctx;
  return {
    vpcs: byId(
      recordsOf(state.vpcs).map((v) => ({
        id: v.id,
        cidr: v.cidr,
        isDefault: v.isDefault,
        tags: sortedTags(v.tags),
      })),
    ),
    subnets: byId(
      recordsOf(state.subnets).map((s) => ({
        id: s.id,
        vpcId: s.vpcId,
        cidr: s.cidr,
        az: s.az,
        tags: sortedTags(s.tags),
      })),
    ),
    internetGateways: byId(
      recordsOf(state.internetGateways).map((g) => ({ id: g.id, vpcId: g.vpcId, tags: sortedTags(g.tags) })),
    ),
    routeTables: byId(
      recordsOf(state.routeTables).map((t) => ({
        id: t.id,
        vpcId: t.vpcId,
        main: t.associations.some((a) => a.main),
        routes: t.routes
          .map((r) => ({
            destination: r.destination,
            target: r.gatewayId ?? r.natGatewayId ?? r.networkInterfaceId,
          }))
          .sort((a, b) => a.destination.localeCompare(b.destination)),
        subnetIds: t.associations.flatMap((a) => (a.subnetId === null ? [] : [a.subnetId])).sort(),
        tags: sortedTags(t.tags),
      })),
    ),
    securityGroups: byId(
      recordsOf(state.securityGroups).map((g) => ({
        id: g.id,
        vpcId: g.vpcId,
        name: g.name,
        tags: sortedTags(g.tags),
      })),
    ),
    addresses: byId(
      recordsOf(state.addresses).map((a) => ({
        id: a.id,
        publicIp: a.publicIp,
        inUse: addressInUse(ctx, a),
        tags: sortedTags(a.tags),
      })),
    ),
    natGateways: byId(
      recordsOf(state.natGateways)
        .filter((n) => !natIsGone(n, ctx) && natState(n, ctx.now) !== 'deleted')
        .map((n) => ({
          id: n.id,
          subnetId: n.subnetId,
          allocationId: n.allocationId,
          ...(n.regional
            ? {
                regional: {
                  automatic: n.regional.automatic,
                  addresses: n.regional.addresses.map((a) => ({ az: a.az, allocationId: a.allocationId })),
                },
              }
            : {}),
          state: natState(n, ctx.now),
          tags: sortedTags(n.tags),
        })),
    ),
    networkInterfaces: byId(
      liveInterfaces(ctx).map((e) => ({
        id: e.id,
        type: e.type,
        subnetId: e.subnetId,
        groupIds: [...e.groupIds].sort(),
        ...(e.own ? { sourceDestCheck: e.own.sourceDestCheck, tags: sortedTags(e.tags) } : {}),
      })),
    ),
    instances: byId(
      recordsOf(state.instances).map((i) => ({
        id: i.id,
        state: instanceState(i, ctx.now),
        primaryEniId: i.primaryEniId,
        tags: sortedTags(i.tags),
      })),
    ),
    functions: recordsOf(state.functions)
      .map((f) => ({
        name: f.name,
        runtime: f.runtime,
        roleName: f.roleName,
        subnetIds: [...f.subnetIds].sort(),
        securityGroupIds: [...f.securityGroupIds].sort(),
        versions: (f.versions ?? []).map((v) => v.version),
        aliases: Object.keys(f.aliases ?? {}).sort(),
        tags: sortedTags(f.tags),
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    roles: recordsOf(state.roles)
      .map((r) => ({
        name: r.name,
        policyArns: [...r.policyArns].sort(),
        // Tags, listed only when there are some (older pictures stay equal).
        ...(Object.keys(r.tags ?? {}).length > 0 ? { tags: sortedTags(r.tags ?? {}) } : {}),
        // Inline policies (PutRolePolicy), listed only when there are some (older pictures stay equal).
        ...(Object.keys(r.inlinePolicies ?? {}).length > 0
          ? { inlinePolicies: Object.keys(r.inlinePolicies ?? {}).sort() }
          : {}),
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    // Instance profiles, only when the account has some.
    ...(recordsOf(state.instanceProfiles ?? {}).length > 0
      ? {
          instanceProfiles: recordsOf(state.instanceProfiles ?? {})
            .map((p) => ({ name: p.name, roleName: p.roleName, tags: sortedTags(p.tags) }))
            .sort((a, b) => a.name.localeCompare(b.name)),
        }
      : {}),
    // The resource types that carry their own snapshot (an account without them looks as it always did).
    ...(Object.assign({}, ...EC2_RESOURCE_TYPES.map((type) => type.snapshot?.(ctx) ?? {})) as object),
    ...groupsSnapshot(ctx),
    ...budgetsSnapshot(ctx),
    ...ecsSnapshot(ctx),
    ...serviceQuotasSnapshot(ctx),
  };
}
