import { requestId } from './aws/errors.js';
import { Command, CommanderError, Option } from 'commander';
import { ExitCode, FixedIpError } from './errors.js';
import type { CompletionSpec } from './completion.js';
import type * as RunModuleNs from './run.js';
import { runFlags, withFlags, type RunFlags } from './hints.js';
import type { GlobalOptions, Io } from './io.js';
import { VERSION } from './version.js';
import { KIND_INPUTS } from './kinds/index.js';

export type { GlobalOptions, Io };

/**
 * The entry point: parses argv, builds the ports, runs one command (imported lazily, so `--help`
 * loads no AWS SDK) and is the only place that decides the exit code.
 */

type RunModule = typeof RunModuleNs;
type Runner = (options: GlobalOptions & Record<string, unknown>, io: Io) => Promise<ExitCode>;

export async function main(
  argv: string[],
  io: Io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env },
): Promise<ExitCode> {
  // The SDK warns on Node 20 through process.emitWarning; users never need to see it.
  io.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  ignoreClosedPipe(io.stdout);
  ignoreClosedPipe(io.stderr);
  let debug = argv.includes('--debug');
  const json = argv.includes('--json');
  let command = 'setup';
  let flags: RunFlags = { stack: [], byCommand: {} };
  // The help a usage error points at ("see fixed-ip teardown --help"): the JSON error's hint too.
  let usageHelp: string | undefined;
  let code: ExitCode;
  try {
    const program = buildProgram(
      io,
      async (name, options, run) => {
        command = name;
        flags = runFlags(name, options);
        debug = options.debug === true;
        code = await run(options, io);
      },
      (help) => {
        usageHelp = help;
      },
    );
    code = ExitCode.ok;
    await program.parseAsync(argv);
  } catch (error) {
    code = report(error, io, debug, command, flags);
    if (json && code !== ExitCode.ok) {
      const { errorJson } = await import('./json-output.js');
      // The same hint as the line on stderr: the help a usage error points at, or how to resume.
      const hint =
        error instanceof CommanderError
          ? usageHelp
          : error instanceof FixedIpError && error.name === 'AbortError'
            ? resumeHint(error, command)
            : undefined;
      io.stdout.write(`${JSON.stringify(errorJson(error, code, (text) => withFlags(text, flags), hint))}\n`);
    }
  }
  process.exitCode = code;
  return code;
}

/**
 * `fixed-ip status | head -1`: the reader is gone, so what is left to print has nowhere to go.
 * Say nothing and let the command finish (a setup must not stop halfway because its reader left).
 */
function ignoreClosedPipe(stream: NodeJS.WriteStream): void {
  if ((stream as { fixedIpGuard?: true }).fixedIpGuard) return;
  Object.assign(stream, { fixedIpGuard: true });
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') return;
    throw error;
  });
}

/**
 * The command tree as `fixed-ip` parses it, for the generated reference (docs/commands.md); its
 * actions are never run.
 */
export function commandTree(): Command {
  const sink = { write: () => true } as unknown as NodeJS.WriteStream;
  return buildProgram({ stdin: process.stdin, stdout: sink, stderr: sink, env: {} }, () => Promise.resolve());
}

/** Each command's examples, as its `--help` ends with them. */
const EXAMPLES = new WeakMap<Command, string[]>();
export const examplesOf = (cmd: Command): readonly string[] => EXAMPLES.get(cmd) ?? [];

function buildProgram(
  io: Io,
  dispatch: (name: string, options: GlobalOptions & Record<string, unknown>, run: Runner) => Promise<void>,
  /** Told the help a usage error's line points at. */
  onUsage: (help: string) => void = () => undefined,
): Command {
  const output = {
    writeOut: (text: string) => io.stdout.write(text),
    writeErr: (text: string) => io.stderr.write(text),
  };
  const oneLine = (text: string, command: string | undefined): string => {
    onUsage(helpOf(command));
    return usageLine(text, command);
  };
  const program = new Command('fixed-ip')
    .description(
      'Give AWS Lambda functions a fixed outbound IP (NAT gateway + Elastic IP), and take it away again.',
    )
    .version(VERSION, '-v, --version')
    .exitOverride()
    .configureOutput({ ...output, outputError: (text, write) => write(oneLine(text, undefined)) })
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      examples([
        'fixed-ip setup --simulate                  # try it in a simulated account',
        'fixed-ip setup --function orders-api --vpc vpc-0abc1234',
        'fixed-ip verify                            # prove the IP from inside the VPC',
        'fixed-ip completion bash >> ~/.bashrc',
      ]),
    );

  // Each command lists its own options first, then these, under "Global options".
  const common = (cmd: Command): Command =>
    cmd
      .optionsGroup('Global options:')
      .option('--name <stack>', 'stack name; several stacks may live side by side', 'default')
      .option(
        '--state <path|s3-url>',
        'state file or s3://bucket/key.json (default: FIXED_IP_STATE, .fixed-ip/config.json, else .fixed-ip/<name>.json)',
      )
      .option('--region <region>', 'AWS region (default: AWS_REGION or your profile)')
      .option('--profile <profile>', 'AWS profile (default: AWS_PROFILE or default)')
      .option('--simulate', 'use the built-in simulated account: no AWS calls, no cost')
      .option('--no-color', 'plain output without colours or spinners')
      .option('--debug', 'stack traces and AWS request ids on error');

  const define = (
    name: string,
    description: string,
    own: (cmd: Command) => Command,
    shown: string[],
    load: () => Promise<Runner>,
    options: { global?: boolean } = {},
  ): void => {
    const cmd = own(new Command(name).description(description));
    EXAMPLES.set(cmd, shown);
    if (options.global !== false) common(cmd);
    cmd
      .configureOutput({ ...output, outputError: (text, write) => write(oneLine(text, name)) })
      .showSuggestionAfterError(true)
      .exitOverride()
      .addHelpText('after', examples(shown))
      // commander passes the arguments first, then the options, then the command itself.
      .action(async (...args: unknown[]) => {
        const self = args.at(-1) as Command;
        const opts = { ...self.opts(), args: self.args } as GlobalOptions & Record<string, unknown>;
        if (name === 'completion') opts.spec = completionSpec(program);
        await dispatch(name, opts, await load());
      });
    program.addCommand(cmd);
  };
  const run = async (): Promise<RunModule> => import('./run.js');

  define(
    'setup',
    'create (or finish, or repair) the fixed-IP network and move the functions into it',
    (cmd) =>
      setupOptions(cmd)
        .option('-y, --yes', 'consent to create billable resources without asking')
        .option('--verify', 'when done, prove the egress IP from inside the VPC (as fixed-ip verify)')
        .option('--json', 'one JSON object on stdout, progress on stderr (see docs/json.md)'),
    [
      'fixed-ip setup                                   # asks what it needs, in a terminal',
      'fixed-ip setup --function orders-api --vpc vpc-0abc1234 --yes',
      'fixed-ip setup --function orders-api --nat gateway-per-az --azs 2 --verify',
      'fixed-ip setup --simulate --yes                  # the simulated account, nothing billed',
    ],
    async () => (await run()).runSetup,
  );
  define(
    'plan',
    'show what setup would do, what it costs, and whether it would succeed; changes nothing',
    (cmd) =>
      setupOptions(cmd)
        .option('--json', 'one JSON object on stdout, progress on stderr (see docs/json.md)')
        .option('--keep-eip', 'also show what a kept Elastic IP costs while idle'),
    [
      'fixed-ip plan --function orders-api --vpc vpc-0abc1234',
      'fixed-ip plan --function orders-api --nat regional --json | jq .monthlyCostUsd',
    ],
    async () => (await run()).runPlan,
  );
  define(
    'status',
    'print the Elastic IP and check that everything is still wired as setup left it',
    (cmd) =>
      cmd
        .option('--json', 'one JSON object on stdout, progress on stderr (see docs/json.md)')
        .option(
          '--expect-ips <ips>',
          'the allowlist, comma-separated: exit 8 (ALLOWLIST_CHANGED) when traffic leaves from other IPs',
          collect,
        ),
    [
      'fixed-ip status',
      'fixed-ip status --name payments --region eu-west-1',
      'fixed-ip status --json | jq -r .elasticIp',
      'fixed-ip status --expect-ips 203.0.113.10,203.0.113.11',
    ],
    async () => (await run()).runStatus,
  );
  define(
    'verify',
    'prove it from inside the VPC: a short-lived probe per zone reports the IP the internet sees, then is deleted',
    (cmd) =>
      cmd
        .option('--json', 'one JSON object on stdout, progress on stderr (see docs/json.md)')
        .option(
          '--expect-ips <ips>',
          'the allowlist, comma-separated: exit 8 (ALLOWLIST_CHANGED) when the probes see other IPs',
          collect,
        ),
    [
      'fixed-ip verify',
      'fixed-ip verify --name payments --json',
      'fixed-ip verify --simulate',
      'fixed-ip verify --expect-ips 203.0.113.10,203.0.113.11',
    ],
    async () => (await run()).runVerify,
  );
  define(
    'teardown',
    'remove what setup made, in the safe order, so the NAT gateway charge stops',
    (cmd) =>
      cmd
        .option('-y, --yes', 'consent to delete without asking')
        .option('--keep-eip', 'keep the Elastic IP (and so the allowlisted address) for the next setup')
        .addOption(
          new Option('--wait <minutes>', "how long to wait for Lambda's network interfaces to go").default(
            '30',
          ),
        )
        .option('--json', 'one JSON object on stdout, progress on stderr (see docs/json.md)'),
    ['fixed-ip teardown', 'fixed-ip teardown --keep-eip --yes    # keep the IP for the next setup'],
    async () => (await run()).runTeardown,
  );
  define(
    'forget',
    'let go of a stack your own IaC now holds (after fixed-ip export): no resource is touched, and fixed-ip never deletes it',
    (cmd) =>
      cmd
        .option('-y, --yes', 'consent without asking')
        .option('--keep-tags', "keep fixed-ip's tags on the resources too (then nothing in AWS changes)")
        .option('--json', 'one JSON object on stdout, progress on stderr (see docs/json.md)'),
    [
      'fixed-ip forget --name prod',
      'fixed-ip forget --name prod --keep-tags --yes    # not one AWS call that changes anything',
    ],
    async () => (await run()).runForget,
  );
  define(
    'iam-policy',
    'print the least-privilege IAM policy the CLI user needs',
    (cmd) =>
      cmd
        .addOption(
          new Option(
            '--for <command>',
            "only what this command needs; nat-instance: the role a NAT instance itself holds (it tags itself, and moves only the stack's interface)",
          ).choices([
            'setup',
            'status',
            'teardown',
            'verify',
            'cost',
            'export',
            'forget',
            'ci',
            'nat-instance',
          ]),
        )
        .option(
          '--repo <owner/name>',
          "with --for ci: also print the trust policy that lets this GitHub repository's default branch assume the role (OIDC)",
        )
        .option('--branch <name>', 'with --repo: the branch the scheduled workflow runs on (default main)')
        .option(
          '--account <id>',
          'with --repo: the AWS account id in the trust policy (default: the placeholder <ACCOUNT_ID>)',
        )
        .option('--name <stack>', 'with --for nat-instance: the stack the role is for (default: <stack>)')
        .option(
          '--state <s3-url>',
          'also allow the S3 calls an s3:// state needs, scoped to that bucket and key',
        )
        .option('--json', 'the policy is always JSON; accepted for symmetry with the other commands'),
    [
      'fixed-ip iam-policy > fixed-ip-policy.json',
      'fixed-ip iam-policy --for verify',
      'fixed-ip iam-policy --for nat-instance --name prod',
      'fixed-ip iam-policy --for ci --repo octo-org/payments --account 123456789012 > ci-policies.json',
      'fixed-ip iam-policy --state s3://team-state/fixed-ip/prod.json',
    ],
    async () => (await run()).runIamPolicy,
    { global: false },
  );
  define(
    'list',
    'the stacks in this account and region, found by their tags: IPs, NAT mode, zones, functions, cost',
    (cmd) => cmd.option('--json', 'one JSON object on stdout, progress on stderr (see docs/json.md)'),
    ['fixed-ip list', 'fixed-ip list --region eu-west-1 --json'],
    async () => (await run()).runList,
  );
  define(
    'cost',
    'what the stack has cost so far, what a month costs, each NAT mode for the same traffic, and how to pay less',
    (cmd) =>
      cmd
        .option(
          '--since <date>',
          "count from this day (YYYY-MM-DD, UTC) or ISO time (default: the stack's first resource)",
        )
        .option('--actual', 'also ask Cost Explorer what AWS billed (AWS charges 0.01 USD a request)')
        .option('--json', 'one JSON object on stdout, progress on stderr (see docs/json.md)'),
    [
      'fixed-ip cost',
      'fixed-ip cost --since 2026-12-01 --actual',
      'fixed-ip cost --json | jq .estimate.totalUsd',
    ],
    async () => (await run()).runCost,
  );
  define(
    'export',
    'write the live stack as Terraform or CloudFormation files that import it, to hand it over to your IaC',
    (cmd) =>
      cmd
        .addOption(
          new Option(
            '--format <tool>',
            'terraform (*.tf.json with import blocks) or cloudformation (a template and its import list)',
          )
            .choices(['terraform', 'cloudformation'])
            .makeOptionMandatory(),
        )
        .option(
          '--out <dir>',
          'where the files go (default: ./fixed-ip-<stack>-<format>); never overwrites a file',
        )
        .option('--force', 'export a stack that has drifted, as it is live')
        .option('--json', 'one JSON object on stdout, progress on stderr (see docs/json.md)'),
    [
      'fixed-ip export --format terraform',
      'fixed-ip export --name prod --format cloudformation --out infra/fixed-ip',
    ],
    async () => (await run()).runExport,
  );
  define(
    'attach',
    'add functions or ECS services to an existing stack (the same checks and consent as setup)',
    (cmd) =>
      cmd
        .option('--function <name>', 'function name or ARN to add (repeatable)', collect)
        .option(
          '--ecs-service <cluster/service>',
          'ECS service (awsvpc) to add, or its ARN (repeatable)',
          collect,
        )
        .option('-y, --yes', 'consent without asking')
        .option('--json', 'one JSON object on stdout, progress on stderr (see docs/json.md)'),
    [
      'fixed-ip attach --name prod --function billing-api --yes',
      'fixed-ip attach --name prod --ecs-service prod-cluster/api --yes',
    ],
    async () => (await run()).runAttach,
  );
  define(
    'detach',
    'take functions or ECS services out of a stack, back to the network settings they had before setup',
    (cmd) =>
      cmd
        .option('--function <name>', 'function name or ARN to take out (repeatable)', collect)
        .option(
          '--ecs-service <cluster/service>',
          'ECS service to take out, or its ARN (repeatable)',
          collect,
        )
        .option('-y, --yes', 'consent without asking')
        .option('--json', 'one JSON object on stdout, progress on stderr (see docs/json.md)'),
    ['fixed-ip detach --name prod --function billing-api --yes'],
    async () => (await run()).runDetach,
  );
  define(
    'unlock',
    "remove a stack's lock left by a run that is gone (like terraform force-unlock)",
    (cmd) =>
      cmd
        .option('-y, --yes', 'remove it without asking')
        .option('--json', 'one JSON object on stdout, progress on stderr (see docs/json.md)'),
    ['fixed-ip unlock --name prod', 'fixed-ip unlock --name prod --state s3://team-state/prod.json --yes'],
    async () => (await run()).runUnlock,
  );
  const STATE_MOVE_EXAMPLES = ['fixed-ip state move --name prod --to s3://team-state/prod.json'];
  // Its own options first: common() starts the "Global options" group for every option after it.
  const move = common(
    new Command('move')
      .description("move a stack's state to another file or to S3 (and back); never overwrites")
      .requiredOption('--to <path|s3-url>', 'where the state goes: a path, or s3://bucket/key.json')
      .option('--json', 'one JSON object on stdout, progress on stderr (see docs/json.md)'),
  );
  EXAMPLES.set(move, STATE_MOVE_EXAMPLES);
  program.addCommand(
    new Command('state')
      .description("manage where a stack's state is kept")
      .configureOutput({ ...output, outputError: (text, write) => write(oneLine(text, 'state')) })
      .showSuggestionAfterError(true)
      .exitOverride()
      .addCommand(
        move
          .configureOutput({ ...output, outputError: (text, write) => write(oneLine(text, 'state move')) })
          .exitOverride()
          .addHelpText('after', examples(STATE_MOVE_EXAMPLES))
          .action(async (...args: unknown[]) => {
            const self = args.at(-1) as Command;
            await dispatch('state move', self.opts(), (await run()).runStateMove);
          }),
      ),
  );
  const CI_GITHUB_EXAMPLES = [
    'fixed-ip ci github --region eu-west-1 --role-arn arn:aws:iam::123456789012:role/fixed-ip-ci --expect-ips 203.0.113.10,203.0.113.11',
    'fixed-ip ci github --name prod --region eu-west-1 --role-arn arn:aws:iam::123456789012:role/fixed-ip-ci --schedule "*/30 * * * *" --force',
  ];
  const github = new Command('github')
    .description(
      'a scheduled GitHub Actions check: status and verify with an OIDC role, failing on drift or a changed allowlist',
    )
    .option(
      '--role-arn <arn>',
      'the IAM role the workflow assumes through GitHub OIDC (see iam-policy --for ci)',
    )
    .option(
      '--expect-ips <ips>',
      'the allowlist the check holds the stack to, comma-separated (default: "expectIps" for the stack in .fixed-ip/config.json)',
      collect,
    )
    .option(
      '--schedule <cron>',
      'when it runs: five cron fields, UTC (default "17 */6 * * *": every 6 hours)',
    )
    .option(
      '--out <path>',
      'where the workflow goes (default .github/workflows/fixed-ip.yml); never overwritten without --force',
    )
    .option('--force', 'replace an existing workflow file')
    .option(
      '--package <spec>',
      'what the workflow installs with npm install --global (default: fixed-ip@<this version>; a tarball or git URL until fixed-ip is on the npm registry)',
    )
    .option('--name <stack>', 'the stack the check is for', 'default')
    .option('--region <region>', 'the region the stack is in (default: AWS_REGION)')
    .option(
      '--state <s3-url>',
      'the s3:// state the check reads (default: FIXED_IP_STATE or .fixed-ip/config.json); a local state is not readable from CI, so the check finds the stack by its tags',
    )
    .option('--json', 'one JSON object on stdout (see docs/json.md)')
    .option('--no-color', 'plain output without colours');
  EXAMPLES.set(github, CI_GITHUB_EXAMPLES);
  program.addCommand(
    new Command('ci')
      .description('write a scheduled check of the stack for a CI service')
      .configureOutput({ ...output, outputError: (text, write) => write(oneLine(text, 'ci')) })
      .showSuggestionAfterError(true)
      .exitOverride()
      .addCommand(
        github
          .configureOutput({ ...output, outputError: (text, write) => write(oneLine(text, 'ci github')) })
          .exitOverride()
          .addHelpText('after', examples(CI_GITHUB_EXAMPLES))
          .action(async (...args: unknown[]) => {
            const self = args.at(-1) as Command;
            await dispatch('ci github', self.opts(), (await run()).runCiGithub);
          }),
      ),
  );
  define(
    'completion',
    'print a shell completion script (commands, options, stack names)',
    (cmd) => cmd.argument('<shell>', 'bash, zsh or fish'),
    [
      'fixed-ip completion bash >> ~/.bashrc',
      'fixed-ip completion zsh > "${fpath[1]}/_fixed-ip"',
      'fixed-ip completion fish > ~/.config/fish/completions/fixed-ip.fish',
    ],
    async () => (await import('./completion.js')).runCompletion,
    { global: false },
  );
  return program;
}

/** The options setup and plan share. */
function setupOptions(cmd: Command): Command {
  cmd
    .option('--function <name>', 'function name or ARN to give the fixed IP (repeatable)', collect)
    .option(
      '--ecs-service <cluster/service>',
      'ECS service (awsvpc network mode) to give the fixed IP, or its ARN (repeatable)',
      collect,
    )
    .option('--vpc <vpc-id>', 'use this VPC')
    .option('--new-vpc', 'create a VPC owned by fixed-ip instead')
    .option('--vpc-cidr <cidr>', 'CIDR of the new VPC (with --new-vpc; default 10.0.0.0/16)')
    .option('--public-cidr <cidr>', 'public subnet CIDR (default: the first free /24)')
    .option('--private-cidr <cidr>', 'private subnet CIDR (default: the next free /24)')
    .option('--az <zone>', 'an Availability Zone for the functions, first zone first (repeatable)', collect)
    .option('--azs <n>', "how many zones (default 2 for a new stack; the stack's own afterwards)")
    .addOption(
      new Option(
        '--nat <mode>',
        'how the fixed IP is served (default gateway; see docs/nat-modes.md)',
      ).choices(['gateway', 'gateway-per-az', 'regional', 'instance']),
    )
    .option('--nat-instance-type <type>', 'with --nat instance: the instance type (default t4g.nano)')
    .option(
      '--replace-nat-instance',
      'with --nat instance: launch a fresh instance from the newest image on the same interface (same IP)',
    )
    .option(
      '--eip <[zone=]allocation-id>',
      'adopt this unassociated Elastic IP instead of allocating one (plain: the first zone; ZONE=id for any zone; repeatable)',
      collect,
    )
    .option('--fix-role', "attach AWSLambdaVPCAccessExecutionRole to a function's role that lacks it");
  // The kinds' own settings (each kind declares its flag).
  for (const input of KIND_INPUTS) cmd.option(input.flag, input.description);
  return cmd;
}

/** What the completion scripts complete: each command, its options, and the choices of those that have them. */
function completionSpec(program: Command): CompletionSpec {
  return program.commands.map((cmd) => ({
    name: cmd.name(),
    description: cmd.description(),
    options: cmd.options.map((option) => ({
      flag: option.long ?? option.short ?? '',
      takesValue: option.required || option.optional,
      choices: option.argChoices ?? [],
      description: option.description,
    })),
  }));
}

function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}\n`;
}

/** Where a usage error points: the command's help. */
const helpOf = (command: string | undefined): string => `see fixed-ip${command ? ` ${command}` : ''} --help`;

/**
 * commander's usage errors, as one line that points at the command's help; its "(Did you mean
 * …?)" joins the line.
 */
function usageLine(text: string, command: string | undefined): string {
  const joined = text.replace(/\n\(Did you mean (.+)\?\)/, ' (did you mean $1?)').replace(/\s+$/, '');
  return `${joined}; ${helpOf(command)}\n`;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

const RESUME_HINT: Record<string, string> = {
  setup: 'run `fixed-ip setup` again to resume or `fixed-ip teardown` to remove what was made',
  teardown: 'run `fixed-ip teardown` again to finish',
};

/** How to go on after a run stopped once it had changed something (none: it changed nothing). */
function resumeHint(error: FixedIpError, command: string): string | undefined {
  const changed = (error as FixedIpError & { changed?: boolean }).changed === true;
  return changed ? RESUME_HINT[command] : undefined;
}

/** One line on stderr for the user; the stack only with --debug. Returns the exit code. */
function report(error: unknown, io: Io, debug: boolean, command: string, flags: RunFlags): ExitCode {
  if (error instanceof CommanderError) {
    if (
      error.code === 'commander.helpDisplayed' ||
      error.code === 'commander.version' ||
      error.code === 'commander.help'
    ) {
      return ExitCode.ok;
    }
    // commander has already printed its one line ("error: unknown option '--x'").
    return ExitCode.usage;
  }
  const known = error instanceof FixedIpError ? error : undefined;
  if (known?.name === 'AbortError') {
    const changed = (known as FixedIpError & { changed?: boolean }).changed === true;
    const resume = resumeHint(known, command);
    const line = changed ? (resume ? `Stopped; ${resume}` : 'Stopped') : known.message;
    io.stderr.write(`${withFlags(line, flags)}\n`);
    return ExitCode.cancelled;
  }
  const line = known
    ? withFlags(known.line, flags)
    : `unexpected error: ${error instanceof Error ? error.message : String(error)}`;
  io.stderr.write(`error: ${line}${!known && !debug ? ' (run with --debug for details)' : ''}\n`);
  if (debug) {
    const cause = known?.cause ?? error;
    const id = requestId(cause);
    if (id) io.stderr.write(`AWS request id: ${id}\n`);
    io.stderr.write(`${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}\n`);
  }
  return known?.exitCode ?? ExitCode.error;
}
