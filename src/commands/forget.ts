import type { AwsPort } from '../aws/port.js';
import { adoptTagged } from '../engine/discover.js';
import {
  type Handover,
  handovers,
  removeOurTags,
  type WorkloadHandover,
  workloadHandovers,
} from '../engine/forget.js';
import { worldPartsFor } from '../engine/recipe.js';
import { withRunGuard } from '../engine/run-guard.js';
import { AbortError, FixedIpError } from '../errors.js';
import { kindOf } from '../kinds/index.js';
import { type Deps, makeContext } from '../model/context.js';
import { identityKey } from '../model/kind.js';
import { loadWorld, type World } from '../model/world.js';
import type { StackState } from '../state/schema.js';
import type { StateStore } from '../state/store.js';
import { type Tombstone, TOMBSTONE_VERSION } from '../state/tombstone.js';
import { whoLine } from './shared.js';
import { openStack, type StackOptions } from './stack.js';

export interface ForgetOptions extends StackOptions {
  yes?: boolean | undefined;
  /** Keep every tag: then forget changes nothing in AWS at all. */
  keepTags?: boolean | undefined;
}

/** The stable `forget --json` shape (README, "JSON output"). */
export interface ForgetResult {
  stack: string;
  forgotten: true;
  tags: 'removed' | 'kept';
  resources: Array<{ kind: string; id: string; zone?: string }>;
}

/**
 * `fixed-ip forget`: lets go of a stack that your own infrastructure as code now holds (after
 * `fixed-ip export` and its import), without touching a single resource. fixed-ip's own tags come
 * off what it made (unless --keep-tags), a tombstone takes the state's place, and the state goes:
 * from then on teardown deletes nothing of the stack, and setup of its name is refused.
 */
export async function forget(options: ForgetOptions, deps: Deps): Promise<ForgetResult> {
  const store = deps.openStore(options.name, options.state);
  const release = await store.lock(options.name);
  try {
    // The stack as its state holds it: one found only by its tags is not one to hand over.
    const { aws, identity, state } = await openStack(options, deps, store, { byTags: false });
    deps.ui.notify({
      level: 'info',
      code: 'forget.who',
      text: whoLine(identity, aws.region, options.profile),
    });
    const plan = await planHandOver(options, deps, store, aws, state);
    await confirm(deps, options);
    if (!plan) return await letGo(options, deps, store, aws, state, 'kept');
    // Tags change in AWS: under the stack's run guard, as any run that changes the stack.
    return await withRunGuard(
      aws,
      deps,
      { stack: options.name, command: 'forget', statePath: store.path, owner: identity.arn },
      async (guarded, guard) => {
        const ctx = makeContext({ name: options.name, aws, deps: guarded, store, state, world: plan.world });
        await removeOurTags(ctx, plan.resources, plan.workloads, (what) =>
          deps.ui.notify({
            level: 'success',
            code: 'forget.untagged',
            text: `Took fixed-ip's tags off ${what}`,
          }),
        );
        const result = await letGo(options, guarded, store, aws, state, 'removed');
        // Nothing of the stack is fixed-ip's any more: its guard goes too.
        guard.forget();
        return result;
      },
    );
  } finally {
    await release();
  }
}

interface Plan {
  world: World;
  resources: Handover[];
  workloads: WorkloadHandover[];
}

/**
 * Says what stays (everything) and what of fixed-ip's tags comes off; changes nothing. Undefined
 * with --keep-tags (nothing comes off).
 */
async function planHandOver(
  options: ForgetOptions,
  deps: Deps,
  store: StateStore,
  aws: AwsPort,
  state: StackState,
): Promise<Plan | undefined> {
  const world = await loadWorld(
    aws,
    { vpcId: state.resources.vpc?.id, stack: options.name },
    worldPartsFor(
      [state.shape],
      Object.values(state.resources).map((r) => r.kind),
    ),
  );
  // What an interrupted setup made but had not recorded is the stack's too: handed over with it.
  const duplicates = adoptTagged(state, world);
  const ctx = makeContext({ name: options.name, aws, deps, store, state, world });
  const keep = options.keepTags === true;
  const [resources, workloads] = keep
    ? [undefined, []]
    : await Promise.all([handovers(ctx), workloadHandovers(ctx)]);
  const { ui } = deps;
  const records = Object.values(state.resources);
  const one = records.length === 1;
  ui.notify({
    level: 'info',
    code: 'forget.plan',
    text: `Hands stack ${options.name} over: ${one ? 'its resource stays exactly as it is, and is' : `its ${records.length} resources stay exactly as they are, and are`} no longer fixed-ip's:`,
    data: records.map(identityKey),
  });
  for (const [index, record] of records.entries()) {
    const h = resources?.[index];
    ui.notify({
      level: 'info',
      code: 'forget.plan.item',
      text: `  - ${describe(record)}${h ? `: ${untagLine(h)}` : ''}`,
    });
  }
  for (const w of workloads)
    ui.notify({
      level: 'info',
      code: 'forget.plan.item',
      text: `  - ${w.step.title}: ${w.name} stays where it is; takes off ${w.keys.join(', ')}`,
    });
  for (const record of duplicates)
    ui.notify({
      level: 'warn',
      code: 'forget.duplicate',
      text: `${describe(record)} carries stack ${options.name}'s tags but is a duplicate an interrupted run left: it is not handed over, keeps its tags, and no fixed-ip command deletes it after forget; delete it yourself unless your IaC holds it`,
    });
  if (!resources) {
    ui.notify({
      level: 'info',
      code: 'forget.plan.keep-tags',
      text: '--keep-tags: every tag stays as it is; nothing in AWS is changed',
    });
    return undefined;
  }
  const untagged = [
    ...resources.filter((h) => h.keys.length > 0).map((h) => identityKey(h.record)),
    ...workloads.map((w) => `${w.step.name}:${w.name}`),
  ];
  ui.notify({
    level: 'info',
    code: 'forget.plan.untag',
    text: `fixed-ip's own tags (fixed-ip:*) come off ${untagged.length} of them, and no other tag; nothing else in AWS is changed (--keep-tags keeps every tag)`,
    data: untagged,
  });
  return { world, resources, workloads };
}

/** What comes off a resource's tags, what it keeps, or why its tags stay as they are. */
function untagLine(h: Handover): string {
  const keeps = h.keeps ? `keeps ${h.keeps.keys.join(', ')} (${h.keeps.why})` : '';
  if (h.keys.length > 0) return `takes off ${h.keys.join(', ')}${keeps ? `; ${keeps}` : ''}`;
  if (keeps) return keeps;
  return `its tags stay as they are (${h.untouched ?? "it carries no tag of fixed-ip's"})`;
}

/** The tombstone takes the state's place; the state (and its backup) go. */
async function letGo(
  options: ForgetOptions,
  deps: Deps,
  store: StateStore,
  aws: AwsPort,
  state: StackState,
  tags: Tombstone['tags'],
): Promise<ForgetResult> {
  const resources = Object.values(state.resources).map((r) => ({
    kind: r.kind,
    id: r.id,
    ...(r.zone ? { zone: r.zone } : {}),
  }));
  await store.writeTombstone({
    version: TOMBSTONE_VERSION,
    stack: options.name,
    region: aws.region,
    forgottenAt: new Date(deps.clock.now()).toISOString(),
    tags,
    resources,
  });
  await store.remove();
  const many = resources.length === 1 ? 'its resource is' : `its ${resources.length} resources are`;
  deps.ui.result(
    `Stack ${options.name} is forgotten: ${many} untouched, and yours now (fixed-ip's tags ${tags === 'removed' ? 'taken off' : 'kept'}).`,
  );
  deps.ui.result(`fixed-ip teardown --name ${options.name} will delete nothing of it.`);
  return { stack: options.name, forgotten: true, tags, resources };
}

function describe(record: StackState['resources'][string]): string {
  const ip = record.kind === 'elasticIp' ? ` ${record.publicIp}` : '';
  return `${kindOf(record.kind).title} ${record.id}${ip}${record.zone ? ` (${record.zone})` : ''}${record.owned ? '' : ' (reused)'}`;
}

async function confirm(deps: Deps, options: ForgetOptions): Promise<void> {
  if (options.yes === true) return;
  if (!deps.ui.interactive)
    throw new FixedIpError(
      'CONSENT_REQUIRED',
      `forget hands stack ${options.name} over and needs your consent`,
      {
        hint: 'pass --yes to confirm; nothing was changed',
      },
    );
  const ok = await deps.ui.ask({
    kind: 'confirm',
    code: 'forget.confirm',
    message: `Hand stack ${options.name} over (fixed-ip will never delete it)?`,
    default: false,
  });
  if (!ok) throw new AbortError('Cancelled; nothing was changed', false);
}
