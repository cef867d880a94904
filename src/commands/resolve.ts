/**
 * Setup's inputs, decided before its first change: the state, the functions, the VPC, the shape
 * (NAT mode and zones), the subnets' CIDRs, the Elastic IP and the roles. `fixed-ip plan` shares
 * this with `fixed-ip setup`.
 */
import type { Subnet } from '@aws-sdk/client-ec2';
import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import type { AwsPort } from '../aws/port.js';
import {
  type Deps,
  type FunctionTarget,
  makeContext,
  type ServiceTarget,
  type StackContext,
  type Targets,
} from '../model/context.js';
import { adoptTagged, stackFromTags, staleLine } from '../engine/discover.js';
import {
  checkStateMatches,
  functionInput,
  getFunctions,
  type Identity,
  listZones,
  missingRoleActions,
  whoAmI,
} from '../engine/inputs.js';
import { checkStateName } from '../model/options.js';
import { tagValue, TAG_ROLE, TAG_STACK } from '../model/tags.js';
import { type PlannedStep, recipe, worldPartsFor } from '../engine/recipe.js';

export type { PlannedStep };
import { functionConfigs } from '../kinds/function-configs.js';
import { emptyWorld, loadWorld, VPCS, type World } from '../model/world.js';
import { FixedIpError } from '../errors.js';
import { functionExtras } from '../kinds/function-tags.js';
import type { Service } from '@aws-sdk/client-ecs';
import {
  checkServiceName,
  describeServices,
  isServiceAttached,
  networkOf,
  readFacts,
  refusalsOf,
  type ServiceFacts,
  serviceInput,
  type ServiceName,
  serviceVpc,
  toServiceTarget,
} from '../kinds/ecs-service-targets.js';
import { stackNetwork } from '../kinds/ecs-services.js';
import { isAttached, leavesOverIpv6, roleError } from '../kinds/functions.js';
import { capacityProviderRefusal, edgeRoleRefusal } from '../engine/function-refusals.js';
import { identityKey, isWorkload } from '../model/kind.js';
import { ALL_PARTS, applicableInputs, checkRecords, kindOf, withInputs } from '../kinds/index.js';
import {
  emptyState,
  isEmptyState,
  type NatModeName,
  type ResourceRecord,
  type Shape,
  type StackState,
  type VpcConfigRecord,
  vpcOf,
} from '../state/schema.js';
import type { StateStore } from '../state/store.js';
import { nameHandedOver } from './handed-over.js';
import type { Asker } from './asker.js';
import { askCidrs, askZone, chooseEips, chooseVpc, cidrsOf } from './choices.js';
import type { SetupOptions } from './setup-options.js';
import { whoLine } from './shared.js';

/** Everything setup decides before its first change; `fixed-ip plan` shows it and stops. */
export interface Resolved {
  ctx: StackContext;
  targets: Targets;
  identity: Identity;
  plan: PlannedStep[];
  /** Records the new shape no longer needs: removed once the new shape is in place. */
  retired: ResourceRecord[];
  /** The shape the stack had before this run (empty for a new stack). */
  previousShape: Shape;
}

/**
 * Reads the state, finds the stack (state file, then tags), asks what the flags did not say, and
 * checks every input against the account. Changes nothing in AWS.
 */
export async function resolveSetup(
  options: SetupOptions,
  deps: Deps,
  store: StateStore,
  ask: Asker,
): Promise<Resolved> {
  const { ui } = deps;
  // A name handed over with fixed-ip forget: its resources (tags kept or not) are someone else's.
  const forgotten = await store.readTombstone();
  if (forgotten) throw nameHandedOver(forgotten);
  const read = await store.read();
  const saved = read && checkRecords(read, store.path);
  checkStateName(saved, options.name, store.path);
  const aws = await deps.connect(options.region ?? saved?.region);
  const identity = await whoAmI(aws);
  checkStateMatches(saved, identity, aws.region, store.path);
  // A person at a terminal sees who and where before any question (a wrong account costs money);
  // without one, setup prints it once its inputs are known good, so bad input gets a single line.
  if (ui.interactive)
    ui.notify({ level: 'info', code: 'setup.who', text: whoLine(identity, aws.region, options.profile) });

  let state = saved;
  let tagged: World | undefined;
  if (!state) {
    tagged = await loadWorld(aws, { vpcId: undefined, stack: options.name }, ALL_PARTS);
    state = await stackFromTags(aws, tagged, options.name, aws.region, identity.accountId);
    if (state?.resources.vpc)
      ui.notify({
        level: 'info',
        code: 'setup.discovered',
        text: `Found stack ${options.name} by its tags in ${state.resources.vpc.id}; continuing it`,
      });
  }
  state ??= emptyState(options.name, aws.region, identity.accountId);
  // Decided before this run's choices (the VPC, the functions) are written into `state`.
  const resumed = saved !== null || !isEmptyState(state);
  const previousShape = { ...state.shape, zones: [...state.shape.zones] };

  // Functions: the flags, else the ones this stack already holds, else ask.
  let names = [...new Set(options.functions.map((f) => functionInput(f, aws.region, identity.accountId)))];
  // One look at the named and the recorded functions; a recorded one deleted outside fixed-ip leaves
  // the stack (nothing to move or restore).
  const recorded = Object.keys(state.functions);
  const settled = (name: string): boolean => state?.functions[name]?.attached === true;
  const seen = await functionConfigs(aws, [...new Set([...names, ...recorded])], (name) => !settled(name));
  for (const name of recorded.filter((n) => !seen.has(n))) {
    delete state.functions[name];
    ui.notify({
      level: 'warn',
      code: 'setup.function.gone',
      text: `Function ${name} no longer exists; it leaves stack ${state.name}`,
    });
  }
  if (names.length === 0) names = Object.keys(state.functions);
  // ECS services: the flags, else the ones this stack already holds.
  let services = await findServices(aws, options, state, identity, ui);
  const asked = names.length === 0 && services.length === 0;
  if (asked) {
    const picked = await askFunctions(aws, ask);
    const { ECS_CHOICE } = await import('./interactive.js');
    names = picked.filter((p) => !p.startsWith(ECS_CHOICE));
    const chosen = picked.filter((p) => p.startsWith(ECS_CHOICE)).map((p) => p.slice(ECS_CHOICE.length));
    if (chosen.length > 0)
      services = await findServices(aws, { ...options, services: chosen }, state, identity, ui);
  }
  const configs = asked
    ? await getFunctions(aws, names, settled)
    : names.map((name) => {
        const config = seen.get(name);
        if (!config)
          throw new FixedIpError('FUNCTION_NOT_FOUND', `function "${name}" was not found in ${aws.region}`, {
            hint: 'check the name and --region (aws lambda list-functions)',
          });
        return config;
      });

  // A function of another stack is refused before any question about where to build.
  await refuseOtherStacks(
    aws,
    configs.filter((config) => !settled(config.FunctionName ?? '')),
    options.name,
  );
  // The VPC: the stack's, --vpc, --new-vpc, the functions', or ask.
  const vpcChoice = await chooseVpc(
    aws,
    options,
    state,
    [...configs.map((c) => c.VpcConfig?.VpcId), ...services.map((s) => serviceVpc(s.facts))],
    ask,
  );
  if (vpcChoice.kind === 'existing' && !state.resources.vpc)
    state.resources.vpc = { kind: 'vpc', id: vpcChoice.id, owned: false, cidrs: vpcChoice.cidrs };
  const vpcId = state.resources.vpc?.id;
  for (const config of configs) {
    const inVpc = config.VpcConfig?.VpcId;
    if (inVpc && inVpc !== vpcId) {
      throw new FixedIpError(
        'FUNCTION_IN_OTHER_VPC',
        `function ${config.FunctionName} is already in ${inVpc}, not ${vpcId ?? 'the new VPC'}`,
        {
          hint: `run with --vpc ${inVpc}, or move the function out of that VPC first`,
        },
      );
    }
  }
  // chooseVpc may have described the VPC already: do not ask AWS for it twice.
  const described = vpcChoice.kind === 'existing' ? vpcChoice.vpc : undefined;
  const parts = worldPartsFor(
    [
      state.shape,
      withInputs({ ...state.shape, nat: options.nat ?? state.shape.nat }, state.shape, options.inputs ?? {}),
    ],
    Object.values(state.resources).map((r) => r.kind),
  );
  // Parts listed whole (internet gateways, Elastic IPs) are in the tag search above already.
  const fromTags = tagged ? parts.filter((p) => p.whole === true) : [];
  const world: World = vpcId
    ? await loadWorld(
        aws,
        { vpcId, stack: options.name },
        parts.filter((p) => !(described && p === VPCS) && !fromTags.includes(p)),
      )
    : emptyWorld();
  if (vpcId && tagged)
    for (const part of fromTags) {
      part.set(world, part.get(tagged));
      world.loaded.add(part.name);
    }
  if (described) {
    world.vpcs = [described];
    world.vpc = described;
  }
  world.functions = configs;
  // A run killed between a create and its state write left a tagged resource the file lacks;
  // taking it in now keeps its CIDR and zone from being offered again.
  if (vpcId)
    adoptTagged(state, world, (stale, live) =>
      ui.notify({ level: 'warn', code: 'setup.stale', text: staleLine(stale, live) }),
    );
  for (const config of configs) checkNotOtherStacks(config, world.subnets, options.name);
  // What would stop a service's move, said before anything is made (one line each).
  const refused = services.flatMap(({ name, facts }) => refusalsOf(name, facts, vpcId, options.name, state));
  if (refused.length > 0)
    throw new FixedIpError('WORKLOAD_REFUSED', refused.join('; '), {
      hint: 'leave it out of --ecs-service, or change it as said; nothing was created',
    });
  const vpcRecord = vpcOf(state);
  const vpcCidrs =
    vpcChoice.kind === 'new' ? [vpcChoice.cidr] : vpcRecord?.cidrs.length ? vpcRecord.cidrs : cidrsOf(world);
  if (vpcRecord && vpcCidrs.length > 0) vpcRecord.cidrs = vpcCidrs;

  state.shape = withInputs(await chooseShape(aws, options, state, ask), state.shape, options.inputs ?? {});
  if (state.shape.nat !== 'instance' && (options.replaceNatInstance || options.natInstanceType))
    throw new FixedIpError(
      'BAD_OPTION',
      `${options.replaceNatInstance ? '--replace-nat-instance' : '--nat-instance-type'} applies to a NAT instance, and stack ${options.name} uses ${state.shape.nat}`,
      { hint: 'add --nat instance to change the stack to a NAT instance' },
    );
  state.shape = applicableInputs(state.shape, options.inputs ?? {}, options.name);
  const ctx = makeContext({ name: options.name, aws, deps, store, state, world });
  const cidrs = await askCidrs(vpcCidrs, world, state, options, ask);
  const adoptEips = await chooseEips(ctx, options, ask);
  const newVpc = vpcChoice.kind === 'new';
  const targets: Targets = {
    vpcId,
    newVpcCidr: newVpc ? vpcChoice.cidr : undefined,
    shape: state.shape,
    publicCidrs: cidrs.publicCidrs,
    privateCidrs: cidrs.privateCidrs,
    adoptEips,
    functions: configs.map((config) => toTarget(ctx, config)),
    services: services.map(({ name, facts }) => toService(ctx, name, facts)),
    resumed,
    replaceNatInstance: options.replaceNatInstance === true,
  };

  await readExtras(aws, targets.functions);

  const nodes = recipe(state.shape, { newVpc: newVpc || state.resources.vpc?.owned === true });
  const wanted = new Set(nodes.map((node) => node.key));
  const retired = Object.entries(state.resources)
    .filter(([key]) => !wanted.has(key) && key !== 'vpc')
    .map(([, record]) => record);
  const plan = nodes
    .filter(
      (node) => node.step.name !== 'vpc' || targets.newVpcCidr !== undefined || state.resources.vpc?.owned,
    )
    .filter((node) => !isWorkload(node.step) || node.step.holds(targets))
    .map((node) => ({ node, line: node.step.plan(ctx, node.zone, targets) }));
  return { ctx, targets, identity, plan, retired, previousShape };
}

/**
 * The NAT mode and zones: the flags, else what the stack already has, else the defaults (a NAT
 * gateway and two zones, as AWS recommends for Lambda, where the region has two).
 */
async function chooseShape(
  aws: AwsPort,
  options: SetupOptions,
  state: StackState,
  ask: Asker,
): Promise<Shape> {
  const current = state.shape;
  const nat: NatModeName = options.nat ?? current.nat;
  // Only a NAT instance has a type; it is kept in the shape so a re-run without the flag keeps it.
  const type = nat === 'instance' ? (options.natInstanceType ?? current.natInstanceType) : undefined;
  const withType = (shape: Shape): Shape => (type ? { ...shape, natInstanceType: type } : shape);
  const explicit = options.az !== undefined && options.az.length > 0;
  if (!explicit && options.azs === undefined && current.zones.length > 0) {
    return withType({ nat, zones: current.zones });
  }
  const available = await listZones(aws);
  if (available.length === 0)
    throw new FixedIpError('AZ_NOT_FOUND', `no available zone in ${aws.region}`, {
      hint: 'try another --region',
    });
  if (explicit) {
    const zones = [...new Set(options.az)];
    for (const zone of zones) {
      if (!available.includes(zone))
        throw new FixedIpError('AZ_NOT_FOUND', `--az ${zone} is not an available zone in ${aws.region}`, {
          hint: `use one of ${available.join(', ')}`,
        });
    }
    if (options.azs !== undefined && options.azs !== zones.length)
      throw new FixedIpError(
        'BAD_OPTION',
        `--azs ${options.azs} does not match the ${zones.length} --az given`,
        { hint: 'pass one of them' },
      );
    return withType({ nat, zones });
  }
  const count = options.azs ?? (current.zones.length || 2);
  if (count > available.length)
    throw new FixedIpError(
      'AZ_NOT_FOUND',
      `--azs ${count}: ${aws.region} has only ${available.length} available zones`,
      {
        hint: `use --azs ${available.length} or fewer`,
      },
    );
  // Keep the zones the stack has; add the region's next ones.
  const kept = current.zones.slice(0, count);
  const first = kept[0] ?? (await askZone(available, count, ask));
  const zones = [first, ...kept.slice(1)];
  for (const zone of available) if (zones.length < count && !zones.includes(zone)) zones.push(zone);
  return withType({ nat, zones });
}

/**
 * The ECS services setup works on: the flags (each must exist), else the ones the stack holds; a
 * recorded one deleted outside fixed-ip leaves the stack. Each described with what setup decides by.
 */
async function findServices(
  aws: AwsPort,
  options: SetupOptions,
  state: StackState,
  identity: Identity,
  ui: Deps['ui'],
): Promise<Array<{ name: ServiceName; facts: ServiceFacts }>> {
  const given = (options.services ?? []).map((s) => serviceInput(s, aws.region, identity.accountId));
  const recorded = Object.keys(state.services ?? {}).map(checkServiceName);
  const all = [...new Map([...given, ...recorded].map((n) => [n.key, n])).values()];
  if (all.length === 0) return [];
  const found = await describeServices(aws, all);
  for (const name of recorded.filter((n) => !found.has(n.key))) {
    delete state.services?.[name.key];
    ui.notify({
      level: 'warn',
      code: 'setup.function.gone',
      text: `ECS service ${name.key} no longer exists; it leaves stack ${state.name}`,
    });
  }
  const wanted = given.length > 0 ? [...new Map(given.map((n) => [n.key, n])).values()] : recorded;
  const missing = wanted.filter((n) => !found.has(n.key));
  if (missing.length > 0 && given.length > 0)
    throw new FixedIpError(
      'SERVICE_NOT_FOUND',
      `ECS service ${missing.map((n) => n.key).join(', ')} was not found in ${aws.region}`,
      { hint: 'check CLUSTER/SERVICE and --region (aws ecs list-services --cluster CLUSTER)' },
    );
  return Promise.all(
    wanted
      .filter((n) => found.has(n.key))
      .map(async (name) => ({ name, facts: await readFacts(aws, name, found.get(name.key) as Service, []) })),
  );
}

function toService(ctx: StackContext, name: ServiceName, facts: ServiceFacts): ServiceTarget {
  const recorded = ctx.state.services?.[name.key];
  const attached = isServiceAttached(facts.service, stackNetwork(ctx));
  // Where it goes back to: what the stack recorded, else its network now.
  return toServiceTarget(name, facts, recorded?.previous ?? networkOf(facts.service), attached);
}

/** The subnets the functions sit in, looked up once, so another stack's function is refused first. */
async function refuseOtherStacks(
  aws: AwsPort,
  configs: FunctionConfiguration[],
  stack: string,
): Promise<void> {
  const ids = [...new Set(configs.flatMap((config) => config.VpcConfig?.SubnetIds ?? []))];
  if (ids.length === 0) return;
  // A filter, not SubnetIds: a subnet deleted under a function is no error here.
  const out = await aws.ec2.DescribeSubnets({ Filters: [{ Name: 'subnet-id', Values: ids }] });
  for (const config of configs) checkNotOtherStacks(config, out.Subnets ?? [], stack);
}

/** A function belongs to at most one stack: one in another stack's private subnets is refused. */
function checkNotOtherStacks(config: FunctionConfiguration, subnets: Subnet[], stack: string): void {
  for (const subnetId of config.VpcConfig?.SubnetIds ?? []) {
    const subnet = subnets.find((s) => s.SubnetId === subnetId);
    const owner = tagValue(subnet?.Tags, TAG_STACK);
    if (owner && owner !== stack && tagValue(subnet?.Tags, TAG_ROLE) === 'private-subnet') {
      throw new FixedIpError(
        'FUNCTION_IN_OTHER_STACK',
        `function ${config.FunctionName ?? ''} belongs to stack ${owner} (it is in that stack's private subnet ${subnetId})`,
        {
          hint: `move it out first: fixed-ip detach --name ${owner} --function ${config.FunctionName ?? ''}`,
        },
      );
    }
  }
}

async function askFunctions(aws: AwsPort, ask: Asker): Promise<string[]> {
  return ask(
    undefined,
    async (ui) => (await import('./interactive.js')).askFunctions(ui, aws),
    () =>
      new FixedIpError('BAD_OPTION', 'no function given', { hint: 'pass --function <name> (repeatable)' }),
  );
}

function toTarget(ctx: StackContext, config: FunctionConfiguration): FunctionTarget {
  const name = config.FunctionName ?? '';
  const recorded = ctx.state.functions[name];
  return {
    name,
    arn: config.FunctionArn ?? '',
    role: config.Role ?? '',
    previous: recorded?.previous ?? previousOf(ctx, config),
    // A function that may send IPv6 is moved again: the move turns it off.
    attached: isAttached(ctx, config) && !leavesOverIpv6(config),
    lastUpdateStatus: config.LastUpdateStatus,
    staleAliases: recorded?.staleAliases ?? [],
    ...withRefusal(capacityProviderRefusal(config)),
  };
}

const withRefusal = (refusal: string | undefined) => (refusal ? { refusal } : {});

/**
 * Where a function goes back to when it leaves the stack: its network now, less what the stack
 * itself made. One put in the stack's subnets by hand has nothing else, and leaves the VPC (as a
 * function whose previous network was deleted does): those subnets go with the stack.
 */
function previousOf(ctx: StackContext, config: FunctionConfiguration): VpcConfigRecord {
  const stack = new Set(Object.values(ctx.state.resources).map((r) => r.id));
  const subnetIds = (config.VpcConfig?.SubnetIds ?? []).filter((id) => !stack.has(id));
  const securityGroupIds = (config.VpcConfig?.SecurityGroupIds ?? []).filter((id) => !stack.has(id));
  if (subnetIds.length === 0 || securityGroupIds.length === 0) return { subnetIds: [], securityGroupIds: [] };
  // Setup turns IPv6 off (see functions.ts); detach turns it back on where it was on.
  return config.VpcConfig?.Ipv6AllowedForDualStack === true
    ? { subnetIds, securityGroupIds, ipv6AllowedForDualStack: true }
    : { subnetIds, securityGroupIds };
}

/**
 * For each function setup is about to move: its tags (to keep its previous settings beside it)
 * and its aliases that serve a published version (those keep their old network). Functions the
 * stack holds already are not asked again: a re-run costs no call per function.
 */
async function readExtras(aws: AwsPort, targets: FunctionTarget[]): Promise<void> {
  await Promise.all(
    targets
      .filter((fn) => !fn.attached)
      .map(async (fn) => {
        const [extras, edge] = await Promise.all([
          functionExtras(aws, fn.arn || fn.name),
          fn.refusal || !fn.role ? undefined : edgeRoleRefusal(aws, fn.name, fn.role),
        ]);
        fn.tags = extras.tags;
        fn.staleAliases = extras.staleAliases;
        if (edge) fn.refusal = edge;
      }),
  );
}

/** Missing role permissions stop setup before anything changes, unless --fix-role (or yes at the question) fixes them. */
export async function checkRoles(
  aws: AwsPort,
  functions: FunctionTarget[],
  options: SetupOptions,
  ask: Asker,
): Promise<string[]> {
  const toFix = new Set<string>();
  const moving = functions.filter((fn) => !fn.attached);
  const results = await Promise.all(
    moving.map(async (fn) => ({ fn, missing: await missingRoleActions(aws, fn.role) })),
  );
  for (const { fn, missing } of results) {
    if (!missing || missing.length === 0) continue;
    const roleName = fn.role.split('/').pop() ?? fn.role;
    const fix =
      options.fixRole === true ||
      (await ask(
        false,
        async (ui) => (await import('./interactive.js')).askFixRole(ui, fn.name, roleName, missing),
        () => roleError(fn.name, fn.role, missing),
      ));
    if (!fix) {
      // Declined (or no --fix-role without a terminal): setup cannot succeed, as plan says (exit 6).
      throw roleError(fn.name, fn.role, missing);
    }
    toFix.add(roleName);
  }
  return [...toFix];
}

/** The kinds named by the retired records, for messages: "NAT gateway nat-0abc (ap-northeast-1c)". */
export function describeRecord(record: ResourceRecord): string {
  return `${kindOf(record.kind).title} ${record.id}${record.zone ? ` (${record.zone})` : ''}`;
}

export { identityKey };
