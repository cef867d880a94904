import { awsErrorName } from '../aws/errors.js';
import type { AwsPort } from '../aws/port.js';
import { type Deps, makeContext } from '../core/context.js';
import { allowlistRecords, recipe, type RecipeNode } from '../core/recipe.js';
import { POLL, pollUntil } from '../core/wait.js';
import { loadWorld } from '../core/world.js';
import { FixedIpError } from '../errors.js';
import type { Ui } from '../ports/ui.js';
import { recordOf, type StackState } from '../state/schema.js';
import type { StateStore } from '../state/store.js';
import {
  PROBE_HANDLER,
  PROBE_RUNTIME,
  PROBE_TIMEOUT_SECONDS,
  CHECKIP_URL,
  probePackage,
} from '../verify/probe-package.js';
import { openStack, type StackOptions } from './stack.js';

export interface VerifyOptions extends StackOptions {
  json?: boolean | undefined;
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
  elasticIps: string[];
  zones: ZoneVerdict[];
  /** The probe functions made and deleted (names), and any that could not be deleted. */
  probes: string[];
  leftover: string[];
}

const PROBE_DESCRIPTION = 'fixed-ip verify probe: deleted when verify ends';
const ACTIVE_WITHIN_MS = 5 * 60_000;

/**
 * `fixed-ip verify`: proof from inside the VPC. One short-lived probe function per zone, in that
 * zone's private subnet only and with the stack's security group (so it shares the network
 * interfaces the stack's functions already hold), run with a stack function's execution role. Each
 * asks checkip.amazonaws.com for its address. The probes are deleted whatever happens.
 */
export async function verify(options: VerifyOptions, deps: Deps): Promise<VerifyReport> {
  const store = deps.openStore(options.name, options.state);
  const { aws, state } = await openStack(options, deps, store);
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
  const role = await executionRole(aws, state, options.name);
  const zip = probePackage();
  const probes = zones.map(({ zone, subnet }) => ({
    zone,
    subnetId: subnet?.id ?? '',
    name: probeName(options.name, zone),
  }));
  const elasticIps = allowlistRecords(state).map((r) => r.publicIp);
  const verdicts: ZoneVerdict[] = [];
  let leftover: string[];
  try {
    const outcomes = await Promise.allSettled(
      probes.map((probe) =>
        runProbe(aws, deps, { ...probe, role, groupId: group.id, zip, stack: options.name }),
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
    leftover = await removeProbes(
      aws,
      ui,
      probes.map((p) => p.name),
    );
  }
  if (verdicts.some((v) => !v.allowlisted)) await explain(aws, deps, store, state, options.name, verdicts);
  const report: VerifyReport = {
    name: options.name,
    region: aws.region,
    ok: verdicts.every((v) => v.allowlisted),
    elasticIps,
    zones: verdicts,
    probes: probes.map((p) => p.name),
    leftover,
  };
  print(ui, report, options.json === true);
  return report;
}

/** `fixed-ip-probe-<stack>-<zone>`: one name per stack and zone, so a killed run's probe is found again. */
export function probeName(stack: string, zone: string): string {
  return `fixed-ip-probe-${stack}-${zone}`.replace(/[^a-zA-Z0-9-_]/g, '-').slice(0, 64);
}

/** The execution role of the first stack function Lambda still knows: it already has VPC access. */
async function executionRole(aws: AwsPort, state: StackState, stack: string): Promise<string> {
  for (const name of Object.keys(state.functions)) {
    try {
      const config = await aws.lambda.GetFunctionConfiguration({ FunctionName: name });
      if (config.Role) return config.Role;
    } catch (error) {
      if (awsErrorName(error) !== 'ResourceNotFoundException') throw error;
    }
  }
  throw new FixedIpError('DRIFTED', `stack ${stack} has no function whose execution role the probe can use`, {
    hint: 'run fixed-ip setup --function <name> to give it one',
  });
}

interface ProbeSpec {
  zone: string;
  subnetId: string;
  name: string;
  role: string;
  groupId: string;
  zip: Uint8Array;
  stack: string;
}

type ProbeAnswer = { publicIp: string } | { noInternet: string } | { failed: string };

async function runProbe(aws: AwsPort, deps: Deps, spec: ProbeSpec): Promise<ProbeAnswer> {
  const progress = deps.ui.progress('verify.probe', `Starting a probe in ${spec.zone} (${spec.subnetId})`);
  try {
    await createProbe(aws, spec);
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

async function createProbe(aws: AwsPort, spec: ProbeSpec): Promise<void> {
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
      Tags: { 'fixed-ip:stack': spec.stack, 'fixed-ip:role': 'verify-probe' },
    });
  try {
    await create();
  } catch (error) {
    if (awsErrorName(error) !== 'ResourceConflictException') throw error;
    // A probe an earlier, interrupted verify left behind (or a lost response): replace it, but only ours.
    const existing = await aws.lambda.GetFunctionConfiguration({ FunctionName: spec.name });
    if (existing.Description !== PROBE_DESCRIPTION) {
      throw new FixedIpError(
        'BAD_OPTION',
        `a function named ${spec.name} exists and is not a fixed-ip probe`,
        {
          hint: 'rename or delete it, then run fixed-ip verify again',
          cause: error,
        },
      );
    }
    await aws.lambda.DeleteFunction({ FunctionName: spec.name });
    await create();
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
  const world = await loadWorld(aws, { vpcId: state.resources.vpc?.id, stack: name }, [
    'subnets',
    'routeTables',
    'natGateways',
    'internetGateways',
    'addresses',
  ]);
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
  ui.result(
    report.ok
      ? `Verified: every zone's traffic leaves from an allowlisted IP (${report.elasticIps.join(', ')})`
      : `Not verified: ${report.zones
          .filter((z) => !z.allowlisted)
          .map((z) => z.zone)
          .join(
            ', ',
          )} ${report.zones.filter((z) => !z.allowlisted).length > 1 ? 'do' : 'does'} not leave from the stack's IPs`,
  );
}
