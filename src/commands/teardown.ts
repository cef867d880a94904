import { type Deps, makeContext, type StackContext } from '../core/context.js';
import { runGraph } from '../core/graph.js';
import { loadLive } from '../core/live.js';
import { checkMinutes } from '../core/options.js';
import { monthlyCost } from '../core/pricing.js';
import { AbortError, FixedIpError } from '../errors.js';
import type { Ui } from '../ports/ui.js';
import { isEmptyState } from '../state/schema.js';
import { STEPS, type Step } from '../steps/index.js';
import type { RemoveOutcome } from '../steps/step.js';
import { whoLine } from './shared.js';
import { openStack, type StackOptions } from './stack.js';

export interface TeardownOptions extends StackOptions {
  yes?: boolean | undefined;
  keepEip?: boolean | undefined;
  /** Minutes to wait for Lambda to release its network interfaces (default 30). */
  wait?: string | undefined;
}

export interface TeardownResult {
  removed: string[];
  kept: string[];
  /** The state file was removed (nothing kept). */
  finished: boolean;
}

/** `fixed-ip teardown`: remove what setup made, in the safe order, so the NAT charge stops. */
export async function teardown(options: TeardownOptions, deps: Deps): Promise<TeardownResult> {
  const waitMinutes = options.wait === undefined ? 30 : checkMinutes(options.wait, '--wait');
  const store = deps.openStore(options.name, options.state);
  const release = await store.lock(options.name);
  try {
    const { aws, identity, state } = await openStack(options, deps, store);
    deps.ui.notify({ level: 'info', code: 'teardown.who', text: whoLine(identity, aws.region, options.profile) });
    const live = await loadLive(aws, state.vpc?.id, ['subnets', 'routeTables', 'natGateways']);
    const ctx = makeContext({ name: options.name, aws, deps, store, state, live });
    const present = STEPS.filter((step) => hasRecord(ctx, step));

    const goes = present.filter((step) => willDelete(ctx, step, options.keepEip === true));
    const stays = present.filter((step) => !willDelete(ctx, step, options.keepEip === true));
    await confirm(deps.ui, ctx, goes, stays, options);
    await store.write(state);

    const removed: string[] = [];
    const kept: string[] = [];
    const deadline = deps.clock.now() + waitMinutes * 60_000;
    const keys = new Set(present.map((step) => step.key));
    try {
      await runGraph(
        present.map((step) => ({
          key: step.key,
          after: step.removeAfter.filter((key) => keys.has(key)),
          run: async () => {
            const result: RemoveOutcome = await step.remove(ctx, { keepEip: options.keepEip === true, deadline });
            const line = `${step.title} ${result.detail}`;
            if (result.outcome === 'kept') {
              kept.push(line);
              deps.ui.notify({ level: 'info', code: `teardown.kept.${step.key}`, text: `Kept ${line}` });
            } else {
              removed.push(line);
              deps.ui.notify({ level: 'success', code: `teardown.removed.${step.key}`, text: `Removed ${line}` });
            }
          },
        })),
      );
    } catch (error) {
      if (error instanceof FixedIpError && error.code === 'WAIT_EXPIRED') throw waitExpired(ctx, error);
      throw error;
    }

    if (isEmptyState(state)) {
      await store.remove();
      deps.ui.result(`Stack ${options.name} is gone: nothing fixed-ip made remains, and nothing is billed for it.`);
      return { removed, kept, finished: true };
    }
    await store.write(state);
    const eip = state.elasticIp;
    deps.ui.result(
      eip
        ? `Stack ${options.name} is down; kept Elastic IP ${eip.publicIp} (about ${monthlyCost(aws.region).idleEipMonthlyUsd.toFixed(2)} USD a month while idle). The next fixed-ip setup --name ${options.name} reuses it.`
        : `Stack ${options.name} is down.`,
    );
    return { removed, kept, finished: false };
  } finally {
    await release();
  }
}

function hasRecord(ctx: StackContext, step: Step): boolean {
  if (step.key === 'functions') return Object.keys(ctx.state.functions).length > 0;
  return ctx.state[step.key] !== undefined;
}

function willDelete(ctx: StackContext, step: Step, keepEip: boolean): boolean {
  if (step.key === 'functions') return true;
  const record = ctx.state[step.key];
  if (!record?.owned) return false;
  return !(step.key === 'elasticIp' && keepEip);
}

function describe(ctx: StackContext, step: Step): string {
  if (step.key === 'functions') return `${step.title}: restore ${Object.keys(ctx.state.functions).join(', ')} to their previous network settings`;
  const record = ctx.state[step.key];
  const extra = step.key === 'elasticIp' && ctx.state.elasticIp ? ` ${ctx.state.elasticIp.publicIp}` : '';
  return `${step.title} ${record?.id ?? ''}${extra}${record?.owned ? '' : ' (not made by fixed-ip)'}`;
}

async function confirm(ui: Ui, ctx: StackContext, goes: Step[], stays: Step[], options: TeardownOptions): Promise<void> {
  ui.notify({ level: 'info', code: 'teardown.plan.delete', text: 'Will delete:', data: goes.map((s) => s.key) });
  for (const step of goes) ui.notify({ level: 'info', code: 'teardown.plan.item', text: `  - ${describe(ctx, step)}` });
  if (stays.length > 0) {
    ui.notify({ level: 'info', code: 'teardown.plan.keep', text: 'Will keep:', data: stays.map((s) => s.key) });
    for (const step of stays) ui.notify({ level: 'info', code: 'teardown.plan.item', text: `  - ${describe(ctx, step)}` });
  }
  const releasing = goes.some((step) => step.key === 'elasticIp');
  if (releasing) {
    ui.notify({
      level: 'warn',
      code: 'teardown.eip.warning',
      text: `Releasing Elastic IP ${ctx.state.elasticIp?.publicIp ?? ''} is irreversible: a partner's allowlist naming it stops working. Use --keep-eip to keep it.`,
    });
  }
  if (options.yes) return;
  if (!ui.interactive) {
    throw new FixedIpError('CONSENT_REQUIRED', 'teardown deletes resources and needs your consent', {
      hint: `pass --yes to confirm${releasing ? ' (add --keep-eip to keep the Elastic IP)' : ''}; nothing was changed`,
    });
  }
  const ok = await ui.ask({
    kind: 'confirm',
    code: 'teardown.confirm',
    message: releasing ? 'Delete these resources and release the Elastic IP?' : 'Delete these resources?',
    default: false,
  });
  if (!ok) throw new AbortError('Cancelled; nothing was changed', false);
}

function waitExpired(ctx: StackContext, cause: FixedIpError): FixedIpError {
  const left = STEPS.filter((step) => hasRecord(ctx, step)).map((step) => describe(ctx, step));
  const natStopped = ctx.state.natGateway === undefined;
  return new FixedIpError(
    'WAIT_EXPIRED',
    `${cause.message}. ${natStopped ? 'The NAT gateway is deleted, so its hourly charge has stopped. ' : ''}Still there: ${left.join('; ')}`,
    { hint: 'run fixed-ip teardown again in a few minutes (the state file keeps what is left)', exitCode: cause.exitCode, cause },
  );
}
