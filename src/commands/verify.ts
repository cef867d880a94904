import {
  type AllowlistCheck,
  type AllowlistSource,
  allowlistLine,
  compareAllowlist,
} from '../engine/allowlist.js';
import { randomUUID } from 'node:crypto';
import { awsErrorName } from '../aws/errors.js';
import type { AwsPort } from '../aws/port.js';
import { type Deps, makeContext } from '../model/context.js';
import { allowlistRecords, recipe, type RecipeNode, worldPartsFor } from '../engine/recipe.js';
import { POLL, pollUntil } from '../model/wait.js';
import { MANAGED_BY, TAG_MANAGED_BY, TAG_ROLE, TAG_STACK } from '../model/tags.js';
import { loadWorld } from '../model/world.js';
import { EXIT_CODES, ExitCode, FixedIpError } from '../errors.js';
import type { Ui } from '../ports/ui.js';
import { VPC_ACCESS_POLICY } from '../kinds/functions.js';
import { recordOf, type StackState } from '../state/schema.js';
import type { StateStore } from '../state/store.js';
import {
  PROBE_HANDLER,
  PROBE_RUNTIME,
  PROBE_TIMEOUT_SECONDS,
  CHECKIP_URL,
  probePackage,
} from '../verify/probe-package.js';
import {
  createProbeRole,
  grantVpcAccess,
  PROBE_PREFIX,
  PROBE_ROLE_TAG,
  probeRoleName,
  probeTags,
  removeProbeRole,
  TAG_VERIFY_RUN,
} from '../verify/probe-role.js';
import { openStack, type StackOptions } from './stack.js';

export interface VerifyOptions extends StackOptions {
  json?: boolean | undefined;
  /** --expect-ips: the allowlist as stated; the IPs the probes saw are held to it. */
  expectIps?: readonly string[] | undefined;
  /** Where that list was stated (`--expect-ips`, `.fixed-ip/config.json`): reported as `allowlist.source`. */
  expectIpsSource?: AllowlistSource | undefined;
}

/** What one zone's probe saw. */
export interface ZoneVerdict {
  zone: string;
  subnetId: string;
  /** The address checkip.amazonaws.com saw, or null when the probe never got there. */
  publicIp: string | null;
  allowlisted: boolean;
  /** allowlisted; notAllowlisted (another IP); noInternet (the probe timed out); failed (it ran, and broke). */
  outcome: 'allowlisted' | 'notAllowlisted' | 'noInternet' | 'failed';
  detail?: string;
  /** From status's checks of this zone's path: the first link that is broken. */
  likelyCause?: string;
}

/** The `verify --json` shape (README, "JSON output"): fields may be added, none removed. */
export interface VerifyReport {
  name: string;
  region: string;
  ok: boolean;
  /**
   * Some zone's traffic was seen leaving from elsewhere, or not at all: drift (exit 3). False when
   * every zone that is not verified is one whose probe broke before it could look (exit 1).
   */
  drifted: boolean;
  elasticIps: string[];
  zones: ZoneVerdict[];
  /** The probe functions made and deleted (names), and any that could not be deleted. */
  probes: string[];
  leftover: string[];
  /** With --expect-ips, when every probe saw an IP: the stated allowlist against what they saw. */
  allowlist?: AllowlistCheck;
  /** `ALLOWLIST_CHANGED` when the probes saw IPs other than --expect-ips (exit 8). */
  code?: 'ALLOWLIST_CHANGED';
}

const PROBE_DESCRIPTION = 'fixed-ip verify probe: deleted when verify ends';
const ACTIVE_WITHIN_MS = 5 * 60_000;
/**
 * A probe of this stack older than this is a leftover of a killed verify (a probe lives at most
 * about 6 minutes: 5 to start, 15 s to answer); a younger one may be another verify's, running.
 */
const LEFTOVER_AFTER_MS = 15 * 60_000;

/**
 * `fixed-ip verify`: proof from inside the VPC. One short-lived probe function per zone, in that
 * zone's private subnet only and with the stack's security group (so it shares the network
 * interfaces the stack's functions already hold), run with a role this run makes for its probes
 * (VPC access only). Each asks checkip.amazonaws.com for its address. What this run made, and only
 * that, is removed whatever happens.
 */
export async function verify(options: VerifyOptions, deps: Deps): Promise<VerifyReport> {
  const store = deps.openStore(options.name, options.state);
  const { aws, state, identity } = await openStack(options, deps, store);
  const { ui } = deps;
  const group = recordOf(state, 'securityGroup');
  const zones = state.shape.zones.map((zone) => ({ zone, subnet: recordOf(state, 'privateSubnet', zone) }));
  const missing = zones.find((z) => z.subnet === undefined);
  if (!group || missing) {
    throw new FixedIpError(
      'DRIFTED',
      `stack ${options.name} has no ${group ? `private subnet in ${missing?.zone ?? ''}` : 'security group'} to verify from`,
      { hint: 'run fixed-ip setup to repair it first' },
    );
  }
  const zip = probePackage();
  const run = randomUUID().slice(0, 8);
  const probes = zones.map(({ zone, subnet }) => ({
    zone,
    subnetId: subnet?.id ?? '',
    name: probeName(options.name, zone),
  }));
  // Nothing is made while a probe's name is taken by a function that is not a leftover of ours.
  await clearNames(
    aws,
    deps,
    options.name,
    probes.map((p) => p.name),
  );
  // Zones whose network interface no function of the stack holds: a probe there makes one, which
  // Lambda deletes later with the probe's role, so that role must outlive this run.
  const held = await heldPairs(aws, state, group.id);
  const elasticIps = allowlistRecords(state).map((r) => r.publicIp);
  const verdicts: ZoneVerdict[] = [];
  // What this run made, and so the only things its clean-up removes.
  const created = new Set<string>();
  const roleName = probeRoleName(options.name, run);
  let roleMade = false;
  let leftover: string[];
  try {
    // The name holds this run's id: a role of that name is this run's (an answer lost, retried).
    const role = await createProbeRole(aws, identity.arn, roleName, options.name, run);
    roleMade = true;
    await grantVpcAccess(aws, roleName);
    const outcomes = await Promise.allSettled(
      probes.map((probe) =>
        runProbe(aws, deps, created, {
          ...probe,
          role,
          groupId: group.id,
          zip,
          stack: options.name,
          run,
        }),
      ),
    );
    const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failure) throw failure.reason;
    for (const [index, outcome] of outcomes.entries()) {
      const probe = probes[index];
      if (!probe || outcome.status !== 'fulfilled') continue;
      verdicts.push(judge(probe, outcome.value, elasticIps));
    }
  } finally {
    leftover = await removeProbes(aws, ui, [...created]);
    if (roleMade) {
      const newPairs = probes.filter((p) => created.has(p.name) && !held.has(p.subnetId)).map((p) => p.zone);
      leftover.push(...(await removeRole(aws, ui, roleName, leftover, newPairs)));
    }
  }
  if (verdicts.some((v) => !v.allowlisted)) await explain(aws, deps, store, state, options.name, verdicts);
  const report: VerifyReport = {
    name: options.name,
    region: aws.region,
    ok: verdicts.every((v) => v.allowlisted),
    drifted: verdicts.some((v) => v.outcome === 'notAllowlisted' || v.outcome === 'noInternet'),
    elasticIps,
    zones: verdicts,
    probes: probes.map((p) => p.name).filter((name) => created.has(name)),
    leftover,
    ...heldTo(options.expectIps, options.expectIpsSource, verdicts),
  };
  // An ECS service's tasks leave the same way the probes do: no probe of their own is needed.
  const services = Object.keys(state.services ?? {});
  if (services.length > 0 && report.ok)
    ui.notify({
      level: 'info',
      code: 'verify.services',
      text: `This holds for ECS service${services.length > 1 ? 's' : ''} ${services.join(', ')} too: ${services.length > 1 ? 'their' : 'its'} tasks run in the same private subnets, through the same routes, with the stack's security group (outbound open) beside ${services.length > 1 ? 'their' : 'its'} own, and no public IP; fixed-ip status checks that ${services.length > 1 ? 'they are' : 'it is'} still attached and where ${services.length > 1 ? 'their' : 'its'} tasks run`,
    });
  print(ui, report, options.json === true);
  return report;
}

/** The IPs the probes saw against the stated allowlist; nothing when none is stated or a probe saw nothing. */
function heldTo(
  expected: readonly string[] | undefined,
  source: AllowlistSource | undefined,
  verdicts: readonly ZoneVerdict[],
): Pick<VerifyReport, 'allowlist' | 'code'> {
  if (expected === undefined || verdicts.length === 0 || verdicts.some((v) => v.publicIp === null)) return {};
  const allowlist = {
    ...compareAllowlist(expected, [...new Set(verdicts.map((v) => v.publicIp ?? ''))].sort()),
    ...(source === undefined ? {} : { source }),
  };
  return allowlist.ok ? { allowlist } : { allowlist, code: 'ALLOWLIST_CHANGED' };
}

/** verify's exit: 0 verified, 3 traffic seen going astray (drift), 1 a probe that broke and saw nothing. */
export function verifyExit(report: VerifyReport): ExitCode {
  // A changed allowlist outranks the rest: it is what a partner's firewall sees.
  if (report.code) return EXIT_CODES[report.code];
  if (report.ok) return ExitCode.ok;
  return report.drifted ? ExitCode.drifted : ExitCode.error;
}

/** `fixed-ip-probe-<stack>-<zone>`: one name per stack and zone, so a killed run's probe is found again. */
export function probeName(stack: string, zone: string): string {
  return `${PROBE_PREFIX}${stack}-${zone}`.replace(/[^a-zA-Z0-9-_]/g, '-').slice(0, 64);
}

/**
 * The private subnets where a function of the stack already holds Lambda's network interface for
 * (subnet, the stack's security group): a probe there shares it.
 */
async function heldPairs(aws: AwsPort, state: StackState, groupId: string): Promise<Set<string>> {
  const held = new Set<string>();
  for (const name of Object.keys(state.functions)) {
    try {
      const config = await aws.lambda.GetFunctionConfiguration({ FunctionName: name });
      const groups = config.VpcConfig?.SecurityGroupIds ?? [];
      if (groups.length !== 1 || groups[0] !== groupId) continue;
      for (const subnet of config.VpcConfig?.SubnetIds ?? []) held.add(subnet);
    } catch (error) {
      if (awsErrorName(error) !== 'ResourceNotFoundException') throw error;
    }
  }
  return held;
}

/**
 * Removes the run's role, unless a probe could not be deleted (it still uses it) or a probe made a
 * network interface of its own (Lambda deletes it with the role, up to 20 minutes later): then the
 * role stays, named with the commands that remove it. Returns what stays.
 */
async function removeRole(
  aws: AwsPort,
  ui: Ui,
  name: string,
  probesLeft: readonly string[],
  newPairs: readonly string[],
): Promise<string[]> {
  const later = `aws iam detach-role-policy --role-name ${name} --policy-arn ${VPC_ACCESS_POLICY} && aws iam delete-role --role-name ${name}`;
  if (probesLeft.length > 0 || newPairs.length > 0) {
    ui.notify({
      level: 'warn',
      code: 'verify.role.kept',
      text:
        probesLeft.length > 0
          ? `Kept the probe role ${name}: ${probesLeft.join(', ')} still ${probesLeft.length > 1 ? 'use' : 'uses'} it; once deleted, remove the role with: ${later}`
          : `Kept the probe role ${name}: Lambda deletes the probe's network interface in ${newPairs.join(', ')} with it (up to 20 minutes); remove it afterwards with: ${later}`,
    });
    return [name];
  }
  try {
    await removeProbeRole(aws, name);
    return [];
  } catch (error) {
    ui.notify({
      level: 'warn',
      code: 'verify.leftover',
      text: `Could not delete the probe role ${name} (${awsErrorName(error) ?? String(error)}); delete it with: ${later}`,
    });
    return [name];
  }
}

interface ProbeSpec {
  zone: string;
  subnetId: string;
  name: string;
  role: string;
  groupId: string;
  zip: Uint8Array;
  stack: string;
  /** This verify run's id, tagged on what it makes. */
  run: string;
}

/** The tags of a function, or undefined when there is none of that name (no lambda:ListTags: none read). */
async function tagsOf(aws: AwsPort, name: string): Promise<Record<string, string> | undefined> {
  try {
    return (await aws.lambda.GetFunction({ FunctionName: name })).Tags ?? {};
  } catch (error) {
    if (awsErrorName(error) === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

/** Whether tags prove a function is one of this stack's verify probes. */
function isProbeOf(tags: Record<string, string>, stack: string): boolean {
  return (
    tags[TAG_STACK] === stack && tags[TAG_MANAGED_BY] === MANAGED_BY && tags[TAG_ROLE] === PROBE_ROLE_TAG
  );
}

/**
 * Before anything is made: each probe's name must be free. A function that is not provably one of
 * this stack's probes is never touched (verify stops, naming it); a probe of this stack left by a
 * killed verify is removed; one made minutes ago belongs to a verify still running.
 */
async function clearNames(aws: AwsPort, deps: Deps, stack: string, names: readonly string[]): Promise<void> {
  for (const name of names) {
    const tags = await tagsOf(aws, name);
    if (tags === undefined) continue;
    if (!isProbeOf(tags, stack)) {
      throw new FixedIpError(
        'BAD_OPTION',
        `a function named ${name} exists and is not a fixed-ip verify probe of stack ${stack}: verify leaves it alone and made nothing`,
        {
          hint: 'rename that function (verify names its probes fixed-ip-probe-<stack>-<zone>), then run fixed-ip verify again',
        },
      );
    }
    const config = await aws.lambda.GetFunctionConfiguration({ FunctionName: name });
    const modified = Date.parse(config.LastModified ?? '');
    if (Number.isNaN(modified) || deps.clock.now() - modified < LEFTOVER_AFTER_MS) {
      throw new FixedIpError(
        'LOCKED',
        `another fixed-ip verify of stack ${stack} is running (its probe ${name} was made ${config.LastModified ?? 'just now'})`,
        {
          hint: `wait for it to end; if none is running, delete the probe with: aws lambda delete-function --function-name ${name}`,
        },
      );
    }
    deps.ui.notify({
      level: 'info',
      code: 'verify.leftover.removed',
      text: `Removing ${name}, a probe an earlier, interrupted verify of stack ${stack} left behind`,
    });
    try {
      await aws.lambda.DeleteFunction({ FunctionName: name });
    } catch (error) {
      if (awsErrorName(error) !== 'ResourceNotFoundException') throw error;
    }
  }
}

type ProbeAnswer = { publicIp: string } | { noInternet: string } | { failed: string };

async function runProbe(
  aws: AwsPort,
  deps: Deps,
  created: Set<string>,
  spec: ProbeSpec,
): Promise<ProbeAnswer> {
  const progress = deps.ui.progress('verify.probe', `Starting a probe in ${spec.zone} (${spec.subnetId})`);
  try {
    await createProbe(aws, deps, spec);
    created.add(spec.name);
    const config = await pollUntil(
      async () => {
        const current = await aws.lambda.GetFunctionConfiguration({ FunctionName: spec.name });
        progress.update(`Starting a probe in ${spec.zone}: Lambda says ${current.State ?? 'Pending'}`);
        return current.State === 'Pending' ? undefined : current;
      },
      {
        clock: deps.clock,
        signal: deps.signal,
        schedule: POLL.functionUpdated,
        timeoutMs: ACTIVE_WITHIN_MS,
        onTimeout: () =>
          new FixedIpError(
            'FUNCTION_UPDATE_TIMEOUT',
            `the probe in ${spec.zone} was still Pending after 5 minutes`,
            {
              hint: 'run fixed-ip verify again later',
            },
          ),
      },
    );
    if (config.State !== 'Active') {
      const why = config.StateReason ?? config.State ?? 'unknown state';
      progress.fail(`The probe in ${spec.zone} did not start: ${why}`);
      return { failed: `the probe did not start: ${why}` };
    }
    progress.update(`Asking ${CHECKIP_URL} from ${spec.zone}`);
    const answer = readAnswer(
      await aws.lambda.Invoke({ FunctionName: spec.name, InvocationType: 'RequestResponse' }),
    );
    if ('publicIp' in answer) progress.succeed(`Probe in ${spec.zone} reached the internet`);
    else
      progress.warn(`Probe in ${spec.zone}: ${'noInternet' in answer ? answer.noInternet : answer.failed}`);
    return answer;
  } catch (error) {
    progress.fail(`The probe in ${spec.zone} could not run`);
    throw error;
  }
}

/** IAM is eventually consistent: Lambda may not see a role made seconds ago, nor its policy. */
const ROLE_NOT_READY = /cannot be assumed by Lambda|does not have permissions to call CreateNetworkInterface/;
const ROLE_READY_WITHIN_MS = 2 * 60_000;

async function createProbe(aws: AwsPort, deps: Deps, spec: ProbeSpec): Promise<void> {
  const create = (): Promise<unknown> =>
    aws.lambda.CreateFunction({
      FunctionName: spec.name,
      Runtime: PROBE_RUNTIME,
      Handler: PROBE_HANDLER,
      Role: spec.role,
      Code: { ZipFile: spec.zip },
      Description: PROBE_DESCRIPTION,
      Timeout: PROBE_TIMEOUT_SECONDS,
      MemorySize: 128,
      VpcConfig: { SubnetIds: [spec.subnetId], SecurityGroupIds: [spec.groupId] },
      Tags: probeTags(spec.stack, spec.run),
    });
  try {
    await pollUntil(
      async () => {
        try {
          await create();
          return true;
        } catch (error) {
          const message = error instanceof Error ? error.message : '';
          if (awsErrorName(error) === 'InvalidParameterValueException' && ROLE_NOT_READY.test(message))
            return undefined;
          throw error;
        }
      },
      {
        clock: deps.clock,
        signal: deps.signal,
        schedule: POLL.roleUsable,
        timeoutMs: ROLE_READY_WITHIN_MS,
        onTimeout: () =>
          new FixedIpError(
            'AWS_ERROR',
            `Lambda still cannot use the probe role ${spec.role} after 2 minutes`,
            {
              hint: 'run fixed-ip verify again later',
            },
          ),
      },
    );
  } catch (error) {
    if (awsErrorName(error) !== 'ResourceConflictException') throw error;
    // Made by this run (an answer lost, then retried) is ours; anything else appeared since the
    // names were checked, and is left alone.
    const tags = await tagsOf(aws, spec.name);
    if (tags?.[TAG_VERIFY_RUN] === spec.run && isProbeOf(tags, spec.stack)) return;
    throw new FixedIpError(
      'LOCKED',
      `a function named ${spec.name} appeared while verify ran (another verify of stack ${spec.stack}?): verify leaves it alone`,
      {
        hint: 'run fixed-ip verify again once the other run has ended',
        cause: error,
      },
    );
  }
}

/** Lambda's answer: the payload, or how it failed (a timeout is Sandbox.Timedout). */
function readAnswer(output: {
  FunctionError?: string | undefined;
  Payload?: Uint8Array | undefined;
}): ProbeAnswer {
  const text = output.Payload ? new TextDecoder().decode(output.Payload) : '';
  let body: { publicIp?: unknown; errorType?: unknown; errorMessage?: unknown } = {};
  try {
    body = JSON.parse(text || '{}') as typeof body;
  } catch {
    return { failed: `the probe answered ${text.slice(0, 80)}` };
  }
  if (!output.FunctionError && typeof body.publicIp === 'string') return { publicIp: body.publicIp };
  const type = typeof body.errorType === 'string' ? body.errorType : (output.FunctionError ?? 'error');
  const message = typeof body.errorMessage === 'string' ? body.errorMessage : '';
  // The function timed out, or its fetch did: either way there is no way out to the internet.
  if (type === 'Sandbox.Timedout' || type === 'TimeoutError' || /fetch failed|timed out/i.test(message))
    return { noInternet: `no internet: the probe timed out (${message || type})` };
  return { failed: `the probe failed: ${type}${message ? `: ${message}` : ''}` };
}

function judge(
  probe: { zone: string; subnetId: string },
  answer: ProbeAnswer,
  elasticIps: readonly string[],
): ZoneVerdict {
  const base = { zone: probe.zone, subnetId: probe.subnetId };
  if ('publicIp' in answer) {
    const allowlisted = elasticIps.includes(answer.publicIp);
    return {
      ...base,
      publicIp: answer.publicIp,
      allowlisted,
      outcome: allowlisted ? 'allowlisted' : 'notAllowlisted',
      ...(allowlisted ? {} : { detail: `${answer.publicIp} is not one of the stack's Elastic IPs` }),
    };
  }
  return 'noInternet' in answer
    ? { ...base, publicIp: null, allowlisted: false, outcome: 'noInternet', detail: answer.noInternet }
    : { ...base, publicIp: null, allowlisted: false, outcome: 'failed', detail: answer.failed };
}

/** Deletes every probe (already gone is fine); returns the names that could not be deleted. */
async function removeProbes(aws: AwsPort, ui: Ui, names: readonly string[]): Promise<string[]> {
  const results = await Promise.allSettled(
    names.map(async (name) => {
      try {
        await aws.lambda.DeleteFunction({ FunctionName: name });
      } catch (error) {
        if (awsErrorName(error) !== 'ResourceNotFoundException') throw error;
      }
    }),
  );
  const left = names.filter((_, index) => results[index]?.status === 'rejected');
  for (const [index, name] of names.entries()) {
    const result = results[index];
    if (result?.status !== 'rejected') continue;
    ui.notify({
      level: 'warn',
      code: 'verify.leftover',
      text: `Could not delete the probe function ${name} (${awsErrorName(result.reason) ?? String(result.reason)}); delete it with: aws lambda delete-function --function-name ${name}`,
    });
  }
  return left;
}

/** The nodes a zone's traffic passes through: its private route table and everything that waits on. */
function pathOf(nodes: readonly RecipeNode[], zone: string): RecipeNode[] {
  const byKey = new Map(nodes.map((node) => [node.key, node]));
  const seen = new Set<string>();
  const walk = (key: string): void => {
    if (seen.has(key)) return;
    seen.add(key);
    for (const next of byKey.get(key)?.after ?? []) walk(next);
  };
  walk(`privateRouteTable@${zone}`);
  // A NAT in a public subnet gets out through that subnet's route table, which nothing waits on.
  for (const key of [...seen])
    if (key.startsWith('publicSubnet@')) walk(key.replace('publicSubnet', 'publicRouteTable'));
  return nodes.filter((node) => seen.has(node.key)).sort((a, b) => a.step.article - b.step.article);
}

/** status's checks on each failing zone's path: the first broken link is the likely cause. */
async function explain(
  aws: AwsPort,
  deps: Deps,
  store: StateStore,
  state: StackState,
  name: string,
  verdicts: ZoneVerdict[],
): Promise<void> {
  // What every kind of the shape reads to check itself (a NAT instance's groups, interfaces, role).
  const world = await loadWorld(
    aws,
    { vpcId: state.resources.vpc?.id, stack: name },
    worldPartsFor(
      [state.shape],
      Object.values(state.resources).map((r) => r.kind),
    ),
  );
  const ctx = makeContext({ name, aws, deps, store, state, world });
  const nodes = recipe(state.shape, { newVpc: false });
  for (const verdict of verdicts) {
    if (verdict.allowlisted) continue;
    for (const node of pathOf(nodes, verdict.zone)) {
      const check = node.step.check(ctx, node.zone);
      if (check.ok) continue;
      verdict.likelyCause = check.problem ?? `${node.step.title} is ${check.state}`;
      break;
    }
    verdict.likelyCause ??=
      verdict.outcome === 'notAllowlisted'
        ? "status finds this zone's path intact: the traffic may leave through a route fixed-ip does not manage"
        : "status finds this zone's path intact; run fixed-ip verify again in a minute";
  }
}

function print(ui: Ui, report: VerifyReport, json: boolean): void {
  if (json) {
    ui.result(JSON.stringify(report));
    return;
  }
  for (const zone of report.zones) {
    const width = Math.max(...report.zones.map((z) => z.zone.length));
    const where = zone.zone.padEnd(width);
    if (zone.allowlisted)
      ui.result(`✔ ${where}  ${zone.publicIp ?? ''}  allowlisted (one of the stack's Elastic IPs)`);
    else if (zone.publicIp) ui.result(`✖ ${where}  ${zone.publicIp}  NOT allowlisted`);
    else ui.result(`✖ ${where}  ${zone.detail ?? 'no answer'}`);
    if (!zone.allowlisted && zone.likelyCause) ui.result(`    likely cause: ${zone.likelyCause}`);
  }
  if (report.allowlist && !report.allowlist.ok) ui.result(`✖ ${allowlistLine(report.allowlist)}`);
  const zones = (outcomes: ReadonlyArray<ZoneVerdict['outcome']>): string[] =>
    report.zones.filter((z) => outcomes.includes(z.outcome)).map((z) => z.zone);
  const astray = zones(['notAllowlisted', 'noInternet']);
  const broken = zones(['failed']);
  ui.result(
    report.ok
      ? `Verified: every zone's traffic leaves from an allowlisted IP (${report.elasticIps.join(', ')})`
      : [
          ...(astray.length > 0
            ? [`${astray.join(', ')} ${astray.length > 1 ? 'do' : 'does'} not leave from the stack's IPs`]
            : []),
          // A probe that broke saw nothing: not drift, and not proof either.
          ...(broken.length > 0
            ? [
                `${broken.join(', ')} could not be checked (the probe itself failed; run fixed-ip verify again)`,
              ]
            : []),
        ]
          .join('; ')
          .replace(/^/, 'Not verified: '),
  );
}
