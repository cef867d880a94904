import { Command, CommanderError, Option } from 'commander';
import { ExitCode, FixedIpError } from './errors.js';
import { runFlags, withFlags, type RunFlags } from './hints.js';
import { VERSION } from './version.js';

/**
 * The entry point: parses argv, builds the ports, runs one command (imported lazily, so `--help`
 * loads no AWS SDK) and is the only place that decides the exit code.
 */

export interface Io {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
}

export interface GlobalOptions {
  name: string;
  state?: string;
  region?: string;
  profile?: string;
  debug?: boolean;
  simulate?: boolean;
  color?: boolean;
  yes?: boolean;
}

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
  let code: ExitCode;
  try {
    const program = buildProgram(io, async (name, options, run) => {
      command = name;
      flags = runFlags(name, options);
      debug = options.debug === true;
      code = await run(options, io);
    });
    code = ExitCode.ok;
    await program.parseAsync(argv);
  } catch (error) {
    code = report(error, io, debug, command, flags);
    if (json && code !== ExitCode.ok) {
      const { errorJson } = await import('./json-output.js');
      io.stdout.write(`${JSON.stringify(errorJson(error, code))}\n`);
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

function buildProgram(
  io: Io,
  dispatch: (name: string, options: GlobalOptions & Record<string, unknown>, run: Runner) => Promise<void>,
): Command {
  const output = {
    writeOut: (text: string) => io.stdout.write(text),
    writeErr: (text: string) => io.stderr.write(text),
  };
  const program = new Command('fixed-ip')
    .description(
      'Give AWS Lambda functions a fixed outbound IP (NAT gateway + Elastic IP), and take it away again.',
    )
    .version(VERSION, '-v, --version')
    .exitOverride()
    .configureOutput(output)
    // commander's "(Did you mean …?)" would be a second line; errors are one line.
    .showSuggestionAfterError(false);

  const common = (cmd: Command): Command =>
    cmd
      .option('--name <stack>', 'stack name; several stacks may live side by side', 'default')
      .option('--state <path>', 'state file (default .fixed-ip/<name>.json in the current directory)')
      .option('--region <region>', 'AWS region (default: AWS_REGION or your profile)')
      .option('--profile <profile>', 'AWS profile (default: AWS_PROFILE or default)')
      .option('--simulate', 'use the built-in simulated account: no AWS calls, no cost')
      .option('--no-color', 'plain output without colours or spinners')
      .option('--debug', 'stack traces and AWS request ids on error')
      .configureOutput(output)
      .showSuggestionAfterError(false)
      .exitOverride();

  const action =
    (name: string, load: () => Promise<Runner>) =>
    async (options: GlobalOptions & Record<string, unknown>) => {
      await dispatch(name, options, await load());
    };

  program.addCommand(
    setupOptions(common(new Command('setup')))
      .description('create (or finish, or repair) the fixed-IP network and move the functions into it')
      .option('-y, --yes', 'consent to create billable resources without asking')
      .option('--verify', 'when done, prove the egress IP from inside the VPC (as fixed-ip verify)')
      .option('--json', 'one JSON object on stdout, progress on stderr (see README)')
      .action(action('setup', async () => (await import('./run.js')).runSetup)),
  );
  program.addCommand(
    setupOptions(common(new Command('plan')))
      .description('show what setup would do, what it costs, and whether it would succeed; changes nothing')
      .option('--json', 'one JSON object on stdout')
      .option('--keep-eip', 'also show what a kept Elastic IP costs while idle')
      .action(action('plan', async () => (await import('./run.js')).runPlan)),
  );
  program.addCommand(
    new Command('iam-policy')
      .description('print the least-privilege IAM policy the CLI user needs')
      .addOption(
        new Option('--for <command>', 'only what this command needs').choices([
          'setup',
          'status',
          'teardown',
          'verify',
        ]),
      )
      .option('--json', 'the policy is always JSON; accepted for symmetry with the other commands')
      .configureOutput(output)
      .exitOverride()
      .action(action('iam-policy', async () => (await import('./run.js')).runIamPolicy)),
  );
  program.addCommand(
    common(new Command('status'))
      .description('print the Elastic IP and check that everything is still wired as setup left it')
      .option('--json', 'one JSON object on stdout (see README)')
      .action(action('status', async () => (await import('./run.js')).runStatus)),
  );
  program.addCommand(
    common(new Command('verify'))
      .description(
        'prove it from inside the VPC: a short-lived probe per zone reports the IP the internet sees, then is deleted',
      )
      .option('--json', 'one JSON object on stdout (see README)')
      .action(action('verify', async () => (await import('./run.js')).runVerify)),
  );
  program.addCommand(
    common(new Command('teardown'))
      .description('remove what setup made, in the safe order, so the NAT gateway charge stops')
      .option('-y, --yes', 'consent to delete without asking')
      .option('--json', 'one JSON object on stdout, progress on stderr (see README)')
      .option('--keep-eip', 'keep the Elastic IP (and so the allowlisted address) for the next setup')
      .addOption(
        new Option('--wait <minutes>', "how long to wait for Lambda's network interfaces to go").default(
          '30',
        ),
      )
      .action(action('teardown', async () => (await import('./run.js')).runTeardown)),
  );
  return program;
}

/** The options setup and plan share. */
function setupOptions(cmd: Command): Command {
  return cmd
    .option('--function <name>', 'function name or ARN to give the fixed IP (repeatable)', collect, [])
    .option('--vpc <vpc-id>', 'use this VPC')
    .option('--new-vpc', 'create a VPC owned by fixed-ip instead')
    .option('--vpc-cidr <cidr>', 'CIDR of the new VPC (with --new-vpc; default 10.0.0.0/16)')
    .option('--public-cidr <cidr>', 'public subnet CIDR (default: the first free /24)')
    .option('--private-cidr <cidr>', 'private subnet CIDR (default: the next free /24)')
    .option('--az <zone>', 'an Availability Zone for the functions, first zone first (repeatable)', collect)
    .option('--azs <n>', "how many zones (default 2 for a new stack; the stack's own afterwards)")
    .addOption(
      new Option('--nat <mode>', 'how the fixed IP is served (default gateway; see README)').choices([
        'gateway',
        'gateway-per-az',
        'regional',
      ]),
    )
    .option('--eip <allocation-id>', 'adopt this unassociated Elastic IP instead of allocating one')
    .option('--fix-role', "attach AWSLambdaVPCAccessExecutionRole to a function's role that lacks it");
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

const RESUME_HINT: Record<string, string> = {
  setup: 'Stopped; run `fixed-ip setup` again to resume or `fixed-ip teardown` to remove what was made',
  teardown: 'Stopped; run `fixed-ip teardown` again to finish',
};

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
    io.stderr.write(`${withFlags(changed ? (RESUME_HINT[command] ?? 'Stopped') : known.message, flags)}\n`);
    return ExitCode.cancelled;
  }
  const line = known
    ? withFlags(known.line, flags)
    : `unexpected error: ${error instanceof Error ? error.message : String(error)}`;
  io.stderr.write(`error: ${line}${!known && !debug ? ' (run with --debug for details)' : ''}\n`);
  if (debug) {
    const cause = known?.cause ?? error;
    const requestId = (cause as { $metadata?: { requestId?: string } } | undefined)?.$metadata?.requestId;
    if (requestId) io.stderr.write(`AWS request id: ${requestId}\n`);
    io.stderr.write(`${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}\n`);
  }
  return known?.exitCode ?? ExitCode.error;
}
