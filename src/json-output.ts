/**
 * `--json`: exactly one JSON object on stdout per run, progress on stderr. The shapes are a stable
 * interface (docs/json.md): fields may be added, never removed or renamed. Fields shared
 * by several commands have one name everywhere:
 *   name, region, accountId, natMode, zones, elasticIp (the first zone's), elasticIps,
 *   monthlyCostUsd (before traffic), stateFile.
 * Older names stay alongside (plan's `cost.monthlyUsd`).
 */
import { stackCost } from './engine/cost.js';
import { monthlyCost } from './model/pricing.js';
import type { PlanReport } from './commands/plan.js';
import type { SetupResult } from './commands/setup.js';
import type { TeardownResult } from './commands/teardown.js';
import { FixedIpError } from './errors.js';
import { recordsOf, type StackState } from './state/schema.js';

export function planJson(report: PlanReport): object {
  return { ...report, monthlyCostUsd: report.cost.monthlyUsd };
}

export function setupJson(result: SetupResult, stateFile: string): object {
  const { state } = result;
  const resources = Object.values(state.resources).map((r) => ({
    type: r.kind,
    zone: r.zone ?? null,
    id: r.id,
    owned: r.owned,
  }));
  return {
    name: state.name,
    region: state.region,
    accountId: state.accountId,
    natMode: state.shape.nat,
    zones: state.shape.zones,
    elasticIp: result.elasticIp,
    elasticIps: result.elasticIps,
    changed: result.changed,
    functions: Object.keys(state.functions),
    resources,
    monthlyCostUsd: stackCost(state.region, state).monthlyUsd,
    stateFile,
  };
}

/**
 * After teardown: what was removed, and what is kept (the Elastic IPs, with --keep-eip): as the text
 * lines (`removed`, `kept`) and one object per resource (`resources`).
 */
export function teardownJson(
  name: string,
  result: TeardownResult,
  left: StackState | undefined,
  stateFile: string,
): object {
  const ips = left ? recordsOf(left, 'elasticIp').map((eip) => eip.publicIp) : [];
  return {
    name,
    ...(left ? { region: left.region, accountId: left.accountId } : {}),
    finished: result.finished,
    ...(result.forgottenAt ? { forgotten: true, forgottenAt: result.forgottenAt } : {}),
    removed: result.removed,
    kept: result.kept,
    resources: result.resources,
    elasticIps: ips,
    monthlyCostUsd: left ? monthlyCost(left.region).idleEipMonthlyUsd * ips.length : 0,
    stateFile,
  };
}

/**
 * A failure, in the same one-object form: `{ error: { code, message, hint?, exitCode } }`.
 * `complete` gives the hint the run's flags, as the text line has them (src/hints.ts); `message;
 * hint` is the text line's own words.
 */
export function errorJson(
  error: unknown,
  exitCode: number,
  complete: (text: string) => string = (text) => text,
  /** The hint the text line gives beside the error's own (a usage error's help, how to resume). */
  extraHint?: string,
): object {
  const known = error instanceof FixedIpError ? error : undefined;
  const text = error instanceof Error ? error.message : String(error);
  return {
    error: {
      code: known?.code ?? (exitCode === 2 ? 'USAGE' : 'INTERNAL'),
      // commander's messages start "error: "; the object says that already.
      message: complete(
        known?.message ??
          text.replace(/^error: /, '').replace(/\n\(Did you mean (.+)\?\)/, ' (did you mean $1?)'),
      ),
      ...((known?.hint ?? extraHint) ? { hint: complete(known?.hint ?? extraHint ?? '') } : {}),
      exitCode,
    },
  };
}
