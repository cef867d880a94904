import type { AwsPort } from '../aws/port.js';
import { type Deps, makeContext, type StackContext } from '../model/context.js';
import { withRunGuard } from '../engine/run-guard.js';
import { adoptTagged, lookalikes, staleLine } from '../engine/discover.js';
import { checkMinutes } from '../model/options.js';
import { HOURS_PER_MONTH, monthlyCost } from '../model/pricing.js';
import { decideRemovals, provenOurs, type Removal, removeInOrder, type Unproven } from '../engine/removal.js';
import { loadWorld } from '../model/world.js';
import { worldPartsFor } from '../engine/recipe.js';
import { AbortError, FixedIpError } from '../errors.js';
import { KINDS, kindOf, WORKLOADS } from '../kinds/index.js';
import { identityKey, isWorkload, type RemoveOutcome, type Step } from '../model/kind.js';
import type { Ui } from '../ports/ui.js';
import {
  emptyState,
  isEmptyState,
  recordsOf,
  type ResourceRecord,
  type StackState,
} from '../state/schema.js';
import type { StateStore } from '../state/store.js';
import type { Tombstone } from '../state/tombstone.js';
import { handedOverLine } from './handed-over.js';
import { whoLine } from './shared.js';
import { leftWithoutEgress, servicesLeft, strangersIn, warnStrangers } from './stranded.js';
import { openStack, type StackOptions } from './stack.js';

export interface TeardownOptions extends StackOptions {
  yes?: boolean | undefined;
  keepEip?: boolean | undefined;
  /** Minutes to wait for Lambda to release its network interfaces (default 30). */
  wait?: string | undefined;
}

/** One resource or workload, and what teardown did with it (`teardown --json`'s `resources`). */
export interface TeardownResource {
  /** The resource kind (as in the state), or the workload (`functions`, `services`). */
  kind: string;
  /** Its id; a workload's name (a function, an ECS service's `cluster/service`). */
  id: string;
  zone?: string;
  /** An Elastic IP's address. */
  publicIp?: string;
  /** restored: a workload back on the network it had before setup; gone: AWS no longer had it. */
  action: 'deleted' | 'restored' | 'kept' | 'gone';
  /** Why it was kept. */
  reason?: string;
  /** A duplicate an interrupted run left, found by its tags. */
  duplicate?: true;
}

export interface TeardownResult {
  /** What was removed and kept, as the text lines say it. */
  removed: string[];
  kept: string[];
  /** The same, one object per resource (and per workload). */
  resources: TeardownResource[];
  /** The state file was removed (nothing kept). */
  finished: boolean;
  /** When the stack was handed over with fixed-ip forget (then nothing was deleted). */
  forgottenAt?: string;
}

/** `fixed-ip teardown`: remove what setup made, in the safe order, so the NAT charge stops. */
export async function teardown(options: TeardownOptions, deps: Deps): Promise<TeardownResult> {
  const waitMinutes = options.wait === undefined ? 30 : checkMinutes(options.wait, '--wait');
  const store = deps.openStore(options.name, options.state);
  const release = await store.lock(options.name);
  try {
    // Handed over with fixed-ip forget: nothing of it is fixed-ip's to delete, with or without tags.
    const forgotten = await store.readTombstone();
    if (forgotten) return handedOverResult(deps, forgotten);
    const { aws, identity, state } = await openStack(options, deps, store);
    deps.ui.notify({
      level: 'info',
      code: 'teardown.who',
      text: whoLine(identity, aws.region, options.profile),
    });
    // Held from before the account is read, so what it removes is what it saw, whatever another
    // run (another directory, another state file) was doing.
    return await withRunGuard(
      aws,
      deps,
      {
        stack: options.name,
        command: 'teardown',
        statePath: store.path,
        owner: identity.arn,
        goOnWhenDenied: true,
      },
      async (guarded, guard) => {
        const result = await tearDown(options, guarded, store, aws, state, waitMinutes);
        // Nothing of the stack is left: its guard goes too.
        if (result.finished) guard.forget();
        return result;
      },
    );
  } finally {
    await release();
  }
}

/**
 * A state whose stack no longer carries fixed-ip's tags anywhere (handed over with `fixed-ip forget`
 * from another machine, whose tombstone this one cannot see; or untagged by hand): teardown stops
 * before anything, functions and budget included, since none of it is provably the stack's any more.
 * Only resources whose ownership is their tags count (a budget's is its name).
 */
function refuseUnclaimed(ctx: StackContext, statePath: string): void {
  const tagProven = Object.values(ctx.state.resources).flatMap((record) => {
    const kind = kindOf(record.kind);
    if (!record.owned || kind.proves !== undefined) return [];
    const live = kind.list(ctx.world).find((item) => item.id === record.id);
    return live ? [provenOurs(ctx, kind, record, live)] : [];
  });
  if (tagProven.length === 0 || tagProven.some(Boolean)) return;
  throw new FixedIpError(
    'DRIFTED',
    `none of stack ${ctx.name}'s ${tagProven.length} resources in AWS carries fixed-ip's tags any more (handed over with fixed-ip forget elsewhere, or untagged by hand): teardown changed nothing, functions and budget included`,
    {
      hint: `if it was handed over, the state file ${statePath} is stale: move it away; if not, restore fixed-ip's tags on its resources`,
    },
  );
}

async function tearDown(
  options: TeardownOptions,
  deps: Deps,
  store: StateStore,
  aws: AwsPort,
  state: StackState,
  waitMinutes: number,
): Promise<TeardownResult> {
  const world = await loadWorld(
    aws,
    { vpcId: state.resources.vpc?.id, stack: options.name },
    worldPartsFor(
      [state.shape],
      Object.values(state.resources).map((r) => r.kind),
    ),
  );
  // What an interrupted setup created but had not recorded yet is found by its tags: the records the
  // state lacks are filled in, and duplicates are removed alongside the stack, in the same order.
  const leftovers = adoptTagged(state, world, (stale, live) =>
    deps.ui.notify({ level: 'warn', code: 'teardown.stale', text: staleLine(stale, live) }),
  );
  const ctx = makeContext({ name: options.name, aws, deps, store, state, world });
  refuseUnclaimed(ctx, store.path);
  const duplicates = layers(state, leftovers).map((layer) =>
    makeContext({ name: options.name, aws, deps, store: unrecorded(store), state: layer, world }),
  );

  const keepEip = options.keepEip === true;
  // The deadline is set once consent is given (time at the question does not count).
  const own = { keepEip, deadline: Infinity };
  const extra = { keepEip: false, deadline: Infinity };
  const entered: Array<{ entry: Entry; removal: Removal }> = [
    ...entries(ctx).map((entry) => ({
      entry,
      removal: { ctx, step: entry.step, zone: entry.zone, options: own },
    })),
    ...duplicates.flatMap((layer) =>
      entries(layer).map((entry) => ({
        entry,
        removal: { ctx: layer, step: entry.step, zone: entry.zone, options: extra, duplicate: true },
      })),
    ),
  ];
  const removals: Removal[] = entered.map((e) => e.removal);
  // One decision, shown in the confirmation and carried out by the removal.
  const verdicts = await decideRemovals(removals);
  const decided = entered.map(({ entry, removal }, index) => ({
    entry,
    duplicate: removal.duplicate === true,
    verdict: verdicts[index] ?? { action: 'remove' },
  }));
  const goes = decided.filter((d) => d.verdict.action === 'remove');
  const strays = lookalikes(world, options.name, new Set(removals.map(idOf)));
  for (const stray of strays)
    deps.ui.notify({
      level: 'warn',
      code: 'teardown.unproven',
      text: `${stray.kind.title} ${stray.item.id} looks like stack ${options.name}'s, but ${stray.why}: fixed-ip cannot prove it made it, so it is kept (restore its tags, or delete it yourself if it is the stack's)`,
    });
  const strangers = await strangersIn(ctx);
  warnStrangers(ctx, strangers);
  await confirm(
    deps.ui,
    ctx,
    goes.filter((d) => !d.duplicate).map((d) => d.entry),
    [
      ...decided.flatMap((d) => (d.verdict.action === 'keep' ? [{ ...d.entry, why: d.verdict.why }] : [])),
      ...strays.map((stray) => ({
        step: stray.kind,
        zone: stray.item.zone,
        record: undefined,
        id: stray.item.id,
        why: `fixed-ip cannot prove it made it: ${stray.why}`,
      })),
    ],
    options,
    goes.filter((d) => d.duplicate).map((d) => d.entry),
  );
  await store.write(state);

  const removed: string[] = [];
  const kept: string[] = [];
  const resources: TeardownResource[] = [];
  // What each removal is, read before it runs (a removal forgets its record).
  const before = new Map(removals.map((removal) => [removal, resourcesOf(removal)]));
  own.deadline = extra.deadline = deps.clock.now() + waitMinutes * 60_000;
  const stopped: string[] = [];
  const unproven: Unproven[] = [
    ...verdicts.flatMap((v) => (v.action === 'keep' && v.unproven ? [v.unproven] : [])),
    ...strays.map((stray) => ({
      title: stray.kind.title,
      id: stray.item.id,
      zone: stray.item.zone,
      why: stray.why,
      looksOurs: true,
      hourlyUsd: stray.kind.hourlyUsd(aws.region, state.shape),
    })),
  ];
  const billed = unproven.filter((u) => u.hourlyUsd > 0);
  try {
    await removeInOrder(
      removals,
      (removal, result) => {
        noteStopped(stopped, removal, result);
        resources.push(...outcomeOf(removal, result, before.get(removal) ?? []));
        const line = `${removal.step.title} ${result.detail}${removal.duplicate ? ' (a duplicate left by an interrupted run)' : ''}`;
        const code = removal.step.name;
        if (result.outcome === 'kept') {
          kept.push(line);
          deps.ui.notify({ level: 'info', code: `teardown.kept.${code}`, text: `Kept ${line}` });
        } else {
          removed.push(line);
          deps.ui.notify({ level: 'success', code: `teardown.removed.${code}`, text: `Removed ${line}` });
        }
      },
      undefined,
      verdicts,
    );
  } catch (error) {
    if (error instanceof FixedIpError && error.code === 'WAIT_EXPIRED')
      throw waitExpired(ctx, error, stopped, billed);
    throw error;
  }
  // What only looks like the stack's (its tags name it, but do not prove fixed-ip made it) is kept.
  for (const stray of strays)
    resources.push({
      kind: stray.kind.name,
      id: stray.item.id,
      ...(stray.item.zone === undefined ? {} : { zone: stray.item.zone }),
      action: 'kept',
      reason: `fixed-ip cannot prove it made it: ${stray.why}`,
    });
  const stranded = (await leftWithoutEgress(ctx, strangers)) ?? servicesLeft(ctx);
  if (stranded) {
    await store.write(state);
    throw stranded;
  }

  const finished = isEmptyState(state);
  if (finished) await store.remove();
  else await store.write(state);
  if (billed.length > 0) throw stillBilled(options.name, billed);
  const proviso =
    unproven.length > 0
      ? `; kept what fixed-ip cannot prove it made: ${unproven.map(unprovenLine).join('; ')}`
      : '';
  if (finished) {
    deps.ui.result(
      proviso
        ? `Stack ${options.name} is down${proviso}.`
        : `Stack ${options.name} is gone: nothing fixed-ip made remains, and nothing is billed for it.`,
    );
    return { removed, kept, resources, finished: true };
  }
  const ips = recordsOf(state, 'elasticIp').map((eip) => eip.publicIp);
  const idle = monthlyCost(aws.region).idleEipMonthlyUsd * ips.length;
  deps.ui.result(
    ips.length > 0
      ? `Stack ${options.name} is down; kept Elastic IP${ips.length > 1 ? 's' : ''} ${ips.join(', ')} (about ${idle.toFixed(2)} USD a month while idle). The next fixed-ip setup --name ${options.name} reuses ${ips.length > 1 ? 'them' : 'it'}${proviso}.`
      : `Stack ${options.name} is down${proviso}.`,
  );
  return { removed, kept, resources, finished: false };
}

/** A stack handed over: every resource it had is kept, and said so. */
function handedOverResult(deps: Deps, tombstone: Tombstone): TeardownResult {
  deps.ui.result(`${capitalized(handedOverLine(tombstone))}.`);
  return {
    removed: [],
    kept: tombstone.resources.map(
      (r) => `${kindTitle(r.kind)} ${r.id}${r.zone ? ` (${r.zone})` : ''} (handed over with fixed-ip forget)`,
    ),
    resources: tombstone.resources.map((r) => ({
      kind: r.kind,
      id: r.id,
      ...(r.zone ? { zone: r.zone } : {}),
      action: 'kept' as const,
      reason: 'handed over with fixed-ip forget',
    })),
    finished: false,
    forgottenAt: tombstone.forgottenAt,
  };
}

const capitalized = (text: string): string => `${text.charAt(0).toUpperCase()}${text.slice(1)}`;

/** A kind's title by its name (a tombstone of a later release may name one this one lacks). */
const kindTitle = (name: string): string => KINDS.find((kind) => kind.name === name)?.title ?? name;

/** The resource a removal takes away, or each workload it restores, before it runs. */
function resourcesOf(removal: Removal): TeardownResource[] {
  const { step, zone, ctx } = removal;
  const duplicate = removal.duplicate === true ? { duplicate: true as const } : {};
  if (isWorkload(step))
    return step
      .attachedIn(ctx.state)
      .map((id) => ({ kind: step.name, id, action: 'restored', ...duplicate }));
  const record = ctx.state.resources[identityKey({ kind: step.name, zone })];
  return [
    {
      kind: step.name,
      id: record?.id ?? '',
      ...(zone ? { zone } : {}),
      ...(record?.kind === 'elasticIp' ? { publicIp: record.publicIp } : {}),
      action: 'deleted',
      ...duplicate,
    },
  ];
}

/** What became of them: a workload that could not be restored is still in the stack. */
function outcomeOf(removal: Removal, result: RemoveOutcome, what: TeardownResource[]): TeardownResource[] {
  const { step, ctx } = removal;
  const kept = (r: TeardownResource): TeardownResource => ({
    ...r,
    action: 'kept',
    ...(result.why ? { reason: result.why } : {}),
  });
  if (isWorkload(step)) {
    const left = new Set(step.attachedIn(ctx.state));
    return what.map((r) => (result.outcome === 'kept' && left.has(r.id) ? kept(r) : r));
  }
  if (result.outcome === 'kept') return what.map(kept);
  return result.outcome === 'gone' ? what.map((r) => ({ ...r, action: 'gone' })) : what;
}

const idOf = (removal: Removal): string =>
  isWorkload(removal.step)
    ? ''
    : (removal.ctx.state.resources[identityKey({ kind: removal.step.name, zone: removal.zone })]?.id ?? '');

/** "NAT gateway nat-0abc (ap-northeast-1a): its tags name stack b". */
function unprovenLine(u: Unproven): string {
  return `${u.title} ${u.id}${u.zone ? ` (${u.zone})` : ''}: ${u.why}`;
}

/** Something kept because fixed-ip cannot prove it made it still bills: the run did not stop every charge. */
function stillBilled(stack: string, billed: Unproven[]): FixedIpError {
  const monthly = billed.reduce((sum, u) => sum + u.hourlyUsd, 0) * HOURS_PER_MONTH;
  const it = billed.length > 1 ? 'them' : 'it';
  return new FixedIpError(
    'UNPROVEN_KEPT',
    `Stack ${stack} is down, but ${billed.map(unprovenLine).join('; ')} still bill${billed.length > 1 ? '' : 's'} (about ${monthly.toFixed(2)} USD a month): fixed-ip cannot prove it made ${it}, so it kept ${it}`,
    {
      hint: `if ${it} ${billed.length > 1 ? 'are' : 'is'} the stack's, delete ${it} yourself, or restore ${billed.length > 1 ? 'their' : 'its'} fixed-ip tags and run fixed-ip teardown --name ${stack} again`,
    },
  );
}

interface Entry {
  step: Step;
  zone: string | undefined;
  record: ResourceRecord | undefined;
  /** Why it is kept (the removal's own decision). */
  why?: string;
  /** A resource no record names (one that only looks like the stack's). */
  id?: string;
}

/** What a state holds, in the recipe's order: each resource, then the workloads. */
function entries(ctx: StackContext): Entry[] {
  const list: Entry[] = Object.values(ctx.state.resources).map((record) => ({
    step: kindOf(record.kind),
    zone: record.zone,
    record,
  }));
  for (const workload of WORKLOADS)
    if (workload.attachedIn(ctx.state).length > 0)
      list.push({ step: workload, zone: undefined, record: undefined });
  return list;
}

/**
 * Duplicates as states, one per layer (the second of each identity, then the third...), so each
 * layer is removed in the same safe order as the stack itself. A layer borrows the stack's VPC id
 * for lookups; it never removes the VPC.
 */
function layers(state: StackState, leftovers: ResourceRecord[]): StackState[] {
  const result: StackState[] = [];
  for (const record of leftovers) {
    const key = identityKey(record);
    let layer = result.find((l) => l.resources[key] === undefined);
    if (!layer) {
      layer = emptyState(state.name, state.region, state.accountId);
      layer.shape = state.shape;
      result.push(layer);
    }
    layer.resources[key] = record;
  }
  for (const layer of result) {
    const vpc = state.resources.vpc;
    if (vpc && !layer.resources.vpc) layer.resources.vpc = { ...vpc, owned: false };
  }
  return result.map((layer) => ({
    ...layer,
    resources: Object.fromEntries(
      Object.entries(layer.resources).filter(([, r]) => r.kind !== 'vpc' || r.owned),
    ),
  }));
}

function describe(entry: Entry): string {
  if (entry.id)
    return `${entry.step.title} ${entry.id}${entry.zone ? ` (${entry.zone})` : ''} (${entry.why ?? ''})`;
  if (!entry.record) return `${entry.step.title}: restore their previous network settings`;
  const extra = entry.record.kind === 'elasticIp' ? ` ${entry.record.publicIp}` : '';
  const why = entry.why ?? (entry.record.owned ? undefined : 'not made by fixed-ip');
  return `${entry.step.title} ${entry.record.id}${extra}${entry.zone ? ` (${entry.zone})` : ''}${why ? ` (${why})` : ''}`;
}

async function confirm(
  ui: Ui,
  ctx: StackContext,
  goes: Entry[],
  stays: Entry[],
  options: TeardownOptions,
  duplicates: Entry[],
): Promise<void> {
  const list = (
    code: 'teardown.plan.delete' | 'teardown.plan.keep',
    heading: string,
    items: Entry[],
  ): void => {
    ui.notify({
      level: 'info',
      code,
      text: heading,
      data: items.map((e) => (e.record ? identityKey(e.record) : (e.id ?? e.step.name))),
    });
    for (const entry of items)
      ui.notify({
        level: 'info',
        code: 'teardown.plan.item',
        text: `  - ${entry.record || entry.id || !isWorkload(entry.step) ? describe(entry) : `${entry.step.title}: restore ${entry.step.attachedIn(ctx.state).join(', ')} to their previous network settings`}`,
      });
  };
  list('teardown.plan.delete', 'Will delete:', goes);
  for (const entry of duplicates) {
    ui.notify({
      level: 'info',
      code: 'teardown.plan.item',
      text: `  - ${describe(entry)} (a duplicate left by an interrupted run)`,
    });
  }
  if (stays.length > 0) list('teardown.plan.keep', 'Will keep:', stays);
  const releasing = goes.filter((entry) => entry.record?.kind === 'elasticIp');
  if (releasing.length > 0) {
    const ips = releasing
      .map((entry) => (entry.record?.kind === 'elasticIp' ? entry.record.publicIp : ''))
      .join(', ');
    ui.notify({
      level: 'warn',
      code: 'teardown.eip.warning',
      text: `Releasing Elastic IP ${ips} is irreversible: a partner's allowlist naming it stops working. Use --keep-eip to keep it.`,
    });
  }
  if (options.yes) return;
  if (!ui.interactive) {
    throw new FixedIpError('CONSENT_REQUIRED', 'teardown deletes resources and needs your consent', {
      hint: `pass --yes to confirm${releasing.length > 0 ? ' (add --keep-eip to keep the Elastic IP)' : ''}; nothing was changed`,
    });
  }
  const ok = await ui.ask({
    kind: 'confirm',
    code: 'teardown.confirm',
    message:
      releasing.length > 0 ? 'Delete these resources and release the Elastic IP?' : 'Delete these resources?',
    default: false,
  });
  if (!ok) throw new AbortError('Cancelled; nothing was changed', false);
}

/** What teardown says of a NAT billed by the hour once AWS confirmed it gone (the kind says it). */
const goneLine = (step: Step): string | undefined =>
  isWorkload(step) ? undefined : kindOf(step.name).goneLine;

/** A NAT this run saw AWS confirm gone (deleted or terminated, or not found): its charge stopped. */
function noteStopped(stopped: string[], removal: Removal, result: RemoveOutcome): void {
  const what = goneLine(removal.step);
  if (what !== undefined && result.outcome !== 'kept') stopped.push(what);
}

/** Said only when this run saw every NAT of the stack go; a NAT it did not see go may still bill. */
function stoppedLine(ctx: StackContext, stopped: readonly string[]): string {
  const left = Object.values(ctx.state.resources).some((r) => kindOf(r.kind).goneLine !== undefined);
  if (stopped.length === 0 || left) return '';
  const seen = [...new Set(stopped)];
  return `The ${seen.join(' and the ')}, so ${seen.length > 1 ? 'their hourly charges have' : 'its hourly charge has'} stopped. `;
}

function waitExpired(
  ctx: StackContext,
  cause: FixedIpError,
  stopped: readonly string[],
  billed: Unproven[],
): FixedIpError {
  const left = entries(ctx).map(describe);
  const bills =
    billed.length > 0
      ? `Still billed, kept because fixed-ip cannot prove it made it: ${billed.map(unprovenLine).join('; ')}. `
      : '';
  return new FixedIpError(
    'WAIT_EXPIRED',
    `${cause.message}. ${billed.length === 0 ? stoppedLine(ctx, stopped) : ''}${bills}Still there: ${left.join('; ')}`,
    {
      hint:
        billed.length > 0
          ? "delete what still bills yourself if it is the stack's (or restore its fixed-ip tags), then run fixed-ip teardown again (the state file keeps what is left)"
          : 'run fixed-ip teardown again in a few minutes (the state file keeps what is left)',
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
    readTombstone: () => store.readTombstone(),
    writeTombstone: () => Promise.resolve(),
  };
}
