import { mkdir, stat } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { FixedIpError } from '../errors.js';
import {
  checkRoleArn,
  checkSchedule,
  DEFAULT_SCHEDULE,
  DEFAULT_WORKFLOW_PATH,
  workflowYaml,
} from '../engine/ci-workflow.js';
import type { AllowlistSource, StatedAllowlist } from '../engine/allowlist.js';
import { checkStackName } from '../model/options.js';
import type { Ui } from '../ports/ui.js';
import { parseStateLocation, type StateSetting } from '../state/location.js';
import { VERSION } from '../version.js';

export interface CiGithubOptions {
  name: string;
  region: string | undefined;
  roleArn: string | undefined;
  /** --expect-ips, else the project file's list for the stack. */
  allowlist: StatedAllowlist | undefined;
  schedule?: string | undefined;
  out?: string | undefined;
  /** --state, else FIXED_IP_STATE or the project file's "state". */
  state: StateSetting | undefined;
  force?: boolean | undefined;
  json?: boolean | undefined;
  /** --package: what the workflow installs, when not fixed-ip@<this version> from the npm registry. */
  package?: string | undefined;
}

export interface CiDeps {
  ui: Ui;
  /** Prints the workflow as written, byte for byte (the UI's result lines complete hints with flags). */
  print: (text: string) => void;
}

/** The stable `ci github --json` shape: fields may be added, none removed. */
export interface CiGithubReport {
  name: string;
  region: string;
  /** The workflow file written (absolute path), and its text. */
  path: string;
  workflow: string;
  roleArn: string;
  schedule: string;
  expectIps: string[];
  /** Where the stated list came from: `--expect-ips` or `.fixed-ip/config.json`. */
  expectIpsSource: AllowlistSource;
  /** The s3:// state the check reads; null: none it can read, so it finds the stack by its tags. */
  state: string | null;
  version: string;
  /** What the workflow installs with npm. */
  package: string;
  /** What to do next, in order. */
  nextSteps: string[];
}

/**
 * `fixed-ip ci github`: writes a GitHub Actions workflow that checks the stack on a schedule (status
 * and verify, held to the stated allowlist) with a role assumed through GitHub's OIDC provider.
 * No AWS call; writes one file, never over an existing one without --force.
 */
export async function ciGithub(options: CiGithubOptions, deps: CiDeps): Promise<CiGithubReport> {
  const { ui } = deps;
  const name = checkStackName(options.name);
  const region = options.region;
  if (region === undefined || region === '')
    throw new FixedIpError('BAD_OPTION', 'ci github needs the region the stack is in', {
      hint: 'pass --region, e.g. --region eu-west-1 (or set AWS_REGION)',
    });
  if (!/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(region))
    throw new FixedIpError('BAD_OPTION', `--region "${region}" is not an AWS region`, {
      hint: 'e.g. --region eu-west-1',
    });
  if (options.roleArn === undefined)
    throw new FixedIpError('BAD_OPTION', 'ci github needs --role-arn: the role the workflow assumes', {
      hint: 'e.g. --role-arn arn:aws:iam::123456789012:role/fixed-ip-ci; fixed-ip iam-policy --for ci --repo OWNER/NAME prints its policies',
    });
  const roleArn = checkRoleArn(options.roleArn);
  // The check holds the account to a list a person stated: never one read from the account now,
  // which would take whatever drift there already is as the allowlist.
  if (!options.allowlist)
    throw new FixedIpError('BAD_OPTION', `no allowlist stated for stack ${name}`, {
      hint: `pass --expect-ips A,B (the IPs your partners allowlisted; fixed-ip status --name ${name} prints the stack's), or put "expectIps": { "${name}": [...] } in .fixed-ip/config.json`,
    });
  const schedule = checkSchedule(options.schedule ?? DEFAULT_SCHEDULE);
  if (options.package !== undefined && !/^\S+$/.test(options.package))
    throw new FixedIpError('BAD_OPTION', `--package "${options.package}" is not one npm install spec`, {
      hint: 'e.g. --package https://example.com/fixed-ip-0.1.0.tgz',
    });
  const location = options.state && parseStateLocation(options.state.value, name, options.state.source);
  const state = location?.kind === 's3' ? options.state?.value : undefined;
  const path = resolve(options.out ?? DEFAULT_WORKFLOW_PATH);
  const workflow = workflowYaml({
    stack: name,
    region,
    roleArn,
    expectIps: options.allowlist.ips,
    schedule,
    state,
    version: VERSION,
    package: options.package,
  });
  await writeWorkflow(path, workflow, options.force === true);
  if (state === undefined)
    ui.notify({
      level: 'warn',
      code: 'ci.localState',
      text: `The stack's state is ${location?.kind === 'file' ? `the local file ${location.path}` : 'a local file'}, which a CI runner cannot read: the check finds stack ${name} by its tags, as status does without a state file. Move it to S3 (fixed-ip state move --name ${name} --to s3://BUCKET/fixed-ip/${name}.json) and run ci github again to have CI read the same state as you`,
    });
  const shown = relative(process.cwd(), path) || path;
  const report: CiGithubReport = {
    name,
    region,
    path,
    workflow,
    roleArn,
    schedule,
    expectIps: [...options.allowlist.ips],
    expectIpsSource: options.allowlist.source,
    state: state ?? null,
    version: VERSION,
    package: options.package ?? `fixed-ip@${VERSION}`,
    nextSteps: [
      `fixed-ip iam-policy --for ci --repo OWNER/NAME --account ${accountOf(roleArn)}${state ? ` --state ${state}` : ''} > ci-policies.json`,
      `create the role ${roleArn} with ci-policies.json's trustPolicy, and put its permissionsPolicy on it (docs/allowlist.md shows the aws commands); the account needs GitHub's OIDC provider (token.actions.githubusercontent.com) once`,
      `commit ${shown} and push it to the default branch; run it once from the Actions tab (workflow_dispatch)`,
    ],
  };
  if (options.json !== true) print(deps, report, shown);
  return report;
}

const accountOf = (roleArn: string): string => roleArn.split(':')[4] ?? '<ACCOUNT_ID>';

/** Written whole or not at all (a temporary file renamed), and never over a file without --force. */
async function writeWorkflow(path: string, text: string, force: boolean): Promise<void> {
  const exists = await stat(path).then(
    () => true,
    () => false,
  );
  if (exists && !force)
    throw new FixedIpError('BAD_OPTION', `${path} already exists`, {
      hint: 'pass --force to replace it, or --out to write the workflow elsewhere; nothing was written',
    });
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, text);
}

function print({ ui, print: write }: CiDeps, report: CiGithubReport, shown: string): void {
  ui.notify({ level: 'info', code: 'ci.written', text: `Wrote ${shown}:` });
  write(report.workflow);
  ui.notify({
    level: 'info',
    code: 'ci.next',
    text: ['Next:', ...report.nextSteps.map((step, index) => `  ${index + 1}. ${step}`)].join('\n'),
  });
}
