import { explainAwsError } from './aws/errors.js';
import { Option } from 'commander';
import { KIND_INPUTS } from './kinds/index.js';
import type { GlobalOptions, Io } from './io.js';
import type { SetupOptions } from './commands/setup-options.js';
import type { VerifyReport } from './commands/verify.js';
import type { Deps } from './model/context.js';
import { whoAmI } from './engine/inputs.js';
import type { PolicyScope } from './engine/iam-policy.js';
import type { StatedAllowlist } from './engine/allowlist.js';
import { AbortError, EXIT_CODES, ExitCode, FixedIpError } from './errors.js';
import { runFlags, withFlags } from './hints.js';
import type { Ui } from './ports/ui.js';
import { realClock } from './ports/clock.js';
import { releaseHeldLeases } from './lease/lease.js';
import { configuredAllowlist, defaultStateSetting, parseStateLocation } from './state/location.js';
import { storeFactory } from './state/open.js';
import { openTerminalUi, type TerminalUi } from './ui/terminal.js';

/**
 * The command edge: builds the real ports (terminal UI, clock, AWS or the simulated account),
 * runs one command, and turns AWS's errors into one friendly line.
 */

type Options = GlobalOptions & Record<string, unknown>;

interface Session {
  deps: Deps;
  /** Rejects at the second Ctrl-C: the run ends there, without waiting for the call in flight. */
  stopped: Promise<never>;
  finish: () => Promise<void>;
}

async function open(command: string, options: Options, io: Io): Promise<Session> {
  // Name the profile in use (for the opening line and the `aws sso login --profile` hint).
  if (options.profile === undefined && io.env.AWS_PROFILE) options.profile = io.env.AWS_PROFILE;
  const clock = io.clock ?? realClock;
  const color = options.color !== false && !io.env.NO_COLOR && io.stdout.isTTY === true;
  const ui: TerminalUi = await openTerminalUi({
    stdin: io.stdin,
    stdout: io.stdout,
    stderr: io.stderr,
    color,
    debug: options.debug === true,
    clock,
    ...(options.simulate ? { banner: 'simulated account: no AWS calls are made, nothing is billed' } : {}),
  });
  const simulate = options.simulate === true;
  let connect: Deps['connect'] | undefined;
  let openStore: Deps['openStore'];
  try {
    openStore = await storeFactory({
      fallback: defaultStateSetting(io.env),
      settings: [
        options.state === undefined ? undefined : { value: options.state, source: '--state' },
        options.to === undefined ? undefined : { value: options.to as string, source: '--to' },
      ],
      stackName: options.name,
      simulate,
      env: io.env,
      command,
      notify: (message) => ui.notify(message),
      s3: async () =>
        (await import('./aws/clients.js')).createS3Client({
          region: options.region,
          profile: options.profile,
          env: io.env,
        }),
      // The lock names who holds it: the same identity the command runs as.
      whoAmI: async () => (connect ? (await whoAmI(await connect(options.region))).arn : undefined),
    });
  } catch (error) {
    ui.close();
    throw error;
  }
  const controller = new AbortController();
  // The second Ctrl-C aborts the AWS calls in flight and ends the run at once; the leases it holds
  // are released by finish, through the same path as at any other end.
  const hard = new AbortController();
  let stopNow: (reason: Error) => void = () => undefined;
  const stopped = new Promise<never>((_, reject) => {
    stopNow = reject;
  });
  stopped.catch(() => undefined);
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts += 1;
    if (interrupts > 1) {
      const reason = new AbortError('Stopped at once', true);
      hard.abort(reason);
      stopNow(reason);
      return;
    }
    controller.abort(new AbortError('Stopped', true));
  };
  process.on('SIGINT', onSigint);
  const simulated = simulate
    ? (await import('./simulate.js')).openSimulatedAccount(options.region, io.env, clock)
    : undefined;
  // Hints repeat this run's flags; with --json the one JSON object is the result, so the human
  // result lines are left out.
  const flags = runFlags(command, options);
  const edgeUi: Ui = {
    interactive: ui.interactive,
    ask: (question) => ui.ask(question),
    progress: (code, text) => ui.progress(code, text),
    notify: (message) => ui.notify({ ...message, text: withFlags(message.text, flags) }),
    result: (text, resultOptions) => {
      if (options.json !== true) ui.result(withFlags(text, flags), resultOptions);
    },
  };
  const deps: Deps = {
    ui: edgeUi,
    clock,
    signal: controller.signal,
    connect: (connect = async (region) => {
      try {
        if (simulated) return await simulated.connect(region);
        // Loaded here, not above, so commands that make no AWS call (iam-policy) never load the SDK.
        const { createAwsPort } = await import('./aws/clients.js');
        return await createAwsPort({ region, profile: options.profile, env: io.env, hardStop: hard.signal });
      } catch (error) {
        throw explainAwsError(error, { profile: options.profile, ...(region ? { region } : {}) });
      }
    }),
    openStore,
  };
  return {
    deps,
    stopped,
    finish: async () => {
      // Whatever a command still holds (after the second Ctrl-C): released as at any end.
      await releaseHeldLeases();
      process.off('SIGINT', onSigint);
      ui.close();
      await simulated?.save();
    },
  };
}

async function withSession(
  command: string,
  options: Options,
  io: Io,
  body: (deps: Deps) => Promise<ExitCode>,
): Promise<ExitCode> {
  const session = await open(command, options, io);
  try {
    return await Promise.race([body(session.deps), session.stopped]);
  } catch (error) {
    throw explainAwsError(error, {
      profile: options.profile,
      ...(options.region ? { region: options.region } : {}),
    });
  } finally {
    await session.finish();
  }
}

/**
 * The simulated account spends nothing, so where nobody is asked (no terminal, as in the README's
 * quick start in a script or CI, or --yes at one) it takes every default, and the demo's first
 * sample function.
 */
async function demoDefaults(
  options: Options,
  deps: Deps,
  takesFunctions = true,
): Promise<{ yes: boolean; functions: string[] }> {
  const functions = (options.function as string[] | undefined) ?? [];
  const yes = options.yes === true;
  if (options.simulate !== true || (deps.ui.interactive && !yes)) return { yes, functions };
  // --yes only answers the question of consent: the demo's function is still the default here, for
  // a stack that does not exist yet or holds none (a parked one); one that does keeps its own.
  const demo =
    !takesFunctions ||
    functions.length > 0 ||
    servicesOf(options).length > 0 ||
    options.name !== 'default' ||
    (await holdsWorkloads(options, deps))
      ? functions
      : [DEMO_FUNCTION];
  if (!yes || demo !== functions)
    deps.ui.notify({
      level: 'info',
      code: 'simulate.defaults',
      text: `${deps.ui.interactive ? '--yes' : 'No terminal'}: taking the defaults (simulated account, nothing is billed)`,
    });
  return { yes: true, functions: demo };
}

/** `--ecs-service`, as given (repeatable). */
const servicesOf = (options: Options): string[] => (options.ecsService as string[] | undefined) ?? [];

/** The simulated account's sample function, attached by the demo's first setup. */
const DEMO_FUNCTION = 'orders-api';

/**
 * The stack has a state that holds functions or services (an unreadable one counts: setup and
 * plan say what is wrong with it). A parked stack (only its kept addresses) holds none.
 */
async function holdsWorkloads(options: Options, deps: Deps): Promise<boolean> {
  return deps
    .openStore(options.name, options.state)
    .read()
    .then(
      (state) =>
        state !== null &&
        (Object.keys(state.functions).length > 0 || Object.keys(state.services ?? {}).length > 0),
      () => true,
    );
}

function setupOptions(options: Options, demo: { yes: boolean; functions: string[] }): SetupOptions {
  return {
    functions: demo.functions,
    services: servicesOf(options),
    vpc: options.vpc as string | undefined,
    newVpc: options.newVpc === true,
    vpcCidr: options.vpcCidr as string | undefined,
    publicCidr: options.publicCidr as string | undefined,
    privateCidr: options.privateCidr as string | undefined,
    az: options.az as string[] | undefined,
    azs: options.azs === undefined ? undefined : Number(options.azs),
    nat: options.nat as SetupOptions['nat'],
    natInstanceType: options.natInstanceType as string | undefined,
    replaceNatInstance: options.replaceNatInstance === true,
    eip: options.eip as string[] | undefined,
    inputs: Object.fromEntries(
      KIND_INPUTS.flatMap((input) => {
        const value = options[new Option(input.flag).attributeName()];
        // A flag whose value is optional (`--ha`) given bare is `true`: its text is empty.
        return typeof value === 'string' ? [[input.key, value]] : value === true ? [[input.key, '']] : [];
      }),
    ),
    fixRole: options.fixRole === true,
    yes: demo.yes,
    name: options.name,
    state: options.state,
    region: options.region,
    profile: options.profile,
  };
}

export async function runSetup(options: Options, io: Io): Promise<ExitCode> {
  const { setup } = await import('./commands/setup.js');
  return withSession('setup', options, io, async (deps) => {
    const result = await setup(setupOptions(options, await demoDefaults(options, deps)), deps);
    if (options.json !== true) {
      const { setupSummary } = await import('./summary.js');
      for (const line of setupSummary(result))
        deps.ui.notify({ level: 'info', code: 'setup.summary', text: line });
    }
    const stateFile = deps.openStore(options.name, options.state).path;
    let verified: VerifyReport | undefined;
    if (options.verify === true) {
      const { verify } = await import('./commands/verify.js');
      verified = await verify(stackOptions(options), deps);
    }
    if (options.json === true) {
      const { setupJson } = await import('./json-output.js');
      writeJson(io, { ...setupJson(result, stateFile), ...(verified ? { verify: verified } : {}) });
    }
    return verified ? (await import('./commands/verify.js')).verifyExit(verified) : ExitCode.ok;
  });
}

export async function runPlan(options: Options, io: Io): Promise<ExitCode> {
  const { plan } = await import('./commands/plan.js');
  return withSession('plan', options, io, async (deps) => {
    const functions = (options.function as string[] | undefined) ?? [];
    // The demo's sample function for a stack not made yet or parked; one holding functions is planned with its own.
    const demo =
      options.simulate === true &&
      functions.length === 0 &&
      servicesOf(options).length === 0 &&
      options.name === 'default' &&
      !(await holdsWorkloads(options, deps))
        ? [DEMO_FUNCTION]
        : functions;
    const report = await plan(
      { ...setupOptions(options, { yes: true, functions: demo }), keepEip: options.keepEip === true },
      deps,
    );
    if (options.json === true) writeJson(io, (await import('./json-output.js')).planJson(report));
    return report.wouldSucceed ? ExitCode.ok : ExitCode.planBlocked;
  });
}

export async function runIamPolicy(options: Record<string, unknown>, io: Io): Promise<ExitCode> {
  if (options.for === 'nat-instance') {
    // What the instance's own role allows (src/kinds/nat-role.ts), for the stack in any region.
    const { natRolePolicy } = await import('./kinds/nat-role.js');
    const stack = typeof options.name === 'string' ? options.name : '<stack>';
    io.stdout.write(`${JSON.stringify(natRolePolicy(stack, '*'), null, 2)}\n`);
    return ExitCode.ok;
  }
  const { DEFAULT_SCOPES, policyFor } = await import('./engine/iam-policy.js');
  const scope = options.for as PolicyScope | undefined;
  const trust = await trustPolicyOf(options);
  const policy = policyFor(scope ? [scope] : DEFAULT_SCOPES);
  const setting =
    options.state === undefined
      ? defaultStateSetting(io.env)
      : { value: options.state as string, source: '--state' };
  const location = setting && parseStateLocation(setting.value, '<stack>', setting.source);
  const statements =
    location?.kind === 's3'
      ? (await import('./state/s3-policy.js')).s3StatePolicy(location, { readOnly: scope === 'ci' })
      : [];
  const permissions = { ...policy, Statement: [...policy.Statement, ...statements] };
  // With --repo: the role's two documents, for `jq .permissionsPolicy` and `jq .trustPolicy`.
  const printed = trust ? { permissionsPolicy: permissions, trustPolicy: trust } : permissions;
  io.stdout.write(`${JSON.stringify(printed, null, 2)}\n`);
  return ExitCode.ok;
}

/** `iam-policy --for ci --repo owner/name`: the trust policy of the role the workflow assumes. */
async function trustPolicyOf(options: Record<string, unknown>): Promise<object | undefined> {
  const { checkAccount, checkBranch, checkRepo, githubTrustPolicy } = await import('./engine/ci-trust.js');
  const { badOption } = await import('./errors.js');
  const repo = options.repo as string | undefined;
  if (repo === undefined) {
    const stray = ['branch', 'account'].find((key) => options[key] !== undefined);
    if (stray)
      throw badOption(
        `--${stray} goes with --repo`,
        'e.g. fixed-ip iam-policy --for ci --repo octo-org/payments',
      );
    return undefined;
  }
  if (options.for !== 'ci')
    throw badOption(
      "--repo goes with --for ci: the trust policy is for the CI check's role",
      'e.g. fixed-ip iam-policy --for ci --repo octo-org/payments',
    );
  const account = options.account === undefined ? '<ACCOUNT_ID>' : checkAccount(options.account as string);
  return githubTrustPolicy(
    checkRepo(repo),
    checkBranch((options.branch as string | undefined) ?? 'main'),
    account,
  );
}

export async function runStatus(options: Options, io: Io): Promise<ExitCode> {
  const { status } = await import('./commands/status.js');
  const stated = await statedAllowlistOf(options);
  return withSession('status', options, io, async (deps) => {
    const report = await status(
      {
        name: options.name,
        state: options.state,
        region: options.region,
        profile: options.profile,
        expectIps: stated?.ips,
        expectIpsSource: stated?.source,
      },
      deps,
    );
    if (options.json === true) writeJson(io, report);
    // A changed allowlist outranks drift: it is what a partner's firewall sees.
    if (report.code) return EXIT_CODES[report.code];
    return report.healthy || report.parked ? ExitCode.ok : ExitCode.drifted;
  });
}

/** --expect-ips, else the project file's list for the stack (checked before any AWS call). */
async function statedAllowlistOf(options: Options): Promise<StatedAllowlist | undefined> {
  const { statedAllowlist } = await import('./engine/allowlist.js');
  return statedAllowlist(options.expectIps as string[] | undefined, configuredAllowlist(options.name));
}

function writeJson(io: Io, value: object): void {
  io.stdout.write(`${JSON.stringify(value)}\n`);
}

function stackOptions(options: Options): { name: string; state?: string; region?: string; profile?: string } {
  return {
    name: options.name,
    ...(options.state === undefined ? {} : { state: options.state }),
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.profile === undefined ? {} : { profile: options.profile }),
  };
}

export async function runCost(options: Options, io: Io): Promise<ExitCode> {
  const { cost } = await import('./commands/cost.js');
  return withSession('cost', options, io, async (deps) => {
    const report = await cost(
      {
        ...stackOptions(options),
        since: options.since as string | undefined,
        actual: options.actual === true,
        json: options.json === true,
      },
      deps,
    );
    if (options.json === true) writeJson(io, report);
    return ExitCode.ok;
  });
}

export async function runExport(options: Options, io: Io): Promise<ExitCode> {
  const { exportStack } = await import('./commands/export.js');
  return withSession('export', options, io, async (deps) => {
    const report = await exportStack(
      {
        ...stackOptions(options),
        format: options.format as 'terraform' | 'cloudformation',
        out: options.out as string | undefined,
        force: options.force === true,
        json: options.json === true,
      },
      deps,
    );
    if (options.json === true) writeJson(io, report);
    return ExitCode.ok;
  });
}

export async function runVerify(options: Options, io: Io): Promise<ExitCode> {
  const { verify } = await import('./commands/verify.js');
  const stated = await statedAllowlistOf(options);
  return withSession('verify', options, io, async (deps) => {
    const report = await verify(
      { ...stackOptions(options), expectIps: stated?.ips, expectIpsSource: stated?.source },
      deps,
    );
    if (options.json === true) writeJson(io, report);
    return (await import('./commands/verify.js')).verifyExit(report);
  });
}

export async function runTeardown(options: Options, io: Io): Promise<ExitCode> {
  const { teardown } = await import('./commands/teardown.js');
  return withSession('teardown', options, io, async (deps) => {
    const demo = await demoDefaults(options, deps, false);
    const result = await teardown(
      {
        name: options.name,
        state: options.state,
        region: options.region,
        profile: options.profile,
        yes: demo.yes,
        keepEip: options.keepEip === true,
        wait: options.wait as string | undefined,
      },
      deps,
    );
    if (options.json === true) {
      const store = deps.openStore(options.name, options.state);
      const { teardownJson } = await import('./json-output.js');
      writeJson(io, teardownJson(options.name, result, (await store.read()) ?? undefined, store.path));
    }
    return ExitCode.ok;
  });
}

export async function runForget(options: Options, io: Io): Promise<ExitCode> {
  const { forget } = await import('./commands/forget.js');
  return withSession('forget', options, io, async (deps) => {
    const result = await forget(
      { ...stackOptions(options), yes: options.yes === true, keepTags: options.keepTags === true },
      deps,
    );
    if (options.json === true) writeJson(io, { name: options.name, ...result });
    return ExitCode.ok;
  });
}

export async function runList(options: Options, io: Io): Promise<ExitCode> {
  const { list } = await import('./commands/list.js');
  return withSession('list', options, io, async (deps) => {
    const report = await list({ region: options.region, profile: options.profile }, deps);
    if (options.json === true) writeJson(io, report);
    return ExitCode.ok;
  });
}

export async function runDetach(options: Options, io: Io): Promise<ExitCode> {
  const { detach } = await import('./commands/detach.js');
  return withSession('detach', options, io, async (deps) => {
    const detached = await detach(
      {
        ...stackOptions(options),
        functions: (options.function as string[] | undefined) ?? [],
        services: servicesOf(options),
        yes: options.yes === true,
      },
      deps,
    );
    if (options.json === true) writeJson(io, { name: options.name, detached });
    return ExitCode.ok;
  });
}

/** `attach`: setup for a stack that exists, adding functions to it (with setup's checks and consent). */
export async function runAttach(options: Options, io: Io): Promise<ExitCode> {
  const { setup } = await import('./commands/setup.js');
  const { openStack } = await import('./commands/stack.js');
  return withSession('attach', options, io, async (deps) => {
    const functions = (options.function as string[] | undefined) ?? [];
    const services = servicesOf(options);
    if (functions.length === 0 && services.length === 0)
      throw new FixedIpError('BAD_OPTION', 'no function or ECS service given', {
        hint: 'pass --function <name> or --ecs-service CLUSTER/SERVICE (repeatable)',
      });
    // The stack must exist (its state file, or its tags): attach never makes a new stack.
    const { state } = await openStack(
      stackOptions(options),
      deps,
      deps.openStore(options.name, options.state),
    );
    const all = [...new Set([...Object.keys(state.functions), ...functions])];
    const allServices = [...new Set([...Object.keys(state.services ?? {}), ...services])];
    const result = await setup(
      {
        ...setupOptions(options, { yes: options.yes === true, functions: all }),
        services: allServices,
      },
      deps,
    );
    if (options.json === true) {
      const { setupJson } = await import('./json-output.js');
      writeJson(io, setupJson(result, deps.openStore(options.name, options.state).path));
    }
    return ExitCode.ok;
  });
}

export async function runUnlock(options: Options, io: Io): Promise<ExitCode> {
  const { unlock } = await import('./commands/unlock.js');
  return withSession('unlock', options, io, async (deps) => {
    const result = await unlock(
      { name: options.name, state: options.state, region: options.region, yes: options.yes === true },
      deps,
    );
    if (options.json === true) writeJson(io, { name: options.name, ...result });
    return ExitCode.ok;
  });
}

export async function runStateMove(options: Options, io: Io): Promise<ExitCode> {
  const { stateMove } = await import('./commands/state-move.js');
  return withSession('state move', options, io, async (deps) => {
    const moved = await stateMove(
      { name: options.name, state: options.state, to: options.to as string },
      deps,
    );
    if (options.json === true) writeJson(io, { name: options.name, ...moved });
    return ExitCode.ok;
  });
}

/** `ci github`: writes the scheduled check's workflow; no AWS call. */
export async function runCiGithub(options: Options, io: Io): Promise<ExitCode> {
  const { ciGithub } = await import('./commands/ci.js');
  const allowlist = await statedAllowlistOf(options);
  const state =
    options.state === undefined ? defaultStateSetting(io.env) : { value: options.state, source: '--state' };
  return withSession('ci github', options, io, async (deps) => {
    const report = await ciGithub(
      {
        name: options.name,
        region: options.region ?? (io.env.AWS_REGION || io.env.AWS_DEFAULT_REGION || undefined),
        roleArn: options.roleArn as string | undefined,
        allowlist,
        schedule: options.schedule as string | undefined,
        out: options.out as string | undefined,
        state,
        force: options.force === true,
        json: options.json === true,
        package: options.package as string | undefined,
      },
      { ui: deps.ui, print: (text) => io.stdout.write(text) },
    );
    if (options.json === true) writeJson(io, report);
    return ExitCode.ok;
  });
}
