import type { NatModeName } from '../state/schema.js';
import { type Deps, makeContext, type StackContext } from '../model/context.js';
import type { StackState } from '../state/schema.js';
import { standingMonthlyUsd } from '../engine/cost.js';
import { spendSoFar } from '../engine/spend.js';
import { allowlistRecords, recipe, stepNumber } from '../engine/recipe.js';
import {
  type AllowlistCheck,
  type AllowlistSource,
  allowlistLine,
  compareAllowlist,
  liveEgressIps,
} from '../engine/allowlist.js';
import {
  loadWorld,
  INTERNET_GATEWAYS,
  NAT_GATEWAYS,
  ROUTE_TABLES,
  SUBNETS,
  type WorldPart,
} from '../model/world.js';
import { natHolding, parkedIps } from '../kinds/elastic-ip.js';
import { functionConfigsAround } from '../kinds/function-configs.js';
import { aliasWarning } from '../kinds/function-tags.js';
import { ipv6Problem, isAttached, leavesOverIpv6 } from '../kinds/functions.js';
import { kindOf, WORKLOADS } from '../kinds/index.js';
import { identityKey, isWorkload, type Check, type KindName, type WorkloadStatus } from '../model/kind.js';
import { recordsOf } from '../state/schema.js';
import { openStack, type StackOptions } from './stack.js';

export interface StatusOptions extends StackOptions {
  json?: boolean | undefined;
  /** --expect-ips: the allowlist as stated; a difference from the live egress IPs is reported. */
  expectIps?: readonly string[] | undefined;
  /** Where that list was stated (`--expect-ips`, `.fixed-ip/config.json`): reported as `allowlist.source`. */
  expectIpsSource?: AllowlistSource | undefined;
}

/** The stable `status --json` shape (README, "status --json"): fields may be added, none removed. */
export interface StatusReport {
  name: string;
  region: string;
  accountId: string;
  /** The first zone's IP (kept from the first release); `elasticIps` has every IP to allowlist. */
  elasticIp: string | null;
  elasticIps: string[];
  natMode: NatModeName;
  zones: string[];
  healthy: boolean;
  /** Torn down with --keep-eip: only the Elastic IPs are kept (and billed), ready for the next setup. */
  parked: boolean;
  natGateway: { id: string | null; state: string };
  /** `gone`: the function was deleted outside fixed-ip (not drift: the next setup drops it). */
  /** `staleAliases`: aliases serving a published version (recorded when setup moved the function). */
  /** `ipv6`: Ipv6AllowedForDualStack is on, so its IPv6 traffic could leave without the fixed IP. */
  functions: Array<{ name: string; attached: boolean; gone?: boolean; staleAliases?: string[]; ipv6?: true }>;
  /** The ECS services the stack holds (`cluster/service`), with where their running tasks are. */
  services: WorkloadStatus[];
  /** Functions in the stack's private subnets that the stack does not hold (moved there by hand): drift. */
  unmanagedFunctions: Array<{ name: string; subnetIds: string[] }>;
  resources: Array<{
    step: number;
    type: string;
    zone: string | null;
    id: string | null;
    owned: boolean;
    state: string;
    ok: boolean;
    problem?: string;
  }>;
  problems: string[];
  monthlyCostUsd: number;
  /** What the stack's live resources have cost since they began (hours at list prices; no traffic). */
  costSoFarUsd: number;
  /** When the first of them began (null: AWS does not say). */
  costSince: string | null;
  stateFile: string;
  foundByTags: boolean;
  /** With --expect-ips: the stated allowlist against the IPs traffic leaves from now. */
  allowlist?: AllowlistCheck;
  /** `ALLOWLIST_CHANGED` when the live egress IPs differ from --expect-ips. */
  code?: 'ALLOWLIST_CHANGED';
}

/** `fixed-ip status`: the IPs, and whether everything is still wired as setup left it. Read-only. */
export async function status(options: StatusOptions, deps: Deps): Promise<StatusReport> {
  const { report: inspected, ctx } = await inspect(options, deps);
  const report = withAllowlist(inspected, ctx, options.expectIps, options.expectIpsSource);
  print(deps, report, options.json === true);
  return report;
}

/**
 * What status reports, and the stack's context with the world it read (for export, which reads
 * `moreParts` of it too). Read-only; prints nothing.
 */
export async function inspect(
  options: StackOptions,
  deps: Deps,
  moreParts: (state: StackState) => readonly WorldPart[] = () => [],
): Promise<{ report: StatusReport; ctx: StackContext }> {
  const store = deps.openStore(options.name, options.state);
  const { aws, identity, state, discovered } = await openStack(options, deps, store);
  // What the kinds of this shape read to check themselves, beyond the parts every shape needs.
  const needs = recipe(state.shape, { newVpc: false }).flatMap((node) =>
    isWorkload(node.step) ? [] : (kindOf(node.step.name).needs ?? []),
  );
  const privateSubnets = new Set(recordsOf(state, 'privateSubnet').map((r) => r.id));
  const [world, { configs, others }] = await Promise.all([
    loadWorld(aws, { vpcId: state.resources.vpc?.id, stack: options.name }, [
      ...new Set([SUBNETS, ROUTE_TABLES, NAT_GATEWAYS, INTERNET_GATEWAYS, ...needs, ...moreParts(state)]),
    ]),
    functionConfigsAround(aws, Object.keys(state.functions), privateSubnets),
  ]);
  world.functions = [...configs.values()];
  // An Elastic IP on no NAT gateway may have been released: only then is it worth a call to ask.
  if (
    !world.loaded.has('addresses') &&
    recordsOf(state, 'elasticIp').some((eip) => !natHolding(world, eip.id))
  ) {
    world.addresses = (await aws.ec2.DescribeAddresses({})).Addresses ?? [];
    world.loaded.add('addresses');
  }
  const ctx = makeContext({ name: options.name, aws, deps, store, state, world });
  // The workloads beyond functions (ECS services) read themselves.
  await Promise.all(WORKLOADS.map((workload) => workload.load?.(ctx) ?? Promise.resolve()));
  // Every workload that reports itself (functions are reported below, with their aliases).
  const services = WORKLOADS.flatMap((workload) => workload.report?.(ctx) ?? []);

  const resources: StatusReport['resources'] = [];
  const problems: string[] = [];
  // After `teardown --keep-eip` only the Elastic IP is left: report it, not every step missing.
  const kept = parkedIps(state);
  const onlyKeptEip = kept !== undefined;
  const nodes = recipe(state.shape, { newVpc: false }).filter((node) => !isWorkload(node.step));
  const listed = new Set(nodes.map((node) => node.key));
  // Resources the shape no longer uses (a kept Elastic IP, one still held by Lambda) are shown too.
  const extra = Object.entries(state.resources).filter(([key]) => !listed.has(key) && key !== 'vpc');
  const vpc = state.resources.vpc;
  if (vpc)
    resources.push({
      step: 0,
      type: 'vpc',
      zone: null,
      id: vpc.id,
      owned: vpc.owned,
      state: 'recorded',
      ok: true,
    });
  for (const { step, zone } of [
    ...nodes,
    ...extra.map(([, record]) => ({ step: kindOf(record.kind), zone: record.zone })),
  ]) {
    const record = state.resources[identityKey({ kind: step.name as KindName, zone })];
    if (onlyKeptEip && step.name !== 'elasticIp') continue;
    const check: Check = step.check(ctx, zone);
    resources.push({
      step: step.article,
      type: step.name,
      zone: zone ?? null,
      id: check.id ?? null,
      owned: record?.owned ?? false,
      state: check.state,
      ok: check.ok,
      ...(check.problem ? { problem: check.problem } : {}),
    });
    if (!check.ok && check.problem) problems.push(check.problem);
  }
  const functions: StatusReport['functions'] = Object.keys(state.functions).map((name) => {
    const config = world.functions.find((f) => f.FunctionName === name);
    // Deleted outside fixed-ip: nothing to repair; the next setup (or detach) drops it.
    if (!config) return { name, attached: false, gone: true };
    const aliases = state.functions[name]?.staleAliases ?? [];
    return {
      name,
      attached: isAttached(ctx, config),
      ...(aliases.length ? { staleAliases: aliases } : {}),
      ...(leavesOverIpv6(config) ? { ipv6: true as const } : {}),
    };
  });
  for (const fn of functions) {
    if (fn.gone) continue;
    if (!fn.attached)
      problems.push(
        `${fn.name} is not in the stack's private subnets; run fixed-ip setup --name ${options.name} to move it back`,
      );
  }
  const overIpv6 = functions.filter((fn) => fn.ipv6 && fn.attached).map((fn) => fn.name);
  if (overIpv6.length > 0) problems.push(ipv6Problem(overIpv6, options.name));
  const unmanagedFunctions = others.map((config) => ({
    name: config.FunctionName ?? '',
    subnetIds: (config.VpcConfig?.SubnetIds ?? []).filter((id) => privateSubnets.has(id)),
  }));
  for (const fn of unmanagedFunctions) problems.push(unmanagedProblem(options.name, fn));
  for (const service of services) if (service.problem) problems.push(service.problem);
  const serves = [...functions, ...services].some((w) => w.gone !== true);
  if (!serves && problems.length === 0 && !onlyKeptEip) {
    problems.push(
      `stack ${options.name} has no functions; run fixed-ip setup --name ${options.name} --function <name>`,
    );
  }
  const soFar = spendSoFar(aws.region, state, world, new Date(deps.clock.now()));
  const nats = [...recordsOf(state, 'natGateway'), ...recordsOf(state, 'regionalNatGateway')];
  const firstNat = nats.find((n) => n.zone === state.shape.zones[0]) ?? nats[0];
  const nat = world.natGateways.find((n) => n.NatGatewayId === firstNat?.id);
  // A released address is never printed as one to allowlist.
  const released = new Set(
    resources.filter((r) => r.type === 'elasticIp' && r.state === 'released').map((r) => r.id),
  );
  const ips = allowlistRecords(state)
    .filter((r) => !released.has(r.id))
    .map((r) => r.publicIp);
  const report: StatusReport = {
    name: options.name,
    region: aws.region,
    accountId: identity.accountId,
    elasticIp: ips[0] ?? kept?.[0] ?? null,
    elasticIps: ips,
    natMode: state.shape.nat,
    zones: state.shape.zones,
    healthy: problems.length === 0 && serves,
    parked: onlyKeptEip && problems.length === 0,
    natGateway: { id: firstNat?.id ?? null, state: nat?.State ?? 'missing' },
    functions,
    services,
    unmanagedFunctions,
    resources,
    problems,
    monthlyCostUsd: standingMonthlyUsd(aws.region, state),
    costSoFarUsd: soFar.usd,
    costSince: soFar.startKnown ? soFar.start : null,
    stateFile: store.path,
    foundByTags: discovered,
  };
  return { report, ctx };
}

/** The report with the stated allowlist checked against the live egress IPs (when one is stated). */
function withAllowlist(
  report: StatusReport,
  ctx: StackContext,
  expected: readonly string[] | undefined,
  source: AllowlistSource | undefined,
): StatusReport {
  if (expected === undefined) return report;
  const allowlist = {
    ...compareAllowlist(expected, liveEgressIps(ctx)),
    ...(source === undefined ? {} : { source }),
  };
  return allowlist.ok ? { ...report, allowlist } : { ...report, allowlist, code: 'ALLOWLIST_CHANGED' };
}

/** A function in the stack's subnets that the stack does not hold: teardown would strand it. */
function unmanagedProblem(stack: string, fn: { name: string; subnetIds: string[] }): string {
  return `function ${fn.name} is in the stack's private subnets (${fn.subnetIds.join(', ')}) but not in stack ${stack}, so it loses internet access when the stack is torn down; run fixed-ip attach --name ${stack} --function ${fn.name}, or move it out of the stack's subnets`;
}

function print(deps: Deps, report: StatusReport, json: boolean): void {
  const { ui } = deps;
  if (json) {
    ui.result(JSON.stringify(report));
    return;
  }
  ui.result(
    report.elasticIps.length > 0 ? report.elasticIps.join('\n') : (report.elasticIp ?? '(no Elastic IP)'),
  );
  for (const resource of report.resources) {
    const mark = resource.ok ? '✔' : '✖';
    const number = resource.step >= 1 && resource.step <= 6 ? stepNumber(resource.step) : '   ';
    const title =
      resource.type === 'vpc' ? 'VPC' : kindOf(resource.type as Parameters<typeof kindOf>[0]).title;
    const where = resource.zone ? ` ${resource.zone}` : '';
    ui.result(
      `${mark} ${number} ${`${title}${where}`.padEnd(34)} ${(resource.id ?? '-').padEnd(26)} ${resource.owned ? 'created' : 'reused '} ${resource.state}`,
    );
  }
  for (const fn of report.functions) {
    if (fn.gone) {
      ui.result(
        `-  →  function ${fn.name} no longer exists (deleted outside fixed-ip; the next setup drops it)`,
      );
      continue;
    }
    ui.result(
      `${fn.attached ? '✔' : '✖'}  →  function ${fn.name} ${fn.attached ? 'attached to the private subnets' : 'NOT attached'}`,
    );
    if (fn.staleAliases) ui.result(`⚠  ${aliasWarning(fn.name, fn.staleAliases)}`);
    if (fn.ipv6)
      ui.result(`✖  ${fn.name} may send IPv6 (Ipv6AllowedForDualStack on), which does not pass the NAT`);
  }
  for (const service of report.services)
    ui.result(
      service.gone
        ? `-  →  ECS service ${service.name} no longer exists (deleted outside fixed-ip; the next setup drops it)`
        : `${service.attached && !service.problem ? '✔' : '✖'}  →  ECS service ${service.name} ${service.attached ? 'attached to the private subnets' : 'NOT attached'}${service.detail ? ` (${service.detail})` : ''}`,
    );
  for (const fn of report.unmanagedFunctions)
    ui.result(`✖  →  function ${fn.name} in the private subnets, NOT in the stack (moved there by hand)`);
  for (const problem of report.problems) ui.result(`! ${problem}`);
  if (report.allowlist)
    ui.result(
      report.allowlist.ok
        ? `✔ The allowlist holds: traffic leaves from ${report.allowlist.live.join(', ')}, as stated`
        : `✖ ${allowlistLine(report.allowlist)}`,
    );
  ui.result(`Cost: about ${report.monthlyCostUsd.toFixed(2)} USD a month in ${report.region}`);
  if (report.costSince)
    ui.result(
      `Cost so far: about ${report.costSoFarUsd.toFixed(2)} USD since ${report.costSince.slice(0, 10)} (hours at list prices; with traffic, and as billed: fixed-ip cost)`,
    );
  if (report.parked) {
    const ips = report.elasticIps.length > 0 ? report.elasticIps : [report.elasticIp ?? ''];
    ui.result(
      `Stack ${report.name} is parked: only its Elastic IP${ips.length > 1 ? 's' : ''} ${ips.join(', ')} ${ips.length > 1 ? 'are' : 'is'} kept (about ${report.monthlyCostUsd.toFixed(2)} USD a month while idle); fixed-ip setup --name ${report.name} brings it back with the same IP`,
    );
    return;
  }
  ui.result(report.healthy ? `Stack ${report.name} is healthy` : `Stack ${report.name} needs attention`);
}
