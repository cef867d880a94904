import { type Deps, makeContext } from '../model/context.js';
import { functionInput } from '../engine/inputs.js';
import { withRunGuard } from '../engine/run-guard.js';
import { loadWorld, SECURITY_GROUPS, SUBNETS } from '../model/world.js';
import { AbortError, FixedIpError } from '../errors.js';
import { detach as detachFunction } from '../kinds/functions.js';
import { serviceInput } from '../kinds/ecs-service-targets.js';
import { detachService } from '../kinds/ecs-services.js';
import { whoLine } from './shared.js';
import { openStack, type StackOptions } from './stack.js';

export interface DetachOptions extends StackOptions {
  functions: string[];
  /** --ecs-service CLUSTER/SERVICE (or its ARN). */
  services?: string[] | undefined;
  yes?: boolean | undefined;
}

/**
 * `fixed-ip detach`: takes functions out of a stack, each back to the network settings it had
 * before setup moved it (as far as they still exist), and drops them from the stack. The stack's
 * resources stay (teardown removes them). A function deleted outside fixed-ip is just dropped.
 */
export async function detach(options: DetachOptions, deps: Deps): Promise<string[]> {
  const store = deps.openStore(options.name, options.state);
  const release = await store.lock(options.name);
  try {
    const { aws, identity, state } = await openStack(options, deps, store);
    const names = [
      ...new Set(options.functions.map((f) => functionInput(f, aws.region, identity.accountId))),
    ];
    const services = [
      ...new Set((options.services ?? []).map((s) => serviceInput(s, aws.region, identity.accountId).key)),
    ];
    if (names.length === 0 && services.length === 0)
      throw new FixedIpError('BAD_OPTION', 'no function or ECS service given', {
        hint: 'pass --function <name> or --ecs-service CLUSTER/SERVICE (repeatable)',
      });
    for (const key of services)
      if (!state.services?.[key]) {
        const held = Object.keys(state.services ?? {});
        throw new FixedIpError('BAD_OPTION', `ECS service ${key} is not in stack ${options.name}`, {
          hint: held.length
            ? `the stack holds ${held.join(', ')}`
            : `stack ${options.name} holds no ECS service`,
        });
      }
    for (const name of names) {
      if (!state.functions[name]) {
        const held = Object.keys(state.functions);
        throw new FixedIpError('BAD_OPTION', `function ${name} is not in stack ${options.name}`, {
          hint: held.length
            ? `the stack holds ${held.join(', ')}`
            : `stack ${options.name} holds no function`,
        });
      }
    }
    deps.ui.notify({
      level: 'info',
      code: 'detach.who',
      text: whoLine(identity, aws.region, options.profile),
    });
    for (const name of [...names, ...services])
      deps.ui.notify({
        level: 'info',
        code: 'detach.plan',
        text: `${name}: back to its previous network settings, and out of stack ${options.name}`,
      });
    const everything = [...names, ...services];
    if (!options.yes) {
      if (!deps.ui.interactive)
        throw new FixedIpError(
          'CONSENT_REQUIRED',
          "detach changes the functions' network settings and needs your consent",
          {
            hint: 'pass --yes to confirm; nothing was changed',
          },
        );
      const ok = await deps.ui.ask({
        kind: 'confirm',
        code: 'detach.confirm',
        message: `Detach ${everything.join(', ')}?`,
        default: false,
      });
      if (!ok) throw new AbortError('Cancelled; nothing was changed', false);
    }
    await withRunGuard(
      aws,
      deps,
      { stack: options.name, command: 'detach', statePath: store.path, owner: identity.arn },
      async (guarded) => {
        // Subnets and security groups, to restore a function to what of its previous network still exists.
        const world = await loadWorld(aws, { vpcId: state.resources.vpc?.id, stack: options.name }, [
          SUBNETS,
          SECURITY_GROUPS,
        ]);
        const ctx = makeContext({ name: options.name, aws, deps: guarded, store, state, world });
        for (const name of names) {
          await detachFunction(ctx, name);
          deps.ui.notify({
            level: 'success',
            code: 'detach.done',
            text: `${name} left stack ${options.name}`,
          });
        }
        for (const key of services) {
          await detachService(ctx, key);
          deps.ui.notify({
            level: 'success',
            code: 'detach.done',
            text: `ECS service ${key} left stack ${options.name}`,
          });
        }
        await store.write(state);
      },
    );
    const left = [...Object.keys(state.functions), ...Object.keys(state.services ?? {})];
    deps.ui.result(
      left.length > 0
        ? `Detached ${everything.join(', ')}; stack ${options.name} still serves ${left.join(', ')}`
        : `Detached ${everything.join(', ')}; stack ${options.name} serves no workload now (fixed-ip teardown --name ${options.name} stops its charges)`,
    );
    return everything;
  } finally {
    await release();
  }
}
