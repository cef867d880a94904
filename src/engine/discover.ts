/**
 * Finding a stack by its tags (a lost state file, a teammate's machine) and taking in what an
 * interrupted run made but had not recorded. Derived from the list of kinds: each kind lists its
 * resources; only those whose complete tag set names the stack count.
 */
import type { AwsPort } from '../aws/port.js';
import { type FoundFunction, functionsInSubnets, previousFromTags } from '../kinds/function-tags.js';
import { KINDS, inputsFromRecords, WORKLOADS } from '../kinds/index.js';
import { NAT_MODE, RECOGNITION_ORDER } from '../kinds/nat-modes.js';
import { identityKey, inSentence, type Kind, type Listed } from '../model/kind.js';
import { emptyState, type ResourceRecord, type Shape, type StackState } from '../state/schema.js';
import {
  decodeVpcConfig,
  isOurs,
  tagValue,
  TAG_FUNCTION_PREFIX,
  TAG_ROLE,
  TAG_STACK,
  TAG_ZONE,
  whyNotOurs,
} from '../model/tags.js';
import { loadWorld, mergeWorlds, type World } from '../model/world.js';
import { worldPartsFor } from './recipe.js';

export interface Discovered {
  /** The first resource of each identity. */
  records: ResourceRecord[];
  /** Further resources with an identity already taken: duplicates an interrupted run left. */
  duplicates: ResourceRecord[];
}

/**
 * Every resource in the world whose complete tag set names this stack, as records; never one a
 * tombstone of the stack lists (`forgotten`: handed over with `fixed-ip forget --keep-tags`).
 */
export function discover(
  world: World,
  stack: string,
  homeZone?: string,
  forgotten: ReadonlySet<string> = new Set(),
): Discovered {
  const records: ResourceRecord[] = [];
  const duplicates: ResourceRecord[] = [];
  const seen = new Set<string>();
  const privateZones = world.subnets
    .filter((s) => isOurs(s.Tags, stack, 'private-subnet'))
    .map((s) => s.AvailabilityZone ?? '')
    .sort();
  const home = homeZone ?? privateZones[0];
  for (const kind of KINDS) {
    for (const item of kind.list(world)) {
      if (!item.id || forgotten.has(item.id) || !isOurs(item.tags, stack, kind.role)) continue;
      const zone = kind.zonal ? (tagValue(item.tags, TAG_ZONE) ?? item.zone ?? home) : undefined;
      const record = {
        ...item.extra,
        kind: kind.name,
        id: item.id,
        owned: true,
        ...(zone ? { zone } : {}),
      } as ResourceRecord;
      const key = identityKey(record);
      (seen.has(key) ? duplicates : records).push(record);
      seen.add(key);
    }
  }
  return { records, duplicates };
}

/** The VPC the stack's tagged resources live in (none of them handed over). */
function vpcIdOf(world: World, stack: string, forgotten: ReadonlySet<string>): string | undefined {
  // A deleted NAT gateway stays listed for an hour; it says nothing about where the stack is.
  const nats = world.natGateways.filter((n) => n.State !== 'deleted' && n.State !== 'failed');
  const tagged = [...world.subnets, ...world.routeTables, ...world.securityGroups, ...nats].filter(
    (r) => !forgotten.has(idOfAny(r)),
  );
  return (
    world.vpcs.find((v) => !forgotten.has(v.VpcId ?? '') && isOurs(v.Tags, stack, 'vpc'))?.VpcId ??
    tagged.find((r) => Object.values(KINDS).some((k) => isOurs(r.Tags, stack, k.role)))?.VpcId ??
    world.internetGateways.find(
      (g) => !forgotten.has(g.InternetGatewayId ?? '') && isOurs(g.Tags, stack, 'internet-gateway'),
    )?.Attachments?.[0]?.VpcId
  );
}

/** The id of a subnet, route table, security group or NAT gateway. */
const idOfAny = (r: {
  SubnetId?: string | undefined;
  RouteTableId?: string | undefined;
  GroupId?: string | undefined;
  NatGatewayId?: string | undefined;
}): string => r.SubnetId ?? r.RouteTableId ?? r.GroupId ?? r.NatGatewayId ?? '';

/** The shape the discovered resources have: their zones (the NAT's first) and the NAT mode that owns them. */
function shapeOf(records: ResourceRecord[]): Shape {
  const [nat, found] = RECOGNITION_ORDER.flatMap((name) => {
    const recognised = NAT_MODE[name].fromRecords(records);
    return recognised ? [[name, recognised] as const] : [];
  })[0] ?? ['gateway', { natZones: [] }];
  const zones = [...new Set(records.filter((r) => r.kind === 'privateSubnet').map((r) => r.zone ?? ''))]
    .filter(Boolean)
    .sort();
  const home = found.natZones[0] ?? zones[0];
  const ordered = home ? [home, ...zones.filter((z) => z !== home)] : zones;
  const inputs = inputsFromRecords(records);
  return {
    nat,
    zones: ordered,
    ...(found.natInstanceType ? { natInstanceType: found.natInstanceType } : {}),
    ...(Object.keys(inputs).length > 0 ? { inputs } : {}),
  };
}

/**
 * Rebuilds a stack's state from its tags. Only tagged resources are found, so only what fixed-ip
 * created is ever listed as owned. Returns null when nothing carries the stack's tags. `functions`:
 * those found in the stack's private subnets (`stackSubnetIds`), with their tags. `forgotten`: ids
 * a tombstone of the stack lists, never found.
 */
export function stateFromWorld(
  world: World,
  stack: string,
  region: string,
  accountId: string,
  functions: readonly FoundFunction[] = [],
  forgotten: ReadonlySet<string> = new Set(),
): StackState | null {
  const { records } = discover(world, stack, undefined, forgotten);
  const vpcId = vpcIdOf(world, stack, forgotten);
  if (records.length === 0 && !vpcId) return null;
  const state = emptyState(stack, region, accountId);
  for (const record of records) state.resources[identityKey(record)] = record;
  if (vpcId && !state.resources.vpc) {
    const vpc = world.vpcs.find((v) => v.VpcId === vpcId);
    state.resources.vpc = {
      kind: 'vpc',
      id: vpcId,
      owned: false,
      cidrs: vpc?.CidrBlock ? [vpc.CidrBlock] : [],
    };
  }
  state.shape = shapeOf(records);
  const home = state.shape.zones[0];
  const homeSubnet = world.subnets.find(
    (s) =>
      s.SubnetId ===
      (home ? state.resources[identityKey({ kind: 'privateSubnet', zone: home })]?.id : undefined),
  );
  // The first release kept each function's previous settings on the first private subnet.
  const legacy = (name: string) => tagValue(homeSubnet?.Tags, `${TAG_FUNCTION_PREFIX}${name}`);
  for (const { config, tags } of functions) {
    const name = config.FunctionName ?? '';
    const encoded = legacy(name);
    state.functions[name] = {
      arn: config.FunctionArn ?? `arn:aws:lambda:${region}:${accountId}:function:${name}`,
      // Recorded nowhere: teardown takes it out of the VPC (Lambda's default internet access).
      previous: previousFromTags(tags, stack) ??
        (encoded === undefined ? undefined : decodeVpcConfig(encoded)) ?? {
          subnetIds: [],
          securityGroupIds: [],
        },
      attached: true,
    };
  }
  return state;
}

/**
 * Fills the records a state lacks from the stack's tags: what an interrupted run created but had
 * not yet recorded (the process died between the create and the state write). Returns the
 * resources carrying the stack's tags that the state does not hold and that take no free identity:
 * duplicates, for teardown to remove.
 */
export function adoptTagged(
  state: StackState,
  world: World,
  onStale?: (stale: ResourceRecord, live: ResourceRecord) => void,
): ResourceRecord[] {
  const { records, duplicates } = discover(world, state.name, state.shape.zones[0]);
  const recorded = new Set(Object.values(state.resources).map((r) => r.id));
  const left: ResourceRecord[] = [];
  for (const record of [...records, ...duplicates]) {
    if (recorded.has(record.id)) continue;
    const key = identityKey(record);
    const held = state.resources[key];
    // A record naming what no longer exists (an edited id, a resource deleted by hand) gives way
    // to the live resource carrying the stack's tags: it is the stack's, whatever the file says.
    if (held && record.kind !== 'vpc' && isStale(held, world)) {
      state.resources[key] = { ...record, owned: held.owned };
      recorded.add(record.id);
      onStale?.(held, record);
      continue;
    }
    if (state.resources[key] === undefined && (record.kind !== 'vpc' || !state.resources.vpc)) {
      state.resources[key] = record;
      recorded.add(record.id);
    } else {
      left.push(record);
    }
  }
  return left;
}

/** The ids of the private subnets carrying this stack's tags: where its functions are. */
export function stackSubnetIds(world: World, stack: string): Set<string> {
  return new Set(
    world.subnets.filter((s) => isOurs(s.Tags, stack, 'private-subnet')).map((s) => s.SubnetId ?? ''),
  );
}

/** stateFromWorld, with the functions in the stack's private subnets read from Lambda. */
export async function stackFromTags(
  aws: AwsPort,
  world: World,
  stack: string,
  region: string,
  accountId: string,
): Promise<StackState | null> {
  const functions = await functionsInSubnets(aws, stackSubnetIds(world, stack));
  const found = stateFromWorld(world, stack, region, accountId, functions);
  // The parts found by a name (an IAM instance profile, an Auto Scaling group) are asked only for a
  // shape whose kinds have them, once the tagged resources said which shape the stack has.
  const named = found ? worldPartsFor([found.shape]).filter((part) => part.byName === true) : [];
  const state =
    !found || named.length === 0
      ? found
      : stateFromWorld(
          mergeWorlds(world, await loadWorld(aws, { vpcId: undefined, stack }, named)),
          stack,
          region,
          accountId,
          functions,
        );
  // The workloads found by their own tags (ECS services), into the stack found.
  if (state) for (const workload of WORKLOADS) await workload.discover?.(aws, state);
  return state;
}

/** The world lists the record's kind, and not the record's id. */
function isStale(record: ResourceRecord, world: World): boolean {
  const kind = KINDS.find((k) => k.name === record.kind);
  if (!kind || !world.loaded.has(kind.part.name)) return false;
  return !kind.list(world).some((item) => item.id === record.id);
}

/** What setup and teardown say when a state record gives way to the live resource. */
export function staleLine(stale: ResourceRecord, live: ResourceRecord): string {
  const where = stale.zone ? ` (${stale.zone})` : '';
  return `The state file names ${stale.id} as the stack's ${kindTitle(stale.kind)}${where}, which no longer exists; ${live.id} carries the stack's tags and is used instead`;
}

const kindTitle = (name: string): string => inSentence(KINDS.find((k) => k.name === name)?.title ?? name);

/** A resource that carries the stack's name tag, but whose other tags prove no kind of the stack made it. */
export interface Lookalike {
  kind: Kind;
  item: Listed;
  /** What its tags lack. */
  why: string;
}

/**
 * The world's resources that look like the stack's (its `fixed-ip:stack` tag) without the complete
 * tag set of any kind, and that no record names (`known`): a tag removed by hand, or a resource
 * tagged by hand. Never deleted; a teardown names them, and what of them still bills.
 */
export function lookalikes(world: World, stack: string, known: ReadonlySet<string>): Lookalike[] {
  const found = new Map<string, Lookalike>();
  for (const kind of KINDS) {
    if (!world.loaded.has(kind.part.name)) continue;
    const siblings = KINDS.filter((k) => k.part === kind.part);
    for (const item of kind.list(world)) {
      if (!item.id || known.has(item.id) || found.has(item.id)) continue;
      if (tagValue(item.tags, TAG_STACK) !== stack) continue;
      if (siblings.some((k) => isOurs(item.tags, stack, k.role))) continue;
      const named = siblings.find((k) => k.role === tagValue(item.tags, TAG_ROLE)) ?? kind;
      found.set(item.id, { kind: named, item, why: whyNotOurs(item.tags, stack, named.role) ?? '' });
    }
  }
  return [...found.values()];
}
