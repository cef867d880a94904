import { type Deps, makeContext, type StackContext } from '../core/context.js';
import { adoptTagged, describeTagged, leftoversOf } from '../core/discover.js';
import { type GraphNode, runGraph } from '../core/graph.js';
import { type Live, loadLive } from '../core/live.js';
import { checkMinutes } from '../core/options.js';
import { monthlyCost } from '../core/pricing.js';
import { AbortError, FixedIpError } from '../errors.js';
import type { Ui } from '../ports/ui.js';
import { isEmptyState, type StackState } from '../state/schema.js';
import type { StateStore } from '../state/store.js';
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
    const { aws, identity, state, tagged: found } = await openStack(options, deps, store);
    deps.ui.notify({
      level: 'info',
      code: 'teardown.who',
      text: whoLine(identity, aws.region, options.profile),
    });
    // What an interrupted setup created but had not recorded yet is found by its tags: the records the
    // state lacks are filled in, and duplicates are removed alongside the stack, in the same order.
    const tagged = found ?? (await describeTagged(aws, options.name));
    adoptTagged(state, tagged);
    const leftovers = leftoversOf(state, tagged);
    const lives = new Map<string, Promise<Live>>();
    const liveOf = (vpcId: string | undefined): Promise<Live> => {
      const key = vpcId ?? '';
      if (!lives.has(key)) lives.set(key, loadLive(aws, vpcId, ['subnets', 'routeTables', 'natGateways']));
      return lives.get(key) as Promise<Live>;
    };
    const ctx = makeContext({
      name: options.name,
      aws,
      deps,
      store,
      state,
      live: await liveOf(state.vpc?.id),
    });
    const extras = await Promise.all(
      leftovers.map(async (layer) =>
        makeContext({
          name: options.name,
          aws,
          deps,
          store: unrecorded(store),
          state: layer,
          live: await liveOf(layer.vpc?.id),
        }),
      ),
    );
    const present = STEPS.filter((step) => hasRecord(ctx, step));

    const goes = present.filter((step) => willDelete(ctx, step, options.keepEip === true));
    const stays = present.filter((step) => !willDelete(ctx, step, options.keepEip === true));
    const duplicates = extras.map((extra) => ({
      ctx: extra,
      steps: STEPS.filter((step) => hasRecord(extra, step) && willDelete(extra, step, false)),
    }));
    await confirm(deps.ui, ctx, goes, stays, options, duplicates);
    await store.write(state);

    const removed: string[] = [];
    const kept: string[] = [];
    const deadline = deps.clock.now() + waitMinutes * 60_000;
    const layers = [
      { ctx, steps: present, keepEip: options.keepEip === true, extra: false },
      ...duplicates.map((d) => ({ ...d, keepEip: false, extra: true })),
    ];
    // A step waits for what it depends on in every layer: a duplicate NAT gateway in the public
    // subnet holds that subnet (and the internet gateway's mapped addresses) just like the recorded one.
    const nodes: GraphNode<string>[] = layers.flatMap((layer, index) =>
      layer.steps.map((step) => ({
        key: `${index}:${step.key}`,
        after: layers.flatMap((other, otherIndex) =>
          other.steps.filter((s) => step.removeAfter.includes(s.key)).map((s) => `${otherIndex}:${s.key}`),
        ),
        run: async () => {
          const result: RemoveOutcome = await step.remove(layer.ctx, { keepEip: layer.keepEip, deadline });
          const line = `${step.title} ${result.detail}${layer.extra ? ' (a duplicate left by an interrupted run)' : ''}`;
          if (result.outcome === 'kept') {
            kept.push(line);
            deps.ui.notify({ level: 'info', code: `teardown.kept.${step.key}`, text: `Kept ${line}` });
          } else {
            removed.push(line);
            deps.ui.notify({
              level: 'success',
              code: `teardown.removed.${step.key}`,
              text: `Removed ${line}`,
            });
          }
        },
      })),
    );
    // The VPC (when fixed-ip made it) goes after everything in it, duplicates included.
    for (const node of nodes) {
      if (node.key.endsWith(':vpc'))
        node.after = nodes
          .filter((other) => other !== node && !other.key.endsWith(':vpc'))
          .map((other) => other.key);
    }
    try {
      await runGraph(nodes);
    } catch (error) {
      if (error instanceof FixedIpError && error.code === 'WAIT_EXPIRED') throw waitExpired(ctx, error);
      throw error;
    }

    if (isEmptyState(state)) {
      await store.remove();
      deps.ui.result(
        `Stack ${options.name} is gone: nothing fixed-ip made remains, and nothing is billed for it.`,
      );
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
  if (step.key === 'functions')
    return `${step.title}: restore ${Object.keys(ctx.state.functions).join(', ')} to their previous network settings`;
  const record = ctx.state[step.key];
  const extra = step.key === 'elasticIp' && ctx.state.elasticIp ? ` ${ctx.state.elasticIp.publicIp}` : '';
  return `${step.title} ${record?.id ?? ''}${extra}${record?.owned ? '' : ' (not made by fixed-ip)'}`;
}

async function confirm(
  ui: Ui,
  ctx: StackContext,
  goes: Step[],
  stays: Step[],
  options: TeardownOptions,
  duplicates: Array<{ ctx: StackContext; steps: Step[] }>,
): Promise<void> {
  const list = (code: string, heading: string, steps: Step[]): void => {
    ui.notify({ level: 'info', code, text: heading, data: steps.map((s) => s.key) });
    for (const step of steps)
      ui.notify({ level: 'info', code: 'teardown.plan.item', text: `  - ${describe(ctx, step)}` });
  };
  list('teardown.plan.delete', 'Will delete:', goes);
  for (const duplicate of duplicates) {
    for (const step of duplicate.steps) {
      ui.notify({
        level: 'info',
        code: 'teardown.plan.item',
        text: `  - ${describe(duplicate.ctx, step)} (a duplicate left by an interrupted run)`,
      });
    }
  }
  if (stays.length > 0) list('teardown.plan.keep', 'Will keep:', stays);
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
    {
      hint: 'run fixed-ip teardown again in a few minutes (the state file keeps what is left)',
      exitCode: cause.exitCode,
      cause,
    },
  );
}

/** Duplicates are in no state file: removing one records nothing (a re-run finds the rest by tags). */
function unrecorded(store: StateStore): StateStore {
  return {
    path: store.path,
    read: () => store.read(),
    write: (_state: StackState) => Promise.resolve(),
    remove: () => Promise.resolve(),
    lock: (name) => store.lock(name),
  };
}
